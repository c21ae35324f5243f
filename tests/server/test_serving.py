"""How `newsgraph serve` runs uvicorn."""

from __future__ import annotations

import asyncio

import uvicorn

from newsgraph.server.serving import on_uvicorns_loop


def test_serve_runs_on_the_event_loop_uvicorn_chooses() -> None:
    loops: list[str] = []

    async def note_the_loop() -> None:
        loops.append(type(asyncio.get_running_loop()).__module__)

    on_uvicorns_loop(note_the_loop(), uvicorn.Config(app=None))  # uvloop: uvicorn[standard]
    assert loops == ["uvloop"]
