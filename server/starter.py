"""`newsgraph new-plugin NAME`: write an installable plugin project from the templates in
`plugin_template/`, ready to be tested and type-checked outside newsgraph's own tree."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Each file of the project, and the template it is made from.
_FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "src/{package}/__init__.py": "plugin.py.tmpl",
    "src/{package}/py.typed": None,
    "tests/test_{plugin}.py": "test_plugin.py.tmpl",
    "sample/articles.jsonl": "articles.jsonl.tmpl",
}


class StarterError(Exception):
    """The project cannot be written; the message says why."""


def new_plugin(name: str, parent: Path) -> Path:
    """Write the project for plugin `name` into `parent/newsgraph-<name>`; returns its folder."""
    if not _NAME.fullmatch(name):
        raise StarterError(
            f"{name!r} is not a plugin name: use lower case letters, digits and underscores, "
            "starting with a letter (such as word_count)"
        )
    names = {
        "plugin": name,
        "package": f"newsgraph_{name}",
        "distribution": f"newsgraph-{name.replace('_', '-')}",
        "source_type": f"{name}_jsonl",
    }
    root = parent / names["distribution"]
    if root.exists():
        raise StarterError(f"{root} already exists; choose another --dir or remove it")
    templates = files("newsgraph.server") / "plugin_template"
    for target, template in _FILES.items():
        path = root / target.format(**names)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "" if template is None else (templates / template).read_text("utf-8")
        path.write_text(text.format(**names), encoding="utf-8")
    return root
