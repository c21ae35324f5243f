"""newsgraph: a GraphQL content API for news-article collections.

The layers, bottom to top (docs/architecture.md): `newsgraph.engine` (content model and query
engine), `newsgraph.schema` (the GraphQL schema), `newsgraph.hookspecs` and
`newsgraph.plugin_api` (the plugin contract), `newsgraph.plugins` (builtin plugins, written
against that contract), `newsgraph.server` (HTTP app, runtime, CLI) and `newsgraph.testing`.
Plugin authors import `newsgraph.plugin_api` and `newsgraph.testing` only.
"""

from __future__ import annotations

from newsgraph.version import own_version

__version__ = own_version()
