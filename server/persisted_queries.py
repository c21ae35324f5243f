"""Which GraphQL document a request runs: the one it sends, or one persisted earlier.

Three modes (`server.persisted_queries`):

- `apq` (default): Apollo's automatic persisted queries. A request may send only
  `extensions.persistedQuery.sha256Hash`; an unknown hash is answered PERSISTED_QUERY_NOT_FOUND,
  and the client sends the document with its hash, which is checked before the document is
  remembered (in a store bounded in entries and bytes). Plain requests run as ever. With
  `apq_redis_url`, replicas also share what they remember through Redis
  (server/shared_documents.py); the in-process store still answers first, and alone while
  Redis is down.
- `trusted`: only the documents of a manifest run, named by hash (`persistedQuery.sha256Hash`
  or `documentId`), or sent in full when their SHA-256 is in the manifest.
- `off`: documents are always sent in full; a hash is answered PERSISTED_QUERY_NOT_SUPPORTED.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson

from newsgraph.server.config import ConfigError
from newsgraph.server.errors import BAD_REQUEST, RequestError
from newsgraph.server.http_params import Params

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_APOLLO_MANIFEST = "apollo-persisted-query-manifest"


@dataclass(frozen=True, slots=True)
class Document:
    """The document a request runs, and the hash to remember it by once it ran cleanly."""

    query: str
    remember_as: str | None = None


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _not_found() -> RequestError:
    # Apollo Client retries on this message or code, and sends the document.
    return RequestError(404, NOT_FOUND, "PersistedQueryNotFound")


def _missing_query() -> RequestError:
    return RequestError(400, BAD_REQUEST, "No GraphQL query found in the request")


def _requested_hash(params: Params) -> str | None:
    """The `sha256Hash` of an Apollo `persistedQuery` extension, checked for shape."""
    persisted = params.extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise RequestError(400, BAD_REQUEST, "persistedQuery: only version 1 is supported")
    hash_ = persisted.get("sha256Hash")
    if not isinstance(hash_, str) or not _SHA256.fullmatch(hash_):
        raise RequestError(400, BAD_REQUEST, "persistedQuery.sha256Hash: expected 64 hex digits")
    return hash_


class SharedDocuments(Protocol):
    """A store that replicas share. It never raises: while it is unreachable, `get` finds
    nothing and `put` keeps nothing, and the in-process store answers alone."""

    async def get(self, hash_: str) -> str | None: ...

    async def put(self, hash_: str, query: str) -> None: ...

    async def close(self) -> None: ...


class AutomaticPersistedQueries:
    """Documents remembered by their SHA-256, least recently used dropped first; with a
    shared store, also those another replica remembered."""

    def __init__(
        self, max_entries: int, max_bytes: int, shared: SharedDocuments | None = None
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.shared = shared
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._documents)

    async def document(self, params: Params) -> Document:
        hash_ = _requested_hash(params)
        if hash_ is None:
            if params.query is None:
                raise _missing_query()
            return Document(params.query)
        if params.query is None:
            return Document(await self._recall(hash_))
        if sha256(params.query) != hash_:
            raise RequestError(
                400, BAD_REQUEST, "persistedQuery.sha256Hash does not match the query sent"
            )
        return Document(params.query, remember_as=hash_)

    async def _recall(self, hash_: str) -> str:
        query = self._documents.get(hash_)
        if query is not None:
            self._documents.move_to_end(hash_)
            return query
        # Stored under its hash by a replica that checked it, and checked again here: a
        # store anyone can write to must not choose what a hash runs.
        query = None if self.shared is None else await self.shared.get(hash_)
        if query is None or sha256(query) != hash_:
            raise _not_found()
        self._keep(hash_, query)
        return query

    async def remember(self, document: Document) -> None:
        """Keep a document that ran without a request error under its verified hash."""
        hash_, query = document.remember_as, document.query
        if hash_ is None or hash_ in self._documents or not self._keep(hash_, query):
            return
        if self.shared is not None:
            await self.shared.put(hash_, query)

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.close()

    def _keep(self, hash_: str, query: str) -> bool:
        size = len(query.encode())
        if size > self.max_bytes:
            return False
        self._documents[hash_] = query
        self._bytes += size
        while len(self._documents) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._documents.popitem(last=False)
            self._bytes -= len(dropped.encode())
        return True


class TrustedDocuments:
    """Only the manifest's documents run."""

    def __init__(self, manifest: Mapping[str, str]) -> None:
        self._by_id = dict(manifest)
        self._by_hash = {sha256(query): query for query in manifest.values()}

    def __len__(self) -> int:
        return len(self._by_id)

    async def document(self, params: Params) -> Document:
        wanted = _requested_hash(params) or params.document_id
        if wanted is not None:
            query = self._by_id.get(wanted.removeprefix("sha256:"))
            if query is None:
                raise _not_found()
            return Document(query)
        if params.query is None:
            raise _missing_query()
        query = self._by_hash.get(sha256(params.query))
        if query is None:
            raise RequestError(
                400, NOT_IN_LIST, "only the documents of the trusted-documents manifest run here"
            )
        return Document(query)


class SentDocuments:
    """No persisted queries: every request sends its document."""

    async def document(self, params: Params) -> Document:
        if "persistedQuery" in params.extensions or params.document_id is not None:
            raise RequestError(400, NOT_SUPPORTED, "PersistedQueryNotSupported")
        if params.query is None:
            raise _missing_query()
        return Document(params.query)


PersistedQueries = AutomaticPersistedQueries | TrustedDocuments | SentDocuments


def load_manifest(path: str | Path) -> dict[str, str]:
    """A trusted-documents manifest: `{id: document}` as GraphQL Codegen's persisted documents
    and Relay's persisted queries write it, or Apollo's `apollo-persisted-query-manifest`.
    An id of 64 hex digits must be its document's SHA-256."""
    try:
        loaded = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ConfigError(
            f"server.persisted_queries_manifest: cannot read {path}: {error}"
        ) from None
    if isinstance(loaded, dict) and loaded.get("format") == _APOLLO_MANIFEST:
        operations = loaded.get("operations")
        if not isinstance(operations, list) or not all(isinstance(o, dict) for o in operations):
            raise ConfigError(f"{path}: operations: expected a list of {{id, body}}")
        loaded = {o.get("id"): o.get("body") for o in operations}
    if not isinstance(loaded, dict) or not loaded:
        raise ConfigError(f"{path}: expected a non-empty JSON object of id → document")
    for id_, query in loaded.items():
        if not isinstance(id_, str) or not isinstance(query, str) or not query.strip():
            raise ConfigError(f"{path}: {id_!r}: expected a document (text) under a text id")
        if _SHA256.fullmatch(id_) and sha256(query) != id_:
            raise ConfigError(f"{path}: {id_!r}: is not the SHA-256 of its document")
    return loaded
