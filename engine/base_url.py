"""What relative URLs in a source's records are resolved against, and how.

Two kinds of base, because relative URLs mean different things in the two places they occur:

- A **site** base is a site's URL with its base path, as a Jekyll site's `url` and `baseurl`
  are: a record's path goes under it whether or not it starts with `/`, the way Jekyll's
  `absolute_url` filter turns `/assets/x.jpg` under `https://news.example.org/site` into
  `https://news.example.org/site/assets/x.jpg`.
- A **document** base is the URL of the document the records were read from (a feed): a
  relative URL in it resolves as a browser would resolve a link in that document (RFC 3986).

In both, `//host/path` keeps the base's scheme, and `..` segments are resolved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _checked(url: str) -> str:
    """`url` if it is an absolute http(s) URL with a host, else a `ValueError` saying why."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme.lower() in _SCHEMES and bool(parts.hostname)
    except ValueError:  # such as an unclosed IPv6 bracket
        usable = False
    if not usable:
        raise ValueError(f"expected an absolute http(s) URL, got {url!r}")
    return url


@dataclass(frozen=True, slots=True)
class BaseUrl:
    """What relative URLs in a record resolve against; make one with `site` or `document`."""

    url: str
    is_site: bool

    @classmethod
    def site(cls, url: str) -> BaseUrl:
        """A site URL with its base path (`https://news.example.org/site`); `ValueError` if it
        is not an absolute http(s) URL, or has a query or a fragment."""
        url = _checked(url.strip())
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise ValueError(f"expected a site URL without a query or fragment, got {url!r}")
        # A trailing slash makes `urljoin` keep the base path's last segment.
        return cls(url.rstrip("/") + "/", True)

    @classmethod
    def document(cls, url: str) -> BaseUrl:
        """The URL of the document the records come from; `ValueError` if it is not an
        absolute http(s) URL."""
        return cls(_checked(url.strip()), False)

    def resolve(self, reference: str) -> str:
        """The absolute URL `reference` stands for; `ValueError` when it does not make an
        http(s) URL with a host (`mailto:x`, `javascript:…`, `///x`)."""
        if self.is_site and not reference.startswith("//"):
            reference = reference.lstrip("/")
        return _checked(urljoin(self.url, reference))


def absolute_url(value: str, base: BaseUrl | None) -> str:
    """`value` as an absolute http(s) URL: as it is, or resolved against `base`.

    Raises `ValueError` with the reason when that cannot be done.
    """
    if _SCHEME.match(value):
        return _checked(value)
    if base is None:
        raise ValueError(
            f"is relative ({value!r}), and the source has no base_url option to resolve it against"
        )
    return base.resolve(value)


def base_url_option(options: Mapping[str, object]) -> BaseUrl | None:
    """A source's `base_url` option as a site base, or None when it is not set.

    Raises `ValueError("base_url: <reason>")`, the form a source type's options check uses.
    """
    value = options.get("base_url")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"base_url: expected the site's URL as text, got {value!r}")
    try:
        return BaseUrl.site(value)
    except ValueError as error:
        raise ValueError(f"base_url: {error}") from None
