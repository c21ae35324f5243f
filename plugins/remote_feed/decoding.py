"""Content-Encoding decoding that never holds more than the limit: a gzip bomb of a few
megabytes on the wire stops at `max_bytes` of decoded data, instead of expanding a whole
network chunk (a thousandfold) before anything is counted."""

from __future__ import annotations

import zlib

# The encodings we ask for (Accept-Encoding) and so must decode ourselves.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = 16 + zlib.MAX_WBITS


class UnsupportedEncoding(Exception):
    """The server used a Content-Encoding we did not ask for."""


class LimitExceeded(Exception):
    """The decoded body grew past the limit."""


class BoundedDecoder:
    """Decodes one body, chunk by chunk, refusing to produce more than `limit` bytes."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise UnsupportedEncoding(content_encoding)
        self._coding = codings[0] if codings else None
        self._limit = limit
        self._size = 0
        self._decoder = self._new(self._coding)
        self._raw_deflate_tried = False

    @staticmethod
    def _new(coding: str | None) -> zlib._Decompress | None:
        if coding is None:
            return None
        return zlib.decompressobj(zlib.MAX_WBITS if coding == "deflate" else _GZIP)

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of the next raw chunk; `LimitExceeded` past the limit."""
        parts = []
        while data:
            decoder = self._decoder
            if decoder is None:
                return self._count(data)
            try:
                # One byte past what is left is enough to know the limit is passed.
                out = decoder.decompress(data, self._limit - self._size + 1)
            except zlib.error:
                if self._coding != "deflate" or self._raw_deflate_tried or self._size:
                    raise
                # "deflate" is sometimes sent without its zlib wrapper.
                self._raw_deflate_tried = True
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            parts.append(self._count(out))
            if decoder.unconsumed_tail:
                raise LimitExceeded
            data = decoder.unused_data if decoder.eof else b""
            if data:  # a further gzip member
                self._decoder = self._new(self._coding)
        return b"".join(parts)

    def _count(self, out: bytes) -> bytes:
        self._size += len(out)
        if self._size > self._limit:
            raise LimitExceeded
        return out
