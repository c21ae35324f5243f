"""Discovery of installed plugins through real entry points (dist-info folders on sys.path)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsgraph.server.cli import main
from newsgraph.server.config import load_config
from newsgraph.server.plugin_manager import BUILTIN_PLUGINS, PluginError, load_plugins
from newsgraph.server.runtime import Runtime

Install = Callable[..., None]

HOOK = """
from newsgraph.plugin_api import hookimpl

@hookimpl
def {hook}(register):
    register({type!r}, object)
"""


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Install]:
    """Install a distribution with one `newsgraph` entry point into a fresh sys.path entry."""
    sys.path.insert(0, str(tmp_path))
    modules: list[str] = []

    def add(dist: str, plugin: str, module: str, source: str) -> None:
        (tmp_path / f"{module}.py").write_text(source, encoding="utf-8")
        info = tmp_path / f"{dist}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
        (info / "entry_points.txt").write_text(f"[newsgraph]\n{plugin} = {module}\n")
        modules.append(module)

    yield add
    sys.path.remove(str(tmp_path))
    for module in modules:
        sys.modules.pop(module, None)


def test_builtins_are_registered_under_short_names() -> None:
    names = [info.name for info in load_plugins(frozenset()).info()]
    assert names == sorted(BUILTIN_PLUGINS)


def test_installed_plugin_is_discovered_with_its_version(install: Install) -> None:
    install(
        "newsgraph-alpha",
        "alpha",
        "ng_alpha",
        HOOK.format(hook="register_source_types", type="alpha"),
    )
    plugins = load_plugins(frozenset({"alpha"}))
    info = {i.name: i for i in plugins.info()}
    assert info["alpha"].version == "1.2.3" and not info["alpha"].builtin
    assert info["alpha"].hooks == ("register_source_types",)
    assert "alpha" in plugins.source_types()


def test_allow_list_limits_installed_plugins(install: Install) -> None:
    install(
        "newsgraph-alpha",
        "alpha",
        "ng_alpha",
        HOOK.format(hook="register_source_types", type="alpha"),
    )
    assert "alpha" not in [i.name for i in load_plugins(frozenset()).info()]
    assert "alpha" not in [i.name for i in load_plugins(frozenset({"other"})).info()]


def test_two_distributions_claiming_one_name_fail_naming_them(install: Install) -> None:
    install(
        "newsgraph-one", "twin", "ng_one", HOOK.format(hook="register_source_types", type="one")
    )
    install(
        "newsgraph-two", "twin", "ng_two", HOOK.format(hook="register_source_types", type="two")
    )
    with pytest.raises(PluginError, match="plugin name 'twin' is claimed twice: by newsgraph-"):
        load_plugins(None)


def test_a_plugin_may_not_take_a_builtin_name(install: Install) -> None:
    install(
        "newsgraph-fake",
        "yaml_folder",
        "ng_fake",
        HOOK.format(hook="register_source_types", type="x"),
    )
    with pytest.raises(PluginError, match="'yaml_folder' is claimed twice: by newsgraph-fake"):
        load_plugins(frozenset({"yaml_folder"}))


def test_misspelt_hook_fails_at_start_up_with_did_you_mean(install: Install) -> None:
    source = "from newsgraph.plugin_api import hookimpl\n\n@hookimpl\ndef extend_shema():\n    return None\n"
    install("newsgraph-typo", "typo", "ng_typo", source)
    with pytest.raises(PluginError) as raised:
        load_plugins(frozenset({"typo"}))
    assert str(raised.value).startswith(
        "plugin 'typo' (newsgraph-typo) is invalid: @hookimpl 'extend_shema' is not a hook; "
        "did you mean 'extend_schema'?"
    )
    assert "NEWSGRAPH_LOAD_PLUGINS can leave this one out" in str(raised.value)


def test_wrong_hook_arguments_fail_showing_the_expected_signature(install: Install) -> None:
    source = "from newsgraph.plugin_api import hookimpl\n\n@hookimpl\ndef select_url(link, preference):\n    return None\n"
    install("newsgraph-args", "args", "ng_args", source)
    with pytest.raises(PluginError) as raised:
        load_plugins(frozenset({"args"}))
    assert str(raised.value).startswith(
        "plugin 'args' (newsgraph-args) is invalid: select_url() takes no argument 'link'; "
        "expected: def select_url(links: Links, preference: UrlPreference, "
        "article: Article | Related) -> str | None"
    )


def test_a_hook_without_hookimpl_is_a_warning(
    install: Install, caplog: pytest.LogCaptureFixture
) -> None:
    source = "def register_source_types(register):\n    register('x', object)\n"
    install("newsgraph-unmarked", "unmarked", "ng_unmarked", source)
    plugins = load_plugins(frozenset({"unmarked"}))
    assert "x" not in plugins.source_types()
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == (
        "plugin 'unmarked': register_source_types() is named like a hook but has no "
        "@hookimpl, so it is never called; mark it with @hookimpl from newsgraph.plugin_api"
    )


def test_plugins_command_lists_a_broken_plugin_as_broken(
    install: Install, capsys: pytest.CaptureFixture[str]
) -> None:
    install("newsgraph-broken", "broken", "ng_broken", "raise RuntimeError('no')\n")
    install(
        "newsgraph-alpha",
        "alpha",
        "ng_alpha",
        HOOK.format(hook="register_source_types", type="alpha"),
    )
    assert main(["plugins"]) == 1
    lines = capsys.readouterr().out.splitlines()
    (broken,) = [line for line in lines if line.startswith("broken ")]
    assert "broken" in broken.split()[3:4] and "failed to import: RuntimeError('no')" in broken
    (alpha,) = [line for line in lines if line.startswith("alpha ")]
    assert alpha.split()[3:5] == ["ok", "register_source_types"]
    # Every other command still stops, saying how to get past it.
    assert main(["sources"]) == 2


def test_a_settings_block_of_an_excluded_plugin_is_a_warning(
    install: Install, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install("newsgraph-hn", "hn", "ng_hn", HOOK.format(hook="register_source_types", type="hn"))
    config = tmp_path / "newsgraph.yaml"
    config.write_text("plugins:\n  hn: {token: abc}\n", encoding="utf-8")
    runtime = Runtime(load_config(config, environ={"NEWSGRAPH_LOAD_PLUGINS": ""}))
    assert "hn" not in runtime.plugins.versions
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "plugins.hn: plugin 'hn' is installed but left out by NEWSGRAPH_LOAD_PLUGINS; "
        "its settings are ignored"
    ]
    with pytest.raises(PluginError, match="plugins.nope: no plugin of that name is loaded"):
        config.write_text("plugins:\n  nope: {}\n", encoding="utf-8")
        Runtime(load_config(config, environ={"NEWSGRAPH_LOAD_PLUGINS": ""}))


def test_import_failure_names_the_plugin(install: Install) -> None:
    install("newsgraph-broken", "broken", "ng_broken", "raise RuntimeError('no')\n")
    with pytest.raises(
        PluginError, match="plugin 'broken' \\(newsgraph-broken\\) failed to import"
    ):
        load_plugins(frozenset({"broken"}))
