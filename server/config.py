"""Run-time configuration: which sources to load, and how to serve them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schema.build import Limits

DEFAULT_CONTENT = Path("seeds")


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source: an instance of a source type, with its own name and options."""

    type: str
    name: str
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    sources: tuple[SourceConfig, ...]
    host: str = "127.0.0.1"
    port: int = 8000
    limits: Limits = Limits()


def folder_sources(paths: Sequence[str | Path]) -> tuple[SourceConfig, ...]:
    """One YAML-folder source per path, named after the folder."""
    names: list[str] = []
    for path in paths:
        base = Path(path).resolve().name or "content"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.append(name)
    return tuple(
        SourceConfig("yaml_folder", name, {"path": str(path)})
        for name, path in zip(names, paths, strict=True)
    )


def default_config() -> Config:
    """With no configuration at all, serve the bundled `seeds/` folder."""
    return Config(sources=folder_sources([DEFAULT_CONTENT]))
