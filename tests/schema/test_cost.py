"""The static cost analysis: what a query is estimated to cost, and refusals before any work."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.cost import ASSUMED_LIST_SIZE, WEIGHTS, Measure, measure, operation_of
from newsgraph.schema.limits import Limits
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS

SCHEMA = build_schema()


def measured(query: str, **variables: Any) -> Measure:
    document = parse(query)
    operation = operation_of(document, None)
    assert operation is not None
    return measure(SCHEMA._schema, document, operation, variables)


def fan_out(levels: int) -> str:
    """Fragments that each spread the previous one twice: 2**levels copies of the first."""
    fragments = ["fragment F0 on Article { id title }"]
    fragments += [
        f"fragment F{n} on Article {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels + 1)
    ]
    return f"{{ articles(first: 1) {{ edges {{ node {{ ...F{levels} }} }} }} }}\n" + "\n".join(
        fragments
    )


def test_page_sizes_multiply_what_each_edge_holds() -> None:
    one = measured("{ articles(first: 1) { edges { node { id title } } } }").cost
    ten = measured("{ articles(first: 10) { edges { node { id title } } } }").cost
    assert ten - one == 9 * 3  # an edge and its node's two fields, nine more times


def test_a_variable_page_size_counts_its_value_and_the_largest_page_without_one() -> None:
    query = "query($n: Int) { articles(last: $n) { edges { node { id } } } }"
    assert measured(query, n=2).cost < measured(query, n=50).cost < measured(query).cost
    assert (
        measured(query).cost == measured("{ articles(first: 100) { edges { node { id } } } }").cost
    )


def test_similar_multiplies_by_its_own_first_and_defaults_to_five() -> None:
    inner = "{ article { id } }"
    base = measured('{ article(id: "x") { id } }').cost
    default = measured(f'{{ article(id: "x") {{ id similar {inner} }} }}').cost
    many = measured(f'{{ article(id: "x") {{ id similar(first: 50) {inner} }} }}').cost
    assert (many - base - 10) == 10 * (default - base - 10)


def test_each_search_snippet_counts_its_weight() -> None:
    hits = '{ articles(filter: {search: "a*"}, first: 100) { edges { cursor %s } } }'
    assert measured(hits % "snippet").cost - measured(hits % "").cost == 100 * WEIGHTS["snippet"]
    # Twenty aliased pages of snippets held the event loop 200 ms at a cost of 2,120.
    pages = " ".join(f"a{n}: {hits[2:-2] % 'snippet'}" for n in range(20))
    assert measured(f"{{ {pages} }}").cost > Limits().max_cost


def test_lists_without_a_size_count_as_the_assumed_size() -> None:
    cost = measured("{ topics { id name } }").cost
    assert cost == 1 + ASSUMED_LIST_SIZE * 2


def test_fragments_count_as_expanded_but_are_measured_in_linear_time() -> None:
    found = measured(fan_out(24))
    assert found.cost > 2**24
    assert found.depth == 3


def test_depth_and_aliases_follow_fragments() -> None:
    query = "{ ...Q } fragment Q on Query { a: topics { b: children { id } } }"
    assert measured(query) == Measure(cost=1 + 20 * (1 + 20), depth=2, aliases=2)


def test_undefined_and_cyclic_fragments_count_nothing() -> None:
    assert measured("{ articles { ...Nope } }").cost == 5
    cyclic = "{ articles { ...A } } fragment A on ArticleConnection { totalCount ...A }"
    assert measured(cyclic).cost == 5 + 2


def test_a_costly_query_is_refused_with_its_cost_and_the_budget(context: Context) -> None:
    result = SCHEMA.execute_sync(fan_out(24), context_value=context)
    assert result.data is None and result.errors
    (error,) = result.errors
    assert error.extensions is not None
    assert error.extensions["code"] == "QUERY_TOO_COSTLY"
    assert error.extensions["budget"] == Limits().max_cost
    assert error.extensions["cost"] == measured(fan_out(24)).cost
    assert str(error.extensions["cost"]) in error.message


def test_the_budget_is_configurable(context: Context) -> None:
    query = "{ articles(first: 100) { edges { node { id } } } }"
    assert SCHEMA.execute_sync(query, context_value=context).errors is None
    tight = build_schema(Limits(max_cost=100))
    errors = tight.execute_sync(query, context_value=context).errors
    assert errors and errors[0].extensions == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 206,
        "budget": 100,
    }


def test_an_undefined_fragment_is_a_validation_error(context: Context) -> None:
    result = SCHEMA.execute_sync(
        "{ articles { edges { node { ...Nope } } } }", context_value=context
    )
    assert result.errors and "Unknown fragment 'Nope'" in result.errors[0].message


@pytest.mark.asyncio
async def test_the_cost_is_in_extensions_when_asked() -> None:
    query = (
        "{ articles(first: 10) { edges { node { id title "
        "similar(first: 3) { score article { id title } } } } } }"
    )
    async with running(create_app(Config(sources=folder_sources([SEEDS])))) as client:
        asked = await client.post("/graphql", json={"query": query, "extensions": {"cost": True}})
        plain = await client.post("/graphql", json={"query": query})
    assert asked.json()["extensions"] == {"cost": {"estimated": 256, "budget": 50_000}}
    assert "extensions" not in plain.json()
    assert asked.json()["data"] == plain.json()["data"]
