from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import pytest

from newsgraph import __version__
from newsgraph.schema.build import sdl
from newsgraph.server.cli import main, parser
from newsgraph.server.logs import JsonLines
from tests.conftest import SEEDS, WriteTree, front_matter


def test_validate_clean_folder_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out


def test_the_bundled_demo_loads_whole_from_this_install(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The README's install is editable: its package holds links into the source tree, which a
    # yaml_folder does not follow out of its folder; the demo must load all the same.
    assert main(["validate"]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.startswith("47 records read, 47 articles: 43 visible")
    assert summary.endswith("0 problems (0 errors, 0 warnings)")


def test_validate_reports_errors_and_exits_one(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"ok.md": front_matter(), "bad.md": front_matter(title="2021")})
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{root / 'bad.md'}:2: error: title: expected text, got int 2021" in out
    assert "1 errors" in out


THREE_PROBLEMS = front_matter(webUrl='"news/x.html"', quality='"high"', topics="AI")


def test_validate_reports_every_problem_of_a_file_in_one_run(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"three.md": THREE_PROBLEMS, "ok.md": front_matter()})
    assert main(["validate", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    where = root / "three.md"
    assert lines == [
        # Errors first, then warnings.
        f"{where}:4: error: webUrl: is relative ('news/x.html'), and the source has no "
        "base_url option to resolve it against",
        f"{where}:8: warning: topics: expected a list, got str 'AI'; left out",
        f"{where}:9: warning: quality: expected a whole number, got str 'high'; left out",
        "2 records read, 1 articles: 1 visible, 0 drafts, 0 duplicates; 1 topics, 1 providers; "
        "3 problems (1 errors, 2 warnings)",
    ]


def test_validate_exits_one_on_warnings_only_when_strict(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"scalar.md": front_matter(quality='"high"')})
    assert main(["validate", str(root)]) == 0
    assert main(["validate", "--strict", str(root)]) == 1
    assert capsys.readouterr().out.count("0 errors, 1 warnings") == 2


def test_validate_with_a_base_url_resolves_relative_urls(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"three.md": THREE_PROBLEMS})
    assert main(["validate", "--base-url", "https://news.example.org/site", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 records read, 1 articles" in out and "0 errors, 2 warnings" in out


def test_a_base_url_needs_folders_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--base-url", "https://news.example.org/"]) == 2
    assert "--base-url applies to folders given on the command line" in capsys.readouterr().err


def test_export_schema_writes_the_named_file_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.graphql"
    assert main(["export-schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == sdl()
    assert f"to {target}" in capsys.readouterr().err


def test_export_schema_prints_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-schema"]) == 0
    assert capsys.readouterr().out == sdl()


def test_plugins_command_lists_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "yaml_folder" in out and "register_source_types" in out
    assert "url_selection" in out and "select_url" in out


def test_sources_command_shows_states(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "seeds" in out and "ok" in out and "47" in out and "43" in out


def test_start_up_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text("sources: [{type: ftp, name: x}]\n", encoding="utf-8")
    assert main(["sources", "--config", str(config)]) == 2
    assert "unknown source type 'ftp'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"newsgraph {__version__}"


def test_every_option_of_every_command_has_help() -> None:
    root = parser()
    (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) >= {"serve", "validate", "sources", "plugins", "new-plugin"}
    for name, command in commands.choices.items():
        for action in command._actions:
            assert action.help, f"newsgraph {name} {action.dest} has no help text"


def test_a_log_level_outside_the_choices_is_a_clear_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--log-level", "loud"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --log-level: invalid choice: 'loud'" in err
    assert "'debug'" in err and "Traceback" not in err


def test_json_lines_log_records_carry_the_traceback() -> None:
    try:
        raise KeyError("tittle")
    except KeyError:
        record = logging.LogRecord(
            "newsgraph", logging.ERROR, __file__, 1, "source %r failed", ("x",), sys.exc_info()
        )
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "error",
        "newsgraph",
        "source 'x' failed",
    )
    assert entry["traceback"].endswith("KeyError: 'tittle'")


def test_command_line_values_are_checked_like_the_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "99999", str(SEEDS)]) == 2
    assert "port: expected at most 65535, got 99999 (from --port)" in capsys.readouterr().err
