"""Reading the app's own Prometheus metrics in tests."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of a scrape, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def answered_by(client: Any) -> dict[str, int]:
    """How many GraphQL requests each path answered (`cache`, `direct`, `strawberry`)."""
    found = samples((await client.get("/-/metrics")).text)
    return {
        dict(labels)["answered_by"]: int(value)
        for (name, labels), value in found.items()
        if name == "newsgraph_graphql_requests_total"
    }
