"""What a real `newsgraph serve` shows and logs: no feed password anywhere, and no log line
echoing a megabyte of query text."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import SEEDS
from tests.e2e.conftest import free_port, serving

PASSWORD = "hunter2-pass"


def test_no_secret_and_no_long_line_in_the_log_or_the_views(tmp_path: Path) -> None:
    feed = f"http://reader:{PASSWORD}@127.0.0.1:{free_port()}/feed.json?api_key=k3y-{PASSWORD}"
    config = tmp_path / "newsgraph.yaml"
    config.write_text(
        f"""
sources:
  - {{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}
  - {{type: remote_feed, name: feed, options: {{url: "{feed}", retries: 0, poll_interval: 1}}}}
server: {{max_query_bytes: 2000000, max_body_bytes: 4000000}}
""",
        encoding="utf-8",
    )
    query = "{ articles { totalCount } " + "x" * 1_000_000 + " !"
    with serving("--config", str(config), "--log-level", "debug") as (base, output):
        sources = httpx.get(f"{base}/-/sources", timeout=10).text
        response = httpx.post(f"{base}/graphql", json={"query": query}, timeout=30)
    assert "feed" in sources and PASSWORD not in sources
    assert response.status_code < 500
    assert any("source 'feed'" in line and "failed" in line for line in output)
    assert not [line for line in output if PASSWORD in line]
    assert max(len(line) for line in output) < 2200
    assert any("GRAPHQL_PARSE_FAILED" in line for line in output)  # logged, and bounded
