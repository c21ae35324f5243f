"""A selection set's fields compiled into one generated Python function, as graphql-jit does
for JavaScript.

The direct executor fills an object by looping over its fields, calling a resolver and then
a completer closure per field, and a closure per non-null, list and leaf around it. The
generated function does the same work in straight-line code: it reads each field (an
attribute, or a resolver called with its arguments), and checks nulls, walks lists, passes
built-in scalars through and fills nested objects inline, calling the nested selection's own
generated function. Values it does not complete inline (memoised articles, interfaces) go to
the field's completer as before. It is made once per compiled selection set, on first use.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from graphql import (
    GraphQLBoolean,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    SelectionSetNode,
    is_leaf_type,
)

from newsgraph.schema.declined import Declined


class Filling(Protocol):
    """What the generated code asks of the request it runs in (`execution.Run`)."""

    def arguments_of(self, field: Any) -> dict[str, Any]: ...


Filler = Callable[[Any, Filling], dict[str, Any]]
# The generated function of an object type's selection sets, within the same request flags.
Nested = Callable[[GraphQLObjectType, tuple[SelectionSetNode, ...]], Filler]
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class CompiledField(Protocol):
    """What the generator reads of a compiled field (`execution._Field`)."""

    @property
    def key(self) -> str: ...
    @property
    def typename(self) -> str | None: ...
    @property
    def attribute(self) -> str | None: ...
    @property
    def call(self) -> Callable[..., Any] | None: ...
    @property
    def parent_name(self) -> str | None: ...
    @property
    def takes_self(self) -> bool: ...
    @property
    def fixed(self) -> dict[str, Any] | None: ...
    @property
    def type_(self) -> GraphQLOutputType | None: ...
    @property
    def children(self) -> tuple[SelectionSetNode, ...]: ...
    @property
    def complete(self) -> Callable[[Any, Filling], Any]: ...


def compile_fill(
    fields: list[CompiledField], inline_object: Callable[[GraphQLObjectType], bool], nested: Nested
) -> Filler:
    """The function that fills one object's `fields`; `inline_object` says which object types
    are filled inline (not memoised ones), `nested` gives their selections' functions."""
    return _Writer(inline_object, nested).function(fields)


class _Writer:
    def __init__(self, inline_object: Callable[[GraphQLObjectType], bool], nested: Nested) -> None:
        self._inline_object = inline_object
        self._nested = nested
        # Everything the generated code refers to by name: resolvers, completers, constants.
        self._names: dict[str, object] = {
            "Declined": Declined,
            "Mapping": Mapping,
            "str": str,
            "bytes": bytes,
            "int": int,
            "bool": bool,
        }
        self._counter = itertools.count()
        self._lines: list[str] = []

    def function(self, fields: list[CompiledField]) -> Filler:
        self._lines = ["def fill(source, run):"]
        results = []
        for field in fields:
            results.append(f"{field.key!r}: {self._field(field)}")
        self._lines.append("    return {" + ", ".join(results) + "}")
        namespace = dict(self._names)
        exec("\n".join(self._lines), namespace)  # noqa: S102 - our own generated source
        filler: Filler = namespace["fill"]  # type: ignore[assignment]
        return filler

    def _name(self, value: object) -> str:
        name = f"k{next(self._counter)}"
        self._names[name] = value
        return name

    def _variable(self) -> str:
        return f"v{next(self._counter)}"

    def _emit(self, depth: int, line: str) -> None:
        self._lines.append("    " * depth + line)

    def _field(self, field: CompiledField) -> str:
        """Emit the code that reads and completes one field; returns the variable it is in."""
        if field.typename is not None:
            return repr(field.typename)
        value = self._variable()
        self._emit(1, f"{value} = {self._read(field)}")
        type_ = field.type_
        if type_ is None or not self._inline(type_):
            done = self._variable()
            self._emit(1, f"{done} = {self._name(field.complete)}({value}, run)")
            return done
        return self._complete(1, value, type_, field.children, known_non_null=False)

    def _read(self, field: CompiledField) -> str:
        # Attribute and parameter names are Python identifiers (Strawberry takes them from
        # class attributes and resolver signatures).
        if field.attribute is not None:
            return f"source.{field.attribute}"
        assert field.call is not None
        call = self._name(field.call)
        own = ["source"] if field.takes_self else []
        parent = field.parent_name
        if field.fixed is not None:
            fixed = [f"**{self._name(field.fixed)}"] if field.fixed else []
            given = [] if parent is None else [f"{parent}=source"]
            return f"{call}({', '.join([*own, *fixed, *given])})"
        arguments = self._variable()
        self._emit(1, f"{arguments} = run.arguments_of({self._name(field)})")
        if parent is not None:
            self._emit(1, f"{arguments}[{parent!r}] = source")
        return f"{call}({', '.join([*own, f'**{arguments}'])})"

    def _inline(self, type_: GraphQLOutputType) -> bool:
        """Whether a value of this type is completed inline: leaves, and lists and non-nulls
        of them or of objects filled inline."""
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if is_leaf_type(type_):
            return True
        return isinstance(type_, GraphQLObjectType) and self._inline_object(type_)

    def _complete(
        self,
        depth: int,
        value: str,
        type_: GraphQLOutputType,
        children: tuple[SelectionSetNode, ...],
        *,
        known_non_null: bool,
    ) -> str:
        """Emit the completion of `value`; returns the variable holding the result."""
        if isinstance(type_, GraphQLNonNull):
            if not known_non_null:
                self._emit(depth, f"if {value} is None:")
                self._emit(depth + 1, "raise Declined('null in a non-null field')")
            return self._complete(depth, value, type_.of_type, children, known_non_null=True)
        done = self._variable()
        if not known_non_null:
            self._emit(depth, f"if {value} is None:")
            self._emit(depth + 1, f"{done} = None")
            self._emit(depth, "else:")
            depth += 1
        if isinstance(type_, GraphQLList):
            self._emit(depth, f"if isinstance({value}, (str, bytes, Mapping)):")
            self._emit(depth + 1, "raise Declined('not a list')")
            item = self._variable()
            self._emit(depth, f"{done} = []")
            self._emit(depth, f"for {item} in {value}:")
            completed = self._complete(
                depth + 1, item, type_.of_type, children, known_non_null=False
            )
            self._emit(depth + 1, f"{done}.append({completed})")
        elif is_leaf_type(type_):
            self._emit(depth, f"{done} = {self._leaf(type_, value)}")
        else:
            assert isinstance(type_, GraphQLObjectType)
            filler = self._name(self._nested(type_, children))
            self._emit(depth, f"{done} = {filler}({value}, run)")
        return done

    def _leaf(self, type_: Any, value: str) -> str:
        # The built-in scalars' `serialize` would return these values unchanged.
        serialize = self._name(type_.serialize)
        if type_ is GraphQLString:
            return f"{value} if type({value}) is str else {serialize}({value})"
        if type_ is GraphQLBoolean:
            return f"{value} if type({value}) is bool else {serialize}({value})"
        if type_ is GraphQLInt:
            return (
                f"{value} if type({value}) is int and {_INT_MIN} <= {value} <= {_INT_MAX} "
                f"else {serialize}({value})"
            )
        return f"{serialize}({value})"
