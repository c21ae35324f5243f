"""The hooks a newsgraph plugin may implement (pluggy project name `newsgraph`)."""

from __future__ import annotations

import pluggy

from server.sources import RegisterSourceType

PROJECT = "newsgraph"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_source_types(register: RegisterSourceType) -> None:
    """Contribute source classes: call `register(type_name, cls)` once per source type."""
