from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus" / "everyday-powerapps"


@pytest.fixture(autouse=True)
def private_cache_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a test loads, its ingest cache goes to a temporary folder, never the home's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))


@pytest.fixture
def corpus() -> Path:
    """The real-world corpus beside the checkout; tests that need it skip without it."""
    if not (CORPUS / "_news").is_dir():
        pytest.skip("../shared/corpus/everyday-powerapps is not present")
    return CORPUS


WriteTree = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def write_tree(tmp_path: Path) -> WriteTree:
    """Write `{relative path: text or bytes}` under a fresh folder and return the folder."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "content"
        for name, body in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return write


def front_matter(**fields: str | None) -> str:
    """A minimal valid article file; keyword arguments replace, add (raw YAML) or drop (None)
    top-level keys."""
    lines: dict[str, str | None] = {
        "title": '"A valid article"',
        "publishedDateTime": "2024-01-02T03:04:05Z",
        "webUrl": '"https://news.example.com/valid"',
        "provider": "\n  name: Example News\n  domain: example.com",
        "topics": "\n  - AI",
    }
    lines.update(fields)
    body = "\n".join(f"{key}: {value}" for key, value in lines.items() if value is not None)
    return f"---\n{body}\n---\n"
