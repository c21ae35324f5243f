"""`DateTime` and `Date`: RFC 3339 out, nothing but RFC 3339 in, and errors that say so."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from newsgraph.schema.build import build_schema, sdl
from newsgraph.schema.context import Context
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import WriteTree, front_matter

SCHEMA = build_schema()
RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"


def catalog_context(folder: Any) -> Context:
    runtime = Runtime(Config(sources=folder_sources([folder])))
    asyncio.run(runtime.load())
    return Context(catalog=runtime.catalog)


def execute(context: Context, query: str, **variables: Any) -> Any:
    return SCHEMA.execute_sync(query, variable_values=variables, context_value=context)


def test_both_scalars_name_their_specification() -> None:
    assert f'scalar DateTime @specifiedBy(url: "{RFC_3339}")' in sdl()
    assert f'scalar Date @specifiedBy(url: "{RFC_3339}")' in sdl()


def test_utc_is_written_z_and_whole_seconds_have_no_fraction(context: Context) -> None:
    result = execute(context, "{ articles(first: 1) { edges { node { publishedDateTime } } } }")
    (edge,) = result.data["articles"]["edges"]
    assert edge["node"]["publishedDateTime"] == "2024-06-10T08:45:00Z"


def test_fractional_seconds_and_offsets_are_kept_as_instants(write_tree: WriteTree) -> None:
    folder = write_tree(
        {
            "a.md": front_matter(
                title='"A"',
                webUrl="https://a.example/",
                publishedDateTime="2024-06-10T10:45:00.25+02:00",
            ),
            "b.md": front_matter(
                title='"B"',
                webUrl="https://b.example/",
                publishedDateTime="2024-06-09T08:45:00-07:00",
            ),
        }
    )
    result = execute(
        catalog_context(folder),
        "{ articles { edges { node { title publishedDateTime } } } }",
    )
    assert [e["node"] for e in result.data["articles"]["edges"]] == [
        {"title": "A", "publishedDateTime": "2024-06-10T08:45:00.250000Z"},
        {"title": "B", "publishedDateTime": "2024-06-09T15:45:00Z"},
    ]


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("2023-W02", "not in RFC 3339 format"),
        ("2024-06-10", "Time is mandatory"),
        ("2024-06-10 08:45:00Z", "separated by `T`"),
        ("2024-06-10T08:45:00", "UTC offset is mandatory"),
        ("2024-06-10T08:45Z", "second"),
        ("2024-02-30T00:00:00Z", "day is out of range"),
    ],
)
def test_date_times_that_are_not_rfc_3339_are_refused(
    context: Context, given: str, why: str
) -> None:
    query = "query($since: DateTime) { articles(filter: {since: $since}) { totalCount } }"
    result = execute(context, query, since=given)
    assert result.data is None
    (error,) = result.errors
    assert "$since" in error.message and repr(given) in error.message and why in error.message
    literal = execute(context, "{ articles(filter: {since: " + f'"{given}"' + "}) { totalCount } }")
    assert literal.data is None
    message = literal.errors[0].message
    assert message.startswith("filter.since: Expected value of type 'DateTime'")
    assert why in message and f'found: "{given}"' in message


@pytest.mark.parametrize(
    "given", ["2023-09-12T00:00:00Z", "2023-09-12t02:00:00+02:00", "2023-09-11T20:00:00.5-04:00"]
)
def test_rfc_3339_date_times_are_taken_as_instants(context: Context, given: str) -> None:
    query = "query($since: DateTime) { articles(filter: {since: $since}) { totalCount } }"
    result = execute(context, query, since=given)
    assert result.errors is None
    moment = datetime(2023, 9, 12, tzinfo=UTC)
    expected = sum(1 for a in context.catalog.order if a.published_date_time >= moment)
    assert 0 < result.data["articles"]["totalCount"] == expected


def test_published_on_takes_whole_utc_days(context: Context) -> None:
    query = """query($min: Date, $max: Date) {
        articles(filter: {publishedOn: {min: $min, max: $max}}) { totalCount } }"""
    result = execute(context, query, min="2023-09-12", max="2023-09-15")
    days = [a.published_date_time.date() for a in context.catalog.order]
    expected = sum(1 for day in days if date(2023, 9, 12) <= day <= date(2023, 9, 15))
    assert result.data["articles"]["totalCount"] == expected == 4
    one_day = execute(context, query, min="2023-11-27", max="2023-11-27")
    assert one_day.data["articles"]["totalCount"] == days.count(date(2023, 11, 27)) == 2


def test_published_on_narrows_since_and_until(context: Context) -> None:
    query = """{ articles(filter: {since: "2023-09-13T00:00:00Z", until: "2023-12-31T00:00:00Z",
        publishedOn: {min: "2023-09-01", max: "2023-09-14"}}) { totalCount } }"""
    assert execute(context, query).data["articles"]["totalCount"] == 2


@pytest.mark.parametrize("given", ["2023-9-12", "20230912", "2023-W37", "2023-09-12T00:00:00Z"])
def test_dates_that_are_not_full_dates_are_refused(context: Context, given: str) -> None:
    query = "query($min: Date) { articles(filter: {publishedOn: {min: $min}}) { totalCount } }"
    result = execute(context, query, min=given)
    assert result.data is None
    assert "$min" in result.errors[0].message and "not a date such as" in result.errors[0].message


def test_a_day_range_that_ends_before_it_starts_is_an_error(context: Context) -> None:
    query = (
        '{ articles(filter: {publishedOn: {min: "2024-06-10", max: "2024-06-01"}}) { totalCount } }'
    )
    result = execute(context, query)
    assert result.errors[0].message == "publishedOn: min (2024-06-10) is after max (2024-06-01)"
