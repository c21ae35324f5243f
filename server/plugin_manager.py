"""The plugin manager: one per app, with the builtin plugins registered under short names."""

from __future__ import annotations

import importlib

import pluggy

from server import hookspecs
from server.sources import SourceType

BUILTIN_PLUGINS = {"yaml_folder": "plugins.yaml_folder"}


class PluginError(Exception):
    """A plugin cannot be used; the message names it."""


def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name, module in BUILTIN_PLUGINS.items():
        manager.register(importlib.import_module(module), name=name)
    manager.check_pending()
    return manager


def source_types(manager: pluggy.PluginManager) -> dict[str, SourceType]:
    """Every source type the plugins contribute, by type name."""
    found: dict[str, SourceType] = {}

    def register(type_name: str, source_type: SourceType) -> None:
        if type_name in found:
            raise PluginError(f"source type {type_name!r} is registered twice")
        found[type_name] = source_type

    manager.hook.register_source_types(register=register)
    return found
