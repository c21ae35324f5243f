"""AMP cache URLs: the recorded ones are reproduced, and the format's documented cases hold."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from newsgraph.engine.amp_cache import DEFAULT_CACHE_DOMAIN, amp_cache_url
from newsgraph.engine.sources import RawRecord
from newsgraph.plugins.yaml_folder import YamlFolderSource
from tests.conftest import SEEDS


def articles(folder: Path) -> list[RawRecord]:
    batch = YamlFolderSource("amp", {"path": str(folder)}).load_now()
    assert not batch.problems
    return batch.articles


def recorded(folder: Path) -> list[tuple[str, str]]:
    """(ampWebUrl, cdnAmpWebUrl) of every article, and every related story, that has both."""
    stories: list[Mapping[str, object]] = []
    for record in articles(folder):
        related = record.data.get("related")
        stories += [record.data, *(related if isinstance(related, list) else [])]
    return [
        (str(story["ampWebUrl"]), str(story["cdnAmpWebUrl"]))
        for story in stories
        if story.get("ampWebUrl") and story.get("cdnAmpWebUrl")
    ]


def without_cache_url(folder: Path) -> list[str]:
    return sorted(
        Path(record.origin).name
        for record in articles(folder)
        if record.data.get("ampWebUrl") and not record.data.get("cdnAmpWebUrl")
    )


def test_every_cache_url_in_the_seeds_is_reproduced() -> None:
    pairs = recorded(SEEDS)
    assert len(pairs) == 23  # on 13 articles and 10 of their related stories
    assert [amp_cache_url(amp) for amp, _ in pairs] == [cdn for _, cdn in pairs]


def test_every_cache_url_in_the_corpus_is_reproduced(corpus: Path) -> None:
    pairs = recorded(corpus / "_news")
    assert len(pairs) == 42
    assert [amp_cache_url(amp) for amp, _ in pairs] == [cdn for _, cdn in pairs]


def test_the_seeds_whose_cache_url_must_be_derived() -> None:
    assert without_cache_url(SEEDS) == [
        "2023-04-11-researchers-release-a-benchmark-for-crop-disease-images.md",
        "2023-06-05-botnet-targets-smart-thermostats-through-an-old-firmware-bug.md",
        "2023-10-16-solar-sail-test-craft-deploys-in-low-orbit.md",
        "2024-02-27-factory-cobots-learn-new-tasks-from-a-single-demonstration.md",
        "2024-04-18-firmware-signing-flaw-affects-industrial-robot-controllers.md",
    ]


def test_every_corpus_article_with_an_amp_url_has_its_cache_url(corpus: Path) -> None:
    assert without_cache_url(corpus / "_news") == []


def host_label(url: str) -> str:
    return url.removeprefix("https://").split(".", 1)[0]


# The examples of the basic algorithm in the AMP Cache URL format documentation.
@pytest.mark.parametrize(
    ("host", "label"),
    [
        ("example.com", "example-com"),
        ("foo.example.com", "foo-example-com"),
        ("foo-example.com", "foo--example-com"),
        ("xn--57hw060o.com", "xn---com-p33b41770a"),
        ("⚡😊.com", "xn---com-p33b41770a"),
        ("en-us.example.com", "0-en--us-example-com-0"),
        ("sec-watch.example.net", "sec--watch-example-net"),
        ("hello--world.com", "hello----world-com"),
        ("SOMETHING.COM", "something-com"),
    ],
)
def test_the_documented_basic_algorithm(host: str, label: str) -> None:
    assert host_label(amp_cache_url(f"https://{host}/a")) == label


def fallback(host: str) -> str:
    """The documented fallback, step by step: SHA-256, base32, the four `=` dropped."""
    encoded = base64.b32encode(hashlib.sha256(host.encode("utf-8")).digest()).decode()
    assert encoded.endswith("====")
    return encoded[:-4].lower()


def test_a_label_of_63_characters_is_kept_and_one_of_64_is_hashed() -> None:
    assert host_label(amp_cache_url(f"https://{'a' * 59}.com/")) == "a" * 59 + "-com"
    long = f"{'a' * 60}.com"
    label = host_label(amp_cache_url(f"https://{long}/"))
    assert label == fallback(long) and len(label) == 52


# Published test values of the AMP project's cache URL tools.
@pytest.mark.parametrize(
    ("host", "label"),
    [
        (
            "itwasadarkandstormynight.therainfellintorrents.exceptatoccasionalintervals"
            "whenitwascheckedby.aviolentgustofwindwhichsweptupthestreets.com",
            "dgz4cnrxufaulnwku4ow5biptyqnenjievjht56hd7wqinbdbteq",
        ),
        (f"{'0' * 60}.com", "stejanx4hsijaoj4secyecy4nvqodk56kw72whwcmvdbtucibf5a"),
        (f"{'0' * 59}λ.com", "qhzqeumjkfpcpuic3vqruyjswcr7y7gcm3crqyhhywvn3xrhchfa"),
        # Right-to-left and left-to-right letters may not share a label.
        (
            "hello.xn--4gbrim.xn----rmckbbajlc6dj7bxne2c.xn--wgbh1c",
            "a6h5moukddengbsjm77rvbosevwuduec2blkjva4223o4bgafgla",
        ),
        (
            "xn--4gbrim.xn----rmckbbajlc6dj7bxne2c.xn--wgbh1c",
            "xn-------i5fvcbaopc6fkc0de0d9jybegt6cd",
        ),
        ("xn--bcher-kva.ch", "xn--bcher-ch-65a"),
    ],
)
def test_published_examples(host: str, label: str) -> None:
    assert host_label(amp_cache_url(f"https://{host}/")) == label


@pytest.mark.parametrize("host", ["xn---.example", "under_score.example.com", "example.com."])
def test_a_label_that_is_not_valid_dns_is_hashed(host: str) -> None:
    assert host_label(amp_cache_url(f"https://{host}/")) == fallback(host)


def test_an_idn_host_round_trips_through_punycode() -> None:
    unicode = amp_cache_url("https://例子.example/news?id=1")
    ascii = amp_cache_url("https://xn--fsqu00a.example/news?id=1")
    label = host_label(unicode)
    assert label == host_label(ascii) and label.startswith("xn--")
    assert label[4:].encode("ascii").decode("punycode") == "例子-example"
    # The path names the host as the AMP URL writes it.
    assert unicode == f"https://{label}.cdn.ampproject.org/c/s/例子.example/news?id=1"


@pytest.mark.parametrize(
    ("amp", "cache"),
    [
        (
            "https://example.com/a/amp",
            "https://example-com.cdn.ampproject.org/c/s/example.com/a/amp",
        ),
        ("http://example.com/a/amp", "https://example-com.cdn.ampproject.org/c/example.com/a/amp"),
        ("https://example.com", "https://example-com.cdn.ampproject.org/c/s/example.com"),
        (
            "https://example.com:8443/a?amp=1&x=%20y#top",
            "https://example-com.cdn.ampproject.org/c/s/example.com:8443/a?amp=1&x=%20y#top",
        ),
        ("HTTPS://Example.COM/Path", "https://example-com.cdn.ampproject.org/c/s/example.com/Path"),
        ("  https://example.com/a  ", "https://example-com.cdn.ampproject.org/c/s/example.com/a"),
    ],
)
def test_scheme_port_path_query_and_fragment(amp: str, cache: str) -> None:
    assert amp_cache_url(amp) == cache


def test_a_custom_cache_domain() -> None:
    assert DEFAULT_CACHE_DOMAIN == "cdn.ampproject.org"
    assert amp_cache_url("https://www.example.org/story/amp", "amp.cache.example.net") == (
        "https://www-example-org.amp.cache.example.net/c/s/www.example.org/story/amp"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a",
        "mailto:news@example.com",
        "/relative/amp",
        "example.com/amp",
        "https://",
        "https://user:secret@example.com/amp",
        "https://example.com:99999/amp",
        "https://example.com:port/amp",
    ],
)
def test_what_is_not_an_http_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        amp_cache_url(url)
