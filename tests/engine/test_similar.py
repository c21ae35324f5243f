"""Similar articles, on the seeds' deliberate clusters and near misses."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article, Links, Provider, article_id
from newsgraph.engine.similar import NEIGHBOURS, _candidates, similar


def named(catalog: Catalog, word: str) -> list[Article]:
    return [article for article in catalog.order if word in article.title]


# Aurora: four robot-vision stories (Robotics + Computer Vision) within three days, from three
# providers. Helios: three solar-storage stories (Energy + Climate) over four months, from three
# providers. Their near misses share topics and sometimes the provider, but not the story:
# drone autopilot (Robotics + Computer Vision, Aurora's main provider, three weeks earlier),
# rooftop batteries, offshore wind and heat pumps (Energy + Climate, some from Helios' providers).
@pytest.mark.parametrize(("word", "size"), [("Aurora", 4), ("Helios", 3)])
def test_a_cluster_s_members_are_each_other_s_most_similar(
    seeds: Catalog, word: str, size: int
) -> None:
    cluster = named(seeds, word)
    assert len(cluster) == size
    for article in cluster:
        found = [other for other, _ in similar(seeds, article, size - 1)]
        assert {a.id for a in found} == {a.id for a in cluster} - {article.id}, article.title


@pytest.mark.parametrize("word", ["Aurora", "Helios"])
def test_a_cluster_ranks_above_every_article_sharing_no_topic(seeds: Catalog, word: str) -> None:
    cluster = named(seeds, word)
    for article in cluster:
        scores = {other.id: score for other, score in similar(seeds, article, len(seeds))}
        members = [scores[a.id] for a in cluster if a.id != article.id]
        unrelated = [
            score
            for other_id, score in scores.items()
            if not set(seeds.by_id[other_id].topics) & set(article.topics)
        ]
        assert unrelated and min(members) > max(unrelated) + 0.2


def test_an_article_is_never_similar_to_itself(seeds: Catalog) -> None:
    for article in seeds.order:
        found = similar(seeds, article, len(seeds))
        assert article.id not in {other.id for other, _ in found}
        assert found


def test_scores_are_between_0_and_1_best_first_ties_newest_first(seeds: Catalog) -> None:
    for article in seeds.order:
        found = similar(seeds, article, len(seeds))
        keys = [
            (-score, -other.published_date_time.timestamp(), other.id) for other, score in found
        ]
        assert keys == sorted(keys)
        assert all(0 <= score <= 1 for _, score in found)


@pytest.mark.parametrize("first", [0, 1, 3, 100])
def test_first_bounds_the_list(seeds: Catalog, first: int) -> None:
    article = named(seeds, "Aurora")[0]
    found = similar(seeds, article, first)
    assert len(found) == min(first, len(seeds) - 1)
    assert found == similar(seeds, article, 100)[:first]


def test_duplicates_under_another_id_are_left_out(seeds: Catalog) -> None:
    article = named(seeds, "Helios")[0]
    same_url = dataclasses.replace(article, id="0" * 16, title="Another title altogether")
    same_title = dataclasses.replace(
        article,
        id=article_id("https://mirror.example.net/helios"),
        links=Links("https://mirror.example.net/helios", None),
        title=f"  {article.title.upper()}!  ",
    )
    catalog = Catalog([*seeds.order, same_url, same_title])
    found = {other.id for other, _ in similar(catalog, article, len(catalog))}
    assert found and not found & {article.id, same_url.id, same_title.id}


def test_an_article_without_topics_is_matched_by_wording_and_provider(seeds: Catalog) -> None:
    aurora = named(seeds, "Aurora")
    lonely = Article(
        id=article_id("https://tech.example.com/aurora-parcels"),
        title="Aurora vision stack now sorts parcels by sight",
        published_date_time=datetime(2024, 6, 1, tzinfo=UTC),
        links=Links("https://tech.example.com/aurora-parcels", None),
        provider=Provider("Example Tech Daily", "tech.example.com"),
        excerpt="The Aurora robot-vision team says its cameras now sort parcels on a conveyor.",
    )
    found = similar(seeds, lonely, 4)
    assert {a.id for a, _ in found} == {a.id for a in aurora}


def test_the_result_does_not_depend_on_load_order_or_cache(seeds: Catalog) -> None:
    shuffled = list(seeds.order)
    random.Random(3).shuffle(shuffled)
    other = Catalog(shuffled, [entry.topic for entry in seeds.topics() if entry.topic.in_taxonomy])
    for article in seeds.order:
        once = similar(seeds, article, 10)
        assert similar(seeds, article, 10) == once
        assert similar(other, article, 10) == once


def test_candidates_come_from_bounded_neighbourhoods_not_a_scan() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    articles = [
        Article(
            id=article_id(f"https://p{n % 7}.example/{n}"),
            title=f"Story {n}",
            published_date_time=start + timedelta(minutes=n),
            links=Links(f"https://p{n % 7}.example/{n}", None),
            provider=Provider(f"P{n % 7}", f"p{n % 7}.example"),
            topics=(f"T{n % 5}", f"U{n % 3}"),
        )
        for n in range(5000)
    ]
    catalog = Catalog(articles)
    article = catalog.order[2500]
    bound = (2 * NEIGHBOURS + 1) * (len(article.topics) + 2)
    assert len(list(_candidates(catalog, article))) <= bound < len(catalog)
    found = similar(catalog, article, 5)
    assert len(found) == 5 and article.id not in {a.id for a, _ in found}
