"""The builtin `select_url`: the documented fallback chain, consulted after every other plugin."""

from __future__ import annotations

from schema.model import Links
from schema.urls import UrlPreference
from schema.urls import select_url as fallback_chain
from server.hookspecs import hookimpl


@hookimpl(trylast=True)
def select_url(links: Links, preference: UrlPreference) -> str:
    return fallback_chain(links, preference)
