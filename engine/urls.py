"""Which of a story's URLs a client gets for a preference: canonical, AMP, or AMP cache."""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

from newsgraph.engine.amp_cache import DEFAULT_CACHE_DOMAIN, amp_cache_url
from newsgraph.engine.model import Links


class UrlPreference(Enum):
    CANONICAL = "canonical"
    AMP = "amp"
    AMP_CACHE = "amp_cache"


@lru_cache(maxsize=4096)
def _derived(amp_url: str, cache_domain: str) -> str | None:
    try:
        return amp_cache_url(amp_url, cache_domain)
    except ValueError:
        return None


def select_url(
    links: Links, preference: UrlPreference, cache_domain: str = DEFAULT_CACHE_DOMAIN
) -> str:
    """The most preferred URL present, falling back along the chain.

    CANONICAL: webUrl → originalUrl.  AMP: ampWebUrl → canonical.
    AMP_CACHE: cdnAmpWebUrl → the AMP cache URL derived from ampWebUrl → ampWebUrl → canonical.
    """
    if preference is UrlPreference.AMP_CACHE:
        if links.cdn_amp_web_url:
            return links.cdn_amp_web_url
        if links.amp_web_url and (derived := _derived(links.amp_web_url, cache_domain)):
            return derived
    if preference is not UrlPreference.CANONICAL and links.amp_web_url:
        return links.amp_web_url
    return links.canonical
