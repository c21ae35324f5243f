"""The build backend: setuptools, with editable installs made as a tree of links.

newsgraph's code lives in the top-level folders `engine/`, `schema/`, `server/`, `plugins/` and
`kit/`, mapped onto the single import package `newsgraph` (see `[tool.setuptools]` in
pyproject.toml). For such a mapping setuptools' default editable install hides the package
behind an import hook that type checkers cannot follow, so `mypy --strict` on a plugin project
would not find `newsgraph.plugin_api`. The "strict" editable mode builds a folder of links
named like the package instead, which every tool reads; a module added later needs
`pip install -e .` again.
"""

from __future__ import annotations

from setuptools import build_meta
from setuptools.build_meta import (
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
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


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, str | list[str]] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """An editable wheel in setuptools' "strict" mode unless the caller chose a mode."""
    settings = dict(config_settings or {})
    settings.setdefault("editable_mode", "strict")
    return build_meta.build_editable(wheel_directory, settings, metadata_directory)
