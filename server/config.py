"""Reading the run-time configuration: `newsgraph.yaml`, then `NEWSGRAPH_*` environment variables.

The settings themselves (every key, its type, default and meaning) are the model in
`newsgraph.server.settings`; docs/settings.md is generated from it. This module finds the file,
resolves `{"$env": NAME}` secrets, lets the environment override any `server:` key
(`NEWSGRAPH_<KEY>`, read by pydantic-settings), and turns validation errors into
`ConfigError` lines that name the key, such as `sources[1].name: 'feeds' is used twice`. With
no file at all, the bundled demo content (`seeds/`, installed as `newsgraph/seeds`) is served.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

import newsgraph
from newsgraph.server.settings import (
    ENV_PREFIX,
    Config,
    ConfigFile,
    ServerSettings,
    SourceConfig,
    env_variable,
)
from newsgraph.server.settings_errors import problems


def _bundled_content() -> Path:
    """The folder of the demo content that ships inside the package, so `newsgraph serve`
    works from any folder. An editable install holds links to the files of the source tree's
    `seeds/` instead, and a `yaml_folder` follows no link out of its folder: there, the folder
    the links point into is served."""
    folder = Path(newsgraph.__file__).parent / "seeds"
    sample = next((path for path in sorted(folder.rglob("*")) if path.is_file()), None)
    if sample is None or not sample.is_symlink():
        return folder
    depth = len(sample.relative_to(folder).parts)
    return sample.resolve().parents[depth - 1]


DEFAULT_CONFIG_FILE = Path("newsgraph.yaml")
CONFIG_VARIABLE = "NEWSGRAPH_CONFIG"
# The parts of the file where a value may be given as {"$env": NAME}.
SECRET_HOLDERS = ("plugins", "server")


class ConfigError(Exception):
    """The configuration cannot be used; each line names the entry and key."""


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
    # Found here, not at import: every command imports this module, few serve the demo.
    return Config(sources=folder_sources([_bundled_content()]))


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


class _ServerEnvironment(BaseSettings, ServerSettings):
    """The server settings as pydantic-settings sees them: `port` is NEWSGRAPH_PORT."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)


class _EnvironmentSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping rather than os.environ,
    so one `load_config` call sees one environment (a test hands in its own)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(_ServerEnvironment)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _resolve_secrets_in(document: dict[str, object], environ: Mapping[str, str]) -> None:
    """Resolve `{"$env": NAME}` in each source's options, the plugins' and the server block."""
    sources = document.get("sources")
    for index, entry in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(entry, dict) and "options" in entry:
            where = f"sources[{index}].options"
            entry["options"] = resolve_secrets(entry["options"], where, environ)
    for key in SECRET_HOLDERS:
        if key in document:
            document[key] = resolve_secrets(document[key], key, environ)


def _read(path: str | Path, environ: Mapping[str, str]) -> dict[str, object]:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping of sources, plugins and server")
    try:
        _resolve_secrets_in(document, environ)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    return document


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration file (if any) and apply environment overrides."""
    environ = os.environ if environ is None else environ
    chosen = path or environ.get(CONFIG_VARIABLE)
    if chosen is None and DEFAULT_CONFIG_FILE.is_file():
        chosen = DEFAULT_CONFIG_FILE
    document = {} if chosen is None else _read(chosen, environ)
    overrides = _EnvironmentSource(environ)()
    server = document.get("server")
    if overrides and (server is None or isinstance(server, dict)):
        document["server"] = {**(server or {}), **overrides}
    try:
        file = ConfigFile.model_validate(document)
    except ValidationError as error:
        origins: dict[tuple[str, ...], str] = {
            ("server", key): env_variable(key) for key in overrides
        }
        lines = problems(error, ConfigFile, origins)
        raise ConfigError(
            "\n".join(f"{chosen}: {line}" if chosen else line for line in lines)
        ) from None
    sources = default_config().sources if file.sources is None else file.sources
    return Config(sources=sources, plugins=file.plugins, **dict(file.server))


__all__ = [
    "Config",
    "ConfigError",
    "SourceConfig",
    "default_config",
    "folder_sources",
    "load_config",
    "resolve_secrets",
]
