"""The reading_time plugin's own tests, through newsgraph's real parts (`newsgraph.testing`).

The plugin module is passed to each app explicitly, as ("reading_time", module), so the tests
do not depend on which plugins happen to be installed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import newsgraph_reading_time as reading_time
import pytest

from newsgraph.testing import SourceConfig, client, execute, make_app, run_source

PLUGIN = ("reading_time", reading_time)
SAMPLE = Path(__file__).resolve().parent.parent / "sample"
HEADER = reading_time.COLUMNS
QUERY = "{ articles { edges { node { title readingTime } } } }"


def row(title: str, day: int, excerpt: str = "", **cells: str) -> dict[str, str]:
    """One valid CSV row; keyword arguments replace cells."""
    values = {
        "title": title,
        "publishedDateTime": f"2024-05-{day:02d}T08:00:00Z",
        "webUrl": f"https://news.example.com/{day}",
        "providerName": "Example News",
        "providerDomain": "news.example.com",
        "topics": "Science; Space",
        "excerpt": excerpt,
    }
    values.update(cells)
    return values


def write_csv(folder: Path, rows: list[dict[str, str]], name: str = "articles.csv") -> Path:
    """A real CSV file with the standard header; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def words(count: int) -> str:
    return " ".join(["word"] * count)


# --- Article.readingTime ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_reading_time_counts_title_and_excerpt_at_the_configured_rate(
    tmp_path: Path,
) -> None:
    write_csv(
        tmp_path,
        [
            row("Four words of title", 2, excerpt=words(8)),  # 12 words at 5/min: 2.4 -> 3
            row("Short", 1),  # 1 word: never less than 1 minute
        ],
    )
    app = make_app(
        PLUGIN,
        sources=[SourceConfig("csv_folder", "csv", {"path": str(tmp_path)})],
        settings={"reading_time": {"words_per_minute": 5}},
    )
    result = await execute(app, QUERY)
    assert "errors" not in result, result
    nodes = [edge["node"] for edge in result["data"]["articles"]["edges"]]
    assert nodes == [
        {"title": "Four words of title", "readingTime": 3},
        {"title": "Short", "readingTime": 1},
    ]


@pytest.mark.asyncio
async def test_reading_time_defaults_to_200_words_per_minute(tmp_path: Path) -> None:
    # 4 + 397 = 401 words: 3 minutes at 200 words a minute (it would be 2 at 230).
    write_csv(tmp_path, [row("Four words of title", 1, excerpt=words(397))])
    app = make_app(PLUGIN, sources=[SourceConfig("csv_folder", "csv", {"path": str(tmp_path)})])
    result = await execute(app, QUERY)
    assert result["data"]["articles"]["edges"] == [
        {"node": {"title": "Four words of title", "readingTime": 3}}
    ]


@pytest.mark.parametrize("value", [0, -5, 1.5, "230", True, None])
def test_words_per_minute_must_be_a_positive_whole_number(value: object) -> None:
    with pytest.raises(ValueError) as raised:
        reading_time.configure_plugin({"words_per_minute": value})
    assert str(raised.value) == "words_per_minute: expected a positive whole number"


def test_bad_settings_stop_the_app_naming_the_plugin_and_key() -> None:
    with pytest.raises(Exception, match=r"^plugins\.reading_time\.words_per_minute: expected"):
        make_app(PLUGIN, settings={"reading_time": {"words_per_minute": 0}})
    with pytest.raises(Exception, match=r"^plugins\.reading_time\.speed: unknown setting"):
        make_app(PLUGIN, settings={"reading_time": {"speed": 3}})


# --- The csv_folder source type -----------------------------------------------------------


@pytest.mark.asyncio
async def test_csv_rows_become_front_matter_records(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row("Comet seen at dawn", 3, excerpt="  Bright and low.  ")])
    batch = await run_source("csv_folder", {"path": str(tmp_path)}, PLUGIN)
    assert batch.problems == []
    [record] = batch.articles
    assert record.data == {
        "title": "Comet seen at dawn",
        "publishedDateTime": "2024-05-03T08:00:00Z",
        "webUrl": "https://news.example.com/3",
        "provider": {"name": "Example News", "domain": "news.example.com"},
        "topics": ["Science", "Space"],
        "excerpt": "Bright and low.",
    }
    assert (record.origin, record.line) == (str(path), 2)


@pytest.mark.asyncio
async def test_a_row_missing_a_required_cell_is_reported_and_the_others_load(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path,
        [row("First", 1), row("No URL", 2, webUrl=""), row("Third", 3)],
    )
    batch = await run_source("csv_folder", {"path": str(tmp_path)}, PLUGIN)
    assert [r.data["title"] for r in batch.articles] == ["First", "Third"]
    [problem] = batch.problems
    assert (problem.origin, problem.line, problem.field) == (str(path), 3, "webUrl")
    assert "required" in problem.message


@pytest.mark.asyncio
async def test_line_numbers_count_quoted_cells_that_span_lines(tmp_path: Path) -> None:
    write_csv(tmp_path, [row("Two-line excerpt", 1, excerpt="one\ntwo"), row("After", 2)])
    batch = await run_source("csv_folder", {"path": str(tmp_path)}, PLUGIN)
    assert [(r.data["title"], r.line) for r in batch.articles] == [
        ("Two-line excerpt", 2),
        ("After", 4),
    ]


@pytest.mark.asyncio
async def test_a_header_without_a_required_column_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("title,publishedDateTime,webUrl,providerName\nA,2024-01-01,x,y\n", "utf-8")
    batch = await run_source("csv_folder", {"path": str(tmp_path)}, PLUGIN)
    assert batch.articles == []
    assert [(p.origin, p.line, p.field) for p in batch.problems] == [
        (str(path), 1, "providerDomain")
    ]


@pytest.mark.asyncio
async def test_relative_urls_resolve_against_the_base_url_option(tmp_path: Path) -> None:
    write_csv(tmp_path, [row("Relative", 1, webUrl="/2024/05/relative.html")])
    query = "{ articles { edges { node { title url } } } }"
    sources = [SourceConfig("csv_folder", "csv", {"path": str(tmp_path)})]
    without = await execute(make_app(PLUGIN, sources=sources), query)
    assert without["data"]["articles"]["edges"] == []  # a relative canonical URL: rejected
    options = {"path": str(tmp_path), "base_url": "https://news.example.org/site"}
    sources = [SourceConfig("csv_folder", "csv", options)]
    result = await execute(make_app(PLUGIN, sources=sources), query)
    assert [edge["node"] for edge in result["data"]["articles"]["edges"]] == [
        {"title": "Relative", "url": "https://news.example.org/site/2024/05/relative.html"}
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, r"^path: required"),
        ({"path": ""}, r"^path: required"),
        ({"path": "content", "colour": "red"}, r"^colour: unknown option"),
        ({"path": "content", "base_url": "/site"}, r"^base_url: expected an absolute http"),
    ],
)
def test_options_are_checked_naming_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reading_time.CsvFolderSource("csv", options)


# --- The whole plugin, as a server runs it ------------------------------------------------


@pytest.mark.asyncio
async def test_the_sample_serves_with_reading_times_and_shows_in_introspection() -> None:
    app = make_app(
        PLUGIN,
        sources=[SourceConfig("csv_folder", "sample", {"path": str(SAMPLE)})],
        settings={"reading_time": {"words_per_minute": 230}},
    )
    async with client(app) as http:
        answer = (await http.post("/graphql", json={"query": QUERY})).json()
        sources = (await http.get("/-/sources")).json()
        plugins = {p["name"]: p for p in (await http.get("/-/plugins")).json()}
    nodes = [edge["node"] for edge in answer["data"]["articles"]["edges"]]
    assert [n["title"] for n in nodes] == [
        "Harbour city trials solar ferries",
        "Library robots sort returned books overnight",
        "Community garden doubles its harvest",
    ]
    assert all(n["readingTime"] == 1 for n in nodes)
    assert [
        (s["name"], s["status"], s["counts"]["visible"], s["error_count"]) for s in sources
    ] == [("sample", "ok", 3, 0)]
    assert plugins["reading_time"]["hooks"] == [
        "configure_plugin",
        "extend_schema",
        "register_source_types",
    ]
