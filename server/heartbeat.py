"""Event-loop heartbeats: every loop that serves notes the time every `BEAT` seconds, so that
the health port (`newsgraph.server.health_port`), which answers from a process of its own, can
tell a loop that is alive from one held by long work or hung.

Everything lives in anonymous shared memory made before any process is forked: one slot per
loop for its beats, and a board on which the process that loads (the only one, or the parent
of the workers) publishes, at each of its beats, which loops serve and why the server is not
ready, if it is not.
"""

from __future__ import annotations

import asyncio
import json
import mmap
import struct
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

BEAT = 0.1  # seconds between two notes of a running loop
# Slots are handed out round robin: a slot comes round again only after this many workers
# have been forked, long after a stopped worker (which may still beat while it finishes its
# requests) has exited.
SLOTS = 4096
BOARD_BYTES = 64 * 1024
_TIME = struct.Struct("d")
# The board's header: a sequence number, odd while the board is being written (a reader that
# sees it change, or odd, reads again), and the length of the JSON document after it.
_HEADER = struct.Struct("QI")
READ_TRIES = 100


class Heartbeats:
    """The last beat of each loop, and the board, in memory shared with forked processes."""

    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        self._board = slots * _TIME.size
        # MAP_SHARED: every process forked from this one reads and writes the same pages.
        self._memory = mmap.mmap(-1, self._board + _HEADER.size + BOARD_BYTES)
        self._next = 0
        self._published = b""

    def slot(self) -> int:
        """A slot for a loop about to start, noted as beating now."""
        slot = self._next % self._slots
        self._next += 1
        self.note(slot)
        return slot

    def note(self, slot: int) -> None:
        _TIME.pack_into(self._memory, slot * _TIME.size, time.monotonic())

    def age(self, slot: int) -> float:
        """Seconds since the slot's loop last beat."""
        return time.monotonic() - float(_TIME.unpack_from(self._memory, slot * _TIME.size)[0])

    def publish(self, loops: Mapping[str, int], not_ready: list[str]) -> None:
        """Post the loops that serve (name → slot) and the reasons the server is not ready;
        one process only (the one that loads) publishes."""
        data = json.dumps({"loops": loops, "not_ready": not_ready}).encode()
        if len(data) > BOARD_BYTES:  # thousands of sources that never loaded: the first says it
            data = json.dumps({"loops": loops, "not_ready": not_ready[:1]}).encode()
        if data == self._published:
            return
        sequence = _HEADER.unpack_from(self._memory, self._board)[0]
        _HEADER.pack_into(self._memory, self._board, sequence + 1, 0)
        start = self._board + _HEADER.size
        self._memory[start : start + len(data)] = data
        _HEADER.pack_into(self._memory, self._board, sequence + 2, len(data))
        self._published = data

    def read(self) -> tuple[dict[str, int], list[str]]:
        """The board: the loops that serve and the reasons the server is not ready."""
        start = self._board + _HEADER.size
        for _ in range(READ_TRIES):
            sequence, length = _HEADER.unpack_from(self._memory, self._board)
            data = self._memory[start : start + length]
            if sequence % 2 == 0 and _HEADER.unpack_from(self._memory, self._board)[0] == sequence:
                if not length:
                    return {}, ["the server is starting"]
                try:
                    board = json.loads(data)
                except ValueError:  # torn all the same, on a CPU that reorders stores
                    continue
                return board["loops"], board["not_ready"]
            time.sleep(0.001)
        return {}, ["the server's state could not be read"]

    def stalest(self, loops: Mapping[str, int]) -> tuple[str, float] | None:
        """The loop that beat longest ago, and how long ago; None for no loop."""
        ages = [(name, self.age(slot)) for name, slot in loops.items()]
        return max(ages, key=lambda named: named[1], default=None)


async def _beat(heartbeats: Heartbeats, slot: int, publish: Callable[[], None] | None) -> None:
    while True:
        heartbeats.note(slot)
        if publish is not None:
            publish()
        await asyncio.sleep(BEAT)


@asynccontextmanager
async def beating(
    heartbeats: Heartbeats, slot: int, publish: Callable[[], None] | None = None
) -> AsyncIterator[None]:
    """Note the running loop's beat in `slot` while the block runs, and call `publish` (the
    process that loads: it posts the board) at each beat."""
    task = asyncio.create_task(_beat(heartbeats, slot, publish))
    try:
        yield
    finally:
        task.cancel()
