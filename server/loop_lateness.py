"""How late the event loop runs, and whether it has run late for long enough to shed work.

Under overload the backlog does not wait in admission's queue: most requests run to their end
in one step of the loop, and the rest wait before the loop starts them, in the kernel's socket
buffers and the loop's queue of ready callbacks, where no count can see them. What shows that
wait is a timer: one due every `TICK` runs as late as the loop is behind.

The rule is CoDel's: the loop is *overloaded* once it has stayed later than `target` for a
whole `interval` (the minimum lateness over the interval is above the target), so one slow
request, which makes a single timer late once, does not trip it, and it ends with the first
timer that runs on time. A timer that is overdue right now counts as well, so the requests
that arrived during a stall are shed before that timer's callback has had its turn.
"""

from __future__ import annotations

import asyncio
import time

TICK = 0.01  # seconds between two samples of the loop's lateness
SHED_INTERVAL = 0.1  # seconds the loop must stay later than the target before shedding


class LoopLateness:
    """Samples the running loop's lateness from the first `overloaded()` call on."""

    def __init__(self, target: float, interval: float) -> None:
        self.target = target
        self.interval = interval
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due = 0.0  # when the pending sample's timer is due
        self._late_since: float | None = None  # since when the loop has run later than target

    def overloaded(self) -> bool:
        """Whether the running loop has been later than the target for a whole interval."""
        if not self.target:
            return False
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (a forked worker, another test): sample it
            self._loop, self._late_since = loop, None
            self._schedule(time.monotonic())
            return False
        now = time.monotonic()
        late_since = self._late_since
        if late_since is None and now - self._due > self.target:
            late_since = self._due + self.target
        return late_since is not None and now - late_since >= self.interval

    def _schedule(self, now: float) -> None:
        self._due = now + TICK
        assert self._loop is not None
        self._loop.call_later(TICK, self._sample, self._loop)

    def _sample(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # the sampler of a loop no longer served stops
            return
        now = time.monotonic()
        if now - self._due <= self.target:
            self._late_since = None
        elif self._late_since is None:
            self._late_since = self._due + self.target
        self._schedule(now)
