"""The published settings: the JSON Schema and the reference page are the model's, and every
`newsgraph.yaml` example in the docs is valid by the schema and loads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from newsgraph.server.cli import main
from newsgraph.server.config import load_config
from newsgraph.server.settings import ConfigFile, ServerSettings, SourceConfig
from newsgraph.server.settings_reference import (
    config_schema,
    config_schema_text,
    settings_reference,
)
from tests.conftest import ROOT

SCHEMA_FILE = ROOT / "docs" / "newsgraph.schema.json"
REFERENCE_FILE = ROOT / "docs" / "settings.md"
TOP_LEVEL = set(ConfigFile.model_fields)


def config_examples() -> list[Any]:
    """Each YAML block of the docs that is a configuration file (it has a top-level
    `sources`, `plugins` or `server` key), with its file and position as the id."""
    examples = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        blocks = re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
        for number, block in enumerate(blocks):
            document = yaml.safe_load(block)
            if isinstance(document, dict) and TOP_LEVEL & set(document):
                examples.append(pytest.param(block, id=f"{path.relative_to(ROOT)}-{number}"))
    return examples


EXAMPLES = config_examples()


def test_committed_schema_is_the_models() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == config_schema_text(), "run `make settings` and commit the result"


def test_committed_reference_is_the_models() -> None:
    committed = REFERENCE_FILE.read_text(encoding="utf-8")
    assert committed == settings_reference(), "run `make settings` and commit the result"


def test_every_setting_is_described() -> None:
    for model in (ConfigFile, ServerSettings):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} needs a description"
    for name, field in SourceConfig.__pydantic_fields__.items():
        assert field.description, f"SourceConfig.{name} needs a description"


def test_the_reference_lists_every_key_with_its_variable() -> None:
    reference = settings_reference()
    for key in ServerSettings.model_fields:
        assert f"| `{key}` |" in reference
        assert f"`NEWSGRAPH_{key.upper()}`" in reference


def test_schema_is_valid_and_not_vacuous() -> None:
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"server": {"preview_token": {"$env": "TOKEN"}, "port": 80}})
    assert validator.is_valid({"sources": [{"type": "yaml_folder"}]})
    for wrong in (
        {"colour": "red"},
        {"sources": [{"name": "x"}]},
        {"sources": [{"type": "t", "nmae": "x"}]},
        {"server": {"port": "eighty"}},
        {"server": {"port": -1}},
        {"server": {"debug": True}},
        {"server": {"preview_token": "short"}},
        {"server": {"preview_token": {"$env": 1}}},
    ):
        assert not validator.is_valid(wrong), wrong


def test_docs_have_configuration_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("block", EXAMPLES)
def test_docs_example_is_valid_and_loads(block: str, tmp_path: Path) -> None:
    jsonschema.validate(yaml.safe_load(block), config_schema())
    path = tmp_path / "newsgraph.yaml"
    path.write_text(block, encoding="utf-8")
    secrets = {name: "s" * 20 for name in re.findall(r"\$env\"?:\s*\"?(\w+)", block)}
    assert load_config(path, secrets).sources


def test_cli_prints_the_schema_and_writes_the_reference(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["config-schema"]) == 0
    assert json.loads(capsys.readouterr().out) == config_schema()
    written = tmp_path / "settings.md"
    assert main(["config-schema", "--markdown", "-o", str(written)]) == 0
    assert written.read_text(encoding="utf-8") == settings_reference()
    assert f"to {written}" in capsys.readouterr().err
