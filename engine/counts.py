"""How many records each source handed over and what became of them, in words shared by
`/healthz`, `/readyz`, `/-/sources`, `newsgraph sources` and `newsgraph validate`.

For every source, and for the total: `records_read` = `articles` + the records refused (each
refusal is one of the `problems`), and `articles` = `visible` + `drafts` + `duplicates`.
docs/user-guide.md#counts defines each word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from newsgraph.engine.model import Article
from newsgraph.engine.sources import Problem


@dataclass(frozen=True, slots=True)
class Counts:
    records_read: int = 0  # article records the source handed over
    articles: int = 0  # records that became an article; the others were refused
    visible: int = 0  # articles served to everyone
    drafts: int = 0  # articles served only with the preview credential
    duplicates: int = 0  # articles dropped: another record has the same canonical URL
    problems: int = 0  # errors and warnings reported

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def served(articles: Iterable[Article]) -> dict[str, tuple[int, int]]:
    """(visible, drafts) of each source among the articles kept."""
    visible: Counter[str] = Counter()
    drafts: Counter[str] = Counter()
    for article in articles:
        (visible if article.published else drafts)[article.source] += 1
    return {name: (visible[name], drafts[name]) for name in visible.keys() | drafts.keys()}


def per_source(
    read: Mapping[str, tuple[int, int]],
    kept: Mapping[str, tuple[int, int]],
    problems: Iterable[Problem],
) -> dict[str, Counts]:
    """Each source's counts from its (records read, articles), its (visible, drafts) after
    de-duplication, and every problem reported; a source's articles that were not kept are
    its duplicates."""
    reported = Counter(problem.source for problem in problems)
    counts = {}
    for name, (records, articles) in read.items():
        visible, drafts = kept.get(name, (0, 0))
        duplicates = articles - visible - drafts
        counts[name] = Counts(records, articles, visible, drafts, duplicates, reported[name])
    return counts


def total(counts: Mapping[str, Counts], problems: int) -> Counts:
    """The sum over sources, with every problem counted, also those of no one source (an
    enricher's)."""
    summed = sum(counts.values(), Counts())
    return Counts(
        summed.records_read,
        summed.articles,
        summed.visible,
        summed.drafts,
        summed.duplicates,
        problems,
    )
