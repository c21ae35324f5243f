"""Running a planned query: its selection sets compiled once per plan into lists of fields,
then filled in per request from the same resolvers Strawberry calls.

Anything the compiled fields cannot answer exactly raises `Declined`, and the caller runs
Strawberry instead.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson
import strawberry
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    is_leaf_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article
from newsgraph.schema.arguments import Arguments
from newsgraph.schema.article_memo import ArticleMemo, MemoBudget
from newsgraph.schema.context import Context
from newsgraph.schema.cost import Measure
from newsgraph.schema.deadline import check_deadline
from newsgraph.schema.declined import Declined as Declined  # the callers catch it here
from newsgraph.schema.fill_code import CompiledField, Filler, compile_fill
from newsgraph.schema.types import Edge, Edges
from newsgraph.schema.variables import PlanVariables

ARTICLE_TYPE = "Article"
EDGE_TYPE = "ArticleEdge"
# Objects serialised once per snapshot, selection and variable values, then joined as bytes.
MEMOISED_TYPES = (ARTICLE_TYPE, EDGE_TYPE)
_INT_RANGE = range(-(2**31), 2**31)
_NO_EDGES: dict[str, bytes] = {}


@dataclass(slots=True)
class _RawInfo:
    # Our resolvers read only `info.context`; anything else they touch is missing, raises,
    # and so declines the request.
    context: object


class _Field:
    """One field of a selection set, worked out once per plan: how to resolve it from its
    parent, and how to complete the value. Only its arguments are worked out per request."""

    __slots__ = (
        "key",
        "attribute",
        "call",
        "parent_name",
        "takes_self",
        "info_name",
        "definition",
        "field",
        "node",
        "complete",
        "fixed",
        "arguments",
        "typename",
        "type_",
        "children",
    )

    def __init__(
        self,
        key: str,
        complete: Callable[[Any, Run], Any],
        type_: GraphQLOutputType | None = None,
        children: tuple[SelectionSetNode, ...] = (),
    ) -> None:
        self.key = key
        self.complete = complete
        self.type_ = type_
        self.children = children
        self.typename: str | None = None  # `__typename`: the object type's name
        self.attribute: str | None = None
        self.call: Callable[..., Any] | None = None
        self.parent_name: str | None = None
        self.takes_self = False
        self.info_name: str | None = None
        self.definition: StrawberryField | None = None
        self.field: GraphQLField | None = None
        self.node: FieldNode | None = None
        # The keyword arguments of a resolver that takes no arguments and no info: the same
        # for every request, so worked out once.
        self.fixed: dict[str, Any] | None = None
        self.arguments: Arguments | None = None


@dataclass(slots=True)
class Plan:
    """A parsed, validated query operation that only uses fields this executor can run."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]  # variables that `@skip`/`@include` depend on
    # Variables used anywhere below a field of a memoised type (`MEMOISED_TYPES`).
    article_variables: tuple[str, ...]
    variables: PlanVariables
    _compiled: Compiled | None = None
    # Measures by the whole-number variables, the only ones a page size can come from.
    measures: dict[tuple[tuple[str, int], ...], Measure] = dataclasses.field(default_factory=dict)

    def compiled(self, schema: strawberry.Schema, budget: MemoBudget) -> Compiled:
        if self._compiled is None:
            self._compiled = Compiled(schema, self, budget)
        return self._compiled


class Compiled:
    """A plan's selection sets as `_Field` lists, shared by all requests for the plan.

    A list depends on the selection sets and, when `@skip`/`@include` take variables, on
    those variables' values; both make up its key.
    """

    def __init__(self, schema: strawberry.Schema, plan: Plan, budget: MemoBudget) -> None:
        self.schema = schema
        self.plan = plan
        self._budget = budget
        self._groups: dict[tuple[object, ...], list[_Field]] = {}
        # By the id of a list in `_groups`, which lives as long as this.
        self._fillers: dict[int, Filler] = {}
        self._articles: weakref.WeakKeyDictionary[Catalog, ArticleMemo]
        self._articles = weakref.WeakKeyDictionary()

    def articles(self, catalog: Catalog) -> ArticleMemo:
        """Serialised articles of this plan for one catalog snapshot, dropped with it."""
        found = self._articles.get(catalog)
        if found is None:
            found = self._articles[catalog] = ArticleMemo(self._budget)
        return found

    def group(
        self,
        parent: GraphQLObjectType,
        selection_sets: tuple[SelectionSetNode, ...],
        flags: Mapping[str, bool],
    ) -> list[_Field]:
        key = (parent.name, *map(id, selection_sets), *flags.values())
        fields = self._groups.get(key)
        if fields is None:
            fields = self._groups[key] = self._compile(parent, selection_sets, flags)
        return fields

    def _compile(
        self,
        parent: GraphQLObjectType,
        selection_sets: tuple[SelectionSetNode, ...],
        flags: Mapping[str, bool],
    ) -> list[_Field]:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(parent, selection_set, grouped, flags, set())
        fields: list[_Field] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                typename = _Field(key, _identity)
                typename.typename = parent.name
                fields.append(typename)
                continue
            field = parent.fields[name]
            children = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            fields.append(self._field(key, field, nodes[0], children))
        return fields

    def filler(self, fields: list[_Field], run: Run) -> Filler:
        """The generated function that fills an object's `fields` (`schema/fill_code.py`)."""
        found = self._fillers.get(id(fields))
        if found is None:

            def nested(
                object_type: GraphQLObjectType, children: tuple[SelectionSetNode, ...]
            ) -> Filler:
                return self.filler(run.fields(object_type, children), run)

            found = compile_fill(
                cast(list[CompiledField], fields),
                lambda object_type: object_type.name not in MEMOISED_TYPES,
                nested,
            )
            self._fillers[id(fields)] = found
        return found

    def _field(
        self,
        key: str,
        field: GraphQLField,
        node: FieldNode,
        children: tuple[SelectionSetNode, ...],
    ) -> _Field:
        definition = strawberry_field(field)
        assert definition is not None
        compiled = _Field(key, _completer(field.type, children), field.type, children)
        resolver = definition.base_resolver
        if resolver is None:
            compiled.attribute = definition.python_name
            return compiled
        compiled.call = cast(Callable[..., Any], resolver.wrapped_func)
        parent_parameter = resolver.parent_parameter or resolver.root_parameter
        compiled.parent_name = None if parent_parameter is None else parent_parameter.name
        compiled.takes_self = resolver.self_parameter is not None
        info_parameter = resolver.info_parameter
        compiled.info_name = None if info_parameter is None else info_parameter.name
        compiled.definition, compiled.field, compiled.node = definition, field, node
        if not field.args and compiled.info_name is None:
            compiled.fixed = {}
        compiled.arguments = Arguments.of(self.schema, definition, field, node)
        return compiled

    def _collect(
        self,
        parent: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
        flags: Mapping[str, bool],
        seen: set[str],
    ) -> None:
        for selection in selection_set.selections:
            assert isinstance(selection, FieldNode | InlineFragmentNode | FragmentSpreadNode)
            if not _included(selection, flags):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if _applies(selection.type_condition, parent):
                    self._collect(parent, selection.selection_set, grouped, flags, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen:
                    seen.add(name)
                    fragment = self.plan.fragments[name]
                    if _applies(fragment.type_condition, parent):
                        self._collect(parent, fragment.selection_set, grouped, flags, seen)


class Run:
    """One request: its variables and context, and the arguments worked out for it."""

    def __init__(self, compiled: Compiled, variables: VariableValues, context: Context) -> None:
        self._compiled = compiled
        self._variables = variables
        plan = compiled.plan
        self._flags = {name: bool(variables.coerced.get(name)) for name in plan.directive_variables}
        self.flag_key = tuple(self._flags.values())
        self._info_raw = _RawInfo(context)
        self._kwargs: dict[int, dict[str, Any]] = {}
        self._articles = compiled.articles(context.catalog)
        self._signature = repr([variables.coerced.get(name) for name in plan.article_variables])

    def memoised(self, fields: list[_Field], key: Hashable, source: object) -> orjson.Fragment:
        """An object's part of the response, serialised once per snapshot and selection:
        within a snapshot it depends only on `key` (an article's id, an edge's article and
        cursor) and on the variables it uses, which are in the memo's key too."""
        check_deadline()
        memo_key = (id(fields), key, self._signature)
        found = self._articles.fragments.get(memo_key)
        if found is None:
            serialised = orjson.dumps(self.fill(fields, source))
            found = orjson.Fragment(serialised)
            self._articles.remember(memo_key, found, len(serialised))
        return found

    def edges(self, fields: list[_Field], edges: Edges) -> orjson.Fragment:
        """A page's edges as one JSON list. Each edge is serialised once per snapshot into the
        lane of its selection's order, its search and the variables it uses, which is all
        its fields read besides its article."""
        check_deadline()
        lane_key = (id(fields), self._signature, edges.selection.orders, edges.search)
        articles = edges.articles
        lane = self._articles.lanes.get(lane_key, _NO_EDGES)
        found = [lane.get(article.id) for article in articles]
        if None in found:
            for index, article in enumerate(articles):
                if found[index] is None:
                    check_deadline()
                    edge = Edge(article, edges.selection, edges.search)
                    serialised = orjson.dumps(self.fill(fields, edge))
                    self._articles.remember_edge(lane_key, article.id, serialised)
                    found[index] = serialised
        return orjson.Fragment(b"[" + b",".join(cast(list[bytes], found)) + b"]")

    def fields(
        self,
        parent: GraphQLObjectType,
        selection_sets: tuple[SelectionSetNode, ...],
    ) -> list[_Field]:
        return self._compiled.group(parent, selection_sets, self._flags)

    def object_of(
        self,
        parent: GraphQLObjectType,
        source: object,
        selection_sets: tuple[SelectionSetNode, ...],
    ) -> dict[str, Any]:
        check_deadline()
        return self.fill(self._compiled.group(parent, selection_sets, self._flags), source)

    def object_type(self, interface: GraphQLInterfaceType, value: object) -> GraphQLObjectType:
        """The object type of an interface's value, told as Strawberry tells it: by the
        possible types' `is_type_of`."""
        for candidate in self._compiled.schema._schema.get_possible_types(interface):
            is_type_of = candidate.is_type_of
            if is_type_of is not None and is_type_of(value, cast("GraphQLResolveInfo[Any]", None)):
                return candidate
        raise Declined(f"no object type of {interface.name} claims {type(value).__name__}")

    def fill(self, fields: list[_Field], source: object) -> dict[str, Any]:
        return self._compiled.filler(fields, self)(source, self)

    def arguments_of(self, field: _Field) -> dict[str, Any]:
        """A resolver's keyword arguments for this request, worked out on first use."""
        kwargs = self._kwargs.get(id(field))
        if kwargs is None:
            kwargs = self._kwargs[id(field)] = self._arguments(field)
        return kwargs

    def _arguments(self, field: _Field) -> dict[str, Any]:
        assert field.definition is not None and field.field is not None and field.node is not None
        kwargs = None if field.arguments is None else field.arguments.given(self._variables)
        if kwargs is None:
            schema = self._compiled.schema
            kwargs = convert_arguments(
                get_argument_values(field.field, field.node, self._variables),
                field.definition.arguments,
                scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config,
            )
        if field.info_name is not None:
            info = Info(_raw_info=self._info_raw, _field=field.definition)  # type: ignore[arg-type]
            kwargs[field.info_name] = info
        return kwargs


def _applies(condition: NamedTypeNode | None, parent: GraphQLObjectType) -> bool:
    """Whether a fragment with this type condition applies to an object of type `parent`."""
    if condition is None or condition.name.value == parent.name:
        return True
    return any(interface.name == condition.name.value for interface in parent.interfaces)


def _included(
    selection: FieldNode | InlineFragmentNode | FragmentSpreadNode, flags: Mapping[str, bool]
) -> bool:
    for directive in selection.directives or ():
        (argument,) = directive.arguments or ()
        value = argument.value
        if isinstance(value, VariableNode):
            condition = flags[value.name.value]
        else:
            assert isinstance(value, BooleanValueNode)
            condition = value.value
        if condition is (directive.name.value == "skip"):
            return False
    return True


def _completer(
    type_: GraphQLOutputType, children: tuple[SelectionSetNode, ...]
) -> Callable[[Any, Run], Any]:
    if isinstance(type_, GraphQLNonNull):
        inner = _completer(type_.of_type, children)

        def non_null(value: Any, run: Run) -> Any:
            if value is None:
                raise Declined("null in a non-null field")
            return inner(value, run)

        return non_null
    if isinstance(type_, GraphQLList):
        memoised = _edge_lane(type_.of_type, children) or _memoised_list(type_.of_type, children)
        if memoised is not None:
            return memoised
        item = _completer(type_.of_type, children)

        def listed(value: Any, run: Run) -> Any:
            if value is None:
                return None
            if isinstance(value, str | bytes | Mapping):
                raise Declined("not a list")
            return [item(v, run) for v in value]

        return listed
    if is_leaf_type(type_):
        leaf = _leaf(type_)
        return lambda value, _: leaf(value)
    if isinstance(type_, GraphQLInterfaceType):
        interface = type_

        def abstract_value(value: Any, run: Run) -> Any:
            if value is None:
                return None
            return _object_completer(run.object_type(interface, value), children)(value, run)

        return abstract_value
    assert isinstance(type_, GraphQLObjectType)
    return _object_completer(type_, children)


def _memo_key(object_type: GraphQLObjectType) -> tuple[type, Callable[[Any], Hashable]] | None:
    """For a memoised type: the Python type of its values and what identifies one (edges
    come in whole pages, `_edge_lane`)."""
    if object_type.name == ARTICLE_TYPE:
        return Article, _article_id
    return None


def _article_id(article: Article) -> str:
    return article.id


def _fields_finder(
    object_type: GraphQLObjectType, children: tuple[SelectionSetNode, ...]
) -> Callable[[Run], list[_Field]]:
    # The compiled fields, by the values of the `@skip`/`@include` variables.
    groups: dict[tuple[bool, ...], list[_Field]] = {}

    def fields_for(run: Run) -> list[_Field]:
        fields = groups.get(run.flag_key)
        if fields is None:
            fields = groups[run.flag_key] = run.fields(object_type, children)
        return fields

    return fields_for


def _edge_lane(
    item_type: GraphQLOutputType, children: tuple[SelectionSetNode, ...]
) -> Callable[[Any, Run], Any] | None:
    """A connection's list of edges, serialised from its page's articles (`Run.edges`)."""
    named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if not isinstance(named, GraphQLObjectType) or named.name != EDGE_TYPE:
        return None
    fields_for = _fields_finder(named, children)

    def edge_lane(value: Any, run: Run) -> Any:
        if value is None:
            return None
        if type(value) is not Edges:
            raise Declined("an ArticleEdge list gave something else")
        return run.edges(fields_for(run), value)

    return edge_lane


def _memoised_list(
    item_type: GraphQLOutputType, children: tuple[SelectionSetNode, ...]
) -> Callable[[Any, Run], Any] | None:
    """A list of a memoised type completed in one loop: one memo look-up per item and no
    call per item through the general completers."""
    non_null = isinstance(item_type, GraphQLNonNull)
    named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if not isinstance(named, GraphQLObjectType) or (memo := _memo_key(named)) is None:
        return None
    kind, key_of = memo
    fields_for = _fields_finder(named, children)

    def memoised_list(value: Any, run: Run) -> Any:
        if value is None:
            return None
        if isinstance(value, str | bytes | Mapping):
            raise Declined("not a list")
        fields = fields_for(run)
        items: list[object] = []
        for item in value:
            if item is None:
                if non_null:
                    raise Declined("null in a non-null field")
                items.append(None)
            elif isinstance(item, kind):
                items.append(run.memoised(fields, key_of(item), item))
            else:
                raise Declined(f"a {named.name} list gave something else")
        return items

    return memoised_list


def _object_completer(
    object_type: GraphQLObjectType, children: tuple[SelectionSetNode, ...]
) -> Callable[[Any, Run], Any]:
    fields_for = _fields_finder(object_type, children)
    memo = _memo_key(object_type)
    if memo is not None:
        kind, key_of = memo

        def memoised_value(value: Any, run: Run) -> Any:
            if value is None:
                return None
            if not isinstance(value, kind):
                raise Declined(f"a {object_type.name} field gave something else")
            return run.memoised(fields_for(run), key_of(value), value)

        return memoised_value

    def object_value(value: Any, run: Run) -> Any:
        if value is None:
            return None
        return run.fill(fields_for(run), value)

    return object_value


def _identity(value: Any, run: Run) -> Any:
    return value


def _leaf(type_: Any) -> Callable[[Any], Any]:
    serialize: Callable[[Any], Any] = type_.serialize
    # The built-in scalars' `serialize` would return these values unchanged.
    if type_ is GraphQLString:
        return lambda v: v if v is None or type(v) is str else serialize(v)
    if type_ is GraphQLBoolean:
        return lambda v: v if v is None or type(v) is bool else serialize(v)
    if type_ is GraphQLInt:
        return lambda v: v if v is None or (type(v) is int and v in _INT_RANGE) else serialize(v)
    return lambda v: None if v is None else serialize(v)


def strawberry_field(field: GraphQLField) -> StrawberryField | None:
    """The Strawberry definition behind a field, when it is a plain one we can call directly."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    if definition.base_resolver is not None and definition.base_resolver.is_async:
        return None
    return definition
