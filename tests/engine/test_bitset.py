from __future__ import annotations

import random

import pytest

from newsgraph.engine import bitset


@pytest.mark.parametrize("count", [0, 1, 5, 300, 4000, 9999])
def test_sets_of_positions_read_back_in_both_directions(count: int) -> None:
    rng = random.Random(count)
    size = 10_000
    positions = sorted(rng.sample(range(size), count))
    bits = bitset.from_positions(positions, size)
    assert bits.bit_count() == count
    for start, stop in [(0, size), (0, 1), (1023, 1025), (5000, 5000), (17, 9000), (9999, size)]:
        inside = [p for p in positions if start <= p < stop]
        assert list(bitset.forward(bits, start, stop)) == inside
        assert list(bitset.backward(bits, start, stop)) == inside[::-1]
        assert (bits & bitset.span(start, stop)).bit_count() == len(inside)


def test_span_of_nothing_is_empty() -> None:
    assert bitset.span(5, 5) == 0 and bitset.span(7, 3) == 0
    assert bitset.span(0, 3) == 0b111 and bitset.span(2, 4) == 0b1100


@pytest.mark.parametrize("count", [0, 1, 5, 300, 9999])
def test_skipping_members_lands_where_walking_them_does(count: int) -> None:
    rng = random.Random(count)
    size = 10_000
    positions = sorted(rng.sample(range(size), count))
    bits = bitset.from_positions(positions, size)
    for start, stop in [(0, size), (1023, 1025), (17, 9000), (5000, 5000)]:
        inside = [p for p in positions if start <= p < stop]
        last = max(0, len(inside) - 1)
        for skipped in (0, 1, 2, len(inside) // 2, last, len(inside), len(inside) + 5):
            expected = inside[skipped] if skipped < len(inside) else stop
            assert bitset.skip(bits, start, stop, skipped) == expected
