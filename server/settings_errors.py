"""pydantic's validation errors as one `a[1].b: reason` line per problem, in our words."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

SHOWN_CHARACTERS = 60


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 3] + "..."


def _at_least(error: ErrorDetails) -> str:
    bound = error.get("ctx", {}).get("ge")
    wanted = "a non-negative number" if bound == 0 else f"a number of at least {bound}"
    return f"expected {wanted}, got {_shown(error['input'])}"


_NUMBER = "expected a number, got {input}"
_LIST = "expected a list, got {input}"
_MAPPING = "expected a mapping, got {input}"
# pydantic's error type -> our reason; {input} is the value given, {...} its context.
# A text that may be a secret (too short to be one) is never shown back.
_REASONS: dict[str, str | Callable[[ErrorDetails], str]] = {
    "missing": "required",
    "int_parsing": _NUMBER,
    "int_type": _NUMBER,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "int_from_float": "expected a whole number, got {input}",
    "greater_than_equal": _at_least,
    "less_than_equal": "expected at most {le}, got {input}",
    "bool_parsing": "expected true or false, got {input}",
    "bool_type": "expected true or false, got {input}",
    "string_type": "expected text, got {input}",
    "string_too_short": "expected at least {min_length} characters",
    "string_pattern_mismatch": "expected text matching {pattern}, got {input}",
    "list_type": _LIST,
    "tuple_type": _LIST,
    "frozen_set_type": _LIST,
    "dict_type": _MAPPING,
    "model_type": _MAPPING,
    "dataclass_type": _MAPPING,
}


def location(loc: Sequence[int | str]) -> str:
    """`("sources", 1, "name")` as `sources[1].name`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def _fields(model: object) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = getattr(model, "__pydantic_fields__", {})
    return fields


def _model_in(annotation: object) -> object:
    """The model (or pydantic dataclass) that a field's type holds, such as a list's items."""
    if _fields(annotation):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _known_keys(root: type, loc: Sequence[int | str]) -> str:
    model: object = root
    for part in loc[:-1]:
        if isinstance(part, str):
            model = _model_in(_fields(model)[part].annotation)
    return ", ".join(_fields(model))


def _reason(root: type, error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown key (known: {_known_keys(root, error['loc'])})"
    reason = _REASONS.get(kind)
    if reason is None:
        return error["msg"]
    if callable(reason):
        return reason(error)
    context: dict[str, Any] = dict(error.get("ctx", {}))
    return reason.format(**context, input=_shown(error["input"]))


def problems(
    error: ValidationError, root: type, origins: Mapping[tuple[str, ...], str] | None = None
) -> list[str]:
    """One `where: reason` line per problem in `error`, raised validating the model `root`;
    `origins` names where a value came from when not from the file (an environment variable)."""
    lines = []
    for detail in error.errors():
        loc = detail["loc"]
        line = f"{location(loc) or 'the file'}: {_reason(root, detail)}"
        origin = (origins or {}).get(tuple(str(part) for part in loc))
        lines.append(f"{line} (from {origin})" if origin else line)
    return lines
