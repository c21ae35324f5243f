"""newsgraph-reading-time: the example newsgraph plugin, meant to be copied.

It adds two things:

- `Article.readingTime`: whole minutes, rounded up and at least 1, to read the article's title
  and excerpt at `words_per_minute` (setting under `plugins: reading_time:`, default 200).
- The `csv_folder` source type: every `*.csv` file directly inside the folder given by its
  `path` option, one article per row under a header row naming the columns in `COLUMNS`.
  Relative URLs in cells resolve against its `base_url` option, the site's URL.

It imports nothing of newsgraph but `newsgraph.plugin_api`, the public surface.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from newsgraph.plugin_api import (
    Article,
    ArticleField,
    Problem,
    RawRecord,
    RegisterSourceType,
    SchemaAddition,
    Severity,
    SourceBatch,
    base_url_option,
    hookimpl,
)

try:
    __version__ = version("newsgraph-reading-time")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"

DEFAULT_WORDS_PER_MINUTE = 200

COLUMNS = (
    "title",
    "publishedDateTime",
    "webUrl",
    "providerName",
    "providerDomain",
    "topics",
    "excerpt",
)
REQUIRED_COLUMNS = COLUMNS[:5]


# --- Settings -----------------------------------------------------------------------------


@dataclass(slots=True)
class Settings:
    """This plugin's settings, as the last `configure_plugin` call accepted them."""

    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE


current = Settings()


@hookimpl
def configure_plugin(settings: Mapping[str, object]) -> None:
    """Accept `words_per_minute`; called at every start-up, with `{}` when there is no block."""
    unknown = sorted(set(settings) - {"words_per_minute"})
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown setting (known: words_per_minute)")
    words_per_minute = settings.get("words_per_minute", DEFAULT_WORDS_PER_MINUTE)
    if (
        isinstance(words_per_minute, bool)
        or not isinstance(words_per_minute, int)
        or words_per_minute <= 0
    ):
        raise ValueError("words_per_minute: expected a positive whole number")
    current.words_per_minute = words_per_minute


# --- Article.readingTime ------------------------------------------------------------------


def reading_time(article: Article) -> int:
    """Whole minutes, rounded up and at least 1, to read the title and the excerpt."""
    words = len(article.title.split()) + len((article.excerpt or "").split())
    return max(1, math.ceil(words / current.words_per_minute))


@hookimpl
def extend_schema() -> SchemaAddition | None:
    return SchemaAddition(
        article_fields=[
            ArticleField(
                name="readingTime",
                type="Int",
                resolve=reading_time,
                description="Whole minutes (at least 1) to read the title and the excerpt.",
            )
        ]
    )


# --- The csv_folder source type -----------------------------------------------------------


class CsvFileError(Exception):
    """A whole file, or the rest of it, could not be read; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def read_text(path: Path) -> str:
    """The file's text (UTF-8, with or without a byte-order mark), or `CsvFileError`."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CsvFileError(f"not valid UTF-8 (byte {error.start}: {error.reason})", line) from None


def numbered_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvFileError(f"invalid CSV: {error}", reader.line_num) from None
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def front_matter(values: Mapping[str, str]) -> dict[str, object]:
    """One row's cells as the mapping a front-matter article would hold."""
    data: dict[str, object] = {
        "title": values["title"],
        "publishedDateTime": values["publishedDateTime"],
        "webUrl": values["webUrl"],
        "provider": {"name": values["providerName"], "domain": values["providerDomain"]},
        "topics": [name.strip() for name in values.get("topics", "").split(";") if name.strip()],
    }
    if values.get("excerpt"):
        data["excerpt"] = values["excerpt"]
    return data


class CsvFolderSource:
    """Options: `path` (required), the folder whose `*.csv` files are read, not recursively;
    `base_url`, the site URL that relative URLs in cells resolve against."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        path = options.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("path: required, the folder of .csv files to read")
        unknown = sorted(set(options) - {"path", "base_url"})
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown option (known: path, base_url)")
        self.name = name
        self.root = Path(path)
        # newsgraph resolves the records' relative URLs against it, as for its own sources.
        self.base_url = base_url_option(options)

    async def load(self) -> SourceBatch:
        # File reading blocks: run it in a worker thread, never on the event loop.
        return await asyncio.to_thread(self.load_now)

    def load_now(self) -> SourceBatch:
        """Read the folder synchronously (`load` runs this in a worker thread)."""
        batch = SourceBatch()
        if not self.root.is_dir():
            batch.problems.append(Problem(str(self.root), "not a folder", source=self.name))
            return batch
        for path in sorted(self.root.glob("*.csv")):
            if path.is_file():
                found = self.read_file(path)
                batch.articles.extend(found.articles)
                batch.problems.extend(found.problems)
        return batch

    def read_file(self, path: Path) -> SourceBatch:
        """One file's articles and problems: a bad row is reported, and the others still load."""
        origin = str(path)
        batch = SourceBatch()

        def problem(
            message: str,
            line: int | None = None,
            field: str | None = None,
            severity: Severity = Severity.ERROR,
        ) -> None:
            batch.problems.append(Problem(origin, message, line, field, severity, self.name))

        try:
            rows = numbered_rows(read_text(path))
            header_line, cells = next(rows, (1, []))
            if not cells:
                problem("no header row: the file is empty", 1)
                return batch
            header = [cell.strip() for cell in cells]
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            for column in missing:
                problem("required column is missing from the header row", header_line, column)
            if missing:
                return batch
            known = ", ".join(COLUMNS)
            for column in header:
                if column not in COLUMNS:
                    message = f"unknown column, ignored (known: {known})"
                    problem(message, header_line, column, severity=Severity.WARNING)
            for line, cells in rows:
                if len(cells) > len(header):
                    problem(f"{len(cells)} cells, but the header names {len(header)}", line)
                    continue
                values = {c: cell.strip() for c, cell in zip(header, cells, strict=False)}
                empty = [column for column in REQUIRED_COLUMNS if not values.get(column)]
                for column in empty:
                    problem("is required, but the cell is empty", line, column)
                if not empty:
                    record = RawRecord(front_matter(values), origin, line, base_url=self.base_url)
                    batch.articles.append(record)
        except CsvFileError as error:
            problem(str(error), error.line)
        except OSError as error:
            problem(f"cannot read: {error}")
        return batch


@hookimpl
def register_source_types(register: RegisterSourceType) -> None:
    register("csv_folder", CsvFolderSource)
