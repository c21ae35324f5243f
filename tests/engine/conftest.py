from __future__ import annotations

import asyncio

import pytest

from newsgraph.engine.catalog import Catalog
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seeds() -> Catalog:
    """The demo content's catalog."""
    return asyncio.run(Runtime(Config(sources=folder_sources([SEEDS]))).load()).catalog
