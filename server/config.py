"""Run-time configuration: `newsgraph.yaml`, overridden by `NEWSGRAPH_*` environment variables.

```yaml
sources:                       # each entry makes one named instance of a source type
  - {type: yaml_folder, name: seeds, options: {path: seeds}}
plugins:                       # each plugin's own settings; secrets as {"$env": NAME}
  reading_time: {words_per_minute: 230}
server: {host: 127.0.0.1, port: 8000, source_timeout: 60, enrich_timeout: 30,
         reload_interval: 0, max_depth: 12, max_aliases: 30, max_tokens: 2000,
         preview_token: {"$env": NEWSGRAPH_PREVIEW_TOKEN}, preview_header: X-Newsgraph-Preview,
         response_cache: 1024, direct_executor: true}
```

Environment: NEWSGRAPH_CONFIG (the file), NEWSGRAPH_HOST, NEWSGRAPH_PORT,
NEWSGRAPH_LOAD_PLUGINS (allow-list of installed plugins; empty for none),
NEWSGRAPH_TRACE_HOOKS (1 to log every hook call), NEWSGRAPH_PREVIEW_TOKEN (the credential
that lets a request see drafts; without one there is no preview at all). With no file at all,
the bundled demo content (the `seeds/` folder, installed as `newsgraph/seeds`) is served.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

import newsgraph
from newsgraph.schema.build import Limits

# The demo content ships inside the package, so `newsgraph serve` works from any folder.
DEFAULT_CONTENT = Path(newsgraph.__file__).parent / "seeds"
MIN_PREVIEW_TOKEN = 16
DEFAULT_CONFIG_FILE = Path("newsgraph.yaml")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the entry and key."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source: an instance of a source type, with its own name and options."""

    type: str
    name: str
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    sources: tuple[SourceConfig, ...]
    plugins: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8000
    limits: Limits = Limits()
    source_timeout: float = 60.0
    enrich_timeout: float = 30.0
    reload_interval: float = 0.0
    load_plugins: frozenset[str] | None = None
    trace_hooks: bool = False
    preview_token: str | None = None  # without one, drafts are never served
    preview_header: str = "X-Newsgraph-Preview"
    response_cache: int = 1024  # responses kept per catalog snapshot; 0 turns the cache off
    direct_executor: bool = True  # False: every query goes through Strawberry


def folder_sources(paths: Sequence[str | Path]) -> tuple[SourceConfig, ...]:
    """One YAML-folder source per path, named after the folder."""
    names: list[str] = []
    for path in paths:
        base = Path(path).resolve().name or "content"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.append(name)
    return tuple(
        SourceConfig("yaml_folder", name, {"path": str(path)})
        for name, path in zip(names, paths, strict=True)
    )


def default_config() -> Config:
    """With no configuration at all, serve the bundled demo content."""
    return Config(sources=folder_sources([DEFAULT_CONTENT]))


def resolve_secrets(value: object, where: str, environ: Mapping[str, str]) -> object:
    """Replace every `{"$env": NAME}` with that environment variable's value."""
    if isinstance(value, Mapping):
        if set(value) == {"$env"}:
            name = value["$env"]
            if not isinstance(name, str) or name not in environ:
                raise ConfigError(f"{where}: environment variable {name!r} is not set")
            return environ[name]
        return {k: resolve_secrets(v, f"{where}.{k}", environ) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_secrets(v, f"{where}[{i}]", environ) for i, v in enumerate(value)]
    return value


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ConfigError(f"{where}: expected a mapping with text keys")
    return value


def _sources(value: object, environ: Mapping[str, str]) -> tuple[SourceConfig, ...]:
    if not isinstance(value, list):
        raise ConfigError("sources: expected a list of {type, name, options}")
    sources = []
    for index, raw in enumerate(value):
        where = f"sources[{index}]"
        entry = _mapping(raw, where)
        unknown = set(entry) - {"type", "name", "options"}
        if unknown:
            raise ConfigError(
                f"{where}.{sorted(unknown)[0]}: unknown key (known: type, name, options)"
            )
        kind, name = entry.get("type"), entry.get("name", entry.get("type"))
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f"{where}.type: required, a source type such as yaml_folder")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}.name: expected text")
        options = resolve_secrets(
            _mapping(entry.get("options"), f"{where}.options"), f"{where}.options", environ
        )
        sources.append(SourceConfig(kind, name, _mapping(options, f"{where}.options")))
    names = [s.name for s in sources]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(
                f"sources[{index}].name: {name!r} is used twice; names must be unique"
            )
    return tuple(sources)


_NUMBERS = {
    "port": int,
    "source_timeout": float,
    "enrich_timeout": float,
    "reload_interval": float,
    "max_depth": int,
    "max_aliases": int,
    "max_tokens": int,
    "response_cache": int,
}


def _server(config: Config, settings: Mapping[str, object]) -> Config:
    changes: dict[str, object] = {}
    limits: dict[str, int] = {}
    for key, value in settings.items():
        where = f"server.{key}"
        if key == "host":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected text")
            changes["host"] = value
        elif key == "preview_token":
            if not isinstance(value, str) or len(value) < MIN_PREVIEW_TOKEN:
                raise ConfigError(
                    f"{where}: expected a secret of at least {MIN_PREVIEW_TOKEN} characters "
                    '(give it as {"$env": NAME} to keep it out of the file)'
                )
            changes["preview_token"] = value
        elif key == "preview_header":
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9-]+", value):
                raise ConfigError(f"{where}: expected an HTTP header name, got {value!r}")
            changes["preview_header"] = value
        elif key in ("trace_hooks", "direct_executor"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false")
            changes[key] = value
        elif key in _NUMBERS:
            number = _number(value, _NUMBERS[key], where)
            if key.startswith("max_"):
                limits[key] = int(number)
            else:
                changes[key] = number
        else:
            known = ", ".join(["host", "preview_header", "preview_token", "trace_hooks", *_NUMBERS])
            raise ConfigError(f"{where}: unknown key (known: {known})")
    return replace(config, limits=replace(config.limits, **limits), **changes)  # type: ignore[arg-type]


def _number(value: object, kind: type[int] | type[float], where: str) -> int | float:
    if isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}: expected a non-negative number, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    return kind(value)


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration file (if any) and apply environment overrides."""
    environ = os.environ if environ is None else environ
    chosen = path or environ.get("NEWSGRAPH_CONFIG")
    if chosen is None and DEFAULT_CONFIG_FILE.is_file():
        chosen = DEFAULT_CONFIG_FILE
    config = default_config()
    if chosen is not None:
        try:
            text = Path(chosen).read_text(encoding="utf-8")
            document = _mapping(yaml.safe_load(text), str(chosen))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"{chosen}: cannot read the configuration: {error}") from None
        unknown = set(document) - {"sources", "plugins", "server"}
        if unknown:
            raise ConfigError(
                f"{sorted(unknown)[0]}: unknown key (known: sources, plugins, server)"
            )
        if "sources" in document:
            config = replace(config, sources=_sources(document["sources"], environ))
        plugins = _mapping(document.get("plugins"), "plugins")
        config = replace(
            config,
            plugins={
                name: _mapping(
                    resolve_secrets(block, f"plugins.{name}", environ), f"plugins.{name}"
                )
                for name, block in plugins.items()
            },
        )
        server = resolve_secrets(_mapping(document.get("server"), "server"), "server", environ)
        config = _server(config, _mapping(server, "server"))
    overrides: dict[str, object] = {}
    for variable, key in (
        ("NEWSGRAPH_HOST", "host"),
        ("NEWSGRAPH_PORT", "port"),
        ("NEWSGRAPH_PREVIEW_TOKEN", "preview_token"),
    ):
        if variable in environ:
            overrides[key] = environ[variable]
    if "NEWSGRAPH_TRACE_HOOKS" in environ:
        overrides["trace_hooks"] = environ["NEWSGRAPH_TRACE_HOOKS"] not in ("", "0", "false")
    config = _server(config, overrides)
    if "NEWSGRAPH_LOAD_PLUGINS" in environ:
        names = environ["NEWSGRAPH_LOAD_PLUGINS"].split(",")
        config = replace(config, load_plugins=frozenset(n.strip() for n in names if n.strip()))
    return config
