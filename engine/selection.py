"""What a query asks of the catalog: a filter, an order, and a window given by Relay cursors.

A `Selection` is the set of articles matching a filter, in one order. In the catalog's own
order (newest first) it is read lazily from an index, so a page costs what the page holds;
any other order is materialised once and sorted. Cursors name a position by the sort values
of an article and its id, so a cursor taken before a reload still works after it.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol, TypeVar

from newsgraph.engine import bitset
from newsgraph.engine.model import Article

T_co = TypeVar("T_co", covariant=True)


class Indexed(Protocol[T_co]):
    """What a selection reads its items and keys from: a tuple, a list, or a view of one."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> T_co: ...


MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_NUMBER = 10_000


class Visibility(Enum):
    PUBLISHED = "published"
    DRAFT = "draft"
    ALL = "all"


class SortField(Enum):
    PUBLISHED_DATE_TIME = "published"
    QUALITY = "quality"
    HEAT = "heat"
    TITLE = "title"
    RELEVANCE = "relevance"


@dataclass(frozen=True, slots=True)
class Order:
    field: SortField
    descending: bool = True

    def __str__(self) -> str:
        return f"{self.field.value}:{'desc' if self.descending else 'asc'}"


NEWEST_FIRST = (Order(SortField.PUBLISHED_DATE_TIME),)
BY_RELEVANCE = (Order(SortField.RELEVANCE),)


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Conditions an article must all meet; an empty tuple or None means "no condition".

    Topics are matched by name or id, case-insensitively; `providers` are domains; `since`
    and `until` are inclusive; ranges are `(min, max)` with either end open.
    """

    topics_any: tuple[str, ...] = ()
    topics_all: tuple[str, ...] = ()
    topics_none: tuple[str, ...] = ()
    include_subtopics: bool = False
    providers: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    quality: tuple[int | None, int | None] = (None, None)
    heat: tuple[int | None, int | None] = (None, None)
    has_amp: bool | None = None
    search: str | None = None
    visibility: Visibility = Visibility.PUBLISHED


class CursorError(ValueError):
    """A cursor that this server did not issue, or one issued for another order."""


def _order_name(orders: Sequence[Order]) -> str:
    return ",".join(map(str, orders))


def sort_values(article: Article, orders: Sequence[Order], score: float | None) -> list[object]:
    """The JSON-safe values an article is sorted by; a cursor carries them."""
    values: list[object] = []
    for order in orders:
        match order.field:
            case SortField.PUBLISHED_DATE_TIME:
                values.append(article.published_date_time.isoformat())
            case SortField.QUALITY:
                values.append(article.quality)
            case SortField.HEAT:
                values.append(article.heat)
            case SortField.TITLE:
                values.append(article.title.casefold())
            case SortField.RELEVANCE:
                values.append(score)
    return values


def sort_key(article: Article) -> SortKey:
    """The key of the catalog's own order: newest first, then by id."""
    return ((0, -article.published_date_time.timestamp()), article.id)


def _descending_text(text: str) -> tuple[int, ...]:
    # Negated code points order text backwards; the trailing 1 puts "abc" before "ab".
    return (*(-ord(c) for c in text), 1)


# Comparable in the requested order; the shape depends on the orders, hence "tuple of anything".
SortKey = tuple[object, ...]


def composite_key(values: Sequence[object], orders: Sequence[Order], article_id: str) -> SortKey:
    """A key that `sorted` and `bisect` compare in the requested order; missing values last."""
    parts: list[object] = []
    for value, order in zip(values, orders, strict=True):
        if value is None:
            parts.append((1,))
            continue
        if order.field is SortField.TITLE:
            text = str(value)
            parts.append((0, _descending_text(text) if order.descending else text))
            continue
        number = (
            datetime.fromisoformat(str(value)).timestamp()
            if order.field is SortField.PUBLISHED_DATE_TIME
            else float(value)  # type: ignore[arg-type]
        )
        parts.append((0, -number if order.descending else number))
    parts.append(article_id)
    return tuple(parts)


def complete(orders: Sequence[Order]) -> tuple[Order, ...]:
    """The orders with newest-first appended as a tie-break, when not already there (the id
    breaks the remaining ties)."""
    if any(order.field is SortField.PUBLISHED_DATE_TIME for order in orders):
        return tuple(orders)
    return (*orders, *NEWEST_FIRST)


def encode_cursor(orders: Sequence[Order], values: Sequence[object], article_id: str) -> str:
    text = json.dumps(["v2", _order_name(orders), list(values), article_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


@dataclass(frozen=True, slots=True)
class Cursor:
    values: list[object]
    article_id: str


def _shown(cursor: str) -> str:
    """A cursor as an error message quotes it: a hostile one can be megabytes long."""
    return repr(cursor if len(cursor) <= 60 else cursor[:60] + "…")


def _valid(value: object, order: Order) -> bool:
    match order.field:
        case SortField.PUBLISHED_DATE_TIME:
            try:
                return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
            except ValueError:
                return False
        case SortField.TITLE:
            return value is None or isinstance(value, str)
        case _:
            return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def decode_cursor(cursor: str, orders: Sequence[Order]) -> Cursor:
    """The position a cursor names, for a selection sorted by `orders`."""
    invalid = CursorError(f"invalid cursor {_shown(cursor)}")
    try:
        version, name, values, article_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise invalid from None  # RecursionError: a cursor of thousands of nested lists
    if version != "v2" or not isinstance(values, list) or not isinstance(article_id, str):
        raise invalid
    if name != _order_name(orders):
        raise CursorError(f"the cursor {_shown(cursor)} was issued for another sort order ({name})")
    if len(values) != len(orders) or not all(map(_valid, values, orders)):
        raise invalid
    return Cursor(values, article_id)


class Cursors:
    """The cursors issued in one order of one catalog, both ways: each article's cursor, and
    the sort key each issued cursor names, so that a cursor a client sends back is found
    without decoding it. Both grow with the articles only (one cursor per article)."""

    __slots__ = ("by_id", "keys")

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}
        self.keys: dict[str, SortKey] = {}


@dataclass(frozen=True, slots=True)
class Page:
    articles: list[Article]
    has_next: bool
    has_previous: bool


@dataclass(frozen=True, slots=True)
class Facets:
    topics: list[tuple[str, int]]
    providers: list[tuple[str, int]]
    types: list[tuple[str, int]]
    months: list[tuple[str, int]]


def window(first: int | None, last: int | None) -> tuple[int | None, int | None]:
    """Relay's `first`/`last`, checked and defaulted: without either, the first 25."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise ValueError(f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {value}")
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return first, last


def page_offset(page: int | None, first: int | None, last: int | None) -> int:
    """How many articles page number `page` (1-based, of `first` articles each) skips."""
    if page is None:
        return 0
    if not 1 <= page <= MAX_PAGE_NUMBER:
        raise ValueError(f"page must be between 1 and {MAX_PAGE_NUMBER}, got {page}")
    if last is not None:
        raise ValueError("page counts pages of `first` articles forward; it cannot go with last")
    return (page - 1) * (DEFAULT_PAGE_SIZE if first is None else first)


class Selection:
    """The articles matching a filter, in the order of `orders`.

    `items[start:stop]` are the candidates in order, limited to the positions in `members`
    (which all lie within those bounds) when that is given, or to the indexes `keep` accepts
    (with the count of those); `keys` holds each item's `composite_key`, so that a cursor is
    found by bisection; `facets` counts the whole selection.
    """

    def __init__(
        self,
        items: Indexed[Article],
        keys: Indexed[SortKey],
        bounds: tuple[int, int],
        orders: tuple[Order, ...],
        *,
        facets: Callable[[], Facets],
        members: int | None = None,
        keep: tuple[Callable[[int], bool], int] | None = None,
        scores: Mapping[str, float] | None = None,
        cursors: Cursors | None = None,
    ) -> None:
        self._items = items
        self._keys = keys
        self._start, self._stop = bounds
        self._members = members
        self._keep = keep
        self._facets = facets
        self.orders = orders
        self.scores = scores
        self.cursors = cursors  # shared by the selections in this order

    def _key(self, cursor: str) -> SortKey:
        if self.cursors is not None and (known := self.cursors.keys.get(cursor)) is not None:
            return known
        position = decode_cursor(cursor, self.orders)
        return composite_key(position.values, self.orders, position.article_id)

    def count(self) -> int:
        if self._keep is not None:
            return self._keep[1]
        if self._members is None:
            return self._stop - self._start
        return self._members.bit_count()

    def __iter__(self) -> Iterator[Article]:
        return self._forward(self._start, self._stop)

    def _forward(self, start: int, stop: int) -> Iterator[Article]:
        items = self._items
        if self._keep is not None:
            keep = self._keep[0]
            return (items[index] for index in range(start, stop) if keep(index))
        if self._members is None:
            return (items[index] for index in range(start, stop))
        return (items[index] for index in bitset.forward(self._members, start, stop))

    def _first(self, start: int, stop: int, count: int) -> list[Article]:
        """Up to `count` items from `start`; without a filter, a slice of the order."""
        if self._members is None and self._keep is None:
            items = self._items
            return [items[index] for index in range(start, min(stop, start + count))]
        return _take(self._forward(start, stop), count)

    def _skip(self, start: int, stop: int, count: int) -> int:
        """The index after the first `count` items from `start`."""
        if not count:
            return start
        if self._members is not None:
            return bitset.skip(self._members, start, stop, count)
        if self._keep is None:
            return min(stop, start + count)
        keep = self._keep[0]
        for index in range(start, stop):
            if keep(index):
                count -= 1
                if count < 0:
                    return index
        return stop

    def _backward(self, start: int, stop: int) -> Iterator[Article]:
        items = self._items
        if self._keep is not None:
            keep = self._keep[0]
            return (items[index] for index in range(stop - 1, start - 1, -1) if keep(index))
        if self._members is None:
            return (items[index] for index in range(stop - 1, start - 1, -1))
        return (items[index] for index in bitset.backward(self._members, start, stop))

    def facets(self) -> Facets:
        return self._facets()

    def cursor(self, article: Article) -> str:
        cursors = self.cursors
        if cursors is not None and (known := cursors.by_id.get(article.id)) is not None:
            return known
        score = None if self.scores is None else self.scores.get(article.id)
        values = sort_values(article, self.orders, score)
        cursor = encode_cursor(self.orders, values, article.id)
        if cursors is not None:
            cursors.keys[cursor] = composite_key(values, self.orders, article.id)
            cursors.by_id[article.id] = cursor
        return cursor

    def page(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        page: int | None = None,
    ) -> Page:
        """The window Relay defines: after `after`, before `before`, then `first`, then `last`;
        `page` N skips the N - 1 pages of `first` articles that come before it."""
        skipped = page_offset(page, first, last)
        first, last = window(first, last)
        low, high = self._start, self._stop
        if after is not None:
            key = self._key(after)
            low = max(low, min(high, bisect_right(self._keys, key, self._start, self._stop)))
        if before is not None:
            key = self._key(before)
            high = min(high, max(low, bisect_left(self._keys, key, self._start, self._stop)))
        low = self._skip(low, high, skipped)
        if first is not None:
            taken = self._first(low, high, first + 1)
            has_next = len(taken) > first
            articles = taken[:first]
            if last is not None and len(articles) > last:
                articles = articles[len(articles) - last :]
                has_previous = True
            else:
                has_previous = (after is not None or skipped > 0) and _any(
                    self._backward(self._start, low)
                )
            return Page(articles, has_next, has_previous)
        assert last is not None
        taken = _take(self._backward(low, high), last + 1)
        has_previous = len(taken) > last
        articles = taken[:last][::-1]
        has_next = before is not None and _any(self._forward(high, self._stop))
        return Page(articles, has_next, has_previous)


def _take(articles: Iterator[Article], limit: int) -> list[Article]:
    taken: list[Article] = []
    for article in articles:
        if len(taken) == limit:
            break
        taken.append(article)
    return taken


def _any(articles: Iterator[Article]) -> bool:
    return next(articles, None) is not None
