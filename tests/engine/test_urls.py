from __future__ import annotations

import pytest

from newsgraph.engine.model import Links
from newsgraph.engine.urls import UrlPreference, select_url

FULL = Links("https://w.example/", "https://o.example/", "https://w.example/amp", "https://cdn/")


@pytest.mark.parametrize(
    ("links", "preference", "expected"),
    [
        (FULL, UrlPreference.CANONICAL, "https://w.example/"),
        (FULL, UrlPreference.AMP, "https://w.example/amp"),
        (FULL, UrlPreference.AMP_CACHE, "https://cdn/"),
        (Links(None, "https://o.example/"), UrlPreference.CANONICAL, "https://o.example/"),
        (Links(None, "https://o.example/"), UrlPreference.AMP, "https://o.example/"),
        (Links(None, "https://o.example/"), UrlPreference.AMP_CACHE, "https://o.example/"),
        (
            Links("https://w.example/", None, "https://w.example/amp"),
            UrlPreference.AMP_CACHE,
            "https://w-example.cdn.ampproject.org/c/s/w.example/amp",
        ),
        (
            Links("https://w.example/", None, "ftp://w.example/amp"),
            UrlPreference.AMP_CACHE,
            "ftp://w.example/amp",  # no cache URL for that: the AMP URL itself
        ),
        (
            Links("https://w.example/", None, None, "https://cdn/"),
            UrlPreference.AMP,
            "https://w.example/",
        ),
    ],
)
def test_fallback_chain(links: Links, preference: UrlPreference, expected: str) -> None:
    assert select_url(links, preference) == expected


def test_the_cache_domain_is_configurable() -> None:
    links = Links("https://w.example/", None, "http://w.example/amp")
    chosen = select_url(links, UrlPreference.AMP_CACHE, "amp.cache.example")
    assert chosen == "https://w-example.amp.cache.example/c/w.example/amp"
