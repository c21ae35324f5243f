"""Persisted queries over plain HTTP: Apollo's automatic ones, trusted documents, and off."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.server.http_params import Params
from newsgraph.server.persisted_queries import AutomaticPersistedQueries, Document
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS
from tests.server.scrape import answered_by

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})
QUERY = "query Topics { topics { id name } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
GRAPHQL_RESPONSE = "application/graphql-response+json"


def persisted(hash_: str = HASH) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hash_}}


def hash_only_get(hash_: str = HASH) -> dict[str, str]:
    return {"extensions": json.dumps(persisted(hash_))}


def seeds_app(**server: Any) -> Any:
    return make_app(sources=[SEED_SOURCE], **server)


def codes(response: Any) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


@pytest.mark.asyncio
async def test_automatic_persisted_queries_round_trip() -> None:
    accept = {"accept": GRAPHQL_RESPONSE}
    async with client(seeds_app()) as http:
        unknown = await http.post("/graphql", json={"extensions": persisted()}, headers=accept)
        legacy = await http.get("/graphql", params=hash_only_get())
        registered = await http.post(
            "/graphql", json={"query": QUERY, "extensions": persisted()}, headers=accept
        )
        by_hash = await http.post("/graphql", json={"extensions": persisted()}, headers=accept)
        by_get = await http.get(
            "/graphql", params=hash_only_get(), headers={"accept-encoding": "gzip"}
        )
        plain = await http.post("/graphql", json={"query": QUERY})
        again = await http.get("/graphql", params=hash_only_get())
        answered = await answered_by(http)
    # The fast lane serves persisted queries too: the direct executor, then the cache.
    assert answered == {"cache": 1, "direct": 4, "strawberry": 0}
    assert again.json() == by_get.json()
    assert unknown.status_code == 404 and codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown.headers["cache-control"] == "no-store"  # a CDN must not keep the miss
    assert legacy.status_code == 200 and codes(legacy) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert registered.status_code == by_hash.status_code == by_get.status_code == 200
    assert registered.json() == by_hash.json() == by_get.json() == plain.json()
    assert by_get.headers["cache-control"].startswith("public, max-age=")
    assert by_get.headers["etag"] == plain.headers["etag"]


@pytest.mark.asyncio
async def test_a_document_whose_hash_does_not_match_is_refused_and_not_stored() -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    async with client(seeds_app()) as http:
        lying = await http.post("/graphql", json={"query": QUERY, "extensions": persisted(wrong)})
        later = await http.post("/graphql", json={"extensions": persisted(wrong)})
        bad_version = await http.post(
            "/graphql",
            json={
                "query": QUERY,
                "extensions": {"persistedQuery": {"version": 2, "sha256Hash": HASH}},
            },
        )
    assert lying.status_code == 400 and codes(lying) == ["BAD_REQUEST"]
    assert "does not match" in lying.json()["errors"][0]["message"]
    assert codes(later) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert bad_version.status_code == 400 and codes(bad_version) == ["BAD_REQUEST"]


@pytest.mark.asyncio
async def test_an_invalid_document_is_not_remembered() -> None:
    broken = "{ nope }"
    hash_ = hashlib.sha256(broken.encode()).hexdigest()
    async with client(seeds_app()) as http:
        first = await http.post("/graphql", json={"query": broken, "extensions": persisted(hash_)})
        again = await http.post("/graphql", json={"extensions": persisted(hash_)})
    assert codes(first) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(again) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.asyncio
async def test_the_store_is_bounded_in_entries_and_in_bytes() -> None:
    def document(n: int, size: int = 10) -> Document:
        query = f"{{ __typename }} # {n:0{size}d}"
        return Document(query, remember_as=hashlib.sha256(query.encode()).hexdigest())

    async def known(store: AutomaticPersistedQueries, doc: Document) -> bool:
        params = Params(None, None, {}, persisted(doc.remember_as or ""), None)
        try:
            return (await store.document(params)).query == doc.query
        except Exception:
            return False

    by_count = AutomaticPersistedQueries(max_entries=2, max_bytes=10_000)
    first, second, third = document(1), document(2), document(3)
    for doc in (first, second, third):
        await by_count.remember(doc)
    assert len(by_count) == 2
    assert [await known(by_count, doc) for doc in (first, second, third)] == [False, True, True]

    by_size = AutomaticPersistedQueries(max_entries=100, max_bytes=250)
    docs = [document(n, size=80) for n in range(4)]  # about 100 bytes each
    for doc in docs:
        await by_size.remember(doc)
    assert [await known(by_size, doc) for doc in docs] == [False, False, True, True]


CODEGEN_MANIFEST = {HASH: QUERY}
RELAY_MANIFEST = {"8d2c5ea2bdbf4c7d1a57e1a8c1b7f3e2": QUERY}  # Relay's ids are md5 by default
APOLLO_MANIFEST = {
    "format": "apollo-persisted-query-manifest",
    "version": 1,
    "operations": [{"id": HASH, "name": "Topics", "type": "query", "body": QUERY}],
}


@pytest.mark.asyncio
@pytest.mark.parametrize("manifest", [CODEGEN_MANIFEST, RELAY_MANIFEST, APOLLO_MANIFEST])
async def test_trusted_documents_run_and_nothing_else_does(
    manifest: dict[str, object], tmp_path: Path
) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    [id_] = manifest if "operations" not in manifest else [HASH]
    app = seeds_app(persisted_queries="trusted", persisted_queries_manifest=str(path))
    async with client(app) as http:
        by_id = await http.post("/graphql", json={"documentId": id_})
        by_sha = await http.post("/graphql", json={"documentId": f"sha256:{HASH}"})
        in_full = await http.post("/graphql", json={"query": QUERY})
        other = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": GRAPHQL_RESPONSE}
        )
        unknown = await http.post("/graphql", json={"extensions": persisted("0" * 64)})
    assert by_id.status_code == in_full.status_code == 200
    assert by_id.json()["data"]["topics"]
    assert by_id.json() == in_full.json()
    if manifest is not RELAY_MANIFEST:
        assert by_sha.json() == by_id.json()
    assert other.status_code == 400 and codes(other) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "persisted_queries_manifest"),
        ("{}", "non-empty"),
        (json.dumps({"0" * 64: QUERY}), "is not the SHA-256"),
        (json.dumps({"a": 1}), "expected a document"),
    ],
)
def test_a_bad_manifest_stops_the_start(content: str, words: str, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        seeds_app(persisted_queries="trusted", persisted_queries_manifest=str(path))


def test_the_trusted_mode_needs_a_manifest(tmp_path: Path) -> None:
    path = tmp_path / "newsgraph.yaml"
    path.write_text("server: {persisted_queries: trusted}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="trusted needs persisted_queries_manifest"):
        load_config(path, environ={})


@pytest.mark.asyncio
async def test_with_persisted_queries_off_a_hash_is_not_supported() -> None:
    async with client(seeds_app(persisted_queries="off")) as http:
        hashed = await http.post("/graphql", json={"query": QUERY, "extensions": persisted()})
        plain = await http.post("/graphql", json={"query": QUERY})
    assert codes(hashed) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    assert plain.json()["data"]["topics"]
