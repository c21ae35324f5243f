"""A deterministic synthetic corpus: N front-matter articles and a topic taxonomy.

The shape follows the real corpus (the 674-file everyday-powerapps collection): the constants
below were measured from it once, so generating needs nothing but this module. Article `i` is
drawn from its own seeded generator, so the same (seed, i) always gives the same file and a
smaller corpus is a prefix of a larger one.
"""

from __future__ import annotations

import base64
import itertools
import random
import re
import shutil
import tempfile
from bisect import bisect
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

# Bump whenever the output changes: cached trees of another version are regenerated.
GENERATOR_VERSION = 3
DEFAULT_SEED = 6
CACHE = Path(__file__).absolute().parent / ".cache"
PARALLEL_FROM = 5000  # below this, starting worker processes costs more than it saves

# Measured from the 674-file corpus. Distributions given as 11 points (minimum, the nine
# deciles, maximum) are sampled by interpolating between neighbouring points.
SUBTOPIC_COUNTS = ((0, 552), (1, 120), (2, 2))  # subtopics besides the root topic
SUBTOPIC_WEIGHTS = (40, 30, 30, 18, 5, 1)  # popularity of the root's subtopics, by rank
DOMINANT_PROVIDER_SHARE = 532 / 674
PROVIDER_LOGO_SHARE = 14 / 85  # providers whose record carries a 50x50 logo
VIDEO_SHARE = 12 / 674  # videos have no webUrl, always one image and an embed
AMP_SHARE = 42 / 674  # cdnAmpWebUrl is present exactly when ampWebUrl is
IMAGE_SHARE = 610 / 662  # of non-video articles
IMAGE_SIZES = ((1200, 630, 167), (1600, 1600, 66), (1280, 720, 21), (1200, 800, 19))
PUBLISHED_SHARE = 428 / 674
TITLE_CHARS = (15, 41, 48, 53, 60, 66, 72, 78, 85, 98, 180)
EXCERPT_CHARS = (2, 85, 135, 170, 199, 240, 269, 301, 302, 305, 339)
QUALITY = (0, 37, 54, 64, 71, 72, 72, 86, 87, 99, 189)  # heat equals quality in 672 of 674
SECURED_CHARS = (389, 389, 389, 389, 389, 389, 389, 389, 389, 561, 561)
PUBLISHED = (
    "2019-08-19T21:00:10",
    "2020-12-14T14:33:06",
    "2021-03-22T09:00:57",
    "2021-06-11T22:08:35",
    "2021-08-25T00:01:00",
    "2021-11-08T04:30:25",
    "2022-04-22T08:00:31",
    "2022-10-21T21:16:10",
    "2023-04-20T09:00:00",
    "2023-10-19T15:59:06",
    "2024-04-11T08:00:16",
)
# The corpus's 142 articles outside the dominant provider come from 84 providers, the largest
# holding 8: a Zipf tail with this exponent over this pool reproduces about that.
PROVIDER_POOL = 2000
PROVIDER_ZIPF = 0.9
# The corpus declares no related stories; the share and counts follow the repository's seeds
# (6 of 47 records, with 2 to 4 each), the only sample there is.
RELATED_SHARE = 6 / 47
RELATED_COUNTS = (2, 2, 3, 3, 3, 4)

# The corpus is one collection (one root topic with six subtopics); the synthetic one holds
# eight such collections of equal size. Subtopics are listed by popularity rank.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "Power Apps": (
        "Portals",
        "Model-driven apps",
        "Teams integration",
        "Canvas apps",
        "AI Builder",
        "Common Data Service",
    ),
    "AI": ("Language Models", "Computer Vision", "Robotics", "Speech", "AI Ethics", "Agents"),
    "Climate": ("Energy", "Extreme Weather", "Oceans", "Agriculture", "Carbon Capture", "Policy"),
    "Space": ("Satellites", "Launch Vehicles", "Mars", "Astronomy", "Space Stations", "Moon"),
    "Health": ("Vaccines", "Digital Health", "Mental Health", "Genomics", "Nutrition", "Sleep"),
    "Security": ("Ransomware", "Vulnerabilities", "Privacy", "Identity", "Cryptography", "Fraud"),
    "Cloud": ("Kubernetes", "Databases", "Serverless", "DevOps", "Observability", "Edge"),
    "Mobility": (
        "Electric Vehicles",
        "Batteries",
        "Autonomous Driving",
        "Rail",
        "Aviation",
        "Bikes",
    ),
}

_SYLLABLES = (
    "ba be bi bo da de di do fa fe fi ga go ka ke ki ko la le li lo lu ma me mi mo na ne ni no "
    "pa pe po ra re ri ro sa se si so ta te ti to va ve vi za zo"
).split()
VOCABULARY_SIZE = 4000
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG_JUNK.sub("-", text.lower()).strip("-")


def _vocabulary() -> tuple[str, ...]:
    rng = random.Random("vocabulary")
    words: dict[str, None] = {}
    while len(words) < VOCABULARY_SIZE:
        words["".join(rng.choices(_SYLLABLES, k=rng.choice((2, 2, 3, 3, 4))))] = None
    return tuple(words)


VOCABULARY = _vocabulary()
# Word frequencies follow Zipf's law, as words in running text do.
_WORD_WEIGHTS = tuple(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY_SIZE + 1)))
_PROVIDER_WEIGHTS = tuple(
    itertools.accumulate(1 / rank**PROVIDER_ZIPF for rank in range(1, PROVIDER_POOL + 1))
)
_PUBLISHED_SECONDS = tuple(
    datetime.fromisoformat(t).replace(tzinfo=UTC).timestamp() for t in PUBLISHED
)


def search_terms(count: int) -> tuple[str, ...]:
    """Words each found in a few percent of articles: what a reader would search for."""
    return VOCABULARY[100 : 100 + count]


def _quantile(rng: random.Random, points: Sequence[float]) -> float:
    position = rng.random() * (len(points) - 1)
    index = int(position)
    low, high = points[index], points[min(index + 1, len(points) - 1)]
    return low + (high - low) * (position - index)


def _weighted(rng: random.Random, pairs: Sequence[tuple[int, int]]) -> int:
    cumulative = tuple(itertools.accumulate(weight for _, weight in pairs))
    return pairs[bisect(cumulative, rng.random() * cumulative[-1])][0]


def _words(rng: random.Random, chars: int) -> str:
    """Words adding up to about `chars` characters: a word is added while it brings the length
    closer to the target."""
    words: list[str] = []
    length = -1
    while True:
        # Drawing in bulk is several times faster; the unused draws are simply dropped.
        for word in rng.choices(VOCABULARY, cum_weights=_WORD_WEIGHTS, k=chars // 6 + 2):
            longer = length + 1 + len(word)
            if words and longer - chars > chars - length:
                return " ".join(words)
            words.append(word)
            length = longer


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    domain: str
    logo: bool


@cache
def provider(rank: int) -> Provider:
    """Provider `rank` of the pool (0 is the dominant one); names are made from the rank."""
    rng = random.Random(f"provider:{rank}")
    stem = "".join(rng.choices(_SYLLABLES, k=3)) + str(rank)
    suffix = rng.choice(("News", "Daily", "Times", "Review", "Wire", "Post"))
    return Provider(
        f"{stem.capitalize()} {suffix}",
        f"{stem}{suffix.lower()}.com",
        rank == 0 or rng.random() < PROVIDER_LOGO_SHARE,
    )


def _provider_block(chosen: Provider, indent: str) -> list[str]:
    lines = [
        f"{indent}provider:",
        f"{indent}  name: {chosen.name}",
        f"{indent}  domain: {chosen.domain}",
    ]
    if chosen.logo:
        lines += [
            f"{indent}  images:",
            f'{indent}    - url: "https://assets.{chosen.domain}/logo-50x50.jpg"',
            f"{indent}      width: 50",
            f"{indent}      height: 50",
        ]
    return lines


def _pick_provider(rng: random.Random) -> Provider:
    if rng.random() < DOMINANT_PROVIDER_SHARE:
        return provider(0)
    return provider(1 + bisect(_PROVIDER_WEIGHTS, rng.random() * _PROVIDER_WEIGHTS[-1]))


def _topics(rng: random.Random) -> list[str]:
    root = rng.choice(sorted(TAXONOMY))
    weights = tuple(enumerate(SUBTOPIC_WEIGHTS))
    chosen: list[str] = []
    extra = _weighted(rng, SUBTOPIC_COUNTS)
    while len(chosen) < extra:
        name = TAXONOMY[root][_weighted(rng, weights)]
        if name not in chosen:
            chosen.append(name)
    return [root, *chosen]


def _related(rng: random.Random, index: int, before: float) -> list[str]:
    lines = ["related:"]
    for number in range(rng.choice(RELATED_COUNTS)):
        story = _pick_provider(rng)
        title = _words(rng, int(_quantile(rng, TITLE_CHARS))).capitalize()
        when = datetime.fromtimestamp(before - rng.uniform(3600, 7 * 86400), UTC)
        lines += [
            f'  - title: "{title}"',
            f'    excerpt: "{_words(rng, int(_quantile(rng, EXCERPT_CHARS)))}."',
            f"    publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
            f'    webUrl: "https://{story.domain}/related/{index}-{number}"',
            "    type: article",
            *_provider_block(story, "    "),
            f"    quality: {int(_quantile(rng, QUALITY))}",
        ]
    return lines


def article(index: int, seed: int = DEFAULT_SEED) -> tuple[str, str]:
    """Article `index` of the corpus for `seed`: its file name and its front-matter text."""
    rng = random.Random(f"{seed}:{index}")
    title = _words(rng, int(_quantile(rng, TITLE_CHARS))).capitalize()
    when = datetime.fromtimestamp(_quantile(rng, _PUBLISHED_SECONDS), UTC)
    source = _pick_provider(rng)
    video = rng.random() < VIDEO_SHARE
    quality = int(_quantile(rng, QUALITY))
    name = f"{when:%Y-%m-%d}-{'-'.join(title.lower().split()[:6])}-{index}"
    lines = [
        "---",
        "category: news",
        f'title: "{title}"',
        f'excerpt: "{_words(rng, int(_quantile(rng, EXCERPT_CHARS)))}."',
        f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
    ]
    if video:
        clip = base64.urlsafe_b64encode(index.to_bytes(8, "big")).decode()[:11]
        lines.append(f'originalUrl: "https://youtube.com/watch?v={clip}"')
    else:
        url = f"https://{source.domain}/{when:%Y/%m}/{name}"
        lines += [f'originalUrl: "{url}"', f'webUrl: "{url}"']
        if rng.random() < AMP_SHARE:
            cache_host = source.domain.replace(".", "-")
            lines += [
                f'ampWebUrl: "{url}/amp"',
                f'cdnAmpWebUrl: "https://{cache_host}.cdn.ampproject.org/c/s/{url[8:]}/amp"',
            ]
    lines += [
        f"type: {'video' if video else 'article'}",
        f"quality: {quality}",
        f"heat: {quality}",
        f"published: {'true' if rng.random() < PUBLISHED_SHARE else 'false'}",
        "",
    ]
    if video:
        frame = (
            f'<iframe width=\\"800\\" height=\\"500\\" src=\\"https://youtube.com/embed/{clip}\\">'
        )
        lines += [f'featuredContent: "{frame}</iframe>"', ""]
    lines += [*_provider_block(source, ""), "", "topics:"]
    lines += [f"  - {topic}" for topic in _topics(rng)]
    if video or rng.random() < IMAGE_SHARE:
        width, height = (1280, 720) if video else _image_size(rng)
        lines += [
            "",
            "images:",
            f'  - url: "https://images.{source.domain}/{index}-{width}x{height}.jpg"',
            f"    width: {width}",
            f"    height: {height}",
            "    isCached: true",
        ]
    if rng.random() < RELATED_SHARE:
        lines += ["", *_related(rng, index, when.timestamp())]
    secured = base64.b64encode(rng.randbytes(int(_quantile(rng, SECURED_CHARS)) * 3 // 4))
    lines += ["", f'secured: "{secured.decode()}"', "---", ""]
    return f"{name}.md", "\n".join(lines)


def _image_size(rng: random.Random) -> tuple[int, int]:
    cumulative = tuple(itertools.accumulate(count for _, _, count in IMAGE_SIZES))
    width, height, _ = IMAGE_SIZES[bisect(cumulative, rng.random() * cumulative[-1])]
    return width, height


def taxonomy_files() -> Iterator[tuple[str, str]]:
    """The taxonomy as `_data/topics/*.yaml` files: (relative path, text)."""
    number = itertools.count()
    for root, subtopics in TAXONOMY.items():
        for name, parent in ((root, None), *((sub, root) for sub in subtopics)):
            lines = ["taxonomy: topic", f"_id: {slug(name)}", f"name: {name}", f"shortname: {name}"]
            if parent is not None:
                lines.append(f"parent: {parent}")
            lines += ["keywords:", f"  - {name.lower()}", ""]
            yield f"_data/topics/{next(number):02d}-{slug(name)}.yaml", "\n".join(lines)


def _write_articles(folder: Path, indexes: range, seed: int) -> None:
    for index in indexes:
        name, text = article(index, seed)
        (folder / "_news" / name).write_text(text, encoding="utf-8")


def write(folder: Path, size: int, seed: int = DEFAULT_SEED) -> None:
    """Write a corpus of `size` articles and the taxonomy under `folder`, on every core."""
    (folder / "_news").mkdir(parents=True)
    (folder / "_data" / "topics").mkdir(parents=True)
    for relative, text in taxonomy_files():
        (folder / relative).write_text(text, encoding="utf-8")
    if size < PARALLEL_FROM:
        _write_articles(folder, range(size), seed)
        return
    step = -(-size // 16)
    parts = [range(start, min(start + step, size)) for start in range(0, size, step)]
    with ProcessPoolExecutor() as pool:
        for done in [pool.submit(_write_articles, folder, part, seed) for part in parts]:
            done.result()


def file_count(size: int) -> int:
    """How many content files a corpus of `size` articles has."""
    return size + sum(1 + len(subtopics) for subtopics in TAXONOMY.values())


def corpus(size: int, seed: int = DEFAULT_SEED, cache: Path = CACHE) -> Path:
    """The folder of the corpus of `size` articles, generated on first use and then cached.

    Another run (a test suite, say) may be generating the same tree at the same moment: each
    writes its own scratch folder and renames it into place, and the first rename wins.
    """
    current = f"v{GENERATOR_VERSION}-seed{seed}"
    for stale in cache.glob("v*-seed*"):
        if not stale.name.startswith(f"v{GENERATOR_VERSION}-"):
            shutil.rmtree(stale, ignore_errors=True)
    folder = cache / current / str(size)
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{size}-", dir=folder.parent))
    try:
        write(scratch / "corpus", size, seed)
        (scratch / "corpus").rename(folder)
    except OSError:
        if not folder.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder
