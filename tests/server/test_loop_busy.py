"""The loop's busy share and the rule that sheds costly work by it (real time, no clock
stand-in: a stretch of work is given by when it started)."""

from __future__ import annotations

import time

from newsgraph.server.loop_busy import WINDOW, LoopBusy


def test_an_idle_loop_sheds_nothing() -> None:
    busy = LoopBusy(limit=0.9, min_cost=1000)
    assert busy.share() == 0
    assert not busy.sheds(50_000)


def test_work_that_filled_the_window_sheds_costly_requests_only() -> None:
    # A share of nearly 1, and a limit of half: the share stays over it even if this
    # process is paused for 0.15 s between the calls (at 0.9 and 3 WINDOWs, 13 ms would do).
    busy = LoopBusy(limit=0.5, min_cost=1000)
    busy.worked(time.perf_counter() - 10 * WINDOW)
    assert busy.share() >= 0.5
    assert busy.sheds(1000) and busy.sheds(50_000)
    assert not busy.sheds(999)  # a cheap request still runs


def test_a_limit_of_0_sheds_nothing() -> None:
    busy = LoopBusy(limit=0, min_cost=1000)
    busy.worked(time.perf_counter() - 3 * WINDOW)
    assert not busy.sheds(50_000)


def test_one_stretch_of_work_shorter_than_the_window_does_not_shed() -> None:
    busy = LoopBusy(limit=0.9, min_cost=1000)
    busy.worked(time.perf_counter() - WINDOW / 2)
    assert not busy.sheds(50_000)


def test_the_share_decays_once_the_loop_is_idle() -> None:
    busy = LoopBusy(limit=0.9, min_cost=1000)
    busy.worked(time.perf_counter() - 3 * WINDOW)
    before = busy.share()
    time.sleep(WINDOW)
    assert busy.share() < before * 0.5  # e^-1 of it, or less on a slow wakeup
    assert not busy.sheds(50_000)
