"""The benchmark harness of newsgraph: `python -m bench`, or `make bench`."""

from __future__ import annotations

from pathlib import Path

# Where `python -m` finds both bench and newsgraph: subprocesses start there.
ROOT = Path(__file__).absolute().parent.parent
