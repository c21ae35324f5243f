"""Reading content files of the YAML-folder source into plain, picklable values.

This module is what worker processes run, so it imports only PyYAML and the standard library.
A file becomes either a list of `Record`s or one `Failure`; the source turns them into raw
records and problems, and its cache stores them as they are.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from collections.abc import Hashable, Sequence

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

FRONT_MATTER_SUFFIXES = frozenset({".md", ".markdown", ".html"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
PICKLE_PROTOCOL = 5

Record = tuple[dict[str, object], int, dict[str, int]]
"""One mapping: its data, the line it starts on, and the line of each field path (`title`,
`images`, `images[0]`, `images[0].url`)."""

Failure = tuple[str, int | None, str | None]
"""Why a whole file was refused: the message, and the line and field when known."""

Parsed = list[Record] | Failure

_OPENING = re.compile(r"\ufeff?---[ \t]*\r?\n")
# Searching from the newline that ends the opening line lets the regex engine skip ahead to
# each newline instead of trying every position.
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*\r?$", re.M)


class FileError(Exception):
    """A whole file could not be read; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.field = field


class _Loader(_SafeLoader):
    def construct_mapping(
        self, node: yaml.MappingNode, deep: bool = False
    ) -> dict[Hashable, object]:
        # Every article repeats the same keys. Sharing one string per key lets pickle write and
        # read each key once per chunk, so records unpickle faster and take less memory.
        mapping = super().construct_mapping(node, deep)
        return {sys.intern(k) if type(k) is str else k: v for k, v in mapping.items()}

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> object:
        # An impossible date (`2021-13-45`) would fail the whole document. As text, it reaches
        # the normaliser, which reports it on its own field, and loses only what that costs.
        if self.timestamp_regexp.match(node.value):
            try:
                return self.construct_yaml_timestamp(node)
            except ValueError:
                pass
        return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_or_text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileError(f"not valid UTF-8 (byte {error.start}: {error.reason})", line) from None


def _mark_line(error: yaml.YAMLError, offset: int) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else int(mark.line) + 1 + offset


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


def _add_lines(
    node: yaml.Node, offset: int, prefix: str, lines: dict[str, int], seen: set[int]
) -> None:
    # An alias repeats a node that is already walked: walking it again could take exponential
    # time (an alias of aliases of aliases) or never end (a node that holds itself).
    if id(node) in seen:
        return
    seen.add(id(node))
    # Paths are interned: records repeat them, and pickle then writes each once per chunk.
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                path = sys.intern(f"{prefix}.{key.value}" if prefix else str(key.value))
                lines[path] = key.start_mark.line + 1 + offset
                if not isinstance(value, yaml.ScalarNode):
                    _add_lines(value, offset, path, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = sys.intern(f"{prefix}[{index}]")
            lines[path] = item.start_mark.line + 1 + offset
            if not isinstance(item, yaml.ScalarNode):
                _add_lines(item, offset, path, lines, seen)


def _field_lines(node: yaml.Node, offset: int) -> dict[str, int]:
    """The line of every field path in a mapping node."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        _add_lines(node, offset, "", lines, set())
    return lines


def parse_yaml(text: str, offset: int = 0) -> list[Record]:
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

    if isinstance(data, dict):
        return [(data, node.start_mark.line + 1 + offset, _field_lines(node, offset))]
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
        records: list[Record] = []
        for item, item_node in zip(data, node.value, strict=True):
            line = item_node.start_mark.line + 1 + offset
            if not isinstance(item, dict):
                raise FileError(f"list items must be mappings, got {type(item).__name__}", line)
            records.append((item, line, _field_lines(item_node, offset)))
        return records
    raise FileError(
        f"expected a mapping (or a list of them), got {type(data).__name__}", offset + 1
    )


def _parse_text(text: str, suffix: str) -> list[Record]:
    if not text or text.isspace():
        raise FileError("file is empty")
    if suffix in YAML_SUFFIXES:
        return parse_yaml(text)
    opening = _OPENING.match(text)
    closing = None if opening is None else _CLOSING.search(text, opening.end() - 1)
    if opening is None or closing is None:
        if text.lstrip("\ufeff").startswith("---"):
            raise FileError("front matter is not closed: no line with '---' ends it", 1)
        raise FileError("no front matter: the file must start with a line '---'", 1)
    records = parse_yaml(text[opening.end() : closing.start() + 1], offset=1)
    if len(records) != 1:
        raise FileError("front matter must be one mapping, not a list", 2)
    return records


def parse_file(path: str, max_bytes: int) -> Parsed:
    """Read one content file into its records, or the reason it was refused."""
    try:
        with open(path, "rb", buffering=0) as file:
            size = os.fstat(file.fileno()).st_size
            if size > max_bytes:
                raise FileError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
            # One read of the size just found, and a second only if the file grew meanwhile.
            data = file.read(size + 1)
            if len(data) > size:
                data += file.readall()
        return _parse_text(_decode(data), os.path.splitext(path)[1].lower())
    except FileError as error:
        return (str(error), error.line, error.field)
    except OSError as error:
        return (f"cannot read: {error.strerror or error}", None, None)


def parse_chunk(root: str, names: Sequence[str], max_bytes: int) -> bytes:
    """Parse the files `names` (relative to `root`), pickled as one `list[Parsed]`."""
    parsed = [parse_file(os.path.join(root, name), max_bytes) for name in names]
    return pickle.dumps(parsed, PICKLE_PROTOCOL)
