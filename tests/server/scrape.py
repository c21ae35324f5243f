"""Reading the app's own Prometheus metrics in tests."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families


async def answered_by(client: Any) -> dict[str, int]:
    """How many GraphQL requests each path answered (`cache`, `direct`, `strawberry`)."""
    text = (await client.get("/-/metrics")).text
    (family,) = [
        f for f in text_string_to_metric_families(text) if f.name == "newsgraph_graphql_requests"
    ]
    return {
        s.labels["answered_by"]: int(s.value) for s in family.samples if s.name.endswith("_total")
    }
