"""When a source's new load must not replace its last good one: a load that suddenly gives
no articles (a folder moved away, a feed whose every item is invalid) or far fewer than
before is more likely an accident than the news, so the last good articles stay and the
source reports itself `degraded`, saying why."""

from __future__ import annotations

from collections.abc import Sequence

from newsgraph.engine.sources import Problem

# How many of a load's problems `/-/sources` lists and the log shows, each in full.
SHOWN_PROBLEMS = 20


def shrink_reason(previous: int, current: int, max_shrink: float) -> str | None:
    """Why a load of `current` articles must not replace the last good `previous`, or None."""
    if previous == 0:
        return None
    if current == 0:
        return f"the load gave no articles (the last good load had {previous}); keeping those"
    if current < previous * (1 - max_shrink):
        return (
            f"the load gave {current} articles, over {max_shrink:.0%} fewer than the last good "
            f"load's {previous} (server.max_shrink); keeping those"
        )
    return None


def shown(problems: Sequence[Problem]) -> tuple[str, ...]:
    """The problems to show: the first few, each with its file (or item) and reason."""
    lines = tuple(str(problem) for problem in problems[:SHOWN_PROBLEMS])
    hidden = len(problems) - len(lines)
    return (*lines, f"... and {hidden} more") if hidden > 0 else lines
