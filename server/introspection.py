"""Plain-data views of the running app, shared by `/-/…` routes and the command line."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from newsgraph.engine.counts import Counts
from newsgraph.engine.sources import Problem, Severity
from newsgraph.server.plugin_manager import Plugins
from newsgraph.server.redaction import redacted
from newsgraph.server.runtime import Runtime

PROBLEMS_LISTED = 1000
"""The most problems of each severity listed per source: a folder whose every record has the
same mistake would otherwise make a response of megabytes. `newsgraph validate` lists all."""


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _listed(problems: list[Problem]) -> list[dict[str, object]]:
    return [
        {"origin": p.origin, "line": p.line, "field": p.field, "message": p.message}
        for p in problems[:PROBLEMS_LISTED]
    ]


def _problems(problems: list[Problem]) -> dict[str, object]:
    errors = [p for p in problems if p.severity is Severity.ERROR]
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    return {
        "error_count": len(errors),
        "warning_count": len(warnings),
        "problems": {
            "errors": _listed(errors),
            "warnings": _listed(warnings),
            "truncated": max(len(errors), len(warnings)) > PROBLEMS_LISTED,
        },
    }


def sources_view(runtime: Runtime) -> list[dict[str, object]]:
    """Each source's state and counts; credentials in its URLs and messages are hidden."""
    counts = runtime.ingested.counts
    rows = [
        {
            **{key: _plain(value) for key, value in asdict(state).items()},
            "counts": counts.get(state.name, Counts()).as_dict(),
            **_problems(runtime.problems_of(state.name)),
        }
        for state in runtime.states.values()
    ]
    return [{key: redacted(value) for key, value in row.items()} for row in rows]


def health_view(runtime: Runtime) -> dict[str, int]:
    """The counts over every source, as `/healthz` and `/readyz` show them."""
    return runtime.ingested.total.as_dict()


def plugins_view(plugins: Plugins) -> list[dict[str, object]]:
    return [
        {
            "name": p.name,
            "version": p.version,
            "builtin": p.builtin,
            "status": "broken" if p.error else "ok",
            "hooks": list(p.hooks),
            "error": p.error,
        }
        for p in plugins.info()
    ]


def table(rows: list[dict[str, object]], columns: list[str]) -> str:
    """Rows as an aligned text table, for the terminal."""
    cells = [columns] + [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    )
