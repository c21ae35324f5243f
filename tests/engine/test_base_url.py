from __future__ import annotations

import pytest

from newsgraph.engine.base_url import BaseUrl, absolute_url, base_url_option

SITE = BaseUrl.site("https://news.example.org/site")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        # Jekyll's absolute_url: the site URL with its base path, then the record's path.
        ("/assets/x.jpg", "https://news.example.org/site/assets/x.jpg"),
        ("assets/x.jpg", "https://news.example.org/site/assets/x.jpg"),
        ("/2024/01/a.html?x=1#top", "https://news.example.org/site/2024/01/a.html?x=1#top"),
        ("../other/", "https://news.example.org/other/"),
        ("//cdn.example.net/x.jpg", "https://cdn.example.net/x.jpg"),
    ],
)
def test_a_site_base_puts_paths_under_the_sites_base_path(reference: str, expected: str) -> None:
    assert absolute_url(reference, SITE) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.org/site",
        "https://news.example.org/site/",
        " https://news.example.org/site//",
    ],
)
def test_a_site_url_is_the_same_with_or_without_trailing_slashes(url: str) -> None:
    assert BaseUrl.site(url) == SITE


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("/assets/x.jpg", "https://feeds.example.org/assets/x.jpg"),
        ("x.jpg", "https://feeds.example.org/api/news/x.jpg"),
        ("../page/2/", "https://feeds.example.org/api/page/2/"),
    ],
)
def test_a_document_base_resolves_as_a_link_in_that_document(reference: str, expected: str) -> None:
    base = BaseUrl.document("https://feeds.example.org/api/news/index.json")
    assert absolute_url(reference, base) == expected


def test_absolute_urls_are_kept_and_other_schemes_refused() -> None:
    assert absolute_url("HTTPS://Example.org/a", None) == "HTTPS://Example.org/a"
    for value in ("mailto:desk@example.org", "javascript:alert(1)", "https://[broken/"):
        with pytest.raises(ValueError, match="absolute http"):
            absolute_url(value, SITE)
    with pytest.raises(ValueError, match="no base_url option"):
        absolute_url("/x.jpg", None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "expected the site's URL as text"),
        ("", "expected the site's URL as text"),
        ("/site", "absolute http"),
        ("ftp://example.org/", "absolute http"),
        ("https://example.org/site?x=1", "without a query or fragment"),
    ],
)
def test_the_base_url_option_is_checked(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^base_url: .*{message}"):
        base_url_option({"base_url": value})


def test_no_base_url_option_is_none() -> None:
    assert base_url_option({}) is None
    assert base_url_option({"base_url": "https://news.example.org/site"}) == SITE
