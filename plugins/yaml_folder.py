"""The YAML-folder source: front-matter `.md` files and `.yaml` files under one directory.

- `.md`, `.markdown`, `.html`: one front-matter block (`---` … `---`) holding one mapping.
- `.yaml`, `.yml`: one mapping, or a list of mappings.
- A mapping with `taxonomy: topic` (or an `_id` and no `title`) is a taxonomy topic; one with
  another `taxonomy:` (organisations, people) is not content and is skipped; the rest are articles.
- README, LICENSE and CHANGELOG files and dot-files are not content and are skipped.

Loading is always safe (libyaml's CSafeLoader when present): a `!!python/...` tag is an error,
never executed. A file that cannot be read is reported with its path, line and reason, and the
other files still load.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import yaml

from server.hookspecs import hookimpl
from server.sources import Problem, RawRecord, RegisterSourceType, SourceBatch

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FRONT_MATTER_SUFFIXES = frozenset({".md", ".markdown", ".html"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
NOT_CONTENT = re.compile(r"^(readme|license|licence|changelog)(\.|$)", re.IGNORECASE)
DEFAULT_MAX_FILE_BYTES = 1024 * 1024

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$", re.S | re.M)


class FileError(Exception):
    """A whole file could not be read; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.field = field


def content_files(root: Path) -> Iterator[Path]:
    """Every file under `root` that may hold content, in a stable order."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if NOT_CONTENT.match(path.name) or not path.is_file():
            continue
        if path.suffix.lower() in FRONT_MATTER_SUFFIXES | YAML_SUFFIXES:
            yield path


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileError(f"not valid UTF-8 (byte {error.start}: {error.reason})", line) from None


def _mark_line(error: yaml.YAMLError, offset: int) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1 + offset


def _locate_bad_value(text: str, offset: int) -> tuple[int | None, str | None]:
    """Find the top-level field whose value failed to construct (e.g. an impossible date)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if not isinstance(item, yaml.MappingNode):
                continue
            for key, value in item.value:
                try:
                    loader.construct_object(value, deep=True)
                except (ValueError, yaml.YAMLError):
                    return value.start_mark.line + 1 + offset, str(key.value)
                finally:
                    loader.constructed_objects = {}
                    loader.recursive_objects = {}
    finally:
        loader.dispose()
    return None, None


def _field_lines(node: yaml.Node, offset: int) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1 + offset
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def parse_yaml(text: str, origin: str, offset: int = 0) -> list[RawRecord]:
    """Parse one YAML document into records; `offset` is the line the document starts after."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FileError("holds no YAML mapping", offset + 1)
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        raise FileError(f"invalid YAML: {problem}", _mark_line(error, offset)) from None
    except ValueError as error:
        line, field = _locate_bad_value(text, offset)
        raise FileError(f"invalid value: {error}", line, field) from None
    finally:
        loader.dispose()

    if isinstance(data, Mapping):
        return [
            RawRecord(data, origin, node.start_mark.line + 1 + offset, _field_lines(node, offset))
        ]
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
        records = []
        for item, item_node in zip(data, node.value, strict=True):
            line = item_node.start_mark.line + 1 + offset
            if not isinstance(item, Mapping):
                raise FileError(f"list items must be mappings, got {type(item).__name__}", line)
            records.append(RawRecord(item, origin, line, _field_lines(item_node, offset)))
        return records
    raise FileError(
        f"expected a mapping (or a list of them), got {type(data).__name__}", offset + 1
    )


def read_file(path: Path, origin: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[RawRecord]:
    """Read one content file into raw records, or raise `FileError`."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    text = _decode(path.read_bytes())
    if not text.strip():
        raise FileError("file is empty")
    if path.suffix.lower() in YAML_SUFFIXES:
        return parse_yaml(text, origin)
    match = _FRONT_MATTER.match(text)
    if match is None:
        if text.lstrip("\ufeff").startswith("---"):
            raise FileError("front matter is not closed: no line with '---' ends it", 1)
        raise FileError("no front matter: the file must start with a line '---'", 1)
    records = parse_yaml(match.group(1), origin, offset=1)
    if len(records) != 1 or not isinstance(records[0].data, Mapping):
        raise FileError("front matter must be one mapping, not a list", 2)
    return records


def _kind(record: RawRecord) -> str | None:
    taxonomy = record.data.get("taxonomy")
    if taxonomy is not None:
        return "topic" if taxonomy == "topic" else None
    if "_id" in record.data and "title" not in record.data:
        return "topic"
    return "article"


class YamlFolderSource:
    """Options: `path` (required), `max_file_bytes` (default 1 MiB)."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        path = options.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("path: required, the folder to read")
        max_bytes = options.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ValueError("max_file_bytes: expected a positive whole number")
        unknown = set(options) - {"path", "max_file_bytes"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown option (known: path, max_file_bytes)")
        self.name = name
        self.root = Path(path)
        self.max_file_bytes = max_bytes

    async def load(self) -> SourceBatch:
        return await asyncio.to_thread(self.load_now)

    def load_now(self) -> SourceBatch:
        """Read the folder synchronously (`load` runs this in a worker thread)."""
        batch = SourceBatch()
        if not self.root.is_dir():
            batch.problems.append(Problem(str(self.root), "not a folder", source=self.name))
            return batch
        for path in content_files(self.root):
            origin = str(path)
            try:
                records = read_file(path, origin, self.max_file_bytes)
            except FileError as error:
                batch.problems.append(
                    Problem(origin, str(error), error.line, error.field, source=self.name)
                )
                continue
            except OSError as error:
                batch.problems.append(Problem(origin, f"cannot read: {error}", source=self.name))
                continue
            for record in records:
                kind = _kind(record)
                if kind == "article":
                    batch.articles.append(record)
                elif kind == "topic":
                    batch.topics.append(record)
        return batch


@hookimpl
def register_source_types(register: RegisterSourceType) -> None:
    register("yaml_folder", YamlFolderSource)
