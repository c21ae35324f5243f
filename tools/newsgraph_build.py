"""The build backend: setuptools, with editable installs made as a tree of links, and
GraphiQL's static files built first (`graphiql_assets.py`).

newsgraph's code lives in the top-level folders `engine/`, `schema/`, `server/`, `plugins/` and
`kit/`, mapped onto the single import package `newsgraph` (see `[tool.setuptools]` in
pyproject.toml). For such a mapping setuptools' default editable install hides the package
behind an import hook that type checkers cannot follow, so `mypy --strict` on a plugin project
would not find `newsgraph.plugin_api`. The "strict" editable mode builds a folder of links
named like the package instead, which every tool reads; a module added later needs
`pip install -e .` again.

Wheels, editable or not, carry GraphiQL's files as package data, so both hooks build them
when they are missing or stale, and ask for node only then. An sdist carries the front-end
project instead (MANIFEST.in), and the wheel built from it makes the files.
"""

from __future__ import annotations

import graphiql_assets
from setuptools import build_meta
from setuptools.build_meta import (
    build_sdist,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

Settings = dict[str, str | list[str]] | None


def get_requires_for_build_wheel(config_settings: Settings = None) -> list[str]:
    return build_meta.get_requires_for_build_wheel(config_settings) + graphiql_assets.requirements()


def get_requires_for_build_editable(config_settings: Settings = None) -> list[str]:
    requires = build_meta.get_requires_for_build_editable(config_settings)
    return requires + graphiql_assets.requirements()


def build_wheel(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    graphiql_assets.ensure_built()
    return build_meta.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(
    wheel_directory: str, config_settings: Settings = None, metadata_directory: str | None = None
) -> str:
    """An editable wheel in setuptools' "strict" mode unless the caller chose a mode."""
    graphiql_assets.ensure_built()
    settings = dict(config_settings or {})
    settings.setdefault("editable_mode", "strict")
    return build_meta.build_editable(wheel_directory, settings, metadata_directory)
