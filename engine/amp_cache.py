"""AMP cache URLs derived from AMP URLs, following the AMP Cache URL format.

The publisher host becomes one DNS label under the cache domain: punycode-decoded, `-` doubled,
`.` turned into `-`, wrapped in `0-` … `-0` when that leaves `--` at positions 3 and 4 (which
DNS reserves for encodings such as `xn--`), and punycode-encoded again. A label that is still
not a valid DNS label (too long, mixed writing directions, characters outside letters, digits
and hyphens) is replaced by the SHA-256 of the host in unpadded lowercase base32.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

DEFAULT_CACHE_DOMAIN = "cdn.ampproject.org"

_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RIGHT_TO_LEFT = frozenset({"R", "AL"})


def amp_cache_url(amp_url: str, cache_domain: str = DEFAULT_CACHE_DOMAIN) -> str:
    """The URL at which the AMP cache on `cache_domain` serves the AMP page `amp_url`.

    The host is lowercased; port, path, query and fragment are kept as written. Raises
    ValueError for a URL that is not http(s), has no host or a bad port, or holds user
    information.
    """
    parts = urlsplit(amp_url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"an AMP cache serves only http(s) pages, not {amp_url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"{amp_url!r} has no host")
    if "@" in parts.netloc:
        raise ValueError(f"{amp_url!r} holds user information, which a cache URL must not carry")
    port = parts.port  # raises ValueError unless it is a number from 0 to 65535
    authority = f"[{host}]" if ":" in host else host
    if port is not None:
        authority += f":{port}"
    secure = "s/" if parts.scheme == "https" else ""
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return (
        f"https://{_label(host)}.{cache_domain}/c/{secure}{authority}{parts.path}{query}{fragment}"
    )


def _label(host: str) -> str:
    """The sub-domain label of the cache for a (lowercase) publisher host."""
    readable = _readable(host)
    if readable is not None:
        return readable
    digest = hashlib.sha256(host.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def _readable(host: str) -> str | None:
    """The basic algorithm's label, or None when it is not a valid DNS label."""
    try:
        unicode = ".".join(_punycode_decode(label) for label in host.split("."))
    except UnicodeError:
        return None
    label = unicode.replace("-", "--").replace(".", "-")
    if label[2:4] == "--":
        label = f"0-{label}-0"
    directions = {unicodedata.bidirectional(character) for character in label}
    if "L" in directions and directions & _RIGHT_TO_LEFT:
        return None  # IDNA forbids a label that mixes writing directions
    encoded = label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
    return encoded if _DNS_LABEL.fullmatch(encoded) else None


def _punycode_decode(label: str) -> str:
    if label.startswith("xn--"):
        return label[4:].encode("ascii").decode("punycode")
    return label
