"""Checks of a plugin object before it is registered, so that a mistake says what to fix:
a misspelt hook gets "did you mean", a wrong argument the hook's signature, and a function
named like a hook but not marked `@hookimpl` a warning (it would silently never be called)."""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Callable
from typing import Any

from newsgraph import hookspecs

log = logging.getLogger("newsgraph")
_MARK = f"{hookspecs.PROJECT}_impl"  # the attribute pluggy's @hookimpl sets


def hooks() -> dict[str, Callable[..., Any]]:
    """Every hook spec, by name."""
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if callable(function) and hasattr(function, f"{hookspecs.PROJECT}_spec")
    }


def signature(hook: str) -> str:
    """The hook's signature as the hook reference writes it."""
    spec = inspect.signature(hooks()[hook])
    arguments = ", ".join(f"{p.name}: {p.annotation}" for p in spec.parameters.values())
    return f"def {hook}({arguments}) -> {spec.return_annotation}"


def _required(function: Callable[..., Any]) -> list[str]:
    # The arguments pluggy passes by name: those without a default (`self` is already bound).
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.default is inspect.Parameter.empty]


def check(plugin: object, name: str) -> list[str]:
    """The mistakes that stop `plugin` from loading, each with its fix; logs the warnings."""
    known = hooks()
    mistakes = []
    for attribute in dir(plugin):
        if attribute.startswith("_"):
            continue
        try:
            value = inspect.getattr_static(plugin, attribute)
        except AttributeError:
            continue
        options = getattr(value, _MARK, None)
        if options is None:
            if attribute in known and callable(getattr(plugin, attribute, None)):
                log.warning(
                    "plugin %r: %s() is named like a hook but has no @hookimpl, so it is "
                    "never called; mark it with @hookimpl from newsgraph.plugin_api",
                    name,
                    attribute,
                )
            continue
        hook = options.get("specname") or attribute
        if hook not in known:
            close = difflib.get_close_matches(hook, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
            mistakes.append(f"@hookimpl {hook!r} is not a hook; {hint}")
            continue
        expected = set(inspect.signature(known[hook]).parameters)
        for argument in _required(getattr(plugin, attribute)):
            if argument not in expected:
                mistakes.append(
                    f"{hook}() takes no argument {argument!r}; expected: {signature(hook)}"
                )
    return mistakes
