"""Prometheus metrics of one app, in a registry of its own (so that two apps in one process,
as in tests, never share counts).

Requests are counted and timed by `RequestMetrics`, an ASGI middleware outside every other;
everything the runtime and the GraphQL endpoint already count (sources, the snapshot, loads,
the response cache, which path answered) is read when the metrics are scraped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsgraph.server.response_cache import ResponseCache
from newsgraph.server.runtime import Runtime

# The status counted for a request left unanswered because its client had gone (nginx's).
CLIENT_CLOSED_REQUEST = 499
ERROR_CODE = "newsgraph_error_code"
"""The `request.state` attribute where the GraphQL endpoint leaves the first error's
`extensions.code`, for the `code` label."""


class Metrics:
    """The app's registry and the request metrics written to it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "newsgraph_http_requests",
            "HTTP requests answered, by route, method, status and GraphQL error code.",
            ["route", "method", "status", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "newsgraph_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route.",
            ["route"],
            registry=self.registry,
        )
        # A plain count, read at each scrape: a gauge's own lock, taken twice a request,
        # cost more than the rest of the request's metrics.
        self.in_flight = 0
        Gauge(
            "newsgraph_http_requests_in_flight",
            "HTTP requests being answered now.",
            registry=self.registry,
        ).set_function(lambda: self.in_flight)
        self._series: dict[tuple[str, str, int, str], tuple[Counter, Histogram]] = {}

    def record(self, route: str, method: str, status: int, code: str, seconds: float) -> None:
        """Count and time one answered request."""
        key = (route, method, status, code)
        series = self._series.get(key)
        if series is None:  # `labels` looks its child up under a lock: once per label set
            counted = self.requests.labels(route, method, str(status), code)
            series = self._series[key] = (counted, self.latency.labels(route))
        counted, timed = series
        counted.inc()
        timed.observe(seconds)

    async def measured(
        self,
        app: ASGIApp,
        scope: Scope,
        receive: Receive,
        send: Send,
        route: Callable[[Scope], str],
    ) -> None:
        """Run `app` on one HTTP request, then count and time it under the route that `route`
        names once the request is done (Starlette's routing sets it meanwhile)."""
        status = 0
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.in_flight += 1
        try:
            await app(scope, receive, sending)
        except BaseException:
            status = status or 500  # raised before it answered: the server sends a 500
            raise
        finally:
            self.in_flight -= 1
            code = scope.get("state", {}).get(ERROR_CODE, "")
            seconds = time.perf_counter() - started
            # Returned without an answer: its client had gone (server/client_gone.py, the
            # request budget's watch).
            status = status or CLIENT_CLOSED_REQUEST
            self.record(route(scope), scope["method"], status, code, seconds)

    def watch(self, runtime: Runtime, cache: ResponseCache, answered: dict[str, int]) -> None:
        """Read the runtime's and the endpoint's own counts at every scrape."""
        self.registry.register(_RuntimeCollector(runtime, cache, answered))


class RequestMetrics:
    """Counts and times every HTTP request; the route label is the route's path template,
    or `unmatched`, so that URLs clients make up cannot grow the label set."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.metrics.measured(self.app, scope, receive, send, _matched_route)


def _matched_route(scope: Scope) -> str:
    route = scope.get("route")
    if route is None and scope["method"] == "OPTIONS":
        route = _asked_about(scope)
    return getattr(route, "path", "unmatched")


def _asked_about(scope: Scope) -> BaseRoute | None:
    """The route whose path a request names when routing never saw it: a CORS preflight,
    answered by the CORS middleware, outside the router. (Only OPTIONS is looked up, so a
    flood of requests for unknown paths does not route each one twice.)"""
    routes: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
    return next((r for r in routes if r.matches(scope)[0] is not Match.NONE), None)


class _RuntimeCollector(Collector):
    def __init__(self, runtime: Runtime, cache: ResponseCache, answered: dict[str, int]) -> None:
        self.runtime = runtime
        self.cache = cache
        self.answered = answered

    def collect(self) -> Iterator[Metric]:
        runtime = self.runtime
        lookups = CounterMetricFamily(
            "newsgraph_response_cache_lookups",
            "Response-cache lookups, by result.",
            labels=["result"],
        )
        lookups.add_metric(["hit"], self.cache.hits)
        lookups.add_metric(["miss"], self.cache.misses)
        yield lookups
        answered = CounterMetricFamily(
            "newsgraph_graphql_requests",
            "GraphQL requests, by what answered them: cache, direct executor or strawberry.",
            labels=["answered_by"],
        )
        for path, requests in self.answered.items():
            answered.add_metric([path], requests)
        yield answered
        counts = GaugeMetricFamily(
            "newsgraph_source_articles",
            "Each source's counts (docs/user-guide.md#counts): records_read, articles, "
            "visible, drafts, duplicates, problems.",
            labels=["source", "count"],
        )
        for name, source_counts in runtime.ingested.counts.items():
            for word, value in source_counts.as_dict().items():
                counts.add_metric([name, word], value)
        yield counts
        up = GaugeMetricFamily(
            "newsgraph_source_up", "1 if the source's last load succeeded.", labels=["source"]
        )
        success = GaugeMetricFamily(
            "newsgraph_source_last_success_timestamp_seconds",
            "When the source last loaded, as a Unix time.",
            labels=["source"],
        )
        for state in runtime.states.values():
            up.add_metric([state.name], 1 if state.status == "ok" else 0)
            if state.last_success is not None:
                success.add_metric([state.name], state.last_success.timestamp())
        yield up
        yield success
        loads = SummaryMetricFamily(
            "newsgraph_load_duration_seconds",
            "Loads of the sources (start-up, reloads, polls) and the time they took.",
            count_value=runtime.load_count,
            sum_value=runtime.load_seconds,
        )
        yield loads
        yield GaugeMetricFamily(
            "newsgraph_snapshot_version",
            "The catalog snapshot served: it goes up by one each time the catalog is rebuilt.",
            value=runtime.snapshot_version,
        )
