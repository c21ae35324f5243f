"""From source batches to a catalog: normalise, de-duplicate, index, and report problems."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schema import normalise
from schema.model import Article, Topic
from server.catalog import Catalog
from server.sources import Problem, RawRecord, Severity, SourceBatch


@dataclass(frozen=True, slots=True)
class Ingested:
    """A catalog and what was wrong with the records behind it."""

    catalog: Catalog
    problems: tuple[Problem, ...]
    records: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def _preference(article: Article) -> tuple[bool, float, str]:
    # Smallest wins: a published record, then the most recent, then the first path.
    return (not article.published, -article.published_date_time.timestamp(), article.origin)


def _field_problem(record: RawRecord, source: str, error: normalise.FieldError) -> Problem:
    return Problem(
        record.origin, error.reason, record.line_of(error.field), error.field, source=source
    )


def _articles(batches: Iterable[tuple[str, SourceBatch]], problems: list[Problem]) -> list[Article]:
    winners: dict[str, Article] = {}
    for source, batch in batches:
        for record in batch.articles:
            try:
                article = normalise.article(record.data, record.origin, source)
            except normalise.FieldError as error:
                problems.append(_field_problem(record, source, error))
                continue
            held = winners.get(article.id)
            if held is None:
                winners[article.id] = article
                continue
            keep, drop = sorted((held, article), key=_preference)
            winners[article.id] = keep
            problems.append(
                Problem(
                    drop.origin,
                    f"same canonical URL as {keep.origin}, which is kept: {drop.links.canonical}",
                    field="webUrl" if drop.links.web_url else "originalUrl",
                    severity=Severity.WARNING,
                    source=drop.source,
                )
            )
    return list(winners.values())


def _taxonomy(batches: Iterable[tuple[str, SourceBatch]], problems: list[Problem]) -> list[Topic]:
    topics: dict[str, Topic] = {}
    for source, batch in batches:
        for record in batch.topics:
            try:
                topic = normalise.topic(record.data)
            except normalise.FieldError as error:
                problems.append(_field_problem(record, source, error))
                continue
            if topic.name.casefold() in topics:
                problems.append(
                    Problem(
                        record.origin,
                        f"topic {topic.name!r} is defined twice; the first definition is kept",
                        record.line,
                        "name",
                        Severity.WARNING,
                        source,
                    )
                )
                continue
            topics[topic.name.casefold()] = topic
    return list(topics.values())


@dataclass(frozen=True, slots=True)
class Normalised:
    """Every batch's records as model objects, before enrichment and indexing."""

    articles: list[Article]
    taxonomy: list[Topic]
    problems: list[Problem]
    records: int


def normalise_batches(batches: list[tuple[str, SourceBatch]]) -> Normalised:
    """Normalise and de-duplicate the records of every (source name, batch)."""
    problems = [problem for _, batch in batches for problem in batch.problems]
    articles = _articles(batches, problems)
    taxonomy = _taxonomy(batches, problems)
    records = sum(len(batch.articles) for _, batch in batches)
    return Normalised(articles, taxonomy, problems, records)


def build_catalog(batches: list[tuple[str, SourceBatch]]) -> Ingested:
    """Normalise every batch's records into one catalog, without enrichment."""
    normalised = normalise_batches(batches)
    catalog = Catalog(normalised.articles, normalised.taxonomy)
    return Ingested(catalog, tuple(normalised.problems), normalised.records)
