"""docs/architecture.md's module table names every module of the package."""

from __future__ import annotations

import re

from tests.conftest import ROOT

LAYERS = ("engine", "schema", "server", "kit", "plugins")


def test_the_module_table_names_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\|([^|]+)\|", text, re.M)
    named = {name for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}
    missing = [
        module
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
        if path.name != "__init__.py" and "plugin_template" not in path.parts
        if (module := path.relative_to(ROOT).as_posix()) not in named
        and f"{path.parent.relative_to(ROOT).as_posix()}/" not in named
    ]
    assert missing == [], "add these to the module table in docs/architecture.md"
