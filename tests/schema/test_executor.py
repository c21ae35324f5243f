"""The direct executor against Strawberry: over many generated queries, and the odd ones, it
either gives exactly Strawberry's data or declines."""

from __future__ import annotations

import asyncio
import base64
import random
from typing import Any

import orjson
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
)

from newsgraph.engine.selection import ArticleFilter
from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.execution import Declined
from newsgraph.schema.executor import Executor
from newsgraph.schema.limits import Limits
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import WriteTree, front_matter

SCHEMA = build_schema()
EXECUTOR = Executor(SCHEMA, Limits())


def reference(query: str, variables: dict[str, Any], context: Context) -> Any:
    result = SCHEMA.execute_sync(query, variable_values=variables, context_value=context)
    return result


def direct(query: str, variables: dict[str, Any], context: Context) -> Any:
    """The executor's data, or None when it declines."""
    plan = EXECUTOR.plan(query, None)
    if plan is None:
        return None
    try:
        data = EXECUTOR.execute(plan, variables, context)
    except Declined:
        return None
    # Articles come back serialised (orjson fragments); compare the JSON the client gets.
    return orjson.loads(orjson.dumps(data))


def agree(query: str, variables: dict[str, Any], context: Context) -> bool:
    """Assert the executor matches Strawberry or declines; True when it answered."""
    expected = reference(query, variables, context)
    got = direct(query, variables, context)
    if expected.errors:
        assert got is None, (query, variables, expected.errors)
        return False
    if got is not None:
        # The bytes a client gets, key order included.
        assert orjson.dumps(got) == orjson.dumps(expected.data), query
    return got is not None


class Generator:
    """Random, valid-looking queries over the schema: aliases, fragments, variables,
    @include/@skip and arguments, some of them out of range or malformed on purpose."""

    def __init__(self, context: Context, seed: int) -> None:
        self.rng = random.Random(seed)
        catalog = context.catalog
        keys = [a.id for a in catalog.order[:4]] + ["computer-vision", "0000000000000000"]
        self.ids = global_ids(context) + keys + ["bm90IGFuIGlk"]
        self.urls = [a.links.canonical for a in catalog.order[:5]] + ["https://nowhere.example/"]
        self.topics = [e.topic.name for e in catalog.topics()] + ["computer-vision", "Nope"]
        self.domains = [e.provider.domain for e in catalog.providers()] + ["nowhere.example"]
        selection = catalog.select(ArticleFilter())
        self.cursors = [selection.cursor(a) for a in catalog.order[3:6]]
        self.words = ["aurora", "helios", "robot", "clim*", '"solar power"', "-video"]
        self.fragments: list[str] = []
        self.variables: dict[str, tuple[str, Any]] = {}
        self.aliases = 0

    def query(self) -> tuple[str, dict[str, Any]]:
        self.fragments, self.variables = [], {}
        root = SCHEMA._schema.query_type
        assert root is not None
        body = self.selection(root, depth=0)
        header = ""
        if self.variables:
            declared = ", ".join(f"${name}: {kind}" for name, (kind, _) in self.variables.items())
            header = f"query Generated({declared}) "
        text = header + body + "".join(self.fragments)
        return text, {name: value for name, (_, value) in self.variables.items()}

    def selection(self, parent: GraphQLObjectType | GraphQLInterfaceType, depth: int) -> str:
        rng = self.rng
        names = list(parent.fields)
        if parent.name == "Query":
            names = [n for n in names if n != "topic" or rng.random() < 0.5]
        chosen = rng.sample(names, k=min(len(names), rng.randint(1, 3)))
        parts = []
        for name in chosen:
            field = parent.fields[name]
            named = unwrap(field.type)
            composite = isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
            if composite and depth >= 3:
                continue
            arguments = self.arguments(field.args)
            # Unique aliases keep fields with different arguments from conflicting; the odd
            # queries below test merging fields of one name.
            self.aliases += 1
            alias = f"a{self.aliases}: " if arguments or rng.random() < 0.2 else ""
            sub = " " + self.selection(named, depth + 1) if composite else ""
            parts.append(f"{alias}{name}{arguments}{self.directive()}{sub}")
        if rng.random() < 0.3:
            parts.append("__typename")
        if not parts:
            parts.append("__typename")
        if rng.random() < 0.15:
            fragment = f"F{len(self.fragments)}x{depth}"
            inner = self.selection(parent, depth + 1) if depth < 3 else "{ __typename }"
            self.fragments.append(f" fragment {fragment} on {parent.name} {inner}")
            parts.append(f"...{fragment}")
        if isinstance(parent, GraphQLInterfaceType):
            possible = list(SCHEMA._schema.get_possible_types(parent))
            for kind in rng.sample(possible, rng.randint(1, len(possible))):
                parts.append(
                    f"... on {kind.name}{self.directive()} {self.selection(kind, depth + 1)}"
                )
        if rng.random() < 0.15:
            # No condition, the type itself, or an interface it implements.
            conditions = ["", f" on {parent.name}"]
            conditions += [f" on {i.name}" for i in getattr(parent, "interfaces", ())]
            inner = "{ __typename id }" if "Node" in conditions[-1] else "{ __typename }"
            parts.append(f"...{rng.choice(conditions)}{self.directive()} {inner}")
        return "{ " + " ".join(parts) + " }"

    def directive(self) -> str:
        rng = self.rng
        if rng.random() > 0.15:
            return ""
        kind = rng.choice(["include", "skip"])
        if rng.random() < 0.5:
            return f" @{kind}(if: {rng.choice(['true', 'false'])})"
        name = f"d{len(self.variables)}"
        self.variables[name] = ("Boolean!", rng.random() < 0.5)
        return f" @{kind}(if: ${name})"

    def arguments(self, args: dict[str, Any]) -> str:
        rng = self.rng
        names = [
            name
            for name, arg in args.items()
            if isinstance(arg.type, GraphQLNonNull) or rng.random() < 0.45
        ]
        if {"id", "url"} <= set(args) or {"id", "name"} <= set(args):
            # `article` and `topic` take exactly one of their two arguments.
            one = rng.choice(sorted(set(args) & {"id", "url", "name"}))
            names = [n for n in names if n not in ("id", "url", "name")] + [one]
        if "sort" in names:
            # The cursors at hand belong to the default order.
            names = [n for n in names if n not in ("after", "before")]
        given = []
        for name in names:
            arg = args[name]
            value = self.value(name)
            if rng.random() < 0.3:
                variable = f"v{len(self.variables)}"
                self.variables[variable] = (str(arg.type), value)
                given.append(f"{name}: ${variable}")
            else:
                given.append(f"{name}: {literal(value, name)}")
        return f"({', '.join(given)})" if given else ""

    def value(self, name: str) -> Any:
        rng = self.rng
        match name:
            case "first" | "last":
                return rng.choice([0, 1, 2, 3, 5, 25, 100] * 6 + [101, -1])
            case "after" | "before":
                return rng.choice(self.cursors * 6 + ["bm90IGEgY3Vyc29y"])
            case "page":
                return rng.choice([1, 2, 3, 5, 40] * 6 + [0, 10_001])
            case "id":
                return rng.choice(self.ids)
            case "ids":
                return rng.sample(self.ids, rng.randint(0, 5))
            case "url":
                return rng.choice(self.urls)
            case "topic" | "name":
                return rng.choice(self.topics)
            case "domain":
                return rng.choice(self.domains)
            case "prefer":
                return Enum(rng.choice(["CANONICAL", "AMP", "AMP_CACHE"]))
            case "sort":
                fields = ["PUBLISHED_DATE_TIME", "QUALITY", "HEAT", "TITLE"]
                if rng.random() < 0.1:
                    fields.append("RELEVANCE")
                return [
                    {"field": Enum(f), "direction": Enum(rng.choice(["ASC", "DESC"]))}
                    for f in rng.sample(fields, rng.randint(1, 2))
                ]
            case "filter":
                return self.filter()
        raise AssertionError(f"no values for argument {name}")

    def filter(self) -> dict[str, Any]:
        rng = self.rng
        options: dict[str, Any] = {
            "topics": {
                rng.choice(["anyOf", "allOf", "noneOf"]): rng.sample(self.topics, 2),
                "includeSubtopics": rng.random() < 0.5,
            },
            "providers": rng.sample(self.domains, 2),
            "types": [rng.choice(["article", "video", "podcast"])],
            "since": rng.choice(
                ["2023-06-01T00:00:00Z", "2023-09-12T02:00:00.5+02:00", "2023-09-12", "2023-W02"]
            ),
            "until": rng.choice(["2024-01-30T00:00:00Z", "2024-01-29t20:00:00-04:00"]),
            "publishedOn": {
                "min": rng.choice(["2023-09-12", "2023-06-01"]),
                "max": rng.choice(["2023-11-27", "2023-11-27T00:00:00Z"]),
            },
            "quality": {"min": rng.randint(0, 4)},
            "heat": {"max": rng.randint(0, 100), "min": rng.choice([0, 200])},
            "hasAmp": rng.random() < 0.5,
            "search": rng.choice(self.words),
            "visibility": Enum(rng.choice(["PUBLISHED"] * 9 + ["DRAFT"])),
        }
        keys = rng.sample(sorted(options), rng.randint(1, 3))
        return {key: options[key] for key in keys}


def global_ids(context: Context) -> list[str]:
    """Global ids of each kind, and of objects of each kind that do not exist."""
    query = """{ articles(first: 4) { edges { node { id
        provider { id } topics { id } related { id } } } } }"""
    data = SCHEMA.execute_sync(query, context_value=context).data
    assert data is not None
    ids = []
    for edge in data["articles"]["edges"]:
        node = edge["node"]
        ids += [node["id"], node["provider"]["id"], node["topics"][0]["id"]]
        ids += [r["id"] for r in node["related"][:1]]
    gone = [f"{kind}:nothing" for kind in ("Article", "Topic", "Provider", "Related")]
    return ids + [base64.b64encode(g.encode()).decode() for g in gone]


class Enum(str):
    """An enum value: a bare name in a literal, a string in variables."""


def literal(value: Any, name: str = "") -> str:
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"


def unwrap(type_: GraphQLOutputType) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def test_generated_queries_agree_with_strawberry(context: Context) -> None:
    generator = Generator(context, seed=20261126)
    answered = valid = 0
    for _ in range(300):
        query, variables = generator.query()
        if reference(query, variables, context).errors is None:
            valid += 1
        answered += agree(query, variables, context)
    # The executor must take the great majority of error-free queries, or it is not a fast
    # path at all.
    assert valid > 180
    assert answered >= 0.95 * valid, (answered, valid)


ODD_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("{ __typename }", {}),
    ("{ t: __typename articles(first: 2) { __typename edges { __typename } } }", {}),
    (
        "{ articles(first: 3) { edges { node { id title } } } "
        "articles(first: 3) { edges { node { url(prefer: AMP) id } } } }",
        {},
    ),
    (
        '{ a: articles(first: 2) { totalCount } b: articles(first: 1, topic: "AI") '
        "{ totalCount edges { cursor } } }",
        {},
    ),
    (
        "query($n: Int = 2, $skip: Boolean = true) { articles(first: $n) "
        "{ edges { node { id title @skip(if: $skip) excerpt @include(if: $skip) } } } }",
        {},
    ),
    (
        "query($n: Int = 2, $skip: Boolean = true) { articles(first: $n) "
        "{ edges { node { id title @skip(if: $skip) } } } }",
        {"n": 4, "skip": False},
    ),
    (
        "{ articles(first: 2) { ...E ...E edges { node { ...N } } } } "
        "fragment E on ArticleConnection { edges { cursor node { title } } } "
        "fragment N on Article { id provider { ...P } } fragment P on Provider { name domain }",
        {},
    ),
    (
        "{ articles(first: 2) { edges { node { ... on Article { id } ... { title } "
        "... @skip(if: true) { excerpt } } } } }",
        {},
    ),
    ("{ articles(first: 2) { edges { node { id title: excerpt excerpt: title } } } }", {}),
    (
        "{ topics { name children { name parent { name } } articleCount inTaxonomy } }",
        {},
    ),
    (
        "{ providers { domain articles(first: 2, sort: [{field: TITLE, direction: ASC}]) "
        "{ edges { node { title publishedDateTime } } pageInfo { hasNextPage endCursor } } } }",
        {},
    ),
    (
        "{ articles(last: 3) { pageInfo { hasPreviousPage hasNextPage startCursor } "
        "facets { providers { value count } months { value count } } } }",
        {},
    ),
    (
        "{ articles(first: 3) { edges { node { id similar(first: 3) { score article { title } } "
        "related { title url(prefer: AMP_CACHE) article { id } } topics { id } } } } }",
        {},
    ),
    (
        "{ articles(first: 2, page: 3) { edges { node { id } } "
        "pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }",
        {},
    ),
    (
        'query($after: String) { topic(name: "AI") { articles(first: 1, page: 2, after: $after, '
        "sort: [{field: TITLE, direction: ASC}]) { edges { cursor node { title } } } } }",
        {"after": None},
    ),
    ("{ providers { articles(page: 2) { totalCount edges { node { id } } } } }", {}),
    ("{ articles(first: 5, page: 1000) { edges { node { id } } pageInfo { hasNextPage } } }", {}),
    ("{ articles(last: 2, page: 2) { totalCount } }", {}),  # an error: page goes forward
    ("{ articles(page: 0) { totalCount } }", {}),
    ("{ articles(first: 101) { totalCount } }", {}),  # an error: the executor declines
    ('{ articles(after: "nonsense") { totalCount } }', {}),
    ('{ article(id: "x", url: "y") { id } }', {}),
    ('{ topic(name: "nope") { name } }', {}),
    ("{ __schema { queryType { name } } }", {}),  # introspection: Strawberry's job
    ("query A { __typename } query B { topics { name } }", {}),  # ambiguous without a name
]


@pytest.mark.parametrize(("query", "variables"), ODD_QUERIES)
def test_odd_queries_agree_with_strawberry(
    context: Context, query: str, variables: dict[str, Any]
) -> None:
    agree(query, variables, context)


def test_first_and_last_together_are_the_last_of_the_first(context: Context) -> None:
    # Relay's algorithm: cursors, then `first`, then `last` of what is left.
    page = "edges { node { id } } pageInfo { hasPreviousPage hasNextPage }"
    both = f"{{ articles(first: 5, last: 2) {{ {page} }} }}"
    five = reference(f"{{ articles(first: 5) {{ {page} }} }}", {}, context).data
    expected = reference(both, {}, context).data
    assert expected["articles"]["edges"] == five["articles"]["edges"][3:]
    assert expected["articles"]["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": True}
    assert agree(both, {}, context), "the fast lane declined"


def test_the_named_operation_is_run(context: Context) -> None:
    query = "query A { __typename } query B { topics { name } }"
    plan = EXECUTOR.plan(query, "B")
    assert plan is not None
    data = EXECUTOR.execute(plan, {}, context)
    assert list(data) == ["topics"]
    assert EXECUTOR.plan(query, "C") is None


def test_limits_are_enforced_before_planning() -> None:
    deep = "{ articles { edges { node { related { article { related { article { related "
    deep += "{ article { related { article { related { article { id } } } } } } } } } } } } }"
    assert EXECUTOR.plan(deep, None) is None
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    assert EXECUTOR.plan(aliases, None) is None


def test_a_texts_cost_before_planning_is_its_planned_cost() -> None:
    executor = Executor(SCHEMA, Limits())
    query = "query($n: Int!) { articles(first: $n) { edges { node { id similar(first: 40) "
    query += "{ score article { id } } } } } }"
    assert not executor.has_plan(query, None)
    cost = executor.text_cost(query, None, {"n": 100})
    assert not executor.has_plan(query, None)  # measured, not planned
    plan = executor.plan(query, None)
    assert plan is not None and executor.has_plan(query, None)
    assert cost == executor.measured(plan, {"n": 100}).cost == 13_206
    assert executor.text_cost("{ articles(", None, {}) is None
    assert executor.text_cost("query A { __typename }", "B", {}) is None


def test_enum_type_of_prefer_is_an_enum() -> None:
    # The generator writes `prefer` values as bare enum names; keep that true.
    field = SCHEMA._schema.get_type("Article").fields["url"]  # type: ignore[union-attr]
    assert isinstance(unwrap(field.args["prefer"].type), GraphQLEnumType)


def test_serialised_articles_follow_the_variables_they_use(context: Context) -> None:
    query = """query($p: UrlPreference!, $n: Int!) { articles(first: $n) { edges { node {
        id url(prefer: $p) related { url(prefer: $p) } } } } }"""
    for prefer in ("AMP_CACHE", "CANONICAL", "AMP", "CANONICAL"):
        for n in (3, 5):
            assert agree(query, {"p": prefer, "n": n}, context)


NODE_QUERIES = [
    """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ...Named } }
    fragment Named on Node { ... on Article { title publishedDateTime provider { id } }
        ... on Topic { slug } ... on Provider { domain } ... on Related { title url } }""",
    """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { ...Card } ...Card } }
    fragment Card on Node { id ... on Article { articleId related { id } } }""",
    """query($ids: [ID!]!) { a: node(id: "QXJ0aWNsZTpub3RoaW5n") { id }
        nodes(ids: $ids) { ... on Provider { articles(first: 2) { edges { node { id } } } } } }""",
    """{ articles(first: 3) { edges { node { ... on Node { id } ... on Article { title }
        related { ... on Node { __typename id } } provider { ... on Node { id } } } } } }""",
]


@pytest.mark.parametrize("query", NODE_QUERIES)
def test_node_queries_are_answered_as_strawberry_answers_them(context: Context, query: str) -> None:
    ids = global_ids(context)
    for start in range(0, len(ids), 5):
        assert agree(query, {"ids": ids[start : start + 5]}, context)


def test_articles_found_by_node_follow_the_variables_they_use(context: Context) -> None:
    query = """query($p: UrlPreference!, $id: ID!) { node(id: $id) {
        ... on Article { url(prefer: $p) related { url(prefer: $p) } } } }"""
    (article,) = [a for a in context.catalog.order if a.links.cdn_amp_web_url][:1]
    global_id = base64.b64encode(f"Article:{article.id}".encode()).decode()
    urls = set()
    for prefer in ("AMP_CACHE", "CANONICAL", "AMP", "CANONICAL"):
        assert agree(query, {"p": prefer, "id": global_id}, context)
        urls.add(orjson.dumps(direct(query, {"p": prefer, "id": global_id}, context)))
    assert len(urls) == 3


def test_serialised_articles_are_not_shared_between_snapshots(write_tree: WriteTree) -> None:
    folder = write_tree({"a.md": front_matter(title='"Before"')})
    runtime = Runtime(Config(sources=folder_sources([folder])))
    query = "{ articles { edges { node { title } } } }"
    plan = EXECUTOR.plan(query, None)
    assert plan is not None
    asyncio.run(runtime.load())
    before = orjson.dumps(EXECUTOR.execute(plan, {}, Context(catalog=runtime.catalog)))
    (folder / "a.md").write_text(front_matter(title='"After"'), encoding="utf-8")
    asyncio.run(runtime.load())
    after = orjson.dumps(EXECUTOR.execute(plan, {}, Context(catalog=runtime.catalog)))
    assert b"Before" in before and b"After" in after


def test_serialised_edges_follow_order_search_and_variables(context: Context) -> None:
    # One plan, run in turn with orders, searches and URL preferences that change an edge's
    # cursor, score, snippet or article: a memo keyed too loosely would repeat an answer.
    query = """query($sort: [ArticleSort!], $q: String, $p: UrlPreference!, $after: String) {
        articles(first: 4, sort: $sort, filter: {search: $q}, after: $after) {
            edges { cursor score snippet node { id url(prefer: $p) } } } }"""
    word = context.catalog.order[0].title.split()[0]
    sorts = (None, [{"field": "PUBLISHED", "direction": "ASC"}], [{"field": "TITLE"}])
    answered = 0
    for search in (None, word, None, word):
        for sort in sorts:
            for prefer in ("AMP", "CANONICAL"):
                variables = {"sort": sort, "q": search, "p": prefer, "after": None}
                answered += agree(query, variables, context)
    assert answered >= 12


def test_arguments_given_by_variables_follow_them(context: Context) -> None:
    # A whole-variable argument is converted per request; null, absent and set variables,
    # literals beside them, and a null for an argument that has a default all agree.
    query = """query($p: UrlPreference, $n: Int, $t: String) {
        articles(first: $n, topic: $t, last: 2) { edges { node { url(prefer: $p) } } } }"""
    topic = context.catalog.topics()[0].topic.name
    cases: list[dict[str, Any]] = [
        {"p": "AMP", "n": 3, "t": topic},
        {"p": None, "n": 3},
        {"n": None, "t": None},
        {},
        {"p": "AMP_CACHE", "n": 5, "t": topic},
    ]
    for variables in cases:
        agree(query, variables, context)
    assert agree(query, cases[0], context) and agree(query, cases[-1], context)
