"""Content codings for response bodies: brotli, then gzip, for bodies worth compressing.

Brotli at quality 5 costs about what gzip at level 6 does and gives JSON answers about a tenth
smaller; every current browser and most HTTP clients accept it. The coded bytes are kept with
the answer in the response cache, so a snapshot pays each coding of an answer once.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli

_BROTLI_QUALITY = 5
_GZIP_LEVEL = 6

CODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, quality=_BROTLI_QUALITY),
    # mtime=0: equal bodies give equal bytes, whenever they were coded
    "gzip": lambda body: gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0),
}


def encode(body: bytes, coding: str) -> bytes:
    """`body` in one of the `CODERS` codings."""
    return CODERS[coding](body)
