"""Credentials in URLs are hidden in what the server shows and logs."""

from __future__ import annotations

import logging

import pytest

from newsgraph.server.log_lines import SafeLines
from newsgraph.server.redaction import redact, redacted


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "FetchError: https://reader:s3cret@feeds.example.com/a.json: HTTP 500",
            "FetchError: https://***@feeds.example.com/a.json: HTTP 500",
        ),
        ("http://token@example.com/", "http://***@example.com/"),
        (
            "https://example.com/feed?api_key=abc123&page=2#items[0]",
            "https://example.com/feed?api_key=***&page=2#items[0]",
        ),
        ("https://example.com/feed?page=2&Token=xyz", "https://example.com/feed?page=2&Token=***"),
        ("mail me at someone@example.com", "mail me at someone@example.com"),
        ("https://example.com/a@b", "https://example.com/a@b"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_redacted_walks_plain_data() -> None:
    value = {"url": "https://u:p@h.example/x", "pages": 2, "list": ["https://u:p@h.example/"]}
    assert redacted(value) == {
        "url": "https://***@h.example/x",
        "pages": 2,
        "list": ["https://***@h.example/"],
    }


def test_log_lines_are_redacted_and_bounded() -> None:
    record = logging.LogRecord(
        "newsgraph",
        logging.WARNING,
        __file__,
        1,
        "fetching %s: %s",
        ("https://u:pw@h/", "x" * 5000),
        None,
    )
    assert SafeLines(max_chars=100).filter(record)
    message = record.getMessage()
    assert "pw" not in message and message.startswith("fetching https://***@h/: ")
    assert message.endswith("... (4925 more characters)")
