"""The settings model, published: a JSON Schema of `newsgraph.yaml` for editors, and the
settings reference page. Both are generated here from `newsgraph.server.settings`; tests keep
the committed copies (docs/newsgraph.schema.json, docs/settings.md) equal to them, and
`make settings` (`newsgraph config-schema`) writes them again."""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from newsgraph.server.config import CONFIG_VARIABLE
from newsgraph.server.settings import ConfigFile, env_variable

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ENV_REFERENCE: dict[str, Any] = {
    "description": "The value of an environment variable, read at start-up.",
    "type": "object",
    "properties": {"$env": {"type": "string", "description": "The variable's name."}},
    "required": ["$env"],
    "additionalProperties": False,
}


class _ForEditors(GenerateJsonSchema):
    # pydantic titles each field after its name ("Port"); editors show the key already.
    def field_title_should_be_set(self, schema: object) -> bool:
        return False

    # A default made by a factory ({} for plugins) is a default all the same.
    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return factory()  # type: ignore[call-arg]
        return super().get_default_value(schema)


def _model_schema() -> dict[str, Any]:
    return ConfigFile.model_json_schema(schema_generator=_ForEditors)


def config_schema() -> dict[str, Any]:
    """The JSON Schema of `newsgraph.yaml`: the model's, where every server key also takes
    `{"$env": NAME}` as the loader does (options and plugin settings take anything)."""
    schema = _model_schema()
    server = schema["$defs"]["ServerSettings"]["properties"]
    for key, value in server.items():
        described = {name: value.pop(name) for name in ("description", "default")}
        server[key] = {**described, "anyOf": [value, {"$ref": "#/$defs/EnvReference"}]}
    schema["$defs"]["EnvReference"] = ENV_REFERENCE
    return {"$schema": DRAFT, **schema}


def config_schema_text() -> str:
    return json.dumps(config_schema(), indent=2) + "\n"


_TYPES = {
    "string": "text",
    "integer": "integer",
    "number": "number",
    "boolean": "true or false",
    "object": "mapping",
    "null": "null",
}


def _type(node: dict[str, Any]) -> str:
    """A JSON Schema type in a few words, such as `integer, 0 to 65535`."""
    if "anyOf" in node:
        return " or ".join(_type(option) for option in node["anyOf"])
    if "$ref" in node:
        return "mapping (below)"
    kind = node["type"]
    if kind == "array":
        return f"list of {_type(node['items'])}"
    words = _TYPES[kind]
    if "minimum" in node and "maximum" in node:
        words += f", {node['minimum']} to {node['maximum']}"
    elif "minimum" in node:
        words += f", at least {node['minimum']}"
    if node.get("minLength") == 1:
        words += ", not empty"
    elif "minLength" in node:
        words += f", at least {node['minLength']} characters"
    if "pattern" in node:
        words += f" matching `{node['pattern']}`"
    return words


def _default(node: dict[str, Any], key: str, required: list[str]) -> str:
    if key in required:
        return "required"
    if "default" not in node:
        return "see description"
    if isinstance(node["default"], dict) and node["default"]:
        return "below"
    return f"`{json.dumps(node['default'])}`"


def _table(model: dict[str, Any], env: bool) -> list[str]:
    head = ["key", "type", "default", *(["environment"] if env else []), "description"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    required = model.get("required", [])
    for key, node in model["properties"].items():
        cells = [f"`{key}`", _type(node), _default(node, key, required)]
        if env:
            cells.append(f"`{env_variable(key)}`")
        cells.append(node["description"].replace("\n", " "))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def settings_reference() -> str:
    """docs/settings.md: every key of `newsgraph.yaml`, from the model."""
    schema = _model_schema()
    defs = schema["$defs"]
    lines = [
        "# Settings reference",
        "",
        "<!-- Generated from server/settings.py by `make settings`; do not edit. -->",
        "",
        f"`newsgraph.yaml` is read from `--config FILE`, else `${CONFIG_VARIABLE}`, else",
        "`./newsgraph.yaml` when present; without one, the bundled demo content is served.",
        "Every key is checked at start-up: a mistake stops the server with one line per",
        "problem, naming the key (`sources[1].name: 'feeds' is used twice`).",
        "",
        "Any value in a source's `options`, a plugin's settings or the `server` block can be",
        'given as `{"$env": NAME}`, which reads the environment variable `NAME` at start-up;',
        "keep secrets out of the file that way.",
        "",
        "**Environment overrides.** Every `server` key can be set from the environment as",
        "`NEWSGRAPH_` and the key in capitals (`server.port` is `NEWSGRAPH_PORT`); the",
        "environment wins over the file. A value is text read as the key's type (`8000`,",
        "`true`, `0.5`); `NEWSGRAPH_LOAD_PLUGINS` takes comma-separated names.",
        "",
        "**Editors.** [newsgraph.schema.json](newsgraph.schema.json) is the JSON Schema of the",
        "file (`newsgraph config-schema` prints it). With the YAML language server (VS Code's",
        "YAML extension and others), a first line such as",
        "`# yaml-language-server: $schema=docs/newsgraph.schema.json` (the path to your copy)",
        "gives completion, descriptions and checks as you type.",
        "",
        "## Top level",
        "",
        *_table(schema, env=False),
        "",
        "## `sources` entries",
        "",
        defs["SourceConfig"]["description"],
        "",
        *_table(defs["SourceConfig"], env=False),
        "",
        "## `server`",
        "",
        defs["ServerSettings"]["description"].replace("\n", " "),
        "",
        *_table(defs["ServerSettings"], env=True),
        "",
    ]
    return "\n".join(lines)
