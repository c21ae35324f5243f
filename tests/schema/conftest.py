"""The schema tests' shared context: the demo seeds, loaded once per test module."""

from __future__ import annotations

import asyncio

import pytest

from newsgraph.schema.context import Context
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def context() -> Context:
    runtime = Runtime(Config(sources=folder_sources([SEEDS])))
    asyncio.run(runtime.load())
    return Context(catalog=runtime.catalog)
