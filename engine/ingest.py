"""From source batches to a catalog: normalise, de-duplicate, index, and report problems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from newsgraph.engine import normalise
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.counts import Counts, total
from newsgraph.engine.fields import Finding
from newsgraph.engine.model import Article, Image, Provider, Topic
from newsgraph.engine.sources import Problem, RawRecord, Severity, SourceBatch


@dataclass(frozen=True, slots=True)
class Ingested:
    """A catalog and what was wrong with the records behind it."""

    catalog: Catalog
    problems: tuple[Problem, ...]
    records: int
    counts: Mapping[str, Counts] = field(default_factory=dict)  # by source name
    content_hash: str = ""  # the catalog's (engine/content_hash.py): equal across replicas

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def total(self) -> Counts:
        return total(self.counts, len(self.problems))


def _preference(article: Article) -> tuple[bool, float, str]:
    # Smallest wins: a published record, then the most recent, then the first path.
    return (not article.published, -article.published_date_time.timestamp(), article.origin)


# What a record's notation explains about a value that is not text where text was expected.
_ADVICE = {"yaml": "quote it so YAML reads it as text"}


def _field_problem(record: RawRecord, source: str, finding: Finding) -> Problem:
    """A finding in the source's own terms: its key for the field, and advice only where the
    record's notation explains the mistake."""
    field = record.own_key(finding.field)
    reason = finding.reason
    if field != finding.field:
        reason += f" (newsgraph's {finding.field})"
    if finding.not_text and record.syntax in _ADVICE:
        reason += f"; {_ADVICE[record.syntax]}"
    line = record.line_of(field)
    return Problem(record.origin, reason, line, field, finding.severity, source)


def _field_problems(record: RawRecord, source: str, findings: list[Finding]) -> list[Problem]:
    """A record's findings as problems, in the order of their lines."""
    problems = [_field_problem(record, source, finding) for finding in findings]
    return sorted(problems, key=lambda problem: problem.line or 0)


@dataclass(frozen=True, slots=True)
class Located:
    """A taxonomy topic with where it was defined, for duplicate warnings."""

    topic: Topic
    origin: str
    line: int | None


Remembered = dict[int, tuple[RawRecord, Article | None, list[Problem]]]
"""What each article record (by `id`, with the record itself to keep that id its own) was
normalised to, for a source whose next batch will hand over the same record objects again."""


@dataclass(frozen=True, slots=True)
class SourceArticles:
    """One source's batch as model objects. The runtime keeps this, not the raw records,
    which take several times the memory (unless it keeps `normalised` for a watched source,
    whose own state holds them anyway)."""

    articles: list[Article]
    taxonomy: list[Located]
    problems: list[Problem]
    records: int
    profiles: list[Provider] = field(default_factory=list)
    normalised: Remembered = field(default_factory=dict)


def normalise_batch(
    source: str, batch: SourceBatch, earlier: Remembered | None = None
) -> SourceArticles:
    """Every record of one source's batch as a model object, and every problem of each record,
    naming its field; a record that an error rejects has no model object.

    With `earlier` (possibly empty), records normalised before are not normalised again,
    and the result remembers its own records for the next batch."""
    # A source that did not name itself on its problems is named here, so each problem can be
    # listed under its source.
    problems = [p if p.source else replace(p, source=source) for p in batch.problems]
    articles: list[Article] = []
    remembered: Remembered = {}
    for record in batch.articles:
        known = None if earlier is None else earlier.get(id(record))
        if known is not None and known[0] is record:
            _, article, found = known
        else:
            article, findings = normalise.article(
                record.data, record.origin, source, record.base_url
            )
            found = _field_problems(record, source, findings) if findings else []
        if earlier is not None:
            remembered[id(record)] = (record, article, found)
        problems += found
        if article is not None:
            articles.append(article)
    taxonomy: list[Located] = []
    for record in batch.topics:
        topic, findings = normalise.topic(record.data)
        if findings:
            problems += _field_problems(record, source, findings)
        if topic is not None:
            taxonomy.append(Located(topic, record.origin, record.line))
    profiles: list[Provider] = []
    for record in batch.organizations:
        profile, findings = normalise.organization(record.data, record.base_url)
        if findings:
            problems += _field_problems(record, source, findings)
        if profile is not None:
            profiles.append(profile)
    return SourceArticles(articles, taxonomy, problems, len(batch.articles), profiles, remembered)


def _articles(parts: Iterable[SourceArticles], problems: list[Problem]) -> list[Article]:
    winners: dict[str, Article] = {}
    for part in parts:
        for article in part.articles:
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


def _taxonomy(parts: Iterable[tuple[str, SourceArticles]], problems: list[Problem]) -> list[Topic]:
    topics: dict[str, Topic] = {}
    for source, part in parts:
        for located in part.taxonomy:
            topic = located.topic
            if topic.name.casefold() in topics:
                problems.append(
                    Problem(
                        located.origin,
                        f"topic {topic.name!r} is defined twice; the first definition is kept",
                        located.line,
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
    """Every source's articles, de-duplicated, before enrichment and indexing."""

    articles: list[Article]
    taxonomy: list[Topic]
    problems: list[Problem]
    records: int


def _with_profiles(articles: list[Article], parts: Iterable[SourceArticles]) -> list[Article]:
    """Articles whose provider has no images take those of its domain's profile, if any."""
    logos: dict[str, tuple[Image, ...]] = {}
    for part in parts:
        for profile in part.profiles:
            if profile.images:
                logos.setdefault(profile.domain, profile.images)
    if not logos:
        return articles
    return [
        replace(a, provider=replace(a.provider, images=logos[a.provider.domain]))
        if not a.provider.images and a.provider.domain in logos
        else a
        for a in articles
    ]


def merge(parts: list[tuple[str, SourceArticles]]) -> Normalised:
    """One article per canonical URL and one topic per name, across every source; providers
    without images take their profile's."""
    problems = [problem for _, part in parts for problem in part.problems]
    articles = _articles((part for _, part in parts), problems)
    articles = _with_profiles(articles, (part for _, part in parts))
    taxonomy = _taxonomy(parts, problems)
    return Normalised(articles, taxonomy, problems, sum(part.records for _, part in parts))


def normalise_batches(batches: list[tuple[str, SourceBatch]]) -> Normalised:
    """Normalise and de-duplicate the records of every (source name, batch)."""
    return merge([(name, normalise_batch(name, batch)) for name, batch in batches])


def build_catalog(batches: list[tuple[str, SourceBatch]]) -> Ingested:
    """Normalise every batch's records into one catalog, without enrichment."""
    normalised = normalise_batches(batches)
    catalog = Catalog(normalised.articles, normalised.taxonomy)
    return Ingested(catalog, tuple(normalised.problems), normalised.records)
