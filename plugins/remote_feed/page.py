"""What one fetched document becomes, whatever its format: a `Page` of front-matter-shaped raw
records, or a `DocumentError` that refuses the whole document."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from newsgraph.plugin_api import BaseUrl, Problem, RawRecord, SourceUnavailable


class DocumentError(SourceUnavailable):
    """The document as a whole cannot be read; the message starts with its URL."""


@dataclass(frozen=True, slots=True)
class Page:
    """The records of one document, what was wrong with single items, and the next page's URL
    (static API only)."""

    format: str
    records: tuple[RawRecord, ...]
    problems: tuple[Problem, ...] = ()
    next_url: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What a format mapping needs besides the document: where it came from and for whom."""

    url: str  # the document's own URL, after redirects
    source: str  # the configured source's name, for problems
    provider: Mapping[str, str] | None = None  # the `provider` option
    site: BaseUrl | None = None  # the `base_url` option

    @property
    def base_url(self) -> BaseUrl:
        """What relative URLs in the document resolve against: the `base_url` option, else
        the document's own URL."""
        return self.site or BaseUrl.document(self.url)

    def origin(self, item: str) -> str:
        """Where one item stands: `https://example.com/feed.json#items[3]`."""
        return f"{self.url}#{item}"

    def problem(self, item: str, message: str) -> Problem:
        """A problem with one item, which is skipped while the others load."""
        return Problem(self.origin(item), message, source=self.source)


NO_KEYS: Mapping[str, str] = MappingProxyType({})  # a format that renames nothing


def json_items(
    items: Sequence[object],
    name: str,
    context: Context,
    record: Callable[[Mapping[str, object]], Mapping[str, object]],
    keys: Mapping[str, str] = NO_KEYS,
) -> tuple[tuple[RawRecord, ...], tuple[Problem, ...]]:
    """A JSON document's items (`name[i]`) as raw records, with `keys` (newsgraph's field
    name: the document's key) where the format renames them; an item that is not an object
    is a problem, and the others still load."""
    records = []
    problems: list[Problem] = []
    base_url = context.base_url
    for index, item in enumerate(items):
        where = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(context.problem(where, f"expected an object, got {kind(item)}"))
            continue
        origin = context.origin(where)
        records.append(RawRecord(record(item), origin, base_url=base_url, keys=keys))
    return tuple(records), tuple(problems)


def kind(value: object) -> str:
    """A JSON value's type, as JSON names it, for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean"}
    return "null" if value is None else names.get(type(value), "number")


def domain(url: str | None) -> str | None:
    """The host of a URL, without a leading `www.`, as providers are named."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return None
    return host.removeprefix("www.")


def feed_provider(
    context: Context, title: str | None, home: str | None, image: str | None
) -> dict[str, object]:
    """The provider for items that name none: the `provider` option, else the feed's own title
    and home page (its URL's host when it has none)."""
    if context.provider is not None:
        return dict(context.provider)
    host = domain(home) or domain(context.url) or ""
    provider: dict[str, object] = {"name": (title or "").strip() or host, "domain": host}
    if image:
        provider["images"] = [{"url": image}]
    return provider
