"""What every resolver of one request shares: one catalog snapshot and the URL selector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Links
from newsgraph.engine.urls import UrlPreference, select_url


@dataclass(frozen=True, slots=True)
class Context:
    catalog: Catalog
    preview: bool = False  # the request carried the preview credential
    select_url: Callable[[Links, UrlPreference], str] = field(default=select_url)
