"""A deadline for the running task: what `asyncio.timeout_at` does, with one timer handle and
no context manager. Every GraphQL request sets two deadlines (its body's arrival, its budget)
and nearly always ends before either; `asyncio.timeout` cost about as much as answering from
the response cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Alarm:
    """Cancels the current task at `deadline` (event-loop time) unless stopped first; with
    `early` (a time and a callback), calls the callback at that time if it comes first."""

    def __init__(
        self, deadline: float, early: tuple[float, Callable[[], None]] | None = None
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._loop = asyncio.get_running_loop()
        self._deadline = deadline
        self._early = early
        self._cancelling = task.cancelling()
        self.rang = False
        first = deadline if early is None else min(early[0], deadline)
        self._timer = self._loop.call_at(first, self._ring)

    def _ring(self) -> None:
        if self._early is not None and self._loop.time() < self._deadline:
            _, callback = self._early
            self._early = None
            callback()
            self._timer = self._loop.call_at(self._deadline, self._ring)
        else:
            self.rang = True
            self._task.cancel()

    def stop(self) -> None:
        self._timer.cancel()

    def expired(self) -> bool:
        """Whether the `CancelledError` being handled came from this alarm (and no other
        cancellation is pending): the task then goes on, as after `asyncio.timeout`."""
        return self.rang and self._task.uncancel() <= self._cancelling
