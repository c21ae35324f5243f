"""Discovery of installed plugins through real entry points (dist-info folders on sys.path)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsgraph.server.plugin_manager import BUILTIN_PLUGINS, PluginError, load_plugins

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


def test_misspelt_hook_fails_at_start_up_naming_the_plugin(install: Install) -> None:
    install(
        "newsgraph-typo", "typo", "ng_typo", HOOK.format(hook="register_source_typez", type="x")
    )
    with pytest.raises(
        PluginError, match="plugin 'typo' implements an unknown hook.*register_source_typez"
    ):
        load_plugins(frozenset({"typo"}))


def test_wrong_hook_arguments_fail_naming_the_plugin(install: Install) -> None:
    source = "from newsgraph.plugin_api import hookimpl\n\n@hookimpl\ndef select_url(link, preference):\n    return None\n"
    install("newsgraph-args", "args", "ng_args", source)
    with pytest.raises(PluginError, match="plugin 'args' \\(newsgraph-args\\) is invalid"):
        load_plugins(frozenset({"args"}))


def test_import_failure_names_the_plugin(install: Install) -> None:
    install("newsgraph-broken", "broken", "ng_broken", "raise RuntimeError('no')\n")
    with pytest.raises(
        PluginError, match="plugin 'broken' \\(newsgraph-broken\\) failed to import"
    ):
        load_plugins(frozenset({"broken"}))
