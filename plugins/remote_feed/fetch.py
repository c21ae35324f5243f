"""HTTP for remote feeds: one GET with limits, conditional headers and bounded retries.

Every failure is a `FetchError` whose message starts with the URL and says what went wrong
and which option governs it. Redirects are followed here rather than by httpx, so that a loop
is named as such, an https page cannot send us to plain http, and configured headers (which
may carry credentials) are only ever sent to the configured URL's own origin.
"""

from __future__ import annotations

import asyncio
import functools
import random
import ssl
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from newsgraph import __version__
from newsgraph.plugin_api import SourceUnavailable
from newsgraph.plugins.remote_feed.decoding import (
    ACCEPT_ENCODING,
    BoundedDecoder,
    LimitExceeded,
    UnsupportedEncoding,
)

USER_AGENT = f"newsgraph/{__version__}"
ACCEPT = (
    "application/feed+json, application/json;q=0.9, application/atom+xml, "
    "application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """The HTTP options of one feed; durations in seconds."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0
    max_retry_wait: float = 30.0
    headers: Mapping[str, str] = field(default_factory=dict)
    verify: bool = True


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server gave to recognise its document next time (conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        sent = {}
        if self.etag:
            sent["If-None-Match"] = self.etag
        if self.last_modified:
            sent["If-Modified-Since"] = self.last_modified
        return sent


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: 200 with its body, or 304 (`not_modified`) with an empty body."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    validators: Validators
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(SourceUnavailable):
    """The document could not be fetched; `status` is the last HTTP status seen, if any."""

    def __init__(self, message: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class _Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's own wait, when it gave one."""

    def __init__(
        self, reason: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


def client(settings: FetchSettings) -> httpx.AsyncClient:
    """The client for one load of a feed; close it (`async with`) when the load ends."""
    timeout = httpx.Timeout(
        settings.total_timeout,
        connect=settings.connect_timeout,
        read=settings.read_timeout,
    )
    return httpx.AsyncClient(
        timeout=timeout,
        verify=_tls(settings.verify),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
    )


@functools.cache
def _tls(verify: bool) -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds: once per process, not once per poll.
    return httpx.create_ssl_context(verify=verify)


async def fetch(
    http: httpx.AsyncClient, url: str, settings: FetchSettings, validators: Validators
) -> Fetched:
    """GET `url`, retrying transient failures with exponential backoff and jitter."""
    attempt = 0
    while True:
        attempt += 1
        try:
            async with asyncio.timeout(settings.total_timeout):
                fetched = await _attempt(http, url, settings, validators)
        except TimeoutError:
            failure = _Transient(
                f"took longer than the total timeout ({settings.total_timeout:g} s)"
            )
        except _Transient as transient:
            failure = transient
        except FetchError as error:
            error.attempts = attempt
            raise
        else:
            return replace(fetched, attempts=attempt)
        if attempt > settings.retries:
            tries = "no retries" if attempt == 1 else f"gave up after {attempt} attempts"
            raise FetchError(f"{url}: {failure} ({tries})", failure.status, attempt)
        if failure.retry_after is not None and failure.retry_after > settings.max_retry_wait:
            raise FetchError(
                f"{url}: {failure}; the server asks to retry after {failure.retry_after:.0f} s, "
                f"more than max_retry_wait ({settings.max_retry_wait:g} s)",
                failure.status,
                attempt,
            )
        await asyncio.sleep(_wait(failure.retry_after, attempt, settings))


def _wait(retry_after: float | None, attempt: int, settings: FetchSettings) -> float:
    if retry_after is not None:
        return retry_after
    ceiling = min(settings.max_retry_wait, settings.backoff * 2 ** (attempt - 1))
    # Jitter keeps many newsgraph instances from retrying a recovering server in lockstep.
    return random.uniform(ceiling / 2, ceiling)


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


async def _attempt(
    http: httpx.AsyncClient, url: str, settings: FetchSettings, validators: Validators
) -> Fetched:
    origin = httpx.URL(url)
    current = origin
    chain = [str(current)]
    while True:
        headers = validators.headers()
        if _same_origin(current, origin):
            headers.update(settings.headers)
        request = http.build_request("GET", current, headers=headers)
        response = await _send(http, request, settings)
        try:
            if response.next_request is None:
                where = url if len(chain) == 1 else f"{url} (redirected to {current})"
                return await _complete(response, str(current), where, settings)
            target = response.next_request.url
        finally:
            await response.aclose()
        if str(target) in chain:
            loop = " -> ".join([*chain[chain.index(str(target)) :], str(target)])
            raise FetchError(f"{url}: redirect loop: {loop}", response.status_code)
        if len(chain) > settings.max_redirects:
            raise FetchError(
                f"{url}: more than max_redirects ({settings.max_redirects}) redirects: "
                + " -> ".join(chain),
                response.status_code,
            )
        if current.scheme == "https" and target.scheme != "https":
            raise FetchError(
                f"{url}: refused a redirect from https to {target}", response.status_code
            )
        chain.append(str(target))
        current = target


async def _send(
    http: httpx.AsyncClient, request: httpx.Request, settings: FetchSettings
) -> httpx.Response:
    try:
        return await http.send(request, stream=True)
    except httpx.TimeoutException as error:
        raise _Transient(_describe_timeout(error, settings)) from None
    except httpx.ConnectError as error:
        raise _Transient(f"cannot connect: {error}") from None
    except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
        raise _Transient(f"the connection failed: {error}") from None
    except httpx.HTTPError as error:
        raise FetchError(f"{request.url}: {type(error).__name__}: {error}") from None


def _describe_timeout(error: httpx.TimeoutException, settings: FetchSettings) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"could not connect within the connect timeout ({settings.connect_timeout:g} s)"
    if isinstance(error, httpx.ReadTimeout):
        return f"the server sent nothing for the read timeout ({settings.read_timeout:g} s)"
    return f"timed out: {type(error).__name__}"


async def _complete(
    response: httpx.Response, url: str, where: str, settings: FetchSettings
) -> Fetched:
    status = response.status_code
    if status in RETRIED_STATUSES:
        reason = f"HTTP {status} {response.reason_phrase}".rstrip()
        raise _Transient(reason, status, _retry_after(response.headers.get("Retry-After")))
    if status not in (200, 304):
        raise FetchError(
            f"{where}: HTTP {status} {response.reason_phrase}".rstrip()
            + (" (check the headers option: credentials?)" if status in (401, 403) else ""),
            status,
        )
    validators = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
    content_type = response.headers.get("Content-Type", "")
    body = b"" if status == 304 else await _read_limited(response, where, settings)
    return Fetched(url, status, body, content_type, validators, 1)


async def _read_limited(response: httpx.Response, where: str, settings: FetchSettings) -> bytes:
    limit = settings.max_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(
            f"{where}: the body is {int(declared):,} bytes (Content-Length), over the "
            f"max_bytes limit of {limit:,}",
            response.status_code,
        )
    chunks = []
    encoding = response.headers.get("Content-Encoding", "")
    try:
        # Decoded bytes are counted as they are decoded, so a small gzip body cannot expand
        # past the limit, not even within one network chunk.
        decoder = BoundedDecoder(encoding, limit)
        async for chunk in response.aiter_raw():
            chunks.append(decoder.feed(chunk))
    except LimitExceeded:
        raise FetchError(
            f"{where}: the body grew past the max_bytes limit of {limit:,} bytes "
            "while streaming (decoded bytes count); reading stopped",
            response.status_code,
        ) from None
    except UnsupportedEncoding:
        raise FetchError(
            f"{where}: the server used Content-Encoding {encoding!r}, which was not asked "
            f"for ({ACCEPT_ENCODING})",
            response.status_code,
        ) from None
    except zlib.error as error:
        raise FetchError(
            f"{where}: cannot decode the {encoding} body: {error}", response.status_code
        ) from None
    except httpx.TimeoutException as error:
        raise _Transient(_describe_timeout(error, settings)) from None
    except httpx.RemoteProtocolError as error:
        raise _Transient(f"incomplete body: {error}", response.status_code) from None
    except httpx.DecodingError as error:
        raise FetchError(
            f"{where}: cannot decode the body: {error}", response.status_code
        ) from None
    except httpx.NetworkError as error:
        raise _Transient(f"the connection failed while reading the body: {error}") from None
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
