"""A direct executor for queries made only of newsgraph's own fields.

Strawberry runs every field through graphql-core's general machinery, which costs tens of
microseconds per field. For a validated query whose every field is one of ours, this executor
calls the very same resolvers with the very same argument conversion, and builds the response
dictionary directly: field collection, arguments and child selections are worked out once per
selection set per request, not once per object.

It never produces an answer of its own making for anything unusual. A resolver that raises, a
null in a non-null field, an async resolver, a plugin field, introspection: it declines
(`Declined`), and the caller runs Strawberry, whose answer then stands. The differential test
(tests/schema/test_executor.py) holds it to Strawberry's results.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import graphql
import orjson
import strawberry
from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    is_leaf_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import max_aliases, query_depth_limiter
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from schema.build import Limits
from schema.context import Context
from schema.model import Article
from server.catalog import Catalog

_PLAN_CACHE_SIZE = 512
_ARTICLES_PER_PLAN = 4096
ARTICLE_TYPE = "Article"
_ArticleKey = tuple[int, str, str]
_INT_RANGE = range(-(2**31), 2**31)


class Declined(Exception):
    """This executor cannot answer exactly; run the reference executor instead."""


@dataclass(slots=True)
class Plan:
    """A parsed, validated query operation that only uses fields this executor can run."""

    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]  # variables that `@skip`/`@include` depend on
    article_variables: tuple[str, ...]  # variables used anywhere below an `Article` field
    _compiled: _Compiled | None = None

    def compiled(self, schema: strawberry.Schema) -> _Compiled:
        if self._compiled is None:
            self._compiled = _Compiled(schema, self)
        return self._compiled


@dataclass(slots=True)
class _RawInfo:
    # Our resolvers read only `info.context`; anything else they touch is missing, raises,
    # and so declines the request.
    context: object


class Executor:
    """Plans and runs queries over one built schema; plans are cached by query text."""

    def __init__(self, schema: strawberry.Schema, limits: Limits) -> None:
        self._strawberry = schema
        self._schema = schema._schema
        self._limits = limits
        self._rules = (
            *specified_rules,
            query_depth_limiter.create_validator(limits.max_depth, None),
            max_aliases.create_validator(limits.max_aliases),
        )
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        """The plan for a query, or None when it must go to the reference executor."""
        key = (query, operation_name)
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        plan = self._make_plan(query, operation_name)
        self._plans[key] = plan
        if len(self._plans) > _PLAN_CACHE_SIZE:
            self._plans.popitem(last=False)
        return plan

    def _make_plan(self, query: str, operation_name: str | None) -> Plan | None:
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLError:
            return None
        if validate(self._schema, document, self._rules):
            return None
        operation = _operation(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        root = self._schema.query_type
        if root is None or not self._supported(operation.selection_set, root, fragments, set()):
            return None
        return Plan(
            operation,
            fragments,
            _directive_variables(document),
            _article_variables(self._schema, operation, fragments),
        )

    def _supported(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        fragments: Mapping[str, FragmentDefinitionNode],
        seen: set[str],
    ) -> bool:
        """Whether every field reachable from a selection set is one we can run exactly."""
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value not in ("skip", "include"):
                    return False
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    continue
                field = parent.fields.get(name)
                if field is None or _strawberry_field(field) is None:
                    return False
                named = _named(field.type)
                if selection.selection_set is not None:
                    if not isinstance(named, GraphQLObjectType):
                        return False
                    if not self._supported(selection.selection_set, named, fragments, seen):
                        return False
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != parent.name:
                    return False
                if not self._supported(selection.selection_set, parent, fragments, seen):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                if fragment.type_condition.name.value != parent.name:
                    return False
                if fragment.name.value not in seen:
                    seen.add(fragment.name.value)
                    if not self._supported(fragment.selection_set, parent, fragments, seen):
                        return False
        return True

    def execute(
        self, plan: Plan, variables: Mapping[str, Any] | None, context: Context
    ) -> dict[str, Any]:
        """The `data` of the response, exactly as the reference executor would give it."""
        root = self._schema.query_type
        assert root is not None
        coerced = get_variable_values(
            self._schema, plan.operation.variable_definitions or (), dict(variables or {})
        )
        if not isinstance(coerced, VariableValues):
            raise Declined("variables do not coerce")
        run = _Run(plan.compiled(self._strawberry), coerced, context)
        try:
            return run.object_of(root, None, (plan.operation.selection_set,))
        except Declined:
            raise
        except Exception as error:  # the reference executor turns it into a GraphQL error
            raise Declined(repr(error)) from error


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
    )

    def __init__(self, key: str, complete: Callable[[Any, _Run], Any]) -> None:
        self.key = key
        self.complete = complete
        self.attribute: str | None = None
        self.call: Callable[..., Any] | None = None
        self.parent_name: str | None = None
        self.takes_self = False
        self.info_name: str | None = None
        self.definition: StrawberryField | None = None
        self.field: GraphQLField | None = None
        self.node: FieldNode | None = None


class _Compiled:
    """A plan's selection sets as `_Field` lists, shared by all requests for the plan.

    A list depends on the selection sets and, when `@skip`/`@include` take variables, on
    those variables' values; both make up its key.
    """

    def __init__(self, schema: strawberry.Schema, plan: Plan) -> None:
        self.schema = schema
        self.plan = plan
        self._groups: dict[tuple[object, ...], list[_Field]] = {}
        self._articles: weakref.WeakKeyDictionary[Catalog, dict[_ArticleKey, orjson.Fragment]]
        self._articles = weakref.WeakKeyDictionary()

    def articles(self, catalog: Catalog) -> dict[_ArticleKey, orjson.Fragment]:
        """Serialised articles of this plan for one catalog snapshot, dropped with it."""
        found = self._articles.get(catalog)
        if found is None:
            found = self._articles[catalog] = {}
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
            self._collect(selection_set, grouped, flags, set())
        fields: list[_Field] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                typename = _Field(key, _identity)
                typename.call = _constant(parent.name)
                fields.append(typename)
                continue
            field = parent.fields[name]
            children = tuple(n.selection_set for n in nodes if n.selection_set is not None)
            fields.append(self._field(key, field, nodes[0], _completer(field.type, children)))
        return fields

    def _field(
        self, key: str, field: GraphQLField, node: FieldNode, complete: Callable[[Any, _Run], Any]
    ) -> _Field:
        definition = _strawberry_field(field)
        assert definition is not None
        compiled = _Field(key, complete)
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
        return compiled

    def _collect(
        self,
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
                self._collect(selection.selection_set, grouped, flags, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen:
                    seen.add(name)
                    fragment = self.plan.fragments[name]
                    self._collect(fragment.selection_set, grouped, flags, seen)


class _Run:
    """One request: its variables and context, and the arguments worked out for it."""

    def __init__(self, compiled: _Compiled, variables: VariableValues, context: Context) -> None:
        self._compiled = compiled
        self._variables = variables
        plan = compiled.plan
        self._flags = {name: bool(variables.coerced.get(name)) for name in plan.directive_variables}
        self._info_raw = _RawInfo(context)
        self._kwargs: dict[int, dict[str, Any]] = {}
        self._articles = compiled.articles(context.catalog)
        self._signature = repr([variables.coerced.get(name) for name in plan.article_variables])

    def article(
        self,
        parent: GraphQLObjectType,
        source: Article,
        selection_sets: tuple[SelectionSetNode, ...],
    ) -> orjson.Fragment:
        """An article's part of the response, serialised once per snapshot and selection:
        within a snapshot it depends on nothing else (the variables it uses are in the key)."""
        fields = self._compiled.group(parent, selection_sets, self._flags)
        key = (id(fields), source.id, self._signature)
        found = self._articles.get(key)
        if found is None:
            found = orjson.Fragment(orjson.dumps(self._fill(fields, source)))
            if len(self._articles) >= _ARTICLES_PER_PLAN:
                self._articles.clear()
            self._articles[key] = found
        return found

    def object_of(
        self,
        parent: GraphQLObjectType,
        source: object,
        selection_sets: tuple[SelectionSetNode, ...],
    ) -> dict[str, Any]:
        return self._fill(self._compiled.group(parent, selection_sets, self._flags), source)

    def _fill(self, fields: list[_Field], source: object) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for field in fields:
            if field.attribute is not None:
                value = getattr(source, field.attribute)
            else:
                assert field.call is not None
                kwargs = self._kwargs.get(id(field))
                if kwargs is None:
                    kwargs = self._kwargs[id(field)] = self._arguments(field)
                if field.parent_name is not None:
                    kwargs[field.parent_name] = source
                value = field.call(source, **kwargs) if field.takes_self else field.call(**kwargs)
            result[field.key] = field.complete(value, self)
        return result

    def _arguments(self, field: _Field) -> dict[str, Any]:
        if field.definition is None:  # __typename
            return {}
        assert field.field is not None and field.node is not None
        schema = self._compiled.schema
        kwargs: dict[str, Any] = convert_arguments(
            get_argument_values(field.field, field.node, self._variables),
            field.definition.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        if field.info_name is not None:
            info = Info(_raw_info=self._info_raw, _field=field.definition)  # type: ignore[arg-type]
            kwargs[field.info_name] = info
        return kwargs


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
) -> Callable[[Any, _Run], Any]:
    if isinstance(type_, GraphQLNonNull):
        inner = _completer(type_.of_type, children)

        def non_null(value: Any, run: _Run) -> Any:
            if value is None:
                raise Declined("null in a non-null field")
            return inner(value, run)

        return non_null
    if isinstance(type_, GraphQLList):
        item = _completer(type_.of_type, children)

        def listed(value: Any, run: _Run) -> Any:
            if value is None:
                return None
            if isinstance(value, str | bytes | Mapping):
                raise Declined("not a list")
            return [item(v, run) for v in value]

        return listed
    if is_leaf_type(type_):
        leaf = _leaf(type_)
        return lambda value, _: leaf(value)
    assert isinstance(type_, GraphQLObjectType)
    object_type = type_
    if object_type.name == ARTICLE_TYPE:

        def article_value(value: Any, run: _Run) -> Any:
            if value is None:
                return None
            if not isinstance(value, Article):
                raise Declined("an Article field gave something else")
            return run.article(object_type, value, children)

        return article_value

    def object_value(value: Any, run: _Run) -> Any:
        if value is None:
            return None
        return run.object_of(object_type, value, children)

    return object_value


def _identity(value: Any, run: _Run) -> Any:
    return value


def _constant(value: str) -> Callable[[], str]:
    return lambda: value


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


def _directive_variables(document: DocumentNode) -> tuple[str, ...]:
    names: set[str] = set()

    class Visitor(graphql.Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    names.add(argument.value.name.value)

    graphql.visit(document, Visitor())
    return tuple(sorted(names))


def _article_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[str, ...]:
    """The variables used at or below any field of type `Article`, fragments followed."""
    names: set[str] = set()
    seen: set[str] = set()

    def variables_in(node: Node) -> None:
        class Collect(graphql.Visitor):
            def enter_variable(self, variable: VariableNode, *_: object) -> None:
                names.add(variable.name.value)

            def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
                if spread.name.value not in seen:
                    seen.add(spread.name.value)
                    variables_in(fragments[spread.name.value])

        graphql.visit(node, Collect())

    type_info = graphql.TypeInfo(schema)

    class FindArticles(graphql.Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            field_type = type_info.get_type()
            named = graphql.get_named_type(field_type)
            if named is not None and named.name == ARTICLE_TYPE:
                variables_in(node)

    graphql.visit(operation, graphql.TypeInfoVisitor(type_info, FindArticles()))
    for fragment in fragments.values():
        if fragment.type_condition.name.value == ARTICLE_TYPE:
            variables_in(fragment)
    return tuple(sorted(names))


def _named(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _strawberry_field(field: GraphQLField) -> StrawberryField | None:
    """The Strawberry definition behind a field, when it is a plain one we can call directly."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None
    if definition.base_resolver is not None and definition.base_resolver.is_async:
        return None
    return definition


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)
