"""Every setting of `newsgraph.yaml`, with its type, default and description, in one place.

Adding a setting is a one-place change: add a field to `ServerSettings` with a default and a
`Field(description=...)` (reuse `Seconds` or `Count` for durations and sizes), then run
`make settings`. The field is then read from `server.<key>` in the file and from the
environment variable `NEWSGRAPH_<KEY>`, its errors name `server.<key>`, and the JSON Schema
(`docs/newsgraph.schema.json`) and the reference (`docs/settings.md`) list it; tests fail
until both generated files are current. Reading the file and the environment is
`newsgraph.server.config`'s job.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import NoDecode

from newsgraph.schema.limits import Limits

# `server.port` is also NEWSGRAPH_PORT, and so on for every server key.
ENV_PREFIX = "NEWSGRAPH_"
MIN_PREVIEW_TOKEN = 16
_LIMITS = Limits()


def env_variable(key: str) -> str:
    """The environment variable that overrides `server.<key>`."""
    return f"{ENV_PREFIX}{key.upper()}"


def _not_a_bool(value: object) -> object:
    # Python counts true as 1; in a settings file it is a slip, not a number.
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "expected a number")
    return value


# The bound first, so that it stays a constraint of the type (and of the JSON Schema).
Seconds = Annotated[float, Field(ge=0), BeforeValidator(_not_a_bool)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_not_a_bool)]
Positive = Annotated[int, Field(ge=1), BeforeValidator(_not_a_bool)]


def _plugin_names(value: object) -> object:
    # From the environment the allow-list is comma-separated text: "a, b" (empty: none).
    if isinstance(value, str):
        return frozenset(name.strip() for name in value.split(",") if name.strip())
    return value


def _name_is_optional(schema: dict[str, Any]) -> None:
    # In the file a source's name defaults to its type (see `_named_after_type`).
    schema["required"] = ["type"]


@dataclass(
    frozen=True,
    config=ConfigDict(extra="forbid", title="source", json_schema_extra=_name_is_optional),
)
class SourceConfig:
    """One configured source: an instance of a source type, with its own name and options."""

    type: str = Field(min_length=1, description="The source type, such as `yaml_folder`.")
    name: str = Field(
        min_length=1,
        description="This source's name, unique among the sources; defaults to its type.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description='The source type\'s own options (see sources.md); secrets as `{"$env": NAME}`.',
    )

    @model_validator(mode="before")
    @classmethod
    def _named_after_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("type"), str):
            return {**data, "name": data["type"]}
        return data


def _unique_names(sources: tuple[SourceConfig, ...] | None) -> tuple[SourceConfig, ...] | None:
    seen: set[str] = set()
    twice: list[InitErrorDetails] = []
    for index, source in enumerate(sources or ()):
        if source.name in seen:
            reason = "{name} is used twice; names must be unique"
            twice.append(
                InitErrorDetails(
                    type=PydanticCustomError("duplicate_name", reason, {"name": repr(source.name)}),
                    loc=(index, "name"),
                    input=source.name,
                )
            )
        seen.add(source.name)
    if twice:
        raise ValidationError.from_exception_data("sources", twice)
    return sources


Sources = Annotated[tuple[SourceConfig, ...], AfterValidator(_unique_names)]
Plugins = dict[str, dict[str, Any]]


class ServerSettings(BaseModel):
    """The `server:` block: how newsgraph serves, loads and guards. Each key can be overridden
    by the environment variable NEWSGRAPH_<KEY>, such as NEWSGRAPH_PORT."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="server")

    host: str = Field(default="127.0.0.1", description="The address to listen on.")
    port: Count = Field(default=8000, le=65535, description="The TCP port to listen on.")
    workers: Positive = Field(
        default=1,
        description="Worker processes serving requests; above 1 they share one snapshot that "
        "the parent process loads and reloads (see docs/performance.md).",
    )
    source_timeout: Seconds = Field(
        default=60.0,
        description="Seconds a source may take to load; past that it keeps its last articles.",
    )
    enrich_timeout: Seconds = Field(
        default=30.0, description="Seconds each enricher plugin may take per reload."
    )
    reload_interval: Seconds = Field(
        default=0.0, description="Seconds between reloads of every source; 0 never reloads."
    )
    max_depth: Count = Field(
        default=_LIMITS.max_depth, description="The deepest nesting a query may have."
    )
    max_aliases: Count = Field(
        default=_LIMITS.max_aliases, description="The most aliases a query may use."
    )
    max_tokens: Count = Field(
        default=_LIMITS.max_tokens, description="The most tokens a query document may have."
    )
    max_cost: Count = Field(
        default=_LIMITS.max_cost,
        description="The highest estimated cost (weighted fields in the answer, lists "
        "multiplied by their sizes) a query may have; see hardening.md.",
    )
    load_plugins: Annotated[frozenset[str] | None, NoDecode, BeforeValidator(_plugin_names)] = (
        Field(
            default=None,
            description="The installed plugins to load, by name (all when unset; none when empty). "
            "From the environment: comma-separated names.",
        )
    )
    trace_hooks: bool = Field(default=False, description="Log every plugin hook call.")
    preview_token: str | None = Field(
        default=None,
        min_length=MIN_PREVIEW_TOKEN,
        repr=False,
        description="The secret that lets a request see drafts (sent in `preview_header`); "
        'at least 16 characters, best given as `{"$env": NAME}`. Unset: drafts are never served.',
    )
    preview_header: str = Field(
        default="X-Newsgraph-Preview",
        pattern=r"^[A-Za-z0-9-]+$",
        description="The HTTP request header that carries the preview token.",
    )
    response_cache: Count = Field(
        default=1024,
        description="GraphQL responses kept per catalog snapshot; 0 turns the cache off. "
        "A server's budget: with `workers: N` each worker keeps an Nth of them.",
    )
    direct_executor: bool = Field(
        default=True,
        description="Answer the queries it can plan without Strawberry; false sends every "
        "query through Strawberry.",
    )
    # Live content (issue 13).
    watch: bool = Field(
        default=True,
        description="Reload sources that watch their files (`yaml_folder`) as soon as they "
        "change; false: only at start-up and at `reload_interval`.",
    )
    article_cache_min_records: Count = Field(
        default=1000,
        description="A source with at least this many records keeps its normalised articles "
        "in the user's cache folder, so the next start with unchanged content skips reading "
        "and normalising them (docs/ingest.md); 0 caches every source.",
    )
    subscriber_limit: Count = Field(
        default=100,
        description="WebSocket and SSE subscription connections open at once in each worker "
        "process (with `workers: N`, up to N times this in all); past it, new ones are refused.",
    )
    sse_keep_alive: Seconds = Field(
        default=15.0,
        description="Seconds between keep-alive comments on an idle SSE subscription stream; "
        "0 sends none.",
    )
    # Production switches (issue 12).
    graphiql: bool = Field(
        default=True,
        description="Serve GraphiQL to browsers at /graphql (and its files under /-/graphiql/); "
        "false: a browser gets the same 400 GraphQL error as any GET without a query.",
    )
    introspection: bool = Field(
        default=_LIMITS.introspection,
        description="Answer introspection (`__schema`, `__type`); false refuses it with the "
        "error code INTROSPECTION_DISABLED. GraphiQL needs it.",
    )

    # GraphQL over HTTP (issue 11): CORS, HTTP caching, compression, persisted queries.
    cors_allow_origins: tuple[str, ...] = Field(
        default=("*",),
        description="The origins whose pages may call the API from a browser; `*` for any "
        "(without credentials); empty for none.",
    )
    cors_allow_methods: tuple[str, ...] = Field(
        default=("GET", "POST"), description="The methods a CORS preflight allows."
    )
    cors_allow_headers: tuple[str, ...] = Field(
        default=("Content-Type",),
        description="The request headers a CORS preflight allows, besides the CORS-safelisted "
        "ones.",
    )
    cors_allow_credentials: bool = Field(
        default=False,
        description="Let browsers send cookies cross-origin; needs the origins named, never `*`.",
    )
    cors_allow_preview: bool = Field(
        default=False,
        description="Let browsers send `preview_header` cross-origin (it is a credential).",
    )
    cors_max_age: Count = Field(
        default=600, description="Seconds a browser may keep a preflight's answer."
    )
    cache_max_age: Count = Field(
        default=60,
        description="Seconds a browser, proxy or CDN may serve a GET answer without asking "
        "again (`Cache-Control: max-age`).",
    )
    cache_stale_while_revalidate: Count = Field(
        default=60,
        description="Seconds more a cache may serve a GET answer while it revalidates it.",
    )
    compression: bool = Field(
        default=True, description="Compress answers (brotli or gzip) as the client accepts."
    )
    compress_min_bytes: Count = Field(
        default=1024, description="Answers smaller than this are sent uncompressed."
    )
    persisted_queries: Literal["apq", "trusted", "off"] = Field(
        default="apq",
        description="`apq`: Apollo's automatic persisted queries; `trusted`: only the "
        "documents of `persisted_queries_manifest` run; `off`: documents are always sent.",
    )
    persisted_queries_manifest: str | None = Field(
        default=None,
        description="The trusted documents: a JSON file of id → document (GraphQL Codegen, "
        "Relay) or an Apollo persisted-query manifest.",
    )
    apq_max_entries: Count = Field(
        default=10_000,
        description="Automatic persisted queries kept, least recently used dropped first.",
    )
    apq_max_bytes: Count = Field(
        default=16 * 1024 * 1024, description="The most bytes of automatic persisted queries kept."
    )
    # Shared persisted queries (issue 19).
    apq_redis_url: str | None = Field(
        default=None,
        pattern=r"^(redis|rediss|unix)://",
        description="Share automatic persisted queries between replicas through this Redis, "
        "such as `redis://redis:6379/0` (needs `newsgraph[redis]`). Unset: each process keeps "
        "its own. While Redis is down, each process's own store answers alone.",
    )
    apq_redis_ttl: Seconds = Field(
        default=7 * 24 * 3600,
        ge=1,
        description="Seconds a shared persisted query is kept in Redis after its last use.",
    )
    apq_redis_timeout: Seconds = Field(
        default=0.1,
        description="Seconds a Redis call may take; past that the request goes on without it.",
    )

    # The sites' static JSON API and feeds (issue 17).
    static_api_path: str | None = Field(
        default="/api",
        pattern=r"^(/[A-Za-z0-9._~-]+)+$",
        description="Where the sites' static JSON API and the feeds are served "
        "(`/api/news/index.json`, docs/static-api.md); null turns them off.",
    )
    site_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="The site's URL with its base path, such as `https://example.org/news`: "
        "the links of feeds and of `export-static`. Unset: live feeds link to the request's host.",
    )
    site_title: str = Field(
        default="News",
        min_length=1,
        description="The feeds' title; a topic's feed adds the topic's name.",
    )
    site_locale: str = Field(
        default="en-us",
        min_length=1,
        description="The static API's `locale` for articles whose records name none.",
    )
    static_page_size: Count = Field(
        default=25,
        ge=1,
        le=100,
        description="Articles per page of the static JSON API, and per feed.",
    )

    @model_validator(mode="after")
    def _http_rules(self) -> ServerSettings:
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise PydanticCustomError(
                "cors_credentials",
                "cors_allow_credentials needs the origins named in cors_allow_origins, not '*' "
                "(any site could act with a visitor's cookies)",
            )
        if self.persisted_queries == "trusted" and self.persisted_queries_manifest is None:
            raise PydanticCustomError(
                "trusted_without_manifest",
                "persisted_queries: trusted needs persisted_queries_manifest, the file of the "
                "documents allowed to run",
            )
        if self.health_port is not None and self.health_port in (self.port, self.admin_port):
            raise PydanticCustomError(
                "health_port_taken",
                "health_port {port} is also port or admin_port; give it a port of its own",
                {"port": self.health_port},
            )
        return self

    ready_when_empty: bool = Field(
        default=False,
        description="Let /readyz pass when no article is visible; by default an empty "
        "catalog is not ready.",
    )
    admin_token: str | None = Field(
        default=None,
        min_length=MIN_PREVIEW_TOKEN,
        repr=False,
        description="The secret the admin endpoints (/-/sources, /-/plugins, /-/metrics) ask "
        "for as `Authorization: Bearer <token>`; at least 16 characters, best given as "
        '`{"$env": NAME}`. Unset: they are open to whoever reaches them.',
    )
    admin_port: Annotated[int, Field(ge=0, le=65535), BeforeValidator(_not_a_bool)] | None = Field(
        default=None,
        description="Serve the admin endpoints on this port only (same host), not on "
        "`port`. Unset: they are served on `port`.",
    )
    health_port: Annotated[int, Field(ge=1, le=65535), BeforeValidator(_not_a_bool)] | None = Field(
        default=None,
        description="Also answer `/healthz` and `/readyz` on this port (same host), from a "
        "process of its own that stays fast however busy the server is; point health checks "
        "here. Unset: no such port (the container image sets 8001).",
    )
    # At least a few heartbeats (one each 0.1 s): less would fail a loop that is merely busy.
    health_stall_timeout: Annotated[float, Field(ge=0.5), BeforeValidator(_not_a_bool)] = Field(
        default=5.0,
        description="Seconds an event loop may go without running before the health port's "
        "`/healthz` and `/readyz` answer 503 (at least 0.5).",
    )
    # Hardening for the public internet (issue #18; docs/hardening.md).
    max_body_bytes: Count = Field(
        default=1024 * 1024, description="The largest request body; larger ones get 413."
    )
    max_header_bytes: Count = Field(
        default=16 * 1024,
        description="The largest request line and headers together; larger ones get 431.",
    )
    max_query_bytes: Count = Field(
        default=32 * 1024, description="The longest GraphQL query text; longer ones get 413."
    )
    max_response_bytes: Count = Field(
        default=32 * 1024 * 1024,
        description="The largest answer; a larger one is replaced by RESPONSE_TOO_LARGE.",
    )
    header_timeout: Seconds = Field(
        default=10.0, description="Seconds a client may take to send a request's headers (408)."
    )
    body_timeout: Seconds = Field(
        default=10.0, description="Seconds a client may take to send a request's body (408)."
    )
    keep_alive_timeout: Seconds = Field(
        default=5.0, description="Seconds an idle keep-alive connection stays open."
    )
    request_timeout: Seconds = Field(
        default=10.0, description="Seconds of work one GraphQL request may take (TIMEOUT)."
    )
    max_connections: Count = Field(
        default=1000,
        description="Open connections at once in each worker process (with `workers: N`, up to "
        "N times this in all); a new connection past it is answered 503 OVERLOADED with "
        "Retry-After and closed. 0: no limit.",
    )
    max_running: Count = Field(
        default=4,
        description="GraphQL requests executing at once (an answer from the response cache "
        "takes no place); more wait in the queue.",
    )
    max_queued: Count = Field(
        default=32,
        description="GraphQL requests waiting to run; more are shed at once with 503 and "
        "Retry-After.",
    )
    shed_latency: Seconds = Field(
        default=0.0,
        description="Seconds the event loop may run late; while it stays later than this for "
        "100 ms, new GraphQL work (what the response cache cannot answer) is shed at once "
        "with 503 and Retry-After. 0 (the "
        "default) turns it off; 0.05 is the value tried (docs/hardening.md).",
    )
    shed_busy_share: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="The share of the recent past (about the last quarter second) the event loop "
        "may spend on GraphQL work; while it is busier, requests estimated to cost at least "
        "shed_min_cost are shed at once with 503 and Retry-After, cheaper ones still run. 0 "
        "turns it off.",
    )
    shed_min_cost: Count = Field(
        default=10_000,
        description="The estimated cost (docs/hardening.md#the-cost-model) from which a request is "
        "costly enough to shed while the event loop is busy (shed_busy_share); keep it under "
        "max_cost.",
    )
    shutdown_timeout: Seconds = Field(
        default=10.0,
        description="Seconds requests in progress get to finish on SIGTERM before the server "
        "closes.",
    )
    max_shrink: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="The share of a source's articles one load may lose; a larger loss keeps "
        "the last good articles and reports the source degraded.",
    )

    @property
    def limits(self) -> Limits:
        """The caps on a query document, as the schema takes them."""
        return Limits(
            self.max_depth, self.max_aliases, self.max_tokens, self.max_cost, self.introspection
        )


class Config(ServerSettings):
    """The whole run-time configuration: the sources, each plugin's settings, and the server
    settings as attributes of their own (`config.port`)."""

    model_config = ConfigDict(title="Config")

    # Described where the file declares them, in ConfigFile.
    sources: Sources
    plugins: Plugins = Field(default_factory=dict)


class ConfigFile(BaseModel):
    """`newsgraph.yaml`: the sources to serve, each plugin's settings, and the server's."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="newsgraph.yaml")

    sources: Sources | None = Field(
        default=None,
        description="The sources to serve, in order. Unset: the bundled demo content.",
    )
    plugins: Plugins = Field(
        default_factory=dict,
        description='Each plugin\'s own settings, by plugin name; secrets as `{"$env": NAME}`.',
    )
    server: ServerSettings = Field(
        default_factory=ServerSettings, description="How newsgraph serves, loads and guards."
    )
