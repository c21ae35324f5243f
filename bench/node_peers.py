"""The Node peers of the HTTP benchmark: Mercurius (Fastify + graphql-jit) and GraphQL Yoga.

Their small servers (`bench/peers/*.js`) serve newsgraph's own SDL over the articles newsgraph
serves, exported through its GraphQL API (`export`), so every server answers the page query
from the same data and the comparison is of GraphQL servers, not of ingest. npm installs them
from the committed lock file into the bench's cache; without node or npm they are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson

from bench import ROOT, synthetic
from bench.queries import Fetch

SOURCES = ROOT / "bench" / "peers"
INSTALLED = synthetic.CACHE / "peers"
SDL = ROOT / "schema" / "schema.graphql"
PEERS = {"Mercurius": "mercurius.js", "Yoga": "yoga.js"}
FILES = ("package.json", "package-lock.json", "catalog.js", *PEERS.values())
MIN_NODE = 20
INSTALL_TIMEOUT = 600

# Every article with what the page query reads, its URL for each preference under `urls`.
EXPORT = """
query Export($after: String) {
  articles(first: 100, after: $after) {
    edges {
      cursor
      node {
        id title publishedDateTime excerpt
        AMP: url(prefer: AMP) CANONICAL: url(prefer: CANONICAL) AMP_CACHE: url(prefer: AMP_CACHE)
        provider { name domain images { url } }
        images { url width height }
        topics { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PREFERENCES = ("AMP", "CANONICAL", "AMP_CACHE")


def unavailable() -> str | None:
    """Why the peers cannot run here, or None."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "skipped: node and npm are needed for the Node peers"
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    major = done.stdout.strip().lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < MIN_NODE:
        return f"skipped: Node {MIN_NODE} or later is needed (found {done.stdout.strip()})"
    return None


def install() -> Path:
    """The peers' folder in the cache, with `npm ci` run whenever the committed files change."""
    INSTALLED.mkdir(parents=True, exist_ok=True)
    changed = False
    for name in FILES:
        source, target = SOURCES / name, INSTALLED / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
            changed = changed or name.startswith("package")
    if changed or not (INSTALLED / "node_modules").is_dir():
        command = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        done = subprocess.run(
            command, cwd=INSTALLED, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return INSTALLED


async def export(fetch: Fetch, target: Path) -> Path:
    """Write every article newsgraph serves, newest first, as the peers read them."""
    articles: list[dict[str, object]] = []
    after: str | None = None
    while True:
        connection = orjson.loads(await fetch(EXPORT, {"after": after}))["data"]["articles"]
        for edge in connection["edges"]:
            node = edge["node"]
            node["urls"] = {preference: node.pop(preference) for preference in PREFERENCES}
            articles.append({"cursor": edge["cursor"], **node})
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    target.write_bytes(orjson.dumps(articles))
    return target


def command(name: str, data: Path) -> list[str]:
    """How to start one peer (`serving` adds `--port`)."""
    return ["node", str(INSTALLED / PEERS[name]), str(SDL), str(data)]
