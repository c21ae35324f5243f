from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.server.runtime import Runtime
from newsgraph.server.settings import ServerSettings
from tests.conftest import SEEDS


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsgraph.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_configuration_serves_the_bundled_seeds_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    [source] = config.sources
    assert (source.type, source.name) == ("yaml_folder", "seeds")
    bundled = Path(str(source.options["path"]))
    assert bundled.is_absolute() and bundled.name == "seeds"
    assert sorted(p.name for p in bundled.glob("*.md")) == sorted(
        p.name for p in SEEDS.glob("*.md")
    )


def test_full_file_with_secrets_and_environment_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
sources:
  - {type: yaml_folder, name: one, options: {path: a}}
  - {type: yaml_folder, name: two, options: {path: b}}
plugins:
  feedly: {token: {"$env": FEED_TOKEN}, retries: 3}
server: {host: 0.0.0.0, port: 9000, max_depth: 8, source_timeout: 5}
""",
    )
    environ = {"FEED_TOKEN": "s3cret", "NEWSGRAPH_PORT": "9100", "NEWSGRAPH_LOAD_PLUGINS": "a, b,"}
    config = load_config(path, environ)
    assert [s.name for s in config.sources] == ["one", "two"]
    assert config.plugins == {"feedly": {"token": "s3cret", "retries": 3}}
    assert (config.host, config.port, config.source_timeout) == ("0.0.0.0", 9100, 5.0)
    assert config.limits.max_depth == 8
    assert config.load_plugins == frozenset({"a", "b"})
    assert load_config(path, {**environ, "NEWSGRAPH_LOAD_PLUGINS": ""}).load_plugins == frozenset()


def test_production_switches_from_the_file_and_the_environment(tmp_path: Path) -> None:
    default = load_config(environ={})
    assert (default.graphiql, default.limits.introspection) == (True, True)
    config = load_config(write(tmp_path, "server: {graphiql: false, introspection: false}\n"), {})
    assert (config.graphiql, config.limits.introspection) == (False, False)
    assert load_config(environ={"NEWSGRAPH_INTROSPECTION": "false"}).limits.introspection is False


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "server: {port: 7000}\n")
    assert load_config(environ={"NEWSGRAPH_CONFIG": str(path)}).port == 7000


@pytest.mark.parametrize(
    ("text", "environ", "phrase"),
    [
        ("colour: red\n", {}, "colour: unknown key (known: sources, plugins, server)"),
        ("- a\n", {}, "expected a mapping of sources, plugins and server"),
        ("sources: {a: 1}\n", {}, "sources: expected a list"),
        ("sources: [{name: x}]\n", {}, "sources[0].type: required"),
        (
            "sources: [{type: t, nmae: x}]\n",
            {},
            "sources[0].nmae: unknown key (known: type, name, options)",
        ),
        ("sources: [{type: t, options: 3}]\n", {}, "sources[0].options: expected a mapping"),
        (
            "sources: [{type: t, name: x}, {type: t, name: x}]\n",
            {},
            "sources[1].name: 'x' is used twice",
        ),
        (
            "plugins: {p: {key: {$env: MISSING}}}\n",
            {},
            "plugins.p.key: environment variable 'MISSING'",
        ),
        ("server: {port: eighty}\n", {}, "server.port: expected a number"),
        ("server: {port: -1}\n", {}, "server.port: expected a non-negative number"),
        ("server: {max_depth: 2.5}\n", {}, "server.max_depth: expected a whole number"),
        ("server: {workers: 0}\n", {}, "server.workers: expected a number of at least 1, got 0"),
        ("server: {debug: true}\n", {}, "server.debug: unknown key"),
        ("server: {port: 70000}\n", {}, "server.port: expected at most 65535, got 70000"),
        ("server: {source_timeout: true}\n", {}, "server.source_timeout: expected a number"),
        ("server: {preview_header: a b}\n", {}, "server.preview_header: expected text matching"),
        ("server: {load_plugins: [1]}\n", {}, "server.load_plugins[0]: expected text, got 1"),
        ("server: 5\n", {}, "server: expected a mapping, got 5"),
        (
            "server: {port: 8000, health_port: 8000}\n",
            {},
            "health_port 8000 is also port or admin_port; give it a port of its own",
        ),
        (
            "server: {health_stall_timeout: 0}\n",
            {},
            "server.health_stall_timeout: expected a number of at least 0.5, got 0",
        ),
        (
            "server: {}\n",
            {"NEWSGRAPH_PORT": "x"},
            "server.port: expected a number, got 'x' (from NEWSGRAPH_PORT)",
        ),
        (
            "",
            {"NEWSGRAPH_TRACE_HOOKS": "maybe"},
            "server.trace_hooks: expected true or false, got 'maybe' (from NEWSGRAPH_TRACE_HOOKS)",
        ),
        ("!!python/object/apply:os.system [echo]\n", {}, "cannot read the configuration"),
    ],
)
def test_errors_name_the_key(
    tmp_path: Path, text: str, environ: dict[str, str], phrase: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ)
    assert phrase in str(caught.value)


def test_every_problem_of_a_file_is_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources: [{type: t, name: x}, {type: t, name: x}]\nserver: {port: eighty, debug: 1}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(caught.value).splitlines() == [
        f"{path}: sources[1].name: 'x' is used twice; names must be unique",
        f"{path}: server.port: expected a number, got 'eighty'",
        f"{path}: server.debug: unknown key (known: {', '.join(ServerSettings.model_fields)})",
    ]


def test_a_rejected_preview_token_is_not_shown_back(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "server: {preview_token: hunter2}\n"), {})
    assert "server.preview_token: expected at least 16 characters" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_every_server_key_has_an_environment_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "server: {response_cache: 10, direct_executor: true, max_depth: 8}\n")
    environ = {
        "NEWSGRAPH_RESPONSE_CACHE": "0",
        "NEWSGRAPH_DIRECT_EXECUTOR": "false",
        "NEWSGRAPH_MAX_DEPTH": "5",
        "NEWSGRAPH_TRACE_HOOKS": "1",
        "NEWSGRAPH_PREVIEW_TOKEN": "t" * 16,
        "NEWSGRAPH_PREVIEW_HEADER": "X-Draft",
    }
    config = load_config(path, environ)
    assert (config.response_cache, config.direct_executor, config.limits.max_depth) == (0, False, 5)
    assert (config.trace_hooks, config.preview_token, config.preview_header) == (
        True,
        "t" * 16,
        "X-Draft",
    )
    assert load_config(path, {}).response_cache == 10


def test_a_source_is_named_after_its_type_by_default(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, "sources: [{type: yaml_folder, options: {path: a}}]\n"), {}
    )
    assert config.sources == (SourceConfig("yaml_folder", "yaml_folder", {"path": "a"}),)


def test_unknown_source_type_and_bad_options_name_the_entry(tmp_path: Path) -> None:
    bad_type = load_config(write(tmp_path, "sources: [{type: ftp, name: x}]\n"), {})
    with pytest.raises(ConfigError, match=r"sources\[0\] 'x': unknown source type 'ftp'"):
        Runtime(bad_type)
    bad_option = load_config(write(tmp_path, "sources: [{type: yaml_folder, name: x}]\n"), {})
    with pytest.raises(
        ConfigError, match=r"sources\[0\] 'x' \(yaml_folder\): options.path: required"
    ):
        Runtime(bad_option)


def test_two_instances_of_one_source_type(tmp_path: Path, corpus: Path) -> None:
    path = write(
        tmp_path,
        f"""
sources:
  - {{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}
  - {{type: yaml_folder, name: corpus, options: {{path: "{corpus / "_news"}"}}}}
""",
    )
    runtime = Runtime(load_config(path, {}))
    ingested = asyncio.run(runtime.load())
    by_source: dict[str, int] = {}
    for article in ingested.catalog.order:
        by_source[article.source] = by_source.get(article.source, 0) + 1
    assert by_source["corpus"] == 425
    assert by_source["seeds"] == 43
    assert {s.status for s in runtime.states.values()} == {"ok"}
