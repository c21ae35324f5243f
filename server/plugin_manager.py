"""The plugin manager: one per app; builtins under short names, then installed plugins.

Installed plugins come from the entry-point group `newsgraph`, loaded by our own loop so that a
name clash is a start-up error instead of a silent skip. `NEWSGRAPH_LOAD_PLUGINS` restricts
which installed plugins load (a comma-separated allow-list; empty means none). Each plugin is
checked before it is registered (`plugin_checks`), so that a mistake comes with its fix.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, distributions
from typing import Any

import pluggy
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from newsgraph import __version__, hookspecs
from newsgraph.engine.model import Article, Links, Related
from newsgraph.engine.sources import SourceType
from newsgraph.engine.urls import UrlPreference
from newsgraph.schema.extend import SchemaAddition
from newsgraph.server.plugin_checks import check

log = logging.getLogger("newsgraph")

BUILTIN_PLUGINS = {
    "yaml_folder": "newsgraph.plugins.yaml_folder",
    "remote_feed": "newsgraph.plugins.remote_feed",
    "url_selection": "newsgraph.plugins.url_selection:UrlSelection",
}


@dataclass(frozen=True, slots=True)
class RegisteredSourceType:
    plugin: str  # the plugin that registered it
    factory: SourceType


class PluginError(Exception):
    """A plugin cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str
    builtin: bool
    hooks: tuple[str, ...]
    error: str | None = None  # why the plugin could not be loaded: it is broken


def _register(manager: pluggy.PluginManager, plugin: object, name: str, origin: str) -> None:
    mistakes = check(plugin, name)
    if mistakes:
        raise PluginError(f"plugin {name!r} ({origin}) is invalid: {'; '.join(mistakes)}")
    try:
        manager.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as error:
        raise PluginError(f"plugin {name!r} ({origin}) is invalid: {error}") from None


def _load_installed(manager: pluggy.PluginManager, entry_point: EntryPoint) -> None:
    distribution = entry_point.dist.name if entry_point.dist else "unknown distribution"
    if manager.has_plugin(entry_point.name):
        raise PluginError(
            f"plugin name {entry_point.name!r} is claimed twice: by {distribution} "
            f"({entry_point.value}) and by an earlier plugin"
        )
    try:
        plugin = entry_point.load()
    except Exception as error:
        raise PluginError(
            f"plugin {entry_point.name!r} ({distribution}) failed to import: {error!r}"
        ) from error
    _register(manager, plugin, entry_point.name, distribution)


def installed_plugins(allow: Collection[str] | None = None) -> list[EntryPoint]:
    """Every `newsgraph` entry point of every installed distribution, clashes included.

    `importlib.metadata.entry_points()` keeps only the first entry point of a name, which
    would hide a clash; reading each distribution's own entry points keeps them all.
    """
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for dist in distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(name)
        found += [ep for ep in dist.entry_points if ep.group == hookspecs.PROJECT]
    found.sort(key=lambda ep: ep.name)
    return [ep for ep in found if allow is None or ep.name in allow]


def _declared(impl: pluggy.HookImpl) -> Callable[..., Any]:
    def call(**arguments: object) -> Any:
        return impl.function(**{name: arguments[name] for name in impl.argnames})

    return call


def load_plugins(
    allow: Collection[str] | None = None,
    extra: Iterable[tuple[str, object]] = (),
    trace: Callable[[str], None] | None = None,
    keep_going: bool = False,
) -> Plugins:
    """Builtins, then installed plugins (`allow`: None for all), then `extra` (name, plugin)
    pairs, which tests use; `trace` receives a line per hook call. With `keep_going`, an
    installed plugin that cannot be loaded is recorded as broken instead of stopping."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    for name, target in BUILTIN_PLUGINS.items():
        # "module" registers the module; "module:Class" a fresh instance, for a builtin that
        # keeps per-app settings.
        module_name, _, class_name = target.partition(":")
        plugin: object = importlib.import_module(module_name)
        if class_name:
            plugin = getattr(plugin, class_name)()
        _register(manager, plugin, name, "builtin")
        versions[name] = __version__
    installed = installed_plugins()
    broken: dict[str, str] = {}
    for entry_point in installed_plugins(allow):
        version = entry_point.dist.version if entry_point.dist else "unknown"
        try:
            _load_installed(manager, entry_point)
        except PluginError as error:
            if not keep_going:
                raise PluginError(
                    f"{error} (`newsgraph plugins` lists every plugin; "
                    "NEWSGRAPH_LOAD_PLUGINS can leave this one out)"
                ) from error.__cause__
            broken[entry_point.name] = str(error)
        versions[entry_point.name] = version
    for name, plugin in extra:
        if manager.has_plugin(name):
            raise PluginError(f"plugin name {name!r} is claimed twice")
        _register(manager, plugin, name, "given")
        versions[name] = str(getattr(plugin, "__version__", "unknown"))
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or repr(error.plugin)
        raise PluginError(f"plugin {name!r} implements an unknown hook: {error}") from None
    if trace is not None:
        manager.trace.root.setwriter(trace)
        manager.enable_tracing()
    excluded = frozenset(ep.name for ep in installed) - frozenset(versions)
    return Plugins(manager, versions, broken, excluded)


@dataclass(frozen=True, slots=True)
class Plugins:
    """The loaded plugins of one app, and the calls newsgraph makes into them."""

    manager: pluggy.PluginManager
    versions: Mapping[str, str]
    broken: Mapping[str, str] = field(default_factory=dict)  # name: why it cannot load
    excluded: frozenset[str] = frozenset()  # installed, but left out by the allow-list

    def info(self) -> list[PluginInfo]:
        """What is registered, with versions and the hooks each implements, and what is
        broken, with why."""
        found = []
        for name, plugin in self.manager.list_name_plugin():
            callers = self.manager.get_hookcallers(plugin) or ()
            hooks = tuple(sorted(caller.name for caller in callers))
            version = self.versions.get(name, "unknown")
            found.append(PluginInfo(name, version, name in BUILTIN_PLUGINS, hooks))
        for name, error in self.broken.items():
            found.append(PluginInfo(name, self.versions.get(name, "unknown"), False, (), error))
        return sorted(found, key=lambda info: (not info.builtin, info.name))

    def implementations(self, hook: str) -> list[tuple[str, Callable[..., Any]]]:
        """Each plugin's implementation of one hook, with the plugin's name, in call order.

        Like pluggy, each is called with only the arguments it declares, so hooks can gain
        arguments without breaking older plugins.
        """
        caller = getattr(self.manager.hook, hook)
        return [(impl.plugin_name, _declared(impl)) for impl in reversed(caller.get_hookimpls())]

    def _call(self, hook: str, **arguments: object) -> list[tuple[str, Any]]:
        # Our own loop, so that every result and failure is tied to the plugin's name.
        results = []
        for name, function in self.implementations(hook):
            try:
                results.append((name, function(**arguments)))
            except PluginError:
                raise
            except Exception as error:
                raise PluginError(f"plugin {name!r} failed in {hook}: {error!r}") from error
        return results

    def configure(self, settings: Mapping[str, Mapping[str, object]]) -> None:
        """Hand each plugin its own `plugins:` block; refuse blocks for plugins not loaded."""
        loaded = {name for name, _ in self.manager.list_name_plugin()}
        for name in settings:
            if name in self.excluded:
                log.warning(
                    "plugins.%s: plugin %r is installed but left out by "
                    "NEWSGRAPH_LOAD_PLUGINS; its settings are ignored",
                    name,
                    name,
                )
            elif name not in loaded:
                raise PluginError(f"plugins.{name}: no plugin of that name is loaded")
        for name, function in self.implementations("configure_plugin"):
            try:
                function(settings=settings.get(name, {}))
            except ValueError as error:
                raise PluginError(f"plugins.{name}.{error}") from None
            except Exception as error:
                raise PluginError(
                    f"plugin {name!r} failed in configure_plugin: {error!r}"
                ) from error

    def source_types(self) -> dict[str, RegisteredSourceType]:
        """Every source type the plugins contribute, by type name."""
        found: dict[str, RegisteredSourceType] = {}
        for plugin, function in self.implementations("register_source_types"):

            def register(type_name: str, source_type: SourceType, plugin: str = plugin) -> None:
                if type_name in found:
                    raise PluginError(
                        f"source type {type_name!r} is registered by both "
                        f"{found[type_name].plugin!r} and {plugin!r}"
                    )
                found[type_name] = RegisteredSourceType(plugin, source_type)

            try:
                function(register=register)
            except PluginError:
                raise
            except Exception as error:
                raise PluginError(
                    f"plugin {plugin!r} failed in register_source_types: {error!r}"
                ) from error
        return found

    def schema_additions(self) -> list[tuple[str, SchemaAddition]]:
        return [(name, added) for name, added in self._call("extend_schema") if added]

    def routes(self) -> list[tuple[str, BaseRoute]]:
        return [
            (name, route)
            for name, routes in self._call("register_routes")
            for route in routes or ()
        ]

    def middleware(self) -> list[Middleware]:
        return [m for _, found in self._call("register_middleware") for m in found or ()]

    def lifespans(self, app: Starlette) -> list[tuple[str, AbstractAsyncContextManager[None]]]:
        return [(name, found) for name, found in self._call("lifespan", app=app) if found]

    def enrichers(self) -> list[tuple[str, Callable[..., Any]]]:
        return self.implementations("enrich_article")

    def select_url(
        self, links: Links, preference: UrlPreference, article: Article | Related
    ) -> str:
        """The first plugin's answer; the builtin chain answers when no other plugin does."""
        chosen: str = self.manager.hook.select_url(
            links=links, preference=preference, article=article
        )
        return chosen
