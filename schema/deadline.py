"""The time budget of the request being executed, which the server sets and long-running
execution checks between pieces of work. Execution on a worker thread cannot be interrupted
from outside, so the budget also carries a flag the server sets when it stops waiting (the
client went away, or the time ran out): the next check then stops the work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from graphql import GraphQLError

TIMEOUT = "TIMEOUT"


class DeadlineExceeded(GraphQLError):
    """The request's time budget ran out; raised in a resolver, a coded field error."""

    def __init__(self) -> None:
        super().__init__("the request ran out of time", extensions={"code": TIMEOUT})


class Deadline:
    """One request's time budget; shared (not copied) by every context the request's work
    runs in, so that a worker thread sees `cancel` at once."""

    __slots__ = ("at", "cancelled")

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.cancelled = False

    def cancel(self) -> None:
        """Stop the request's work at its next check: nobody waits for its answer any more."""
        self.cancelled = True

    def expired(self) -> bool:
        return self.cancelled or time.monotonic() > self.at


_DEADLINE: ContextVar[Deadline | None] = ContextVar("newsgraph_deadline", default=None)


@contextmanager
def request_deadline(seconds: float) -> Iterator[Deadline]:
    """Give the current request (and the tasks and threads it starts with a copy of its
    context) `seconds` of work from now. On the way out, work still running elsewhere is
    called off, and the context is as it was before (a caller that awaits one app call
    after another in one task must not find the last request's deadline)."""
    deadline = Deadline(seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        deadline.cancel()
        _DEADLINE.reset(token)


def expired() -> bool:
    """Whether the current request's budget has run out, or its work was called off."""
    deadline = _DEADLINE.get()
    return deadline is not None and deadline.expired()


def check_deadline() -> None:
    """Raise `DeadlineExceeded` once the current request's budget has run out."""
    if expired():
        raise DeadlineExceeded
