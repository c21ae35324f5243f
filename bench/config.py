"""How the benchmark configures newsgraph: one YAML-folder source and the builtin plugins only,
so plugins installed in the environment (an enricher, say) are not what gets measured; and no
load deadline, since a slow load is a result to report, not a failure."""

from __future__ import annotations

from pathlib import Path

from newsgraph.engine.ingest import Ingested
from newsgraph.server.config import Config, folder_sources

LOAD_TIMEOUT = 3600.0


def bench_config(folder: Path) -> Config:
    return Config(
        sources=folder_sources([folder]), load_plugins=frozenset(), source_timeout=LOAD_TIMEOUT
    )


def check_loaded(ingested: Ingested, size: int) -> None:
    """Raise unless the load produced all `size` generated articles."""
    catalog = ingested.catalog
    if len(catalog) + catalog.drafts != size or ingested.problems:
        problems = "; ".join(str(problem) for problem in ingested.problems[:3])
        raise RuntimeError(
            f"loaded {len(catalog) + catalog.drafts} of {size} generated articles "
            f"({len(ingested.problems)} problems: {problems or 'none'})"
        )
