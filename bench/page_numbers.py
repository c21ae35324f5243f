"""Page numbers: jumping to the last page costs what page 2 does (the bitset is skipped by
counting bits, not walked), on a filter whose matches are a set of positions."""

from __future__ import annotations

from bench.report import MICROSECONDS, Row, ratio, times
from bench.timing import per_call
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.selection import ArticleFilter

# Two conditions, one with no index of its own: the matches are a bitset, not an index walk.
WHERE = ArticleFilter(types=("article",), has_amp=False)
PAGE_SIZE = 25
NEAR, FAR = "page number 2", "page number, last"
FAR_TARGET = 2.0  # the last page: at most this many times page 2


async def rows(catalog: Catalog, size: int, runs: int, run_seconds: float) -> list[Row]:
    pages = max(2, catalog.select(WHERE).count() // PAGE_SIZE)

    async def page(number: int) -> None:
        catalog.select(WHERE).page(first=PAGE_SIZE, page=number)

    near = Row(NEAR, size, MICROSECONDS, await per_call(lambda n: 2, page, runs, run_seconds))
    far_sample = await per_call(lambda n: pages, page, runs, run_seconds)
    far = Row(FAR, size, MICROSECONDS, far_sample)
    growth = ratio(far, near)
    if growth is not None:
        versus = f"page {pages:,}: {times(growth, 'page 2')}"
        far = far.judged(versus, f"≤ {FAR_TARGET:g}× page 2", growth <= FAR_TARGET)
    return [near, far]
