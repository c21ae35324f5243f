"""The options of a `remote_feed` source, checked all at once at start-up.

Each refusal is a `ValueError("<option>: <reason>")`, which newsgraph reports as
`sources[<i>] '<name>' (remote_feed): options.<option>: <reason>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from newsgraph.plugin_api import BaseUrl, base_url_option
from newsgraph.plugins.remote_feed.fetch import FetchSettings

FORMATS = ("auto", "static_api", "json_feed", "rss", "atom")
KNOWN = (
    "url",
    "format",
    "poll_interval",
    "timeout",
    "max_bytes",
    "max_redirects",
    "max_pages",
    "retries",
    "backoff",
    "max_retry_wait",
    "headers",
    "verify",
    "provider",
    "base_url",
)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_DEFAULTS = FetchSettings()
DEFAULT_POLL_INTERVAL = 300.0
DEFAULT_MAX_PAGES = 1000


@dataclass(frozen=True, slots=True)
class Settings:
    """Every option of one feed, checked; durations in seconds."""

    url: str
    format: str
    poll_interval: float
    max_pages: int
    provider: Mapping[str, str] | None
    base_url: BaseUrl | None  # None: each document's own URL
    fetch: FetchSettings


def _number(
    options: Mapping[str, object],
    key: str,
    default: float,
    *,
    whole: bool = False,
    positive: bool = False,
    label: str | None = None,
) -> float:
    value = options.get(key, default)
    label = label or key
    kind = "whole number" if whole else "number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{label}: expected a {kind}, got {value!r}")
    if whole and not float(value).is_integer():
        raise ValueError(f"{label}: expected a whole number, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise ValueError(f"{label}: expected a {kind} {bound}, got {value!r}")
    return float(value)


def _url(options: Mapping[str, object]) -> str:
    url = options.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError("url: required, the http(s) address of the feed or its first page")
    url = url.strip()
    if not re.match(r"^https?://[^/?#\s]+", url, re.IGNORECASE):
        raise ValueError(f"url: expected an absolute http or https URL, got {url!r}")
    return url


def _timeouts(value: object) -> dict[str, float]:
    defaults = {
        "connect": _DEFAULTS.connect_timeout,
        "read": _DEFAULTS.read_timeout,
        "total": _DEFAULTS.total_timeout,
    }
    if value is None:
        return defaults
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = dict.fromkeys(defaults, value)
    if not isinstance(value, Mapping):
        raise ValueError(
            f"timeout: expected seconds, or a mapping of connect, read and total, got {value!r}"
        )
    unknown = sorted(set(value) - set(defaults))
    if unknown:
        raise ValueError(f"timeout.{unknown[0]}: unknown (known: connect, read, total)")
    return {
        name: _number(value, name, default, positive=True, label=f"timeout.{name}")
        for name, default in defaults.items()
    }


def _headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"headers: expected a mapping of header names to text, got {value!r}")
    headers = {}
    for name, text in value.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if not isinstance(text, str):
            raise ValueError(
                f'headers.{name}: expected text (write a secret as {{"$env": NAME}}), got {text!r}'
            )
        if "\r" in text or "\n" in text:
            raise ValueError(f"headers.{name}: a header value cannot hold a line break")
        headers[name] = text
    return headers


def _provider(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"provider: expected a mapping with name and domain, got {value!r}")
    unknown = sorted(set(value) - {"name", "domain"})
    if unknown:
        raise ValueError(f"provider.{unknown[0]}: unknown (known: name, domain)")
    provider = {}
    for key in ("name", "domain"):
        text = value.get(key)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"provider.{key}: required, text")
        provider[key] = text.strip()
    return provider


def parse_options(options: Mapping[str, object]) -> Settings:
    """Check every option of one feed; raise `ValueError` naming the first bad one."""
    unknown = sorted(set(options) - set(KNOWN))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown option (known: {', '.join(KNOWN)})")
    url = _url(options)
    format = options.get("format", "auto")
    if format not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {format!r}")
    verify = options.get("verify", True)
    if not isinstance(verify, bool):
        raise ValueError(f"verify: expected true or false, got {verify!r}")
    timeouts = _timeouts(options.get("timeout"))
    fetch = FetchSettings(
        connect_timeout=timeouts["connect"],
        read_timeout=timeouts["read"],
        total_timeout=timeouts["total"],
        max_bytes=int(
            _number(options, "max_bytes", _DEFAULTS.max_bytes, whole=True, positive=True)
        ),
        max_redirects=int(_number(options, "max_redirects", _DEFAULTS.max_redirects, whole=True)),
        retries=int(_number(options, "retries", _DEFAULTS.retries, whole=True)),
        backoff=_number(options, "backoff", _DEFAULTS.backoff),
        max_retry_wait=_number(options, "max_retry_wait", _DEFAULTS.max_retry_wait),
        headers=_headers(options.get("headers")),
        verify=verify,
    )
    return Settings(
        url=url,
        format=str(format),
        poll_interval=_number(options, "poll_interval", DEFAULT_POLL_INTERVAL),
        max_pages=int(_number(options, "max_pages", DEFAULT_MAX_PAGES, whole=True, positive=True)),
        provider=_provider(options.get("provider")),
        base_url=base_url_option(options),
        fetch=fetch,
    )
