"""The README's two set-up commands are the ones CI and the Makefile stand behind."""

from __future__ import annotations

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def test_readme_opens_with_exactly_two_commands() -> None:
    serve, test = readme_commands()
    assert serve.endswith("newsgraph serve")
    assert test.endswith("-m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
