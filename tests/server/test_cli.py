from __future__ import annotations

from pathlib import Path

import pytest

from newsgraph.schema.build import sdl
from newsgraph.server.cli import main
from tests.conftest import SEEDS, WriteTree, front_matter


def test_validate_clean_folder_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out


def test_validate_reports_errors_and_exits_one(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"ok.md": front_matter(), "bad.md": front_matter(title="2021")})
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{root / 'bad.md'}:2: error: title: expected text, got int 2021" in out
    assert "1 errors" in out


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
    assert "seeds" in out and "ok" in out and "47" in out


def test_start_up_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text("sources: [{type: ftp, name: x}]\n", encoding="utf-8")
    assert main(["sources", "--config", str(config)]) == 2
    assert "unknown source type 'ftp'" in capsys.readouterr().err
