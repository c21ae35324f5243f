"""Articles similar to a given one, computed from a catalog snapshot.

Candidates come from the catalog's own indexes, never from a scan: for each topic of the
article, its provider, and the whole newest-first order, the nearest articles in time on each
side (found by bisection). Each candidate is scored from 0 to 1 as a weighted sum of shared
topics (rarer topics count more), wording shared by the titles and excerpts, closeness in time,
and the same provider. See docs/search.md for the weights and why.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import weakref
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article

WEIGHTS = {"topics": 0.3, "text": 0.5, "time": 0.15, "provider": 0.05}
HALF_LIFE_DAYS = 30.0
NEIGHBOURS = 30  # per index and side: bounds the work to a couple of hundred candidates
PROFILE_CACHE = 8192  # per catalog: the neighbourhoods of nearby articles overlap

# Words too common in news text to say what a story is about.
STOP_WORDS = frozenset(
    """
    a about after all also an and any are as at be been before but by can could did do does
    for from had has have he her his how i if in into is it its just more most my new no not
    now of on one or our out over says said she so some such than that the their them then
    there these they this those to too two up us very was we were what when where which while
    who why will with would you your
    """.split()
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class _Profile:
    """What the text similarity needs of one article."""

    words: dict[str, int]  # content word -> 2 if it is in the title, else 1
    size: int  # the sum of the weights
    title_key: str  # the folded title's words, to recognise a duplicate under another URL


def similar(catalog: Catalog, article: Article, first: int) -> list[tuple[Article, float]]:
    """Up to `first` other articles of `catalog` most like `article`, best first, each with a
    score from 0 to 1; ties go to the newer article, then the smaller id. Duplicates of the
    article (same canonical URL, or the same title once folded) are left out."""
    if first <= 0:
        return []
    profiles = _profiles(catalog)
    own = profiles.of(article)
    pool = [
        (candidate, profile)
        for candidate in _candidates(catalog, article)
        if candidate.links.canonical != article.links.canonical
        and (profile := profiles.of(candidate)).title_key != own.title_key
    ]
    rarity = _word_rarity(own, [profile for _, profile in pool])
    topics = _TopicWeights(catalog, article)
    found: list[tuple[float, float, str, Article]] = []
    for candidate, profile in pool:
        score = (
            WEIGHTS["topics"] * topics.overlap(candidate)
            + WEIGHTS["text"] * _word_overlap(own, profile, rarity)
            + WEIGHTS["time"] * _closeness(article, candidate)
            + WEIGHTS["provider"] * (candidate.provider.domain == article.provider.domain)
        )
        # Rounded, so that float noise never decides between equally similar articles.
        score = round(min(score, 1.0), 6)
        found.append((-score, -candidate.published_date_time.timestamp(), candidate.id, candidate))
    found.sort(key=lambda entry: entry[:3])
    return [(candidate, -score) for score, _, _, candidate in found[:first]]


def _candidates(catalog: Catalog, article: Article) -> Iterator[Article]:
    """The articles nearest in time to `article` in each of its indexes, each once."""
    order = catalog.order
    here = bisect_left(order, _newest_first(article), key=_newest_first)
    indexes: list[Sequence[int]] = [range(len(order))]
    for name in article.topics:
        if (entry := catalog.topic(name=name)) is not None:
            indexes.append(entry.positions)
    if (provider := catalog.provider(article.provider.domain)) is not None:
        indexes.append(provider.positions)
    seen = {article.id}
    for positions in indexes:
        middle = bisect_left(positions, here)
        for position in positions[max(middle - NEIGHBOURS, 0) : middle + NEIGHBOURS + 1]:
            candidate = order[position]
            if candidate.id not in seen:
                seen.add(candidate.id)
                yield candidate


def _newest_first(article: Article) -> tuple[float, str]:
    return (-article.published_date_time.timestamp(), article.id)


class _TopicWeights:
    """Compares an article's topics with others', each topic weighted by its IDF in the
    catalog: sharing a topic few articles have says more than sharing a broad one."""

    def __init__(self, catalog: Catalog, article: Article) -> None:
        self._catalog = catalog
        self._idf: dict[str, float] = {}
        self._own = self._weights(article)
        self._own_total = sum(self._own.values())

    def _weights(self, article: Article) -> dict[str, float]:
        weights = {}
        for name in article.topics:
            key = name.casefold()
            if key not in self._idf:
                entry = self._catalog.topic(name=key)
                count = len(entry.positions) if entry is not None else 0
                self._idf[key] = math.log(1 + len(self._catalog) / max(count, 1))
            weights[key] = self._idf[key]
        return weights

    def overlap(self, candidate: Article) -> float:
        """The weighted Dice coefficient: 0 when no topic is shared, 1 when all are."""
        theirs = self._weights(candidate)
        shared = sum(weight for key, weight in self._own.items() if key in theirs)
        total = self._own_total + sum(theirs.values())
        return 2 * shared / total if total else 0.0


def _word_rarity(own: _Profile, pool: list[_Profile]) -> dict[str, float]:
    """How rare each of the article's words is among its candidates, from 0 to 1 (1: only one
    candidate has it). A word most of the neighbourhood uses ("announced") says little; one
    only a few share (a project's name) says a lot."""
    counts = dict.fromkeys(own.words, 1)
    for profile in pool:
        for word in own.words.keys() & profile.words.keys():
            counts[word] += 1
    # A shared word is in at least two articles: the article and one candidate.
    scale = math.log(1 + (len(pool) + 1) / 2)
    return {word: math.log(1 + (len(pool) + 1) / count) / scale for word, count in counts.items()}


def _word_overlap(own: _Profile, theirs: _Profile, rarity: dict[str, float]) -> float:
    """Shared wording from 0 to 1: the Dice coefficient of the two word sets, each shared word
    counted by its rarity, then square-rooted. Short texts share few words even on the same
    story; the root lifts the low end (0.04 becomes 0.2, 0.25 becomes 0.5) so that wording can
    outweigh a shared provider."""
    words = theirs.words
    shared = sum(
        min(weight, words[word]) * rarity[word]
        for word, weight in own.words.items()
        if word in words
    )
    total = own.size + theirs.size
    return math.sqrt(min(2 * shared / total, 1.0)) if total else 0.0


def _closeness(article: Article, candidate: Article) -> float:
    """1 at the same moment, halving every HALF_LIFE_DAYS apart."""
    apart = article.published_date_time - candidate.published_date_time
    return math.pow(0.5, abs(apart.total_seconds()) / 86400 / HALF_LIFE_DAYS)


def _fold(text: str) -> list[str]:
    """The words of `text`, accents and case folded."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(text.casefold())


def _content_words(words: list[str]) -> list[str]:
    """Words that say what a story is about: no stop-words, a plural -s dropped."""
    return [
        word[:-1] if len(word) > 3 and word[-1] == "s" and word[-2] != "s" else word
        for word in words
        if len(word) > 1 and word not in STOP_WORDS
    ]


class _Profiles:
    """One catalog's word profiles, computed when first needed; the most recently used are
    kept, since the candidates of articles near in time are mostly the same articles."""

    def __init__(self, size: int = PROFILE_CACHE) -> None:
        self._size = size
        self._cache: OrderedDict[str, _Profile] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, article: Article) -> _Profile:
        with self._lock:
            profile = self._cache.get(article.id)
            if profile is not None:
                self._cache.move_to_end(article.id)
                return profile
        profile = _profile(article)
        with self._lock:
            self._cache[article.id] = profile
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return profile


def _profile(article: Article) -> _Profile:
    title = _fold(article.title)
    weights = dict.fromkeys(_content_words(_fold(article.excerpt or "")), 1)
    weights.update(dict.fromkeys(_content_words(title), 2))  # the title says most
    return _Profile(weights, sum(weights.values()), " ".join(title))


_by_catalog: weakref.WeakKeyDictionary[Catalog, _Profiles] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _profiles(catalog: Catalog) -> _Profiles:
    with _lock:
        profiles = _by_catalog.get(catalog)
        if profiles is None:
            profiles = _by_catalog[catalog] = _Profiles()
        return profiles
