"""A direct executor for queries made only of newsgraph's own fields.

Strawberry runs every field through graphql-core's general machinery, which costs tens of
microseconds per field. For a validated query whose every field is one of ours, this executor
calls the very same resolvers with the very same argument conversion, and builds the response
dictionary directly: field collection and child selections are worked out once per query text
(`schema/execution.py`), arguments once per request, and nothing once per object.

It never produces an answer of its own making for anything unusual. A resolver that raises, a
null in a non-null field, an async resolver, a plugin field, introspection: it declines
(`Declined`), and the caller runs Strawberry, whose answer then stands. The differential test
(tests/schema/test_executor.py) holds it to Strawberry's results.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import graphql
import strawberry
from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues

from newsgraph.schema.article_memo import ARTICLE_MEMO_BYTES, MemoBudget
from newsgraph.schema.context import Context
from newsgraph.schema.cost import measure, operation_of
from newsgraph.schema.deadline import DeadlineExceeded
from newsgraph.schema.execution import (
    ARTICLE_TYPE,
    MEMOISED_TYPES,
    Declined,
    Plan,
    Run,
    strawberry_field,
)
from newsgraph.schema.limits import Limits, refusal_by
from newsgraph.schema.variables import PlanVariables

_PLAN_CACHE_SIZE = 512
_PLAN_TEXT_BYTES = 2 * 1024 * 1024
_MEASURES_PER_PLAN = 64


class Executor:
    """Plans and runs queries over one built schema; plans are cached by query text."""

    def __init__(
        self, schema: strawberry.Schema, limits: Limits, memo_bytes: int = ARTICLE_MEMO_BYTES
    ) -> None:
        self._strawberry = schema
        self._schema = schema._schema
        self._limits = limits
        self._rules = tuple(specified_rules)
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self._plan_text_bytes = 0
        self.memo_budget = MemoBudget(memo_bytes)

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        """The plan for a query, or None when it must go to the reference executor."""
        key = (query, operation_name)
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        plan = self._make_plan(query, operation_name)
        self._plans[key] = plan
        self._plan_text_bytes += len(query)
        # A plan's syntax tree grows with its text (and is capped by max_tokens): bounding the
        # texts bounds the plans.
        while len(self._plans) > _PLAN_CACHE_SIZE or self._plan_text_bytes > _PLAN_TEXT_BYTES:
            (dropped, _), _ = self._plans.popitem(last=False)
            self._plan_text_bytes -= len(dropped)
        return plan

    def has_plan(self, query: str, operation_name: str | None) -> bool:
        """Whether the query's plan (or the finding that it has none) is made already."""
        return (query, operation_name) in self._plans

    def text_cost(
        self, query: str, operation_name: str | None, variables: Mapping[str, object]
    ) -> int | None:
        """A query's estimated cost from its text alone, parsed but not validated (a tenth of
        what planning it costs); None for a text that does not parse or names no operation."""
        parsed = self._parsed(query, operation_name)
        if parsed is None:
            return None
        document, operation = parsed
        return measure(self._schema, document, operation, variables).cost

    def _parsed(
        self, query: str, operation_name: str | None
    ) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLError:
            return None
        operation = operation_of(document, operation_name)
        return None if operation is None else (document, operation)

    def _make_plan(self, query: str, operation_name: str | None) -> Plan | None:
        parsed = self._parsed(query, operation_name)
        if parsed is None or parsed[1].operation is not OperationType.QUERY:
            return None
        document, operation = parsed
        # Depth and aliases first (linear in the document); past a limit the query goes to
        # Strawberry, whose answer is the coded error. The cost depends on the variables.
        found = measure(self._schema, document, operation)
        if found.depth > self._limits.max_depth or found.aliases > self._limits.max_aliases:
            return None
        if validate(self._schema, document, self._rules):
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        root = self._schema.query_type
        if root is None or not self._supported(operation.selection_set, root, fragments, set()):
            return None
        return Plan(
            document,
            operation,
            fragments,
            _directive_variables(document),
            _article_variables(self._schema, operation, fragments),
            PlanVariables(self._schema, operation.variable_definitions or ()),
        )

    def _supported(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        fragments: Mapping[str, FragmentDefinitionNode],
        seen: set[tuple[str, str]],
    ) -> bool:
        """Whether every field reachable from a selection set is one we can run exactly, on
        each object type that `parent` may be."""
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value not in ("skip", "include"):
                    return False
            if isinstance(selection, FieldNode):
                if selection.name.value == "__typename":
                    continue
                for object_type in self._objects(parent):
                    field = object_type.fields.get(selection.name.value)
                    if field is None or strawberry_field(field) is None:
                        return False
                    named = _named(field.type)
                    if selection.selection_set is None:
                        continue
                    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                        return False
                    if not self._supported(selection.selection_set, named, fragments, seen):
                        return False
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, inner, name = selection.type_condition, selection.selection_set, ""
            else:
                assert isinstance(selection, FragmentSpreadNode)
                fragment = fragments[selection.name.value]
                condition, inner, name = (
                    fragment.type_condition,
                    fragment.selection_set,
                    fragment.name.value,
                )
            narrowed = self._narrowed(parent, condition)
            if narrowed is None:
                return False
            if name:
                if (name, narrowed.name) in seen:
                    continue
                seen.add((name, narrowed.name))
            if not self._supported(inner, narrowed, fragments, seen):
                return False
        return True

    def _objects(
        self, parent: GraphQLObjectType | GraphQLInterfaceType
    ) -> Sequence[GraphQLObjectType]:
        if isinstance(parent, GraphQLObjectType):
            return (parent,)
        return self._schema.get_possible_types(parent)

    def _narrowed(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, condition: NamedTypeNode | None
    ) -> GraphQLObjectType | GraphQLInterfaceType | None:
        """The type whose fields a fragment selects within `parent`: `parent` itself, or the
        object type a fragment on an interface's implementation names; None for what we do
        not run (unions, say)."""
        if condition is None or condition.name.value == parent.name:
            return parent
        target = self._schema.get_type(condition.name.value)
        if isinstance(parent, GraphQLObjectType):
            return parent if target in parent.interfaces else None
        if isinstance(target, GraphQLObjectType) and self._schema.is_sub_type(parent, target):
            return target
        return None

    def measured(self, plan: Plan, variables: Mapping[str, Any] | None) -> Measured:
        """The plan with its variables coerced and its cost estimated for them; declines
        what is past the cost or depth limit (Strawberry answers with the coded error)."""
        coerced = plan.variables.coerce(dict(variables or {}))
        if not isinstance(coerced, VariableValues):
            raise Declined("variables do not coerce")
        sizes = tuple(sorted((k, v) for k, v in coerced.coerced.items() if isinstance(v, int)))
        found = plan.measures.get(sizes)
        if found is None:
            if len(plan.measures) >= _MEASURES_PER_PLAN:
                plan.measures.clear()
            found = plan.measures[sizes] = measure(
                self._schema, plan.document, plan.operation, coerced.coerced
            )
        if refusal_by(self._limits, found, plan.operation) is not None:
            raise Declined("past the cost or depth limit")
        return Measured(plan, coerced, found.cost)

    def run(self, measured: Measured, context: Context) -> dict[str, Any]:
        """The `data` of the response, exactly as the reference executor would give it."""
        root = self._schema.query_type
        assert root is not None
        plan = measured.plan
        run = Run(plan.compiled(self._strawberry, self.memo_budget), measured.variables, context)
        try:
            return run.object_of(root, None, (plan.operation.selection_set,))
        except (Declined, DeadlineExceeded):
            raise
        except Exception as error:  # the reference executor turns it into a GraphQL error
            raise Declined(repr(error)) from error

    def execute(
        self, plan: Plan, variables: Mapping[str, Any] | None, context: Context
    ) -> dict[str, Any]:
        """`run` of `measured`: the `data` of the response."""
        return self.run(self.measured(plan, variables), context)


@dataclass(frozen=True, slots=True)
class Measured:
    """A plan ready to run: its coerced variables and its estimated cost."""

    plan: Plan
    variables: VariableValues
    cost: int


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
    """The variables used at or below any field of a memoised type (`Article`, an interface
    it implements, `ArticleEdge`), fragments followed."""
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
    article = schema.get_type(ARTICLE_TYPE)

    class FindArticles(graphql.Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            field_type = type_info.get_type()
            named = graphql.get_named_type(field_type)
            if (named is not None and named.name in MEMOISED_TYPES) or (
                graphql.is_abstract_type(named) and schema.is_sub_type(named, article)  # type: ignore[arg-type]
            ):
                variables_in(node)

    graphql.visit(operation, graphql.TypeInfoVisitor(type_info, FindArticles()))
    for fragment in fragments.values():
        if fragment.type_condition.name.value in MEMOISED_TYPES:
            variables_in(fragment)
    return tuple(sorted(names))


def _named(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_
