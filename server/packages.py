"""Guard against generic package names being taken by unrelated installed distributions.

`server`, `schema` and `plugins` are common names (a popular PyPI package is called `schema`);
newsgraph must import its own, or fail at start-up saying which one is wrong.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

# Each package with a module only newsgraph's has, to tell ours from a namesake.
OWN_PACKAGES = {
    "server": "server.runtime",
    "schema": "schema.model",
    "plugins": "plugins.yaml_folder",
}


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def check_own_packages() -> None:
    """Raise `ImportError` naming any of our packages that resolves outside this project."""
    root = project_root()
    for name, marker in OWN_PACKAGES.items():
        module = importlib.import_module(name)
        location = Path(module.__file__ or "").resolve().parent
        if location.parent != root or importlib.util.find_spec(marker) is None:
            raise ImportError(
                f"the package {name!r} was imported from {location}, not from newsgraph at "
                f"{root}: another distribution shadows it; install newsgraph into its own "
                f"virtual environment"
            )
