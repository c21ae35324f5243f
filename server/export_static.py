"""`newsgraph export-static`: the static tree written as files, for static hosting.

A file is written only when its bytes differ from what is there, so a re-export touches only
what changed (a CDN or rsync then moves only that). Files an earlier export wrote that the
tree no longer holds (a page past the new last one) are removed; the list of what the export
wrote is kept beside the tree, so nothing else in the folder is ever touched.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsgraph.engine import static_site
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.static_api import Site

MANIFEST = ".newsgraph-export"


@dataclass(frozen=True, slots=True)
class Exported:
    files: int  # files in the tree
    written: int  # of which written, being new or changed
    removed: int  # files of an earlier export no longer in the tree


def _write(path: Path, body: bytes) -> bool:
    """Write `body` to `path` unless it holds those bytes already; whether it wrote."""
    try:
        if path.read_bytes() == body:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    # A reader (or a sync in progress) sees the old file or the new one, never half of one.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "wb") as file:
        file.write(body)
    os.replace(temporary, path)
    return True


def _remove(root: Path, path: str) -> None:
    """Remove a file of an earlier export, and the folders it leaves empty."""
    file = root / path
    file.unlink(missing_ok=True)
    for folder in file.parents:
        if folder == root or any(folder.iterdir()):
            return
        folder.rmdir()


def export(catalog: Catalog, site: Site, out: Path) -> Exported:
    """Write the tree of `catalog` under `out`, at the API's base path (`out/api/...`)."""
    root = out / site.path.strip("/")
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / MANIFEST
    before = set(manifest.read_text("utf-8").split("\n")) - {""} if manifest.exists() else set()
    paths = list(static_site.paths(catalog, site))
    written = 0
    for path in paths:
        rendered = static_site.render(catalog, site, path)
        assert rendered is not None, path  # `paths` names only what `render` renders
        written += _write(root / path, rendered.body)
    stale = sorted(before - set(paths))
    for path in stale:
        _remove(root, path)
    _write(manifest, "".join(f"{path}\n" for path in sorted(paths)).encode("utf-8"))
    return Exported(len(paths), written, len(stale))
