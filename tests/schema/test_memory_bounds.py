"""The fast lane's caches stay within their byte budgets whatever the queries."""

from __future__ import annotations

import gc

import orjson

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.executor import Executor
from newsgraph.schema.limits import Limits

SCHEMA = build_schema()


def query(variant: int) -> str:
    inner = "id title excerpt url webUrl"
    return (
        f"{{ articles(first: 40) {{ edges {{ node {{ v{variant}: id {inner} "
        f"similar(first: 10) {{ score article {{ {inner} }} }} }} }} }} }}"
    )


def test_article_memos_of_all_plans_share_one_byte_budget(context: Context) -> None:
    budget = 200_000
    executor = Executor(SCHEMA, Limits(), memo_bytes=budget)
    for variant in range(30):  # each plan memoises about 100 KB of articles
        plan = executor.plan(query(variant), None)
        assert plan is not None
        data = executor.execute(plan, {}, context)
        assert orjson.dumps(data)  # answered in full whether memoised or not
        assert 0 <= executor.memo_budget.used <= budget
    assert executor.memo_budget.used > 0


def test_a_dropped_memo_gives_its_bytes_back(context: Context) -> None:
    executor = Executor(SCHEMA, Limits())
    plan = executor.plan(query(0), None)
    assert plan is not None
    executor.execute(plan, {}, context)
    budget = executor.memo_budget
    assert budget.used > 0
    del plan, executor  # the plans go, and their memos with them
    gc.collect()
    assert budget.used == 0


def test_edge_lanes_share_the_byte_budget(context: Context) -> None:
    # Each search and order gets its own lane of serialised edges; all of them, with the
    # articles, stay within the budget, however many there are.
    budget = 60_000
    executor = Executor(SCHEMA, Limits(), memo_bytes=budget)
    plan = executor.plan(
        """query($q: String, $sort: [ArticleSort!]) {
            articles(first: 10, filter: {search: $q}, sort: $sort) {
                edges { cursor score snippet node { id title excerpt } } } }""",
        None,
    )
    assert plan is not None
    words = {word for a in context.catalog.order for word in a.title.split() if word.isalpha()}
    for word in sorted(words)[:40]:
        for sort in (None, [{"field": "TITLE"}], [{"field": "HEAT"}]):
            data = executor.execute(plan, {"q": word, "sort": sort}, context)
            assert orjson.dumps(data)
            assert 0 <= executor.memo_budget.used <= budget
    assert executor.memo_budget.used > 0
