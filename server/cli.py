"""The `newsgraph` command: serve content, validate a content folder, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from newsgraph.schema.build import sdl
from newsgraph.schema.extend import SchemaConflict
from newsgraph.server.config import Config, ConfigError, folder_sources, load_config
from newsgraph.server.introspection import plugins_view, sources_view, table
from newsgraph.server.plugin_manager import PluginError
from newsgraph.server.runtime import Runtime
from newsgraph.server.settings_reference import config_schema_text, settings_reference


def _config(args: argparse.Namespace) -> Config:
    """The configuration file (if any), with folders given on the command line replacing its
    sources, and --host/--port overriding it."""
    config = load_config(args.config)
    changes: dict[str, object] = {
        key: getattr(args, key) for key in ("host", "port") if getattr(args, key, None) is not None
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
    return config.model_copy(update=changes)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from newsgraph.server.app import create_app

    config = _config(args)
    app = create_app(config)
    uvicorn.run(app, host=config.host, port=config.port, log_level=args.log_level)
    return 0


def _sources(args: argparse.Namespace) -> int:
    runtime = Runtime(_config(args))
    asyncio.run(runtime.load())
    columns = [
        "name",
        "type",
        "status",
        "article_count",
        "problem_count",
        "next_poll",
        "last_error",
    ]
    print(table(sources_view(runtime), columns))
    return 1 if any(s.status == "failing" for s in runtime.states.values()) else 0


def _plugins(args: argparse.Namespace) -> int:
    rows = plugins_view(Runtime(_config(args)))
    for row in rows:
        row["hooks"] = ", ".join(row["hooks"])  # type: ignore[arg-type]
    print(table(rows, ["name", "version", "builtin", "hooks"]))
    return 0


def _validate(args: argparse.Namespace) -> int:
    runtime = Runtime(_config(args))
    ingested = asyncio.run(runtime.load())
    errors, warnings = ingested.errors, ingested.warnings
    # Errors first, then warnings, each in the order of files and lines.
    for problem in (*errors, *warnings):
        print(problem)
    catalog = ingested.catalog
    print(
        f"{ingested.records} article records: {len(catalog) + catalog.drafts} articles "
        f"({len(catalog)} published), {len(catalog.topics())} topics; "
        f"{len(errors)} errors, {len(warnings)} warnings"
    )
    return 1 if errors or (args.strict and warnings) else 0


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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="newsgraph", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", help="newsgraph.yaml (default: $NEWSGRAPH_CONFIG)")

    folders = argparse.ArgumentParser(add_help=False)
    folders.add_argument("paths", nargs="*", help="folders to read instead of configured sources")
    folders.add_argument(
        "--base-url",
        help="the site URL (with its base path) that relative URLs in the folders resolve against",
    )

    serve = commands.add_parser(
        "serve",
        parents=[config, folders],
        help="serve content over GraphQL (default: the bundled demo)",
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    validate = commands.add_parser(
        "validate", parents=[config, folders], help="check content; exit 1 on errors"
    )
    validate.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too, not only on errors"
    )
    validate.set_defaults(run=_validate)

    sources = commands.add_parser(
        "sources", parents=[config, folders], help="load sources, show states"
    )
    sources.set_defaults(run=_sources)

    plugins = commands.add_parser("plugins", parents=[config], help="list loaded plugins")
    plugins.set_defaults(run=_plugins)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL, or write it")
    export.add_argument(
        "--output", "-o", default="-", help="the file to write (default: - for stdout)"
    )
    export.set_defaults(run=_export_schema)

    settings = commands.add_parser(
        "config-schema", help="print the JSON Schema of newsgraph.yaml, or write it"
    )
    settings.add_argument(
        "--markdown", action="store_true", help="the settings reference page instead"
    )
    settings.add_argument(
        "--output", "-o", default="-", help="the file to write (default: - for stdout)"
    )
    settings.set_defaults(run=_config_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # `serve --log-level` sets newsgraph's level too (uvicorn's `trace` is below DEBUG).
    name = getattr(args, "log_level", "info").upper()
    level = logging.getLevelNamesMapping().get(name, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        result: int = args.run(args)
    except (ConfigError, PluginError, SchemaConflict) as error:
        print(f"newsgraph: start-up error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
