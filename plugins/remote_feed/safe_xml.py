"""Refuse unsafe or malformed XML before any feed parser sees it.

Every XML document is first parsed by defusedxml, which stops at the first entity declaration:
that blocks entity expansion ("billion laughs", quadratic blow-up) before any expansion
happens, and external entities (`file://`, `http://`) before anything is opened. A DOCTYPE
without entity declarations, such as RSS 0.91's, is allowed, and its DTD is never fetched.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import fromstring

from newsgraph.plugins.remote_feed.page import DocumentError


def parse(body: bytes, url: str) -> Element:
    """The document's root element, or a `DocumentError` saying why it is refused."""
    try:
        root: Element = fromstring(
            body, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except EntitiesForbidden as error:
        target = f" pointing at {error.sysid}" if error.sysid else ""
        raise DocumentError(
            f"{url}: refused: the XML declares the entity {error.name!r}{target}; entity "
            "declarations are refused because they allow entity-expansion and "
            "external-entity attacks"
        ) from None
    except DefusedXmlException as error:
        raise DocumentError(f"{url}: refused unsafe XML: {error}") from None
    except ParseError as error:
        line, column = error.position
        raise DocumentError(
            f"{url}: malformed XML at line {line}, column {column + 1}: {_reason(error)}"
        ) from None
    return root


def _reason(error: ParseError) -> str:
    # expat's message repeats the position we already give: "mismatched tag: line 1, column 5".
    return str(error).split(": line ", 1)[0]
