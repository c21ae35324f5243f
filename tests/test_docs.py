"""Every GraphQL example in the documentation runs without errors against the seeds."""

from __future__ import annotations

import asyncio
import re

import pytest

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
    return Context(catalog=runtime.catalog)


def test_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("query", EXAMPLES)
def test_example_runs(context: Context, query: str) -> None:
    result = build_schema().execute_sync(query, context_value=context)
    assert result.errors is None, result.errors
    assert result.data
