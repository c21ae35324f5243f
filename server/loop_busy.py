"""How busy the event loop has been with GraphQL work of late, and whether a costly request
should be shed for it.

A burst of heavy queries that the fast lane answers on the loop is invisible to admission's
counts: each runs to its end in one step, so at most one is ever running, and the backlog
waits in the kernel's socket buffers. What shows is that the loop does nothing else: the
time it spends on that work fills the recent past. The endpoint adds each stretch of
GraphQL work it does on the loop (planning, the fast lane, encoding) to a sum that decays
with a time constant of `WINDOW`; the sum over the window is the loop's *busy share*, 0 when
idle, approaching 1 when the work never stops. While it is at or above `limit`, a request
whose estimated cost (known before any resolver runs) is at least `min_cost` is shed, and
a cheap one still runs: the more costly work is offered past what the loop can run, the
larger the share of it that is shed. A single heavy query does not trip it: unbroken work
reaches a share of 0.9 only after 2.3 `WINDOW`s (0.58 s).
"""

from __future__ import annotations

import math
import time

WINDOW = 0.25  # seconds: the time constant of the busy sum's decay


class LoopBusy:
    """The loop's busy share over the recent past, and the rule that sheds costly work."""

    def __init__(self, limit: float, min_cost: int) -> None:
        self.limit = limit
        self.min_cost = min_cost
        self._busy = 0.0  # seconds of work, decayed to `_at`
        self._at = time.perf_counter()

    def worked(self, started: float) -> None:
        """Add the work on the loop from `started` (a `time.perf_counter()`) until now."""
        now = time.perf_counter()
        # The stretch decays as it goes, as if added bit by bit: the sum stays within WINDOW.
        self._busy = self._decayed(now) + WINDOW * -math.expm1((started - now) / WINDOW)
        self._at = now

    def share(self) -> float:
        """The share of the last `WINDOW` the loop spent on GraphQL work (decayed)."""
        return self._decayed(time.perf_counter()) / WINDOW

    def busy(self) -> bool:
        """Whether the loop has been busy at least `limit` of the recent past (never with a
        limit of 0)."""
        # The sum only decays between stretches of work: below the limit undecayed, it is
        # below it now, and the exponential is not needed (most requests, most of the time).
        if not self.limit or self._busy < self.limit * WINDOW:
            return False
        return self.share() >= self.limit

    def sheds(self, cost: int) -> bool:
        """Whether a request of this estimated cost is shed: it is costly and the loop busy."""
        return cost >= self.min_cost and self.busy()

    def _decayed(self, now: float) -> float:
        return self._busy * math.exp((self._at - now) / WINDOW)
