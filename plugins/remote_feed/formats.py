"""Which format a fetched document is in, told from its content, and its mapping to a `Page`.

The Content-Type is not trusted (static hosts serve feeds as `text/plain` or
`application/octet-stream`); it only helps to explain a refusal. JSON is a JSON Feed when its
`version` says so and a static API page when it has a `value` list; XML is RSS when its root
is `<rss>` (or RSS 1.0's `<rdf:RDF>`) and Atom when it is an Atom `<feed>`.
"""

from __future__ import annotations

import orjson

from newsgraph.plugins.remote_feed import json_feed, safe_xml, static_api, syndication
from newsgraph.plugins.remote_feed.page import Context, DocumentError, Page, kind

ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
RSS_ROOTS = frozenset({"rss", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"})
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_document(body: bytes, content_type: str, expected: str, context: Context) -> Page:
    """Detect, parse and map one document; `expected` is a format name or `auto`."""
    start = body.removeprefix(_BOM).lstrip()
    if start.startswith((b"{", b"[")):
        document = _json(body.removeprefix(_BOM), context.url)
        if json_feed.is_feed(document):
            _expect(expected, "json_feed", context)
            return json_feed.read(document, context)
        if static_api.is_page(document):
            _expect(expected, "static_api", context)
            return static_api.read(document, context)
        raise DocumentError(
            f"{context.url}: JSON, but neither a JSON Feed (no version starting "
            f"{json_feed.VERSION_PREFIX}) nor a static API page (no value list): "
            f"{_describe(document)}"
        )
    # JSON is always UTF-8; XML may also come as UTF-16, which its byte-order mark announces.
    if start.startswith(b"<") or body.startswith(_UTF16_BOMS):
        root = safe_xml.parse(body, context.url).tag
        found = "atom" if root == ATOM_FEED else "rss" if root in RSS_ROOTS else None
        if found is None:
            raise DocumentError(
                f"{context.url}: XML, but its root element <{root}> is neither RSS nor Atom"
            )
        _expect(expected, found, context)
        return syndication.read(body, found, context)
    raise DocumentError(
        f"{context.url}: not a feed: neither JSON nor XML "
        f"(Content-Type {content_type or 'not given'}; starts with {start[:40]!r})"
    )


def _expect(expected: str, found: str, context: Context) -> None:
    if expected not in ("auto", found):
        raise DocumentError(f"{context.url}: expected {expected}, but the document is {found}")


def _json(body: bytes, url: str) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise DocumentError(
            f"{url}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


def _describe(document: object) -> str:
    if isinstance(document, dict):
        keys = ", ".join(sorted(document)[:8])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a top-level {kind(document)}"
