"""GraphiQL's files reach every install: the wheel `docker build` makes (`pip install .` on the
files the Dockerfile copies), and the wheel made from the sdist; and the front-end project
stays pinned. The builds start cold (no built files, no node_modules) and need the package
indexes, as `pip install` does.
"""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_install import run

ASSETS = "newsgraph/server/static/graphiql"
BUILT = ("graphiql.js", "graphiql.css", "editor.worker.js", "json.worker.js", "graphql.worker.js")
# What the build step makes in a checkout; a Docker context and an sdist carry neither.
BUILD_OUTPUT = ("web/node_modules", "server/static")


def docker_context(target: Path) -> Path:
    """The files the Dockerfile's COPY lines take, less what .dockerignore leaves out."""
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert all(output in ignored for output in BUILD_OUTPUT)
    skip = shutil.ignore_patterns("node_modules", "static", "__pycache__")
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not line.startswith("COPY "):
            continue
        *sources, destination = line.split()[1:]
        for source in sources:
            where = target / destination / (source if not source.endswith("/") else "")
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, where, ignore=skip)
            else:
                where.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / source, where)
    return target


def wheel_from(source: Path, out: Path) -> list[str]:
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, source)
    [wheel] = out.glob("newsgraph-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def assert_assets_inside(names: list[str]) -> None:
    for name in BUILT:
        assert f"{ASSETS}/{name}" in names, name


def test_the_docker_build_wheel_carries_graphiql(tmp_path: Path) -> None:
    context = docker_context(tmp_path / "context")
    assert not (context / "server" / "static").exists()
    assert_assets_inside(wheel_from(context, tmp_path / "wheel"))


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist of this checkout, whose built files and node_modules it must leave out."""
    out = tmp_path_factory.mktemp("sdist")
    run(sys.executable, "-m", "build", "--sdist", "--outdir", out, ROOT)
    [built] = out.glob("newsgraph-*.tar.gz")
    return built


def test_the_sdist_carries_the_front_end_project_not_its_output(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for name in (
        "web/package.json",
        "web/package-lock.json",
        "web/.npmrc",
        "web/build.mjs",
        "web/src/main.jsx",
        "tools/graphiql_assets.py",
        "tools/newsgraph_build.py",
    ):
        assert name in names, name
    assert not [name for name in names if name.startswith(BUILD_OUTPUT)]


def test_the_wheel_built_from_the_sdist_carries_graphiql(sdist: Path, tmp_path: Path) -> None:
    assert_assets_inside(wheel_from(sdist, tmp_path))


def test_the_front_end_project_is_pinned_with_integrity_hashes_and_no_download_hosts() -> None:
    manifest = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    declared = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert all(version[0].isdigit() for version in declared.values()), declared
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    packages = {path: entry for path, entry in lock["packages"].items() if path}
    assert {path.removeprefix("node_modules/") for path in packages} >= set(declared)
    for path, entry in packages.items():
        assert entry["integrity"].startswith("sha512-"), path
        assert "resolved" not in entry, path  # where a package came from is npm's setting
    npmrc = (ROOT / "web" / ".npmrc").read_text(encoding="utf-8").split()
    assert "omit-lockfile-registry-resolved=true" in npmrc
