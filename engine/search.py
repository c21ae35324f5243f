"""Ranked full-text search over a catalog snapshot, on SQLite FTS5 from the standard library.

A `SearchIndex` is built once per snapshot, in memory, from the snapshot's articles. It indexes
title, excerpt, topics and provider name, folds case and accents, and ranks with BM25. User
text never reaches FTS5 as syntax: `parse` turns it into quoted phrases, so the only operators
are the ones documented in docs/search.md (words, "phrases", prefix*, -exclusion).
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from newsgraph.engine.model import Article


class SearchError(ValueError):
    """A search query that cannot be run; the message says what to change."""


# BM25 weight of each indexed column, in table order. See docs/search.md for the reasons.
WEIGHTS = {"title": 10.0, "excerpt": 1.0, "topics": 5.0, "provider": 2.0}
MAX_TERMS = 32
SNIPPET_TOKENS = 16
_TOKENIZER = "unicode61 remove_diacritics 2"

# An optional `-` that starts a word, then either a "quoted phrase" (the closing quote may be
# missing) with any `*` after it, or a run of anything but spaces and quotes.
_TERM = re.compile(r'((?<!\S)-)?(?:"([^"]*)"?(\**)|([^\s"]+))')
# NUL ends an FTS5 query early, and a lone surrogate cannot be encoded: both are separators.
_NOT_TEXT = re.compile("[\0\ud800-\udfff]")
# Markers FTS5 puts around hits; they are removed from the text first, so they stay unique
# through escaping and become the <mark> tags afterwards.
_OPEN, _CLOSE = "\x02", "\x03"
# `rank` is BM25 with the weights above, as the index is configured: lower is better. Equal
# scores keep the indexed order (rowid): the catalog indexes its newest first, then by id.
_RANKED = "SELECT rowid, -rank FROM articles WHERE articles MATCH ? ORDER BY rank, rowid"


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase of a query, as FTS5 will see it."""

    text: str
    prefix: bool = False
    exclude: bool = False

    def fts5(self) -> str:
        return f'"{self.text}"' + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def expression(self) -> str:
        """The FTS5 query: every wanted term (implicit AND), minus any excluded one."""
        wanted = " ".join(t.fts5() for t in self.terms if not t.exclude)
        unwanted = " OR ".join(t.fts5() for t in self.terms if t.exclude)
        return f"({wanted}) NOT ({unwanted})" if unwanted else wanted

    @property
    def any_wanted(self) -> str:
        """The wanted terms joined by OR: what a snippet highlights."""
        return " OR ".join(t.fts5() for t in self.terms if not t.exclude)


def parse(text: str) -> Query:
    """Parse a user's search text into quoted FTS5 terms; `SearchError` if nothing is left."""
    terms: list[Term] = []
    for match in _TERM.finditer(_NOT_TEXT.sub(" ", text)):
        minus, quoted, stars, bare = match.groups()
        words = quoted if bare is None else bare.rstrip("*")
        prefix = bool(stars) if bare is None else bare.endswith("*")
        # A term without a letter or digit holds no token: FTS5 would match nothing with it.
        if any(character.isalnum() for character in words):
            terms.append(Term(words, prefix, exclude=bool(minus)))
    if not any(not term.exclude for term in terms):
        raise SearchError(
            f"nothing to search for in {text[:80]!r}: give at least one word or "
            '"phrase" with letters or digits (a leading - only excludes a word)'
        )
    if len(terms) > MAX_TERMS:
        raise SearchError(f"too many words: {len(terms)}, at most {MAX_TERMS} per search")
    return Query(tuple(terms))


class SearchIndex:
    """The articles of one snapshot, searchable by relevance; safe for concurrent readers.

    One in-memory connection serves every thread behind a lock. Connections per thread to a
    shared-cache database were measured slower under contention, and a private copy per thread
    would multiply the memory.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self._ids = tuple(article.id for article in articles)
        self._articles = {article.id: article for article in articles}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        # Closed with the index: from Python 3.13 a connection left to the collector warns.
        weakref.finalize(self, self._db.close)
        # Contentless: the text lives in the articles already; the index keeps only the
        # postings and column sizes that matching and BM25 need.
        self._db.execute(
            f"CREATE VIRTUAL TABLE articles USING fts5({', '.join(WEIGHTS)}, "
            f"content='', tokenize='{_TOKENIZER}')"
        )
        # Snippets are cut by FTS5 itself, so they mark exactly the tokens that matched.
        self._db.execute(f"CREATE VIRTUAL TABLE fragment USING fts5(text, tokenize='{_TOKENIZER}')")
        # Postings are flushed in 16 MiB batches, not 1 MiB: fewer segments to merge, which at
        # 100k articles builds a third faster and makes the index a tenth smaller.
        self._db.execute("INSERT INTO articles(articles, rank) VALUES ('hashsize', 16777216)")
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO articles(rowid, title, excerpt, topics, provider) VALUES (?, ?, ?, ?, ?)",
            (
                (row, a.title, a.excerpt or "", " ; ".join(a.topics), a.provider.name)
                for row, a in enumerate(articles)
            ),
        )
        self._db.execute("COMMIT")
        weights = ", ".join(str(weight) for weight in WEIGHTS.values())
        self._db.execute(f"INSERT INTO articles(articles, rank) VALUES ('rank', 'bm25({weights})')")

    def ranked(self, query: str) -> dict[int, float]:
        """Every matching article's position in the indexed sequence, with its relevance
        (higher is better), best first, equal scores in the sequence's order."""
        expression = parse(query).expression
        # FTS5 scores every hit whatever the query asks for, so the whole ranking costs hardly
        # more than a page of it; sorting here, in C, spares Python a key per hit.
        with self._lock:
            rows = self._db.execute(_RANKED, (expression,)).fetchall()
        return dict(rows)

    def match(self, query: str) -> dict[str, float]:
        """Every matching article's id and its relevance (higher is better)."""
        ids = self._ids
        return {ids[row]: score for row, score in self.ranked(query).items()}

    def snippet(self, query: str, article_id: str) -> str | None:
        """A short HTML-safe extract of the excerpt (else the title) with the query's words in
        `<mark>`; None when neither holds one of them or the article is not indexed."""
        article = self._articles.get(article_id)
        if article is None:
            return None
        wanted = parse(query).any_wanted
        texts = [
            (row, _strip_markers(text))
            for row, text in enumerate((article.excerpt, article.title))
            if text
        ]
        with self._lock:
            self._db.execute("DELETE FROM fragment")
            self._db.executemany("INSERT INTO fragment(rowid, text) VALUES (?, ?)", texts)
            found = self._db.execute(
                "SELECT snippet(fragment, 0, ?, ?, '…', ?) FROM fragment WHERE fragment MATCH ?"
                " ORDER BY rowid LIMIT 1",
                (_OPEN, _CLOSE, SNIPPET_TOKENS, wanted),
            ).fetchone()
        if found is None:
            return None
        return html.escape(found[0]).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _strip_markers(text: str) -> str:
    return text.replace(_OPEN, " ").replace(_CLOSE, " ")
