"""The builtin `remote_feed` source type: news over HTTP, in four formats.

- the Every Day static JSON API, followed page by page from a start URL;
- JSON Feed 1.1, RSS 2.0 and Atom 1.0.

The format is told from the content. Fetching is bounded (timeouts, body size, redirects,
retries) and conditional (ETag, Last-Modified); XML is checked by defusedxml before any feed
parser reads it. The options and the mapping of each format to front-matter fields are in
docs/sources.md.
"""

from __future__ import annotations

from newsgraph.plugin_api import RegisterSourceType, hookimpl
from newsgraph.plugins.remote_feed.source import RemoteFeedSource


@hookimpl
def register_source_types(register: RegisterSourceType) -> None:
    register("remote_feed", RemoteFeedSource)
