"""`server`, `schema` and `plugins` are generic names: ours must win over any installed twin."""

from __future__ import annotations

import importlib

import pytest

from server.packages import OWN_PACKAGES, check_own_packages
from tests.conftest import ROOT


@pytest.mark.parametrize("name", OWN_PACKAGES)
def test_package_is_imported_from_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert module.__file__.startswith(str(ROOT / name))


def test_schema_is_not_the_pypi_package() -> None:
    import schema

    assert hasattr(importlib.import_module("schema.model"), "Article")
    assert not hasattr(schema, "Schema"), "the unrelated PyPI 'schema' package is shadowing ours"


def test_start_up_check_passes_here() -> None:
    check_own_packages()
