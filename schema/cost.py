"""What an operation will cost, worked out from its text before any resolver runs.

The cost is an estimate of the fields the answer holds: every field counts its weight, and a
list multiplies what it holds by its size — `first`/`last` (or the connection's default page)
for `edges`, `similar(first:)` for similar articles, an assumed size for lists without an
argument (topics, providers, images...). Fragments are expanded as if written out, so a
fragment spread twice counts twice, but each fragment is measured once per page size
(memoised): the analysis is linear in the document even when the expansion is exponential.

The depth (fields nested in fields) and the number of aliases come out of the same walk;
they replace Strawberry's depth and alias limiters, which follow every spread of every
fragment anew (exponential in the document: 24 fragments that each spread the previous one
twice took a minute).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from newsgraph.engine.selection import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from newsgraph.schema.errors import MAX_ALIASES_EXCEEDED, MAX_DEPTH_EXCEEDED

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
# Lists without a size argument (topics, providers, images, related...) count as this long.
ASSUMED_LIST_SIZE = 20
# Fields that do real work per call, beyond reading an attribute. A search hit's `snippet`
# (finding and marking the hits in the text) took about 80 µs each on the 674-article corpus,
# about a hundred times what a unit of a heavy page of similar articles takes: at 1, twenty
# aliased 100-hit searches with snippets (cost 2,120) held the event loop 200 ms each, below
# the busy-share rule's `shed_min_cost`.
WEIGHTS: Mapping[str, int] = {
    "articles": 5,
    "similar": 10,
    "facets": 10,
    "totalCount": 2,
    "snippet": 100,
}
_SIZE_ARGUMENTS = frozenset({"first", "last"})


@dataclass(frozen=True, slots=True)
class Measure:
    """An operation's estimated cost (fields in its answer, weighted), its depth and its
    aliases (fragments expanded)."""

    cost: int
    depth: int
    aliases: int


_NOTHING = Measure(0, 0, 0)


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, object] | None = None,
) -> Measure:
    """The cost, depth and aliases of one operation of a parsed (not necessarily valid) document;
    whatever validation will refuse (unknown fields, undefined or cyclic fragments) counts
    nothing."""
    return _Walk(schema, document, variables or {}).selection_set(
        schema.query_type, operation.selection_set, None
    )


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs: the named one, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def refusal(
    found: Measure,
    operation: OperationDefinitionNode,
    *,
    max_cost: int,
    max_depth: int,
    max_aliases: int,
) -> GraphQLError | None:
    """The coded error for an operation past a limit, or None when it is within them."""
    if found.aliases > max_aliases:
        return GraphQLError(
            f"{found.aliases} aliases found. Allowed: {max_aliases}",
            extensions={"code": MAX_ALIASES_EXCEEDED, "aliases": found.aliases},
        )
    if found.depth > max_depth:
        name = operation.name.value if operation.name else "anonymous"
        return GraphQLError(
            f"'{name}' exceeds maximum operation depth of {max_depth}",
            extensions={"code": MAX_DEPTH_EXCEEDED, "depth": found.depth, "maxDepth": max_depth},
        )
    if found.cost > max_cost:
        return GraphQLError(
            f"the query's estimated cost is {found.cost}, over the budget of {max_cost}; "
            "ask for smaller pages (first/last), fewer similar articles or less nesting",
            extensions={"code": QUERY_TOO_COSTLY, "cost": found.cost, "budget": max_cost},
        )
    return None


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, object]
    ) -> None:
        self._schema = schema
        self._variables = variables
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._measured: dict[tuple[str, int | None], Measure] = {}
        self._open: set[str] = set()

    def selection_set(
        self, parent: object, selection_set: SelectionSetNode, page: int | None
    ) -> Measure:
        cost = depth = aliases = 0
        for found in self._selections(parent, selection_set, page):
            cost += found.cost
            depth = max(depth, found.depth)
            aliases += found.aliases
        return Measure(cost, depth, aliases)

    def _selections(
        self, parent: object, selection_set: SelectionSetNode, page: int | None
    ) -> Iterator[Measure]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield self._field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                within = parent if condition is None else self._type(condition.name.value)
                yield self.selection_set(within, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                yield self._fragment(selection.name.value, page)

    def _type(self, name: str) -> object:
        return self._schema.get_type(name)

    def _fragment(self, name: str, page: int | None) -> Measure:
        key = (name, page)
        known = self._measured.get(key)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or name in self._open:
            return _NOTHING  # undefined or cyclic: validation refuses the document
        self._open.add(name)
        within = self._type(fragment.type_condition.name.value)
        found = self._measured[key] = self.selection_set(within, fragment.selection_set, page)
        self._open.discard(name)
        return found

    def _field(self, parent: object, node: FieldNode, page: int | None) -> Measure:
        name = node.name.value
        weight = WEIGHTS.get(name, 1)
        alias = 0 if node.alias is None else 1
        if node.selection_set is None:
            return Measure(weight, 0, alias)
        field = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field = parent.fields.get(name)
        if field is None:
            return Measure(weight, 0, alias)
        sized = self._size(node, field.args) if _SIZE_ARGUMENTS & field.args.keys() else None
        type_ = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(type_, GraphQLList):
            # A sized list (similar) is as long as asked; `edges` as its connection's page.
            length = sized if sized is not None else page if page is not None else ASSUMED_LIST_SIZE
            inner = self.selection_set(get_named_type(type_), node.selection_set, None)
            return Measure(weight + length * inner.cost, 1 + inner.depth, alias + inner.aliases)
        inner = self.selection_set(get_named_type(type_), node.selection_set, sized)
        return Measure(weight + inner.cost, 1 + inner.depth, alias + inner.aliases)

    def _size(self, node: FieldNode, arguments: Mapping[str, object]) -> int:
        """The page a `first`/`last` argument asks for (the larger when both are given),
        taken within the range the resolvers accept."""
        given = {a.name.value: a.value for a in node.arguments or ()}
        sizes: list[int] = []
        for name in sorted(_SIZE_ARGUMENTS):
            value = given.get(name)
            if isinstance(value, IntValueNode):
                sizes.append(int(value.value))
            elif isinstance(value, VariableNode):
                bound = self._variables.get(value.name.value)
                sizes.append(bound if isinstance(bound, int) else MAX_PAGE_SIZE)
            elif value is None and name in arguments:
                default = getattr(arguments[name], "default_value", None)
                if isinstance(default, int):
                    sizes.append(default)
        size = max(sizes, default=DEFAULT_PAGE_SIZE)
        return min(max(size, 0), MAX_PAGE_SIZE)
