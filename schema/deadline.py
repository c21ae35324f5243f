"""The time budget of the request being executed, which the server sets and long-running
execution checks between pieces of work (it cannot be interrupted from outside while it
holds the event loop)."""

from __future__ import annotations

import time
from contextvars import ContextVar

from graphql import GraphQLError

_DEADLINE: ContextVar[float | None] = ContextVar("newsgraph_deadline", default=None)


TIMEOUT = "TIMEOUT"


class DeadlineExceeded(GraphQLError):
    """The request's time budget ran out; raised in a resolver, a coded field error."""

    def __init__(self) -> None:
        super().__init__("the request ran out of time", extensions={"code": TIMEOUT})


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
