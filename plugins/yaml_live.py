"""What a watched YAML folder remembers between loads, so that a change re-reads only itself.

`Folder` holds each content file's stat and what it parsed to. Applying a batch of changed
paths re-parses just those files; a file that no longer parses keeps the last version that did
(reported as `stale` until it is fixed); a file that is gone is forgotten. A change it cannot
place (a folder created, moved or deleted) asks for a full rescan instead.
"""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field

import watchfiles

from newsgraph.plugins.yaml_cache import Stat
from newsgraph.plugins.yaml_parse import Failure, Parsed, parse_file

QUIET_MS = 1000
"""How often the watcher reports that nothing happened; the first report says it is ready."""
STEP_MS = 100
"""A batch of changes ends when the folder has been quiet this long..."""
DEBOUNCE_MS = 1600
"""...or when it has been collecting this long: a `git checkout` of 1,000 files is one batch."""
INCREMENTAL_MAX = 2000
"""More changed files than this are read by a full load, which parses on every core."""


class RescanNeeded(Exception):
    """A change that only a full scan of the folder can account for."""


@dataclass(slots=True)
class Folder:
    """Every content file's stat and kept result (by name relative to the folder), and the
    current failure of each file whose kept result is its last good version."""

    files: dict[str, Stat] = field(default_factory=dict)
    results: dict[str, Parsed] = field(default_factory=dict)
    stale: dict[str, Failure] = field(default_factory=dict)

    def settle(self, name: str, parsed: Parsed) -> None:
        """Keep `parsed` for `name`, unless it is a failure and a good version is known."""
        previous = self.results.get(name)
        if isinstance(parsed, tuple) and isinstance(previous, list):
            self.stale[name] = parsed
            return
        self.stale.pop(name, None)
        self.results[name] = parsed

    def replaced(self, files: dict[str, Stat], parsed: Mapping[str, Parsed]) -> Folder:
        """The state after a full load that found `files`, parsed as `parsed`."""
        after = Folder(files, {}, {})
        for name in files:
            previous = self.results.get(name)
            after.results[name] = previous if previous is not None else parsed[name]
            after.settle(name, parsed[name])
        return after

    def forget(self, name: str) -> None:
        self.files.pop(name, None)
        self.results.pop(name, None)
        self.stale.pop(name, None)

    def apply(
        self, root: str, names: Iterable[str], is_content: Callable[[str], bool], max_bytes: int
    ) -> bool:
        """Re-read the files `names` (relative to `root`, absolute) in this process; False
        when none of them is content, so nothing changed."""
        added = touched = False
        for name in names:
            if _hidden(name):
                continue
            path = os.path.join(root, name)
            try:
                found = os.stat(path)
            except FileNotFoundError:
                if name in self.files:
                    self.forget(name)
                    touched = True
                elif self._holds(name):
                    raise RescanNeeded(f"{name} was a folder") from None
                continue
            except OSError:  # unreadable now: parse_file reports it for a known file
                found = None
            if found is not None and stat.S_ISDIR(found.st_mode):
                raise RescanNeeded(f"{name} is a folder")
            if not is_content(name) or (found is not None and not stat.S_ISREG(found.st_mode)):
                if name in self.files:
                    self.forget(name)
                    touched = True
                continue
            if found is not None:
                added |= name not in self.results
                self.files[name] = (
                    found.st_size,
                    found.st_mtime_ns,
                    found.st_ctime_ns,
                    found.st_ino,
                )
            self.settle(name, parse_file(path, max_bytes))
            touched = True
        if added:  # the order a full scan gives: names sorted folder by folder
            self.results = dict(sorted(self.results.items(), key=_by_folder))
        return touched

    def _holds(self, folder: str) -> bool:
        prefix = folder + os.sep
        return any(name.startswith(prefix) for name in self.files)


def _hidden(name: str) -> bool:
    """Dot-files and whatever is in dot-folders (`.git`, an editor's swap files) are never
    content."""
    return any(part.startswith(".") for part in name.split(os.sep))


def _by_folder(item: tuple[str, Parsed]) -> list[str]:
    return item[0].split(os.sep)


async def watch_folder(root: str) -> AsyncIterator[list[str] | None]:
    """The paths under `root` (relative to it) that changed, one sorted list per batch. The
    first item is None, once the watcher is running: what changed before it started is
    found only by a full scan."""
    ready = False
    async for changes in watchfiles.awatch(
        root,
        # watchfiles' default filter looks at the whole path: a folder served from inside a
        # `.venv` or `node_modules` would never change. What is content is decided here.
        watch_filter=None,
        step=STEP_MS,
        debounce=DEBOUNCE_MS,
        rust_timeout=QUIET_MS,
        yield_on_timeout=True,
        ignore_permission_denied=True,
    ):
        if not ready:
            ready = True
            yield None
        names = {os.path.relpath(path, root) for _, path in changes}
        visible = sorted(name for name in names if not _hidden(name))
        if visible:
            yield visible
