"""Repeated timing: a measurement is several runs, reported as median with min and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

Payload = TypeVar("Payload")


@dataclass(frozen=True, slots=True)
class Sample:
    """One value per run, in the measurement's unit."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def scaled(self, factor: float) -> Sample:
        return Sample(tuple(value * factor for value in self.values))


async def per_call(
    make: Callable[[int], Payload],
    call: Callable[[Payload], Awaitable[object]],
    runs: int,
    run_seconds: float,
) -> Sample:
    """Seconds per call: `runs` timed batches, each sized to take about `run_seconds`.

    Call number `n` gets `make(n)`, built before its batch's clock starts. Numbering runs on
    across the calibration and every run, so no two calls share a number.
    """
    done = 0

    async def batch(count: int) -> float:
        nonlocal done
        payloads = [make(n) for n in range(done, done + count)]
        done += count
        started = time.perf_counter()
        for payload in payloads:
            await call(payload)
        return time.perf_counter() - started

    await batch(1)  # the first call may pay for lazy indexes and caches: not timed
    count = 1
    while (elapsed := await batch(count)) < run_seconds / 4:
        count *= 4
    size = max(1, round(count * run_seconds / elapsed))
    return Sample(tuple([await batch(size) / size for _ in range(runs)]))
