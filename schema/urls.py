"""Which of a story's URLs a client gets for a preference: canonical, AMP, or AMP cache."""

from __future__ import annotations

from enum import Enum

from schema.model import Links


class UrlPreference(Enum):
    CANONICAL = "canonical"
    AMP = "amp"
    AMP_CACHE = "amp_cache"


def select_url(links: Links, preference: UrlPreference) -> str:
    """The most preferred URL present, falling back along the chain.

    CANONICAL: webUrl → originalUrl.  AMP: ampWebUrl → canonical.
    AMP_CACHE: cdnAmpWebUrl → ampWebUrl → canonical.
    """
    if preference is UrlPreference.AMP_CACHE and links.cdn_amp_web_url:
        return links.cdn_amp_web_url
    if preference is not UrlPreference.CANONICAL and links.amp_web_url:
        return links.amp_web_url
    return links.canonical
