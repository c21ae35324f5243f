"""The `remote_feed` source: fetch a feed (or walk a static API's pages), map it, remember it.

A load either succeeds as a whole or raises, naming the URL and what went wrong; newsgraph
then keeps the last good batch. What was learnt from each document (its validators, a digest
of its body, its mapped page) is kept only once a whole load has succeeded, so a document
that did not change since is neither downloaded nor mapped again, and a load in which nothing
changed returns the previous batch object itself.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from newsgraph.plugin_api import SourceBatch
from newsgraph.plugins.remote_feed.fetch import FetchError, Validators, client, fetch
from newsgraph.plugins.remote_feed.formats import read_document
from newsgraph.plugins.remote_feed.options import parse_options
from newsgraph.plugins.remote_feed.page import Context, DocumentError, Page


@dataclass(frozen=True, slots=True)
class _Known:
    """One document as it was last read."""

    validators: Validators
    digest: bytes
    page: Page


class RemoteFeedSource:
    """A static JSON API, JSON Feed, RSS or Atom document over HTTP; options in docs/sources.md."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        self.name = name
        self.settings = parse_options(options)
        self.poll_interval = self.settings.poll_interval
        self._known: dict[str, _Known] = {}
        self._batch: SourceBatch | None = None
        self._last_status: int | None = None
        self._attempts = 0
        self._unchanged = False

    def details(self) -> Mapping[str, object]:
        first = self._known.get(self.settings.url)
        return {
            "url": self.settings.url,
            "format": first.page.format if first else None,
            "poll_interval": self.poll_interval,
            "pages": len(self._known),
            "etag": first.validators.etag if first else None,
            "last_modified": first.validators.last_modified if first else None,
            "last_status": self._last_status,
            "attempts": self._attempts,
            "unchanged": self._unchanged,
            "headers": sorted(self.settings.fetch.headers),
        }

    async def load(self) -> SourceBatch:
        known: dict[str, _Known] = {}
        changed = False
        self._attempts = 0
        url: str | None = self.settings.url
        async with client(self.settings.fetch) as http:
            while url is not None:
                if len(known) == self.settings.max_pages:
                    raise DocumentError(
                        f"{self.settings.url}: more than max_pages ({self.settings.max_pages}) "
                        "pages; raise max_pages to read them all"
                    )
                if url in known:
                    raise DocumentError(f"{url}: nextPage leads back to this page: a loop")
                entry, fresh = await self._read(http, url, known)
                changed = changed or fresh
                known[url] = entry
                url = entry.page.next_url
        self._unchanged = not changed and list(known) == list(self._known)
        self._known = known
        if self._unchanged and self._batch is not None:
            return self._batch
        self._batch = SourceBatch(
            articles=[record for entry in known.values() for record in entry.page.records],
            problems=[problem for entry in known.values() for problem in entry.page.problems],
        )
        return self._batch

    async def _read(
        self, http: httpx.AsyncClient, url: str, known: Mapping[str, _Known]
    ) -> tuple[_Known, bool]:
        """One document, and whether it differs from the last good load's."""
        before = self._known.get(url)
        try:
            fetched = await fetch(
                http, url, self.settings.fetch, before.validators if before else Validators()
            )
        except FetchError as error:
            self._last_status = error.status
            self._attempts += error.attempts
            raise
        self._last_status = fetched.status
        self._attempts += fetched.attempts
        if fetched.not_modified:
            if before is None:
                raise DocumentError(f"{url}: HTTP 304 Not Modified to an unconditional request")
            return before, False
        digest = hashlib.sha256(fetched.body).digest()
        if before is not None and before.digest == digest:
            return _Known(fetched.validators, digest, before.page), False
        # Every page of a walk must be in the format the first page was found in.
        first = next(iter(known.values()), None)
        expected = first.page.format if first else self.settings.format
        context = Context(fetched.url, self.name, self.settings.provider, self.settings.base_url)
        # Parsing megabytes of XML takes a while: off the event loop, which serves requests.
        page = await asyncio.to_thread(
            read_document, fetched.body, fetched.content_type, expected, context
        )
        return _Known(fetched.validators, digest, page), True
