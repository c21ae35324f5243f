"""The heartbeats and their board, and what the health port answers from them."""

from __future__ import annotations

import asyncio
import os

from newsgraph.server.health_port import Health
from newsgraph.server.heartbeat import BEAT, BOARD_BYTES, Heartbeats, beating


def test_a_board_published_is_read_back_in_a_forked_process() -> None:
    heartbeats = Heartbeats()
    slot = heartbeats.slot()
    assert heartbeats.read() == ({}, ["the server is starting"])
    heartbeats.publish({"the event loop": slot}, ["content has not loaded yet"])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the health process's view: the same memory
        loops, reasons = heartbeats.read()
        os.write(write, repr((loops, reasons, heartbeats.age(slot) < 60)).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    seen = os.read(read, 4096).decode()
    assert seen == repr(({"the event loop": slot}, ["content has not loaded yet"], True))


def test_a_board_too_large_keeps_its_first_reason() -> None:
    heartbeats = Heartbeats()
    reasons = [f"source {n} has never loaded: " + "x" * 100 for n in range(BOARD_BYTES // 50)]
    heartbeats.publish({}, reasons)
    assert heartbeats.read() == ({}, reasons[:1])


def test_a_loop_that_stops_beating_is_reported_stalled() -> None:
    heartbeats = Heartbeats()
    slot = heartbeats.slot()
    health = Health(heartbeats, stall_timeout=0.5)

    async def beat_then_hold() -> tuple[int, int]:
        async with beating(heartbeats, slot, lambda: heartbeats.publish({"the loop": slot}, [])):
            await asyncio.sleep(3 * BEAT)
            alive = health.liveness()[0]
            # Held: nothing else runs on this loop meanwhile, its beat included.
            while heartbeats.age(slot) <= 0.5:
                pass
            return alive, health.liveness()[0]

    assert asyncio.run(beat_then_hold()) == (200, 503)
    status, body = health.readiness()
    assert status == 503 and body["reasons"][0].startswith("the loop has not run for")
