"""The time budget of the request being executed, which the server sets and long-running
execution checks between pieces of work (it cannot be interrupted from outside while it
holds the event loop)."""

from __future__ import annotations

import time
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("newsgraph_deadline", default=None)


class DeadlineExceeded(Exception):
    """The request's time budget ran out."""


def set_deadline(seconds: float) -> None:
    """Give the current request (and the tasks it starts) `seconds` of work from now."""
    _DEADLINE.set(time.monotonic() + seconds)


def expired() -> bool:
    """Whether the current request's budget has run out."""
    deadline = _DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


def check_deadline() -> None:
    """Raise `DeadlineExceeded` once the current request's budget has run out."""
    if expired():
        raise DeadlineExceeded
