"""The builtin `select_url`: the documented fallback chain, consulted after every other plugin.

Settings (`plugins: {url_selection: {...}}`): `amp_cache_domain`, the AMP cache whose URLs are
derived for articles that have an AMP URL but no `cdnAmpWebUrl` (default `cdn.ampproject.org`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from newsgraph.plugin_api import (
    DEFAULT_AMP_CACHE_DOMAIN,
    Links,
    UrlPreference,
    fallback_url,
    hookimpl,
)

_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class UrlSelection:
    def __init__(self) -> None:
        self.cache_domain = DEFAULT_AMP_CACHE_DOMAIN

    @hookimpl
    def configure_plugin(self, settings: Mapping[str, object]) -> None:
        unknown = set(settings) - {"amp_cache_domain"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown setting (known: amp_cache_domain)")
        domain = settings.get("amp_cache_domain", DEFAULT_AMP_CACHE_DOMAIN)
        if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
            raise ValueError(f"amp_cache_domain: expected a domain name, got {domain!r}")
        self.cache_domain = domain

    @hookimpl(trylast=True)
    def select_url(self, links: Links, preference: UrlPreference) -> str:
        return fallback_url(links, preference, self.cache_domain)
