"""How `newsgraph serve` runs uvicorn."""

from __future__ import annotations

import asyncio
import gc

import uvicorn

from newsgraph.server.serving import YOUNG_COLLECTION_THRESHOLD, on_uvicorns_loop, tune_collector


def test_serve_runs_on_the_event_loop_uvicorn_chooses() -> None:
    loops: list[str] = []

    async def note_the_loop() -> None:
        loops.append(type(asyncio.get_running_loop()).__module__)

    on_uvicorns_loop(note_the_loop(), uvicorn.Config(app=None))  # uvloop: uvicorn[standard]
    assert loops == ["uvloop"]


def test_a_serving_process_collects_its_young_generation_less_often() -> None:
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
        assert YOUNG_COLLECTION_THRESHOLD > before[0]
    finally:
        gc.set_threshold(*before)
