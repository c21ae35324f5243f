"""GraphQL over HTTP against a real uvicorn: graphql-http's audit, Apollo Client's persisted
queries, a browser's preflight, compression and revalidation, and a quiet log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import SEEDS
from tests.e2e.conftest import run_node, serving

APOLLO_QUERY = (
    "query Newest($n: Int!) { articles(first: $n) { totalCount edges { node { id title } } } }"
)


def test_graphql_http_audit_passes_every_audit(node_clients: Path) -> None:
    with serving(str(SEEDS)) as (base, _):
        printed = run_node(node_clients, "audit.mjs", f"{base}/graphql")
    results = [json.loads(line) for line in printed.splitlines()]
    assert len(results) == 61
    assert [r for r in results if r["status"] != "ok"] == []


def test_apollo_persisted_query_link_round_trip(node_clients: Path) -> None:
    for method in ("POST", "GET"):
        with serving(str(SEEDS)) as (base, _):
            printed = run_node(node_clients, "apollo_apq.mjs", f"{base}/graphql", method.lower())
            plain = httpx.post(
                f"{base}/graphql", json={"query": APOLLO_QUERY, "variables": {"n": 2}}
            ).json()["data"]["articles"]
        outcome = json.loads(printed)
        assert outcome["exchanges"] == [
            # The hash alone is unknown; the retry sends the document (always by POST), and a
            # fresh client's hash alone is then enough.
            {
                "method": method,
                "sentDocument": False,
                "status": 404,
                "codes": ["PERSISTED_QUERY_NOT_FOUND"],
            },
            {"method": "POST", "sentDocument": True, "status": 200, "codes": []},
            {"method": method, "sentDocument": False, "status": 200, "codes": []},
        ]
        for result in outcome["results"]:
            assert result["error"] is None
            articles = result["data"]["articles"]
            assert articles["totalCount"] == plain["totalCount"] == 43
            nodes = [(e["node"]["id"], e["node"]["title"]) for e in articles["edges"]]
            assert nodes == [(e["node"]["id"], e["node"]["title"]) for e in plain["edges"]]


def test_preflight_compression_and_revalidation_over_real_http(tmp_path: Path) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text(
        "server:\n"
        "  cors_allow_origins: [https://app.example]\n"
        "  cors_allow_headers: [Content-Type, Apollo-Require-Preflight]\n"
        "  cors_max_age: 3600\n",
        encoding="utf-8",
    )
    with serving("--config", str(config), str(SEEDS)) as (base, _):
        preflight = httpx.options(
            f"{base}/graphql",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, apollo-require-preflight",
            },
        )
        params = {"query": "{ articles(first: 40) { edges { node { id title url } } } }"}
        first = httpx.get(f"{base}/graphql", params=params, headers={"Accept-Encoding": "gzip"})
        again = httpx.get(
            f"{base}/graphql",
            params=params,
            headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
        )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert "Apollo-Require-Preflight" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Max-Age"] == "3600"
    assert first.status_code == 200
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=60"
    assert first.headers["ETag"]
    assert len(first.json()["data"]["articles"]["edges"]) == 40
    assert again.status_code == 304 and again.content == b""


BAD_REQUESTS: list[dict[str, object]] = [
    {"json": {"query": "{ articles(first: 500) { totalCount } }"}},
    {"json": {"query": '{ articles(after: "not-a-cursor") { totalCount } }'}},
    {"json": {"query": '{ articles(filter: {search: ""}) { totalCount } }'}},
    {"json": {"query": "{ articles { "}},
    {"json": {"query": "{ nope }"}},
    {
        "json": {
            "query": "query($n: Int) { articles(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        }
    },
    {"json": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}},
    {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"content": b"{ __typename }", "headers": {"content-type": "text/plain"}},
    {"json": {"query": "query A { __typename } query B { __typename }"}},
]


def test_a_hundred_bad_client_requests_log_a_line_each_and_no_traceback() -> None:
    with serving(str(SEEDS), "--log-level", "debug") as (base, output):
        with httpx.Client(base_url=base) as http:
            statuses = {
                http.post("/graphql", **BAD_REQUESTS[n % len(BAD_REQUESTS)]).status_code  # type: ignore[arg-type]
                for n in range(100)
            }
    assert statuses <= {200, 400, 404, 415}
    assert not any("Traceback" in line or line.startswith("ERROR") for line in output)
    mistakes = [line for line in output if line.startswith("DEBUG newsgraph.errors:")]
    assert len(mistakes) == 100
    assert all(len(line) < 300 for line in mistakes)
