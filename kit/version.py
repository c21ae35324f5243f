"""newsgraph's own version, as installed."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def own_version() -> str:
    try:
        return version("newsgraph")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"
