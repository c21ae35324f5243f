"""Plain-data views of the running app, shared by `/-/…` routes and the command line."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from newsgraph.server.runtime import Runtime


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def sources_view(runtime: Runtime) -> list[dict[str, object]]:
    return [
        {key: _plain(value) for key, value in asdict(state).items()}
        for state in runtime.states.values()
    ]


def plugins_view(runtime: Runtime) -> list[dict[str, object]]:
    return [
        {"name": p.name, "version": p.version, "builtin": p.builtin, "hooks": list(p.hooks)}
        for p in runtime.plugins.info()
    ]


def table(rows: list[dict[str, object]], columns: list[str]) -> str:
    """Rows as an aligned text table, for the terminal."""
    cells = [columns] + [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    )
