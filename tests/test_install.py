"""newsgraph installs as one import package and nothing else, and a plugin project with
folders named like ours (`schema/`, `server/`, `plugins/`) lives beside it unharmed.

These tests build a real wheel, install it into a fresh virtual environment together with
PyPI's unrelated `schema` package, and serve from there; they need the package index.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import run, serving

PLUGIN_QUERY = "{ articles(first: 2) { totalCount edges { node { title wordCount } } } }"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """newsgraph's wheel, built from this checkout as `pip install .` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, ROOT)
    [built] = out.glob("newsgraph-*.whl")
    return built


def write_plugin_project(root: Path) -> Path:
    """A third-party plugin project laid out outside this repository, with top-level
    `schema/`, `server/` and `plugins/` packages of its own (the names newsgraph used to take)."""
    files = {
        "pyproject.toml": """
            [build-system]
            requires = ["setuptools>=69"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "newsgraph-word-count"
            version = "1.0.0"
            dependencies = ["newsgraph"]

            [project.entry-points.newsgraph]
            word_count = "newsgraph_word_count"

            [tool.setuptools]
            packages = ["newsgraph_word_count"]

            [tool.mypy]
            strict = true
            """,
        "newsgraph_word_count/__init__.py": '''
            """Adds `Article.wordCount`: the words of an article's title and excerpt."""

            from __future__ import annotations

            from newsgraph.plugin_api import Article, ArticleField, SchemaAddition, hookimpl


            def word_count(article: Article) -> int:
                return len(f"{article.title} {article.excerpt or ''}".split())


            @hookimpl
            def extend_schema() -> SchemaAddition:
                field = ArticleField("wordCount", "Int", word_count, "Words in title and excerpt.")
                return SchemaAddition(article_fields=(field,))
            ''',
        "newsgraph_word_count/py.typed": "",
        "schema/__init__.py": '"""The plugin project\'s own `schema` package."""\nOWNER = "plugin project"\n',
        "server/__init__.py": '"""The plugin project\'s own `server` package."""\nOWNER = "plugin project"\n',
        "plugins/__init__.py": '"""The plugin project\'s own `plugins` package."""\nOWNER = "plugin project"\n',
        "tests/__init__.py": "",
        "tests/test_word_count.py": """
            from __future__ import annotations

            import asyncio
            from pathlib import Path

            import plugins
            import schema
            import server

            import newsgraph_word_count
            from newsgraph.testing import SourceConfig, execute, make_app

            QUERY = "{ articles { edges { node { title wordCount } } } }"
            ARTICLE = '''---
            title: Three short words
            excerpt: And five more words here.
            publishedDateTime: 2024-01-02T03:04:05Z
            webUrl: https://news.example.com/three
            provider: {name: Example News, domain: example.com}
            topics: [AI]
            ---
            '''


            def test_own_generic_packages_are_the_projects() -> None:
                assert schema.OWNER == server.OWNER == plugins.OWNER == "plugin project"


            def test_word_count_is_served(tmp_path: Path) -> None:
                (tmp_path / "three.md").write_text(ARTICLE, encoding="utf-8")
                source = SourceConfig("yaml_folder", "news", {"path": str(tmp_path)})
                app = make_app(("word_count", newsgraph_word_count), sources=[source])
                result = asyncio.run(execute(app, QUERY))
                [edge] = result["data"]["articles"]["edges"]
                assert edge["node"] == {"title": "Three short words", "wordCount": 8}
            """,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel (non-editable), PyPI's `schema`
    package, and the plugin project; returns its bin folder."""
    environment = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, "schema", "pytest")
    return python.parent


@pytest.fixture(scope="module")
def plugin_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plugin_project(tmp_path_factory.mktemp("newsgraph-word-count"))


def test_the_wheel_holds_one_top_level_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top_level == {"newsgraph"}
    for expected in (
        "newsgraph/py.typed",
        "newsgraph/plugin_api.py",
        "newsgraph/testing.py",
        "newsgraph/engine/catalog.py",
        "newsgraph/schema/schema.graphql",
        "newsgraph/seeds/_data/topics/00-ai.yaml",
        "newsgraph/server/static/graphiql/graphiql.js",
    ):
        assert expected in names
    seeds = [name for name in names if name.startswith("newsgraph/seeds/") and name.endswith(".md")]
    assert len(seeds) == len(list((ROOT / "seeds").glob("*.md")))


def test_generic_names_are_left_to_other_distributions(installed: Path) -> None:
    python, elsewhere = installed / "python", installed.parent  # not this checkout's folder
    for name in ("server", "plugins"):
        refused = subprocess.run(
            [python, "-c", f"import {name}"], capture_output=True, text=True, cwd=elsewhere
        )
        assert refused.returncode != 0 and "ModuleNotFoundError" in refused.stderr
    pypi_schema = run(python, "-c", "import schema; print(schema.Schema.__module__)", cwd=elsewhere)
    assert pypi_schema.stdout.strip() == "schema"


def test_serve_from_any_folder_answers_with_the_demo(installed: Path) -> None:
    with serving(command=[str(installed / "newsgraph")], cwd=Path("/")) as (base, _):
        answer = httpx.post(f"{base}/graphql", json={"query": "{ articles { totalCount } }"})
        graphiql = httpx.get(f"{base}/-/graphiql/graphiql.js")
    assert graphiql.status_code == 200 and len(graphiql.content) > 100_000
    assert answer.status_code == 200
    assert answer.json()["data"]["articles"]["totalCount"] >= 40


def test_a_plugin_project_beside_it_passes_its_own_tests(
    installed: Path, plugin_project: Path
) -> None:
    python = installed / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", plugin_project)
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin_project)
    assert "2 passed" in result.stdout
    with serving(command=[str(installed / "newsgraph")], cwd=plugin_project) as (base, _):
        answer = httpx.post(f"{base}/graphql", json={"query": PLUGIN_QUERY}).json()
    assert answer["data"]["articles"]["edges"][0]["node"]["wordCount"] > 0


def test_mypy_strict_passes_on_the_plugin_project_with_the_editable_install(
    plugin_project: Path,
) -> None:
    """The README installs newsgraph editable into the environment running these tests."""
    result = run(sys.executable, "-m", "mypy", "newsgraph_word_count", "tests", cwd=plugin_project)
    assert "Success: no issues found" in result.stdout
