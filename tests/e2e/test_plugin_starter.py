"""`newsgraph new-plugin` writes a project that works outside this tree: installed (not
editable) into a fresh virtual environment that sees newsgraph, it passes its own tests and
`mypy --strict` (and ruff), and `newsgraph serve` serves a query through it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx
import pytest

from newsgraph.server.cli import main
from tests.e2e.conftest import run, serving


def environment(root: Path) -> Path:
    """A fresh virtual environment that also sees this one's packages (newsgraph, pytest,
    mypy, pip, setuptools) through a .pth file; returns its python."""
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    # `site.addsitedir`, unlike a plain path line, also runs this environment's .pth files,
    # which is where editable installs (newsgraph's own, here) live.
    line = f"import site; site.addsitedir({ours!r})\n"
    (Path(purelib) / "parent-environment.pth").write_text(line, encoding="utf-8")
    return python


@pytest.mark.skipif(sys.platform == "win32", reason="virtual environments differ on Windows")
def test_a_generated_plugin_installs_passes_its_tests_and_mypy_and_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "word_tally", "--dir", str(tmp_path)]) == 0
    project = tmp_path / "newsgraph-word-tally"
    assert str(project) in capsys.readouterr().out
    python = environment(tmp_path / "venv")
    pip = (python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index")
    run(*pip, project, cwd=tmp_path)

    located = "import newsgraph_word_tally as p; print(p.__file__)"
    installed = run(python, "-c", located, cwd=tmp_path).stdout
    assert installed.startswith(str(tmp_path / "venv")), "installed, not read from the project"
    assert (
        "4 passed"
        in run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project).stdout
    )
    assert "Success" in run(python, "-m", "mypy", "--strict", cwd=project).stdout
    run(python, "-m", "ruff", "check", ".", cwd=project)
    run(python, "-m", "ruff", "format", "--check", ".", cwd=project)

    config = tmp_path / "newsgraph.yaml"
    sample = project / "sample"
    config.write_text(
        f"sources:\n  - {{type: word_tally_jsonl, name: sample, options: {{path: {sample}}}}}\n",
        encoding="utf-8",
    )
    command = [str(python), "-m", "newsgraph.server.cli"]
    with serving("--config", str(config), command=command) as (base, _):
        query = "{ articles { edges { node { title wordCount } } } }"
        answer = httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).json()
        plugins = httpx.get(f"{base}/-/plugins", timeout=10).json()
    assert answer["data"]["articles"]["edges"][0]["node"] == {
        "title": "Library robots sort returned books",
        "wordCount": 5,
    }
    (ours,) = [p for p in plugins if p["name"] == "word_tally"]
    assert ours["hooks"] == ["extend_schema", "register_source_types"]


def test_new_plugin_refuses_a_bad_name_and_an_existing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-plugin", "Word-Count", "--dir", str(tmp_path)]) == 2
    assert "is not a plugin name" in capsys.readouterr().err
    assert main(["new-plugin", "words", "--dir", str(tmp_path)]) == 0
    assert main(["new-plugin", "words", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
