"""The `newsgraph` command: serve content, check it, inspect sources and plugins, export the
GraphQL schema, the static API and the settings' JSON Schema, and start a plugin project."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette

from newsgraph import __version__
from newsgraph.engine.counts import Counts
from newsgraph.schema.build import sdl
from newsgraph.schema.extend import SchemaConflict
from newsgraph.server import logs
from newsgraph.server.app import create_app, summary
from newsgraph.server.config import Config, ConfigError, folder_sources, load_config
from newsgraph.server.descriptors import fit_file_limit
from newsgraph.server.health_port import health_port
from newsgraph.server.heartbeat import Heartbeats, beating
from newsgraph.server.introspection import plugins_view, sources_view, table
from newsgraph.server.listening import CannotListen, listening
from newsgraph.server.plugin_manager import PluginError, load_plugins
from newsgraph.server.readiness import not_ready
from newsgraph.server.redaction import redact
from newsgraph.server.runtime import Runtime
from newsgraph.server.serving import on_uvicorns_loop, tune_collector, uvicorn_options
from newsgraph.server.settings_errors import problems
from newsgraph.server.settings_reference import config_schema_text, settings_reference
from newsgraph.server.starter import StarterError, new_plugin

log = logging.getLogger("newsgraph")
COUNTS = list(Counts().as_dict())
# The option behind each setting the command line can override, named in its errors.
_OPTIONS = {
    "host": "--host",
    "port": "--port",
    "workers": "--workers",
    "sources": "the folders given",
    "site_url": "--site-url",
}


def _config(args: argparse.Namespace) -> Config:
    """The configuration file (if any), with folders given on the command line replacing its
    sources, and --host/--port overriding it."""
    config = load_config(args.config)
    changes: dict[str, object] = {
        key: getattr(args, key)
        for key in ("host", "port", "workers")
        if getattr(args, key, None) is not None
    }
    base_url = getattr(args, "base_url", None)
    if getattr(args, "paths", None):
        sources = folder_sources(args.paths)
        if base_url is not None:
            sources = tuple(
                replace(s, options={**s.options, "base_url": base_url}) for s in sources
            )
        changes["sources"] = sources
    elif base_url is not None:
        raise ConfigError(
            "--base-url applies to folders given on the command line; for configured "
            "sources, set base_url in each source's options"
        )
    return _overridden(config, changes)


def _overridden(config: Config, changes: dict[str, object]) -> Config:
    """`config` with the command line's values, checked as the file's are (`model_copy`
    would take a port of 99999 or a site URL that is no URL)."""
    try:
        return Config.model_validate({**dict(config), **changes})
    except ValidationError as error:
        origins: dict[tuple[str, ...], str] = {
            (key,): _OPTIONS.get(key, "the command line") for key in changes
        }
        raise ConfigError("\n".join(problems(error, Config, origins))) from None


def _serve(args: argparse.Namespace) -> int:
    config = _config(args)
    tune_collector()  # workers forked later inherit it
    if config.max_connections:
        warning = fit_file_limit(config.max_connections)
        if warning is not None:
            log.warning("newsgraph: %s", warning)
    heartbeats = Heartbeats()
    # The health port's process is forked first, while this one is small and has no threads.
    with health_port(config, heartbeats):
        app = create_app(config)
        settings = {
            "host": config.host,
            "log_config": logs.logging_config(args.log_level, args.log_format),
            "log_level": args.log_level,
            "access_log": args.access_log,
            **uvicorn_options(config),  # timeouts and connection limits (docs/hardening.md)
        }
        if config.workers > 1:
            from newsgraph.server import workers

            workers.serve(app, config, heartbeats, settings)
        else:
            _serve_one(app, config, heartbeats, settings)
    return 0


def _serve_one(
    app: Starlette, config: Config, heartbeats: Heartbeats, settings: dict[str, Any]
) -> None:
    import uvicorn

    from newsgraph.server.accepting import BatchAccepting
    from newsgraph.server.stopping import Server

    runtime: Runtime = app.state.runtime
    main = Server(uvicorn.Config(app, port=config.port, **settings), runtime)
    servers: list[uvicorn.Server] = [main]
    if config.admin_port is not None:
        # The admin app shares the main app's runtime; the main app's lifespan loads it.
        admin = uvicorn.Config(app.state.admin, port=config.admin_port, lifespan="off", **settings)
        servers.append(BatchAccepting(admin))
    loop = heartbeats.slot()

    def publish() -> None:
        heartbeats.publish({"the event loop": loop}, not_ready(runtime))

    async def serve_all(listeners: list[socket.socket]) -> None:
        async with beating(heartbeats, loop, publish):
            running = [
                asyncio.create_task(server.serve([listener]))
                for server, listener in zip(servers, listeners, strict=True)
            ]
            # A signal reaches one server only (each installs its own handler): when one
            # stops, the other stops too.
            await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            runtime.feed.close()  # open subscriptions complete, so they do not hold the stop up
            for server in servers:
                server.should_exit = True
            await asyncio.gather(*running)

    with ExitStack() as bound:
        # Every port is bound before serving starts, so a taken one is a clear start-up error.
        listeners = [bound.enter_context(listening(config.host, config.port))]
        if config.admin_port is not None:
            listeners.append(bound.enter_context(listening(config.host, config.admin_port)))
        on_uvicorns_loop(serve_all(listeners), main.config)


def _sources(args: argparse.Namespace) -> int:
    runtime = Runtime(_config(args))
    asyncio.run(runtime.load())
    columns = ["name", "type", "status", *COUNTS, "next_poll", "last_error"]
    rows = [{**row, **row["counts"]} for row in sources_view(runtime)]  # type: ignore[dict-item]
    print(table(rows, columns))
    return 1 if any(s.status == "failing" for s in runtime.states.values()) else 0


def _plugins(args: argparse.Namespace) -> int:
    # Only the plugins are loaded, and a broken one is listed, not fatal: this is the command
    # that helps when a plugin keeps everything else from starting.
    plugins = load_plugins(_config(args).load_plugins, keep_going=True)
    rows = plugins_view(plugins)
    for row in rows:
        row["hooks"] = ", ".join(row["hooks"])  # type: ignore[arg-type]
    print(table(rows, ["name", "version", "builtin", "status", "hooks", "error"]))
    return 1 if plugins.broken else 0


def _validate(args: argparse.Namespace) -> int:
    runtime = Runtime(_config(args))
    ingested = asyncio.run(runtime.load())
    errors, warnings = ingested.errors, ingested.warnings
    # Errors first, then warnings, each in the order of files and lines.
    for problem in (*errors, *warnings):
        print(redact(str(problem)))
    print(summary(ingested))
    return 1 if errors or (args.strict and warnings) else 0


def _new_plugin(args: argparse.Namespace) -> int:
    try:
        root = new_plugin(args.name, Path(args.dir))
    except StarterError as error:
        print(f"newsgraph: {error}", file=sys.stderr)
        return 2
    print(f"wrote the plugin project {root}; next:")
    print(f"  cd {root} && pip install -e '.[test]' && pytest && mypy")
    return 0


def _export_static(args: argparse.Namespace) -> int:
    from newsgraph.server.export_static import export
    from newsgraph.server.site_routes import site

    config = _config(args)
    if args.site_url is not None:
        config = _overridden(config, {"site_url": args.site_url})
    if config.static_api_path is None:
        raise ConfigError("export-static writes the tree at server.static_api_path, which is unset")
    if config.site_url is None:
        raise ConfigError(
            "export-static needs the site's URL for the feeds' links: "
            "give --site-url or set server.site_url"
        )
    runtime = Runtime(config)
    ingested = asyncio.run(runtime.load())
    for problem in ingested.errors:
        print(problem, file=sys.stderr)
    try:
        done = export(ingested.catalog, site(config, config.site_url), Path(args.out))
    except OSError as error:
        print(f"newsgraph: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(
        f"{done.files} files under {Path(args.out) / config.static_api_path.strip('/')}: "
        f"{done.written} rewritten, {done.files - done.written} unchanged, "
        f"{done.removed} removed"
    )
    return 0


def _emit(text: str, output: str, what: str) -> int:
    """Print `text`, or write it to the file `output` and say so."""
    if output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(output)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {what} ({len(text.splitlines())} lines) to {path}", file=sys.stderr)
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    return _emit(sdl(), args.output, "the schema SDL")


def _config_schema(args: argparse.Namespace) -> int:
    if args.markdown:
        return _emit(settings_reference(), args.output, "the settings reference")
    return _emit(config_schema_text(), args.output, "the JSON Schema of newsgraph.yaml")


def _add_folders(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="content folders to read instead of the configured sources",
    )
    parser.add_argument(
        "--base-url",
        help="the site URL (with its base path) that relative URLs in the folders resolve against",
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="newsgraph", description=__doc__)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        metavar="FILE",
        help="newsgraph.yaml to read (default: $NEWSGRAPH_CONFIG, else ./newsgraph.yaml if any)",
    )
    logging = argparse.ArgumentParser(add_help=False)
    logging.add_argument(
        "--log-level", choices=logs.LEVELS, default="info", help="least severe level logged"
    )
    logging.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default="text",
        help="text lines, or one JSON object per line for log collectors (default: text)",
    )
    folders = _add_folders(argparse.ArgumentParser(add_help=False))
    common = [config, logging]

    serve = commands.add_parser(
        "serve",
        parents=[*common, folders],
        help="serve content over GraphQL (default: the bundled demo)",
    )
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: server.port, 8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        help="worker processes sharing one loaded snapshot (default: server.workers, 1)",
    )
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per HTTP request (default: on)",
    )
    serve.set_defaults(run=_serve)

    validate = commands.add_parser(
        "validate", parents=[*common, folders], help="check content; exit 1 on errors"
    )
    validate.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too, not only on errors"
    )
    validate.set_defaults(run=_validate)

    sources = commands.add_parser(
        "sources",
        parents=[*common, folders],
        help="load every source once and show its state; exit 1 if one fails",
    )
    sources.set_defaults(run=_sources)

    plugins = commands.add_parser(
        "plugins",
        parents=common,
        help="list plugins, broken ones included; exit 1 if any is broken",
    )
    plugins.set_defaults(run=_plugins)

    export = commands.add_parser(
        "export-schema", parents=[logging], help="print the GraphQL SDL, or write it"
    )
    export.add_argument(
        "--output", "-o", default="-", help="the file to write (default: - for stdout)"
    )
    export.set_defaults(run=_export_schema)

    static = commands.add_parser(
        "export-static",
        parents=common,
        help="write the static JSON API and the feeds as files under OUT",
    )
    # OUT comes before the folders, which take every other positional argument.
    static.add_argument("out", metavar="OUT", help="the folder to write (the site's root)")
    _add_folders(static)
    static.add_argument("--site-url", help="the site's URL with its base path (server.site_url)")
    static.set_defaults(run=_export_static)

    settings = commands.add_parser(
        "config-schema",
        parents=[logging],
        help="print the JSON Schema of newsgraph.yaml, or write it",
    )
    settings.add_argument(
        "--markdown", action="store_true", help="the settings reference page instead"
    )
    settings.add_argument(
        "--output", "-o", default="-", help="the file to write (default: - for stdout)"
    )
    settings.set_defaults(run=_config_schema)

    starter = commands.add_parser(
        "new-plugin",
        parents=[logging],
        help="write a plugin project to start from: a source type, a field, tests",
    )
    starter.add_argument(
        "name", help="the plugin's name: lower case, digits and underscores (word_count)"
    )
    starter.add_argument(
        "--dir",
        default=".",
        help="the folder to write newsgraph-NAME into (default: the current folder)",
    )
    starter.set_defaults(run=_new_plugin)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.configure(args.log_level, args.log_format)
    try:
        result: int = args.run(args)
    except (ConfigError, PluginError, SchemaConflict, CannotListen) as error:
        print(f"newsgraph: start-up error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
