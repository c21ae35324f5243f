"""How many long-lived subscription connections (WebSocket and SSE together) are open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class TooManySubscribers(Exception):
    """The server already holds as many subscription connections as it allows."""


class Subscribers:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Hold one place for the duration of a connection; `TooManySubscribers` if none."""
        if self.open >= self.limit:
            raise TooManySubscribers(
                f"this server holds at most {self.limit} subscription connections "
                "(server.subscriber_limit); try again later"
            )
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1
