"""Serialised GraphQL responses, remembered per catalog snapshot.

A content API answers the same few queries over and over, and its data changes only when a
source reloads. Each catalog snapshot gets its own cache, dropped with the snapshot, so a
reload can never serve a stale answer; within a snapshot a response is a pure function of the
request: the bytes of its body, or its query string.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from newsgraph.engine.catalog import Catalog

CacheKey = bytes


class ResponseCache:
    """Least-recently-used response bodies, bounded by count and by bytes, per catalog."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._snapshots: weakref.WeakKeyDictionary[Catalog, _Entries] = weakref.WeakKeyDictionary()

    def get(self, catalog: Catalog, key: CacheKey) -> bytes | None:
        entries = self._snapshots.get(catalog)
        body = None if entries is None else entries.get(key)
        if body is None:
            self.misses += 1
        else:
            self.hits += 1
        return body

    def put(self, catalog: Catalog, key: CacheKey, body: bytes) -> None:
        if self.max_entries == 0 or len(body) + len(key) > self.max_bytes // 8:
            return  # one huge answer must not push out hundreds of small ones
        entries = self._snapshots.get(catalog)
        if entries is None:
            entries = self._snapshots[catalog] = _Entries()
        entries.put(key, body, self.max_entries, self.max_bytes)


class _Entries:
    __slots__ = ("_bodies", "_bytes")

    def __init__(self) -> None:
        self._bodies: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, key: CacheKey) -> bytes | None:
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
        return body

    def put(self, key: CacheKey, body: bytes, max_entries: int, max_bytes: int) -> None:
        previous = self._bodies.pop(key, None)
        if previous is not None:
            self._bytes -= len(key) + len(previous)
        self._bodies[key] = body
        self._bytes += len(key) + len(body)
        while len(self._bodies) > max_entries or self._bytes > max_bytes:
            dropped_key, dropped = self._bodies.popitem(last=False)
            self._bytes -= len(dropped_key) + len(dropped)
