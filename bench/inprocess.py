"""In-process queries: newsgraph through its ASGI app, default Strawberry, and the two floors.

Everything here runs at one corpus size in this process; `flatness` then compares sizes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import strawberry
from graphql import GraphQLSchema, build_client_schema, get_introspection_query

from bench import page_numbers
from bench.asgi import AsgiClient, started
from bench.config import bench_config, check_loaded
from bench.floors import DictPage, GraphQLCorePage
from bench.queries import (
    PAGE,
    PAGE_SIZE,
    Query,
    Variables,
    Walked,
    not_in_schema,
    page_variables,
    queries,
    walk,
)
from bench.report import MICROSECONDS, Row, ratio, times
from bench.timing import per_call
from newsgraph.engine.catalog import Catalog
from newsgraph.schema import query as graphql_query
from newsgraph.schema.context import Context
from newsgraph.server.app import create_app

# Unique queries start from the newest this many articles, at every size alike.
WALKED = 2000
FLOORS = ("page, dict + orjson (floor)", "page, graphql-core over dicts (floor)")
DEFAULT_STRAWBERRY = "page, default Strawberry"
PAGE_TARGET = 10.0  # unique pages: at most this many times the dict + orjson floor
FLAT_QUERIES = ("topic page", "filter", "search")
FLAT_TARGET = 2.0  # "flat": at most this many times the smallest corpus's median


def _errors(body: bytes) -> str | None:
    answer: dict[str, Any] = orjson.loads(body)
    errors = answer.get("errors")
    return f"error: {errors[0].get('message')}" if errors else None


class Measure:
    """Times calls at one size: each a median over `runs` batches of about `run_seconds`."""

    def __init__(self, size: int, runs: int, run_seconds: float) -> None:
        self.size = size
        self.runs = runs
        self.run_seconds = run_seconds

    async def row(
        self,
        name: str,
        make: Callable[[int], Any],
        call: Callable[[Any], Awaitable[object]],
        check: str | None = None,
    ) -> Row:
        """`check` is why the measurement cannot be taken (not in the schema, an error)."""
        if check is not None:
            return Row(name, self.size, MICROSECONDS, None, note=check)
        sample = await per_call(make, call, self.runs, self.run_seconds)
        return Row(name, self.size, MICROSECONDS, sample)


async def _introspected(client: AsgiClient) -> GraphQLSchema:
    answer = orjson.loads(await client.graphql(get_introspection_query(), {}))
    return build_client_schema(answer["data"])


async def newsgraph_rows(client: AsgiClient, measure: Measure, walked: Walked) -> list[Row]:
    served = await _introspected(client)
    rows = []
    for query in queries(walked):
        check = not_in_schema(served, query.document)
        if check is not None:
            check = f"n/a (not in schema: {check})"
        else:
            check = _errors(await client.graphql(query.document, query.variables(0)))
        rows.append(await measure.row(query.name, _maker(query), _poster(client), check))
    return rows


def _maker(query: Query) -> Callable[[int], bytes]:
    return lambda n: orjson.dumps({"query": query.document, "variables": query.variables(n)})


def _poster(client: AsgiClient) -> Callable[[bytes], Awaitable[object]]:
    return lambda body: client.post("/graphql", body)


async def floor_rows(measure: Measure, walked: Walked, catalog: Catalog) -> list[Row]:
    """The two floors and default Strawberry, all serving unique pages of the same catalog."""
    # The floors read the catalog's articles in its own (newest-first) order.
    articles = catalog.order
    positions = max(1, len(articles) - PAGE_SIZE)

    def floor_variables(n: int) -> Variables:
        return {"after": str(n % positions), "prefer": "AMP"}

    dict_page = DictPage(articles)
    core_page = GraphQLCorePage(articles)
    default = strawberry.Schema(query=graphql_query.Query)
    context = Context(catalog=catalog)

    def default_page(variables: Variables) -> str | None:
        result = default.execute_sync(PAGE, variable_values=variables, context_value=context)
        return f"error: {result.errors[0].message}" if result.errors else None

    unique_page = page_variables(walked)
    return [
        await measure.row(FLOORS[0], floor_variables, _awaiting(dict_page)),
        await measure.row(FLOORS[1], floor_variables, _awaiting(core_page)),
        await measure.row(
            DEFAULT_STRAWBERRY,
            unique_page,
            _awaiting(default_page),
            default_page(unique_page(0)),
        ),
    ]


def _awaiting(function: Callable[[Variables], object]) -> Callable[[Variables], Awaitable[None]]:
    async def call(variables: Variables) -> None:
        function(variables)

    return call


async def measure_size(folder: Path, size: int, runs: int, run_seconds: float) -> list[Row]:
    """Every in-process row at one corpus size, judged against this size's floors."""
    measure = Measure(size, runs, run_seconds)
    async with started(create_app(bench_config(folder))) as client:
        check_loaded(client.app.state.runtime.ingested, size)
        walked = await walk(client.graphql, limit=WALKED)
        floors = await floor_rows(measure, walked, client.app.state.runtime.catalog)
        served = await newsgraph_rows(client, measure, walked)
        catalog = client.app.state.runtime.catalog
        numbered = await page_numbers.rows(catalog, size, runs, run_seconds)
    return [*judge_pages([*floors, *served]), *numbered]


def judge_pages(rows: list[Row]) -> list[Row]:
    by_name = {row.name: row for row in rows}
    dict_floor, core_floor = by_name[FLOORS[0]], by_name[FLOORS[1]]
    judged = []
    for row in rows:
        if row.name.startswith("page, ") and row.name not in FLOORS:
            of_dict = ratio(row, dict_floor)
            of_core = ratio(row, core_floor)
            versus = " · ".join(
                filter(None, (times(of_dict, "dict"), times(of_core, "graphql-core")))
            )
            if row.name == "page, unique":
                met = None if of_dict is None else of_dict <= PAGE_TARGET
                row = row.judged(versus, f"≤ {PAGE_TARGET:g}× dict", met)
            else:
                row = row.judged(versus)
        judged.append(row)
    return judged


def flatness(rows: list[Row]) -> list[Row]:
    """Judge topic, filter and search at each size against the smallest size."""
    smallest = min(row.size for row in rows)
    base = {row.name: row for row in rows if row.size == smallest}
    judged = []
    for row in rows:
        if row.name in FLAT_QUERIES and row.size != smallest:
            growth = ratio(row, base.get(row.name))
            if growth is not None:
                row = row.judged(
                    times(growth, f"at {smallest:,}"),
                    f"flat: ≤ {FLAT_TARGET:g}× at {smallest:,}",
                    growth <= FLAT_TARGET,
                )
        judged.append(row)
    return judged
