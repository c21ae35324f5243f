"""The `newsgraph` command: serve content, validate a content folder, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from schema.build import SDL_PATH, sdl
from server.config import DEFAULT_CONTENT, Config, folder_sources
from server.packages import check_own_packages
from server.runtime import ConfigError, Runtime


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    config = Config(sources=folder_sources(args.paths), host=args.host, port=args.port)
    app = create_app(config)
    uvicorn.run(app, host=config.host, port=config.port, log_level=args.log_level)
    return 0


def _validate(args: argparse.Namespace) -> int:
    runtime = Runtime(Config(sources=folder_sources(args.paths)))
    ingested = asyncio.run(runtime.load())
    for problem in ingested.problems:
        print(problem)
    catalog = ingested.catalog
    print(
        f"{ingested.records} article records: {len(catalog) + catalog.drafts} articles "
        f"({len(catalog)} published), {len(catalog.topics())} topics; "
        f"{len(ingested.errors)} errors, {len(ingested.problems) - len(ingested.errors)} warnings"
    )
    return 1 if ingested.errors else 0


def _export_schema(args: argparse.Namespace) -> int:
    text = sdl()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="newsgraph", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve content folders over GraphQL")
    serve.add_argument("paths", nargs="*", default=[DEFAULT_CONTENT], help="default: seeds/")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    validate = commands.add_parser("validate", help="check content folders; exit 1 on errors")
    validate.add_argument("paths", nargs="+")
    validate.set_defaults(run=_validate)

    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", "-o", default=str(SDL_PATH), help="a path, or - for stdout")
    export.set_defaults(run=_export_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    check_own_packages()
    args = parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except ConfigError as error:
        print(f"newsgraph: configuration error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
