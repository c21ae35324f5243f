"""The plugin author's surface is small, explicit, and documented."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re

import pytest

from newsgraph import hookspecs, plugin_api
from newsgraph.server.plugin_manager import PluginError
from newsgraph.testing import make_app
from tests.conftest import ROOT

EXPECTED_API = {
    "DEFAULT_AMP_CACHE_DOMAIN",
    "Article",
    "ArticleField",
    "ArticleFilter",
    "BaseUrl",
    "Catalog",
    "Context",
    "FingerprintedSource",
    "Image",
    "Links",
    "Order",
    "PolledSource",
    "Problem",
    "Provider",
    "RawRecord",
    "RegisterSourceType",
    "Related",
    "SchemaAddition",
    "Severity",
    "SortField",
    "Source",
    "SourceBatch",
    "SourceType",
    "SourceUnavailable",
    "Topic",
    "UrlPreference",
    "Visibility",
    "WatchedSource",
    "article_id",
    "base_url_option",
    "cache_folder",
    "collector_paused",
    "fallback_url",
    "hookimpl",
}


def test_all_is_exactly_the_public_surface() -> None:
    assert set(plugin_api.__all__) == EXPECTED_API
    public = {name for name in vars(plugin_api) if not name.startswith("_")}
    assert public - {"annotations"} == EXPECTED_API


def hook_signatures() -> dict[str, str]:
    signatures = {}
    for name, function in vars(hookspecs).items():
        if inspect.isfunction(function) and hasattr(function, "newsgraph_spec"):
            source = inspect.getsource(function)
            match = re.search(r"^def .*?\) -> .*?(?=:\n)", source, re.M | re.S)
            assert match, name
            signatures[name] = match.group(0)
    return signatures


def test_every_hook_has_a_docstring_and_a_test() -> None:
    tests = "\n".join(p.read_text("utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    for name in hook_signatures():
        function = getattr(hookspecs, name)
        assert function.__doc__ and "\n" not in function.__doc__.strip(), name
        assert f"def test_hook_{name}(" in tests, f"no test_hook_{name}"


def test_hook_reference_lists_every_hook_with_its_exact_signature() -> None:
    reference = (ROOT / "docs" / "plugins" / "hooks.md").read_text("utf-8")
    signatures = hook_signatures()
    assert len(signatures) == 8
    for name, signature in signatures.items():
        assert f"## {name}" in reference, f"docs/plugins/hooks.md lacks a section for {name}"
        assert signature in reference, f"docs/plugins/hooks.md: signature of {name} differs"


def model_reference() -> str:
    return (ROOT / "docs" / "plugins" / "model.md").read_text("utf-8")


def documented_attributes(name: str) -> list[tuple[str, str]]:
    """The (attribute, type) rows of a type's table in docs/plugins/model.md."""
    section = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", model_reference(), re.M | re.S)
    assert section, f"docs/plugins/model.md lacks a section for {name}"
    rows = re.findall(r"^\| `(\w+)` \| `(.+?)` \|", section.group(1), re.M)
    return [(attribute, kind.replace("\\|", "|")) for attribute, kind in rows]


def test_model_reference_lists_every_attribute_of_every_public_dataclass() -> None:
    documented = 0
    for name in plugin_api.__all__:
        value = getattr(plugin_api, name)
        if isinstance(value, type) and dataclasses.is_dataclass(value):
            expected = [(f.name, str(f.type)) for f in dataclasses.fields(value)]
            assert documented_attributes(name) == expected, name
            documented += 1
    assert documented >= 12


def test_model_reference_lists_every_member_of_every_public_enumeration() -> None:
    for name in plugin_api.__all__:
        value = getattr(plugin_api, name)
        if isinstance(value, type) and issubclass(value, enum.Enum):
            members = ", ".join(f"`{member.name}`" for member in value)
            assert f"| `{name}` | {members} |" in model_reference(), name


def test_make_app_refuses_settings_for_a_plugin_the_test_did_not_name() -> None:
    # reading_time is installed (the example plugin), but this test does not pass it.
    with pytest.raises(PluginError, match=r"^plugins\.reading_time: no plugin of that name"):
        make_app(settings={"reading_time": {"words_per_minute": 100}})
