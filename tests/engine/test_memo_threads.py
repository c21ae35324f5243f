"""The engine's shared memos are used by the event loop (the fast lane) and by GraphQL worker
threads at once: each LRU's get-then-move and put-then-evict steps must not interleave."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.matches import Recent
from newsgraph.engine.similar import _Profiles

ROUNDS = 5000
KEYS = 7  # more keys than the memos below have room for: every few rounds one is evicted


class Yielding(str):
    """A key whose hashing hands the other thread its turn, so that two threads' steps
    interleave at every lookup (without the locks, a `KeyError` comes within a few hundred
    rounds: a key found, then evicted by the other thread, then moved to the end)."""

    def __hash__(self) -> int:
        time.sleep(0)
        return str.__hash__(self)


def hammer(work: Callable[[int], object]) -> list[BaseException]:
    """Run `work(0..ROUNDS)` on two threads at once; what either raised."""
    failures: list[BaseException] = []
    together = threading.Barrier(2)

    def run() -> None:
        together.wait()
        try:
            for round_ in range(ROUNDS):
                work(round_)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_recent_results_survive_two_threads() -> None:
    recent: Recent[str, int] = Recent(4)
    keys = [Yielding(f"key {n}") for n in range(KEYS)]

    def use(round_: int) -> None:
        key = keys[round_ % KEYS]
        if recent.get(key) is None:
            recent.put(key, round_)

    assert hammer(use) == []
    assert 0 < len(recent._entries) <= 4


def test_similar_profiles_survive_two_threads(seeds: Catalog) -> None:
    profiles = _Profiles(size=4)
    articles = [dataclasses.replace(a, id=Yielding(a.id)) for a in seeds.order[:KEYS]]
    assert hammer(lambda round_: profiles.of(articles[round_ % KEYS])) == []
    assert 0 < len(profiles._cache) <= 4
