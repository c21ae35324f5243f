"""Whether the app is ready for traffic (`/readyz`), and why not.

Liveness (`/healthz`) only says the process answers. Readiness says the content is there: the
first load has finished, every configured source has loaded at least once, and (unless
`server.ready_when_empty` is set) some article is visible; and the server is not shutting down.
"""

from __future__ import annotations

from newsgraph.server.runtime import Runtime


def not_ready(runtime: Runtime) -> list[str]:
    """Every reason the app is not ready; empty when it is."""
    if runtime.stopping:
        return ["the server is shutting down"]
    if not runtime.loaded:
        return ["content has not loaded yet"]
    reasons = [
        f"source {state.name!r} has never loaded: {state.last_error or 'not tried yet'}"
        for state in runtime.states.values()
        if state.last_success is None
    ]
    if not runtime.config.ready_when_empty and runtime.ingested.total.visible == 0:
        reasons.append("no article is visible (set server.ready_when_empty to accept that)")
    return reasons
