"""The whole static tree under the API's base path: the JSON API and the feeds, as bytes.

`paths` names every file there is and `render` gives one file's bytes and media type, so the
live routes and `export-static` serve the very same tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from newsgraph.engine import feeds, static_api
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.static_api import Site


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str


def paths(catalog: Catalog, site: Site) -> Iterator[str]:
    """Every path of the tree, relative to the API's base path."""
    yield static_api.TOPICS_INDEX
    for folder, topic in static_api.listings(catalog):
        yield f"{folder}/index.json"
        for number in range(1, static_api.page_count(catalog, topic, site) + 1):
            yield f"{folder}/page/{number}/index.json"
        for format in feeds.FORMATS:
            yield f"{folder}/{format.file}"


def _feed(catalog: Catalog, site: Site, path: str) -> Rendered | None:
    folder, _, file = path.rpartition("/")
    format = feeds.BY_FILE.get(file)
    if format is None or not (folder == "news" or folder.startswith("news/")):
        return None
    found = static_api.listing(catalog, folder.removeprefix("news").removeprefix("/"))
    if found is None or found[1]:
        return None
    topic = found[0]
    title = site.title if topic is None else f"{site.title}: {topic.name}"
    channel = feeds.Channel(title, f"{site.url}/", site.address(path), site.locale)
    articles = static_api.newest(catalog, topic, site.page_size)
    return Rendered(feeds.RENDERERS[format](channel, articles), format.media_type)


def render(catalog: Catalog, site: Site, path: str) -> Rendered | None:
    """The file at `path`, or None when the tree has none there."""
    document = static_api.document(catalog, site, path)
    if document is not None:
        return Rendered(static_api.encode(document), static_api.JSON)
    return _feed(catalog, site, path)
