"""The YAML-folder source: front-matter `.md` files and `.yaml` files under one directory.

- `.md`, `.markdown`, `.html`: one front-matter block (`---` … `---`) holding one mapping.
- `.yaml`, `.yml`: one mapping, or a list of mappings.
- A mapping with `taxonomy: topic` (or an `_id` and no `title`) is a taxonomy topic; one with
  `taxonomy: organization` is a provider profile; one with another `taxonomy:` (people) is not
  content and is skipped; the rest are articles.
- README, LICENSE and CHANGELOG files and dot-files are not content and are skipped.

Loading is always safe (libyaml's CSafeLoader when present): a `!!python/...` tag is an error,
never executed. A file that cannot be read is reported with its path, line and reason, and the
other files still load.

Large folders are parsed on every core (`plugins.yaml_pool`), and what each file parsed to is
cached by its stat (`plugins.yaml_cache`), so a warm start reads only the files that changed.
`docs/ingest.md` describes the `cache` and `workers` options and the measured speeds.

The source watches its folder (`changes`, a `WatchedSource`): after a change, `load` re-reads
only the files that changed (`plugins.yaml_live`), and a file that no longer parses keeps its
last good version until it is fixed.
"""

from __future__ import annotations

import asyncio
import hashlib
import marshal
import operator
import os
import re
import stat
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import suppress
from functools import cache, partial
from pathlib import Path
from typing import NamedTuple

import yaml

from newsgraph.plugin_api import (
    Problem,
    RawRecord,
    RegisterSourceType,
    Severity,
    SourceBatch,
    base_url_option,
    collector_paused,
    hookimpl,
)
from newsgraph.plugins import yaml_cache
from newsgraph.plugins.yaml_cache import Chunk, Stat
from newsgraph.plugins.yaml_live import INCREMENTAL_MAX, Folder, RescanNeeded, watch_folder
from newsgraph.plugins.yaml_parse import FRONT_MATTER_SUFFIXES, YAML_SUFFIXES, Parsed
from newsgraph.plugins.yaml_pool import parse_chunks

NOT_CONTENT = re.compile(r"^(readme|license|licence|changelog)(\.|$)", re.IGNORECASE)
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
CHUNK_FILES = 256
"""Files parsed, sent back and cached together: large enough to keep per-chunk costs small,
small enough to spread a folder over the workers and keep an edit from re-encoding much."""
POOL_MIN_FILES = 2000
"""Below this many files to parse, starting worker processes (about 0.2 s for the first pool of
a process) costs more than it saves: measured on two cores, 2,000 files took as long either way."""
CACHE_MIN_FILES = 1000
"""Below this many files, a cold parse takes a fraction of a second, so by default
(`cache` not set) such a folder is not cached."""

_SUFFIXES = tuple(FRONT_MATTER_SUFFIXES | YAML_SUFFIXES)
_NOT_CONTENT_STEMS = ("readme", "license", "licence", "changelog")
_OPTIONS = ("path", "max_file_bytes", "cache", "workers", "base_url")
_entry_name = operator.attrgetter("name")


def _scan(root: str, folder: str, files: dict[str, Stat], unreadable: dict[str, str]) -> None:
    # `root` ends with a separator and `folder` is "" or ends with one, so names are joined
    # by concatenation: this runs once per file of folders of 100k files.
    try:
        with os.scandir(root + folder) as listing:
            # Sorting each folder's names and descending in that order gives the same order
            # as sorting the whole tree's paths, for a fraction of the cost.
            entries = sorted(listing, key=_entry_name)
    except OSError as error:
        unreadable[folder.rstrip(os.sep)] = error.strerror or str(error)
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _scan(root, f"{folder}{name}{os.sep}", files, unreadable)
            continue
        lowered = name.lower()
        if not lowered.endswith(_SUFFIXES):
            continue
        if lowered.startswith(_NOT_CONTENT_STEMS) and NOT_CONTENT.match(name):
            continue
        if entry.is_symlink() and not _inside(root, entry.path):
            # Whoever writes the folder must not make the server read its other files.
            unreadable[folder + name] = "a link to a file outside the folder is not followed"
            continue
        try:
            found = entry.stat()
        except OSError:  # a dangling link is not content
            continue
        if stat.S_ISREG(found.st_mode):
            files[folder + name] = (
                found.st_size,
                found.st_mtime_ns,
                found.st_ctime_ns,
                found.st_ino,
            )


def _inside(root: str, path: str) -> bool:
    """Whether `path`, links resolved, lies under `root` (itself resolved)."""
    return os.path.realpath(path).startswith(os.path.join(os.path.realpath(root), ""))


def content_files(root: Path) -> tuple[dict[str, Stat], dict[str, str]]:
    """Every file under `root` that may hold content, by name relative to `root` in a stable
    order, with its stat; and the folders that could not be listed, with the reason."""
    files: dict[str, Stat] = {}
    unreadable: dict[str, str] = {}
    _scan(os.path.join(root, ""), "", files, unreadable)
    return files, unreadable


@cache
def code_digest() -> str:
    """A digest of this source's modules: files parsed, or articles normalised, by other code
    are not served from a cache, whatever the file's stat (the engine's own digest covers only
    the engine, not how a file becomes records here)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("yaml_*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_content(name: str) -> bool:
    """Whether a file of this name (relative to the folder) may hold content."""
    base = os.path.basename(name)
    return base.lower().endswith(_SUFFIXES) and not NOT_CONTENT.match(base)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - platforms without CPU affinity


class _Records(NamedTuple):
    """What one file gave the last batch, and the parse result it came from."""

    parsed: Parsed
    articles: list[RawRecord]
    topics: list[RawRecord]
    organizations: list[RawRecord]
    problem: Problem | None


def _kind(data: Mapping[str, object]) -> str | None:
    taxonomy = data.get("taxonomy")
    if taxonomy is not None:
        return str(taxonomy) if taxonomy in ("topic", "organization") else None
    if "_id" in data and "title" not in data:
        return "topic"
    return "article"


class YamlFolderSource:
    """Options: `path` (required), `max_file_bytes` (default 1 MiB), `cache` (a file path, or
    true/false; by default on for folders of `CACHE_MIN_FILES` files or more), `workers`
    (processes that parse; by default every core once `POOL_MIN_FILES` files need parsing) and
    `base_url` (the site's URL with its base path, for relative URLs in records)."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        path = options.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("path: required, the folder to read")
        max_bytes = options.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ValueError("max_file_bytes: expected a positive whole number")
        cache = options.get("cache")
        if not (cache is None or isinstance(cache, bool) or (isinstance(cache, str) and cache)):
            raise ValueError("cache: expected true, false or the path of the cache file")
        workers = options.get("workers")
        if workers is not None and (
            isinstance(workers, bool) or not isinstance(workers, int) or workers <= 0
        ):
            raise ValueError("workers: expected a positive whole number of processes")
        unknown = set(options) - set(_OPTIONS)
        if unknown:
            known = ", ".join(_OPTIONS)
            raise ValueError(f"{sorted(unknown)[0]}: unknown option (known: {known})")
        self.name = name
        self.root = Path(path)
        self.max_file_bytes = max_bytes
        self.cache: bool | str | None = cache
        self.workers: int | None = workers
        self.base_url = base_url_option(options)
        # What the last load found and gave, and the paths changed since (from `changes`;
        # None: anything may have changed, scan it all).
        self._folder: Folder | None = None
        self._batch = SourceBatch()
        self._records: dict[str, _Records] = {}
        self._changed: set[str] | None = None
        self._changed_lock = threading.Lock()

    async def changes(self) -> AsyncIterator[list[str]]:
        """Each batch of changed paths under the folder, relative to it. The first batch,
        once the watcher runs, is empty: it asks for a scan, for whatever changed between the
        first load and the watcher's start. Ends at once if the folder does not exist."""
        root = os.path.abspath(self.root)
        if not os.path.isdir(root):
            return
        async for changed in watch_folder(root):
            with self._changed_lock:
                if changed is None:
                    self._changed = None
                elif self._changed is not None:
                    self._changed.update(changed)
            yield changed or []

    def cache_file(self, count: int) -> Path | None:
        """Where the cache for a folder of `count` content files is kept, if anywhere."""
        if self.cache is False or (self.cache is None and count < CACHE_MIN_FILES):
            return None
        if isinstance(self.cache, str):
            return Path(self.cache)
        try:
            return yaml_cache.default_path(self.root)
        except RuntimeError:  # no home folder to put it in
            return None

    async def load(self) -> SourceBatch:
        return await asyncio.to_thread(self.load_now)

    def load_now(self) -> SourceBatch:
        """Read the folder synchronously (`load` runs this in a worker thread): only the
        changed files when `changes` has said which, else all of it."""
        with self._changed_lock:
            changed, self._changed = self._changed, set()
        batch = SourceBatch()
        if not self.root.is_dir():
            # The whole source is missing, not one record: it fails, and keeps its last
            # good articles if it had any.
            self._folder = None
            raise NotADirectoryError(f"{self.root} is not a folder")
        folder = self._folder
        try:
            # No list of changes (a first load, a global reload, the watcher's catch-up): scan.
            if folder is None or not changed or len(changed) > INCREMENTAL_MAX:
                raise RescanNeeded("no earlier load to update, or too much to update")
            root = os.path.abspath(self.root)
            if not folder.apply(root, changed, is_content, self.max_file_bytes):
                return self._batch  # the very same batch: nothing changed
        except RescanNeeded:
            found = self._rescan(batch)
            if found is None:
                return self._batch
            folder = found
        self._folder = folder
        # `str(root / name)` for every file, without building a Path for each.
        prefix = "" if str(self.root) == "." else os.path.join(self.root, "")
        # Unchanged files give the very same records as before, which newsgraph recognises and
        # does not normalise again.
        records: dict[str, _Records] = {}
        site_folder = self.root.resolve().name
        with collector_paused():
            for name, parsed in folder.results.items():
                known = self._records.get(name)
                if known is None or known.parsed is not parsed:
                    site_path = f"{site_folder}/{name.replace(os.sep, '/')}"
                    known = self._records_of(prefix + name, parsed, site_path)
                records[name] = known
                batch.articles += known.articles
                batch.topics += known.topics
                batch.organizations += known.organizations
                if known.problem is not None:
                    batch.problems.append(known.problem)
        self._records = records
        for name, (message, line, field) in folder.stale.items():
            batch.problems.append(
                Problem(
                    prefix + name,
                    f"{message} (the last good version is served until this is fixed)",
                    line,
                    field,
                    Severity.ERROR,
                    self.name,
                )
            )
        self._batch = batch
        return batch

    def _rescan(self, batch: SourceBatch) -> Folder | None:
        """The folder scanned and its changed files parsed; None if no file changed."""
        prefix = "" if str(self.root) == "." else os.path.join(self.root, "")
        files, unreadable = content_files(self.root)
        known = self._folder
        if known is not None and not unreadable:
            # What a scan found against what was loaded: only the difference is read, and
            # the unchanged files keep their records (the cache would decode them all again).
            changed = [name for name, found in files.items() if known.files.get(name) != found]
            changed += [name for name in known.files if name not in files]
            if not changed:
                return None
            root = os.path.abspath(self.root)
            if len(changed) <= INCREMENTAL_MAX:
                with suppress(RescanNeeded):  # else a file became a folder: read it all
                    known.apply(root, changed, is_content, self.max_file_bytes)
                    return known
        for folder, reason in unreadable.items():
            origin = prefix + folder if folder else str(self.root)
            batch.problems.append(Problem(origin, f"cannot read: {reason}", source=self.name))
        cache_file = self.cache_file(len(files))
        with collector_paused():
            parsed = yaml_cache.load_results(
                cache_file, self._parser_identity(), files, partial(self._parse, files)
            )
        return (self._folder or Folder()).replaced(files, parsed)

    def _parser_identity(self) -> tuple[str | int | bool, ...]:
        """What, besides the file, decides what a file parses to."""
        return (
            str(self.root.resolve()),
            yaml.__version__,
            yaml.__with_libyaml__,
            self.max_file_bytes,
            code_digest(),
        )

    def fingerprint(self) -> str | None:
        """Every content file's path and stat, with every option that changes what the records
        say (the folder as configured is in each record's origin); None while a folder under
        it cannot be listed."""
        if not self.root.is_dir():
            return None
        files, unreadable = content_files(self.root)
        if unreadable:
            return None
        identity = (*self._parser_identity(), str(self.root), repr(self.base_url))
        digest = hashlib.sha256(marshal.dumps((identity, files)))
        return digest.hexdigest()

    def _parse(self, files: dict[str, Stat], names: list[str]) -> Iterator[Chunk]:
        workers = self.workers or (_cores() if len(names) >= POOL_MIN_FILES else 1)
        size = min(CHUNK_FILES, -(-len(names) // workers))
        groups = [names[start : start + size] for start in range(0, len(names), size)]
        # Workers may not share this process's working directory, so they get an absolute root.
        blobs = parse_chunks(os.path.abspath(self.root), groups, self.max_file_bytes, workers)
        for group, blob in zip(groups, blobs, strict=True):
            yield Chunk.of(tuple(group), tuple(files[name] for name in group), blob)

    def _records_of(self, origin: str, parsed: Parsed, site_path: str) -> _Records:
        if isinstance(parsed, tuple):
            message, line, field = parsed
            problem = Problem(origin, message, line, field, source=self.name)
            return _Records(parsed, [], [], [], problem)
        found = _Records(parsed, [], [], [], None)
        for data, line, field_lines in parsed:
            kind = _kind(data)
            if kind == "article":
                # Jekyll's `path`: the file relative to the site, whose collection this is.
                data.setdefault("path", site_path)
                found.articles.append(
                    RawRecord(data, origin, line, field_lines, self.base_url, syntax="yaml")
                )
            elif kind == "topic":
                found.topics.append(RawRecord(data, origin, line, field_lines, syntax="yaml"))
            elif kind == "organization":
                organization = RawRecord(
                    data, origin, line, field_lines, self.base_url, syntax="yaml"
                )
                found.organizations.append(organization)
        return found


@hookimpl
def register_source_types(register: RegisterSourceType) -> None:
    register("yaml_folder", YamlFolderSource)
