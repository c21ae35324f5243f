"""Every option of a remote feed is checked at start-up, and a refusal names the option."""

from __future__ import annotations

import pytest

from newsgraph.plugins.remote_feed.options import parse_options
from newsgraph.server.config import ConfigError, SourceConfig
from newsgraph.testing import make_app

URL = "https://feeds.example.com/news.json"


def test_defaults() -> None:
    settings = parse_options({"url": URL})
    assert (settings.url, settings.format, settings.poll_interval) == (URL, "auto", 300.0)
    assert settings.max_pages == 1000 and settings.provider is None
    fetch = settings.fetch
    assert (fetch.connect_timeout, fetch.read_timeout, fetch.total_timeout) == (5, 15, 30)
    assert fetch.max_bytes == 10 * 1024 * 1024
    assert (fetch.max_redirects, fetch.retries, fetch.max_retry_wait) == (5, 3, 30)
    assert fetch.verify is True and dict(fetch.headers) == {}


def test_every_option_is_read() -> None:
    settings = parse_options(
        {
            "url": URL,
            "format": "json_feed",
            "poll_interval": 60,
            "timeout": {"connect": 1, "read": 2.5, "total": 9},
            "max_bytes": 1024,
            "max_redirects": 0,
            "max_pages": 3,
            "retries": 0,
            "backoff": 0.5,
            "max_retry_wait": 4,
            "headers": {"Authorization": "Bearer t0ken", "X-Api-Key": "k"},
            "verify": False,
            "provider": {"name": " Example News ", "domain": "example.com"},
        }
    )
    fetch = settings.fetch
    assert settings.format == "json_feed" and settings.poll_interval == 60
    assert (fetch.connect_timeout, fetch.read_timeout, fetch.total_timeout) == (1, 2.5, 9)
    assert (fetch.max_bytes, fetch.max_redirects, settings.max_pages) == (1024, 0, 3)
    assert (fetch.retries, fetch.backoff, fetch.max_retry_wait) == (0, 0.5, 4)
    assert dict(fetch.headers) == {"Authorization": "Bearer t0ken", "X-Api-Key": "k"}
    assert fetch.verify is False
    assert settings.provider == {"name": "Example News", "domain": "example.com"}


def test_one_number_sets_every_timeout() -> None:
    fetch = parse_options({"url": URL, "timeout": 7}).fetch
    assert (fetch.connect_timeout, fetch.read_timeout, fetch.total_timeout) == (7, 7, 7)


BAD = [
    ({"url": None}, "url: required"),
    ({"url": "feeds.example.com/news.json"}, "url: expected an absolute http or https URL"),
    ({"url": "ftp://feeds.example.com/news"}, "url: expected an absolute http or https URL"),
    ({"format": "csv"}, "format: expected one of auto, static_api, json_feed, rss, atom"),
    ({"poll_interval": -1}, "poll_interval: expected a number 0 or more"),
    ({"poll_interval": "300"}, "poll_interval: expected a number, got '300'"),
    ({"timeout": "fast"}, "timeout: expected seconds, or a mapping"),
    ({"timeout": {"read": 0}}, "timeout.read: expected a number greater than 0"),
    ({"timeout": {"write": 1}}, "timeout.write: unknown (known: connect, read, total)"),
    ({"max_bytes": 0}, "max_bytes: expected a whole number greater than 0"),
    ({"max_bytes": 1.5}, "max_bytes: expected a whole number, got 1.5"),
    ({"max_redirects": True}, "max_redirects: expected a whole number, got True"),
    ({"max_pages": 0}, "max_pages: expected a whole number greater than 0"),
    ({"retries": -2}, "retries: expected a whole number 0 or more"),
    ({"backoff": None}, "backoff: expected a number, got None"),
    ({"max_retry_wait": -1}, "max_retry_wait: expected a number 0 or more"),
    ({"headers": ["Authorization: x"]}, "headers: expected a mapping"),
    ({"headers": {"Bad Name": "x"}}, "headers: 'Bad Name' is not a valid header name"),
    ({"headers": {"X-Key": 42}}, 'headers.X-Key: expected text (write a secret as {"$env": NAME})'),
    ({"headers": {"X-Key": "a\r\nHost: evil"}}, "headers.X-Key: a header value cannot hold"),
    ({"verify": "yes"}, "verify: expected true or false"),
    ({"provider": "Example"}, "provider: expected a mapping with name and domain"),
    ({"provider": {"name": "Example"}}, "provider.domain: required"),
    ({"provider": {"name": "E", "domain": "e.com", "logo": "x"}}, "provider.logo: unknown"),
    ({"colour": "red"}, "colour: unknown option (known: url, format,"),
]


@pytest.mark.parametrize(("options", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_option_is_refused_by_name(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_options({"url": URL, **options})
    assert str(refused.value).startswith(message)


def test_refusal_stops_start_up_naming_the_source() -> None:
    entry = SourceConfig("remote_feed", "wire", {"url": URL, "retries": "many"})
    with pytest.raises(ConfigError) as refused:
        make_app(sources=[entry])
    assert str(refused.value) == (
        "sources[0] 'wire' (remote_feed): options.retries: expected a whole number, got 'many'"
    )
