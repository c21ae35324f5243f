"""Cross-origin requests from browsers: Starlette's CORS middleware, set up from the config.

By default any origin may read the API (it is public content) without credentials. The preview
header is a credential, so a preflight allows it only when `cors_allow_preview` says so; and
cookies (`cors_allow_credentials`) need the origins named, never `*`.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from newsgraph.server.config import Config


def cors_middleware(config: Config) -> Middleware:
    """The CORS middleware the settings describe (`ServerSettings` forbids `*` with
    credentials)."""
    headers = list(config.cors_allow_headers)
    if config.cors_allow_preview:
        headers.append(config.preview_header)
    return Middleware(
        CORSMiddleware,
        allow_origins=config.cors_allow_origins,
        allow_methods=config.cors_allow_methods,
        allow_headers=headers,
        allow_credentials=config.cors_allow_credentials,
        max_age=config.cors_max_age,
    )
