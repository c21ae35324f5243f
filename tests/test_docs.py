"""Every GraphQL example in the documentation runs without errors against the seeds."""

from __future__ import annotations

import asyncio
import re

import pytest
from graphql import parse, validate

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import ROOT, SEEDS

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
EXAMPLES = [
    pytest.param(block, id=f"{path.name}-{number}")
    for path in DOCS
    for number, block in enumerate(
        re.findall(r"```graphql\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    )
]


@pytest.fixture(scope="module")
def context() -> Context:
    runtime = Runtime(Config(sources=folder_sources([SEEDS])))
    asyncio.run(runtime.load())
    return Context(catalog=runtime.catalog, snapshot=runtime.snapshot)


def test_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("query", EXAMPLES)
def test_example_runs(context: Context, query: str) -> None:
    schema = build_schema()
    if query.lstrip().startswith("subscription"):  # a stream: checked against the schema
        assert validate(schema._schema, parse(query)) == []
        return
    result = schema.execute_sync(query, context_value=context)
    assert result.errors is None, result.errors
    assert result.data
