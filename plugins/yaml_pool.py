"""Parsing chunks of content files on several cores, with worker processes.

Workers come from the "forkserver" start method where there is one (POSIX): it forks each
worker from a small server process that has imported only `plugins.yaml_parse` (and the main
module, which multiprocessing requires), so workers start in milliseconds after the first, and
never fork a multi-threaded server. Elsewhere they are spawned.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat

from newsgraph.plugins.yaml_parse import parse_chunk

log = logging.getLogger("newsgraph")

_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _in_processes(
    root: str, chunks: Sequence[Sequence[str]], max_bytes: int, workers: int
) -> Iterator[bytes]:
    context = multiprocessing.get_context(_METHOD)
    if _METHOD == "forkserver":
        # Takes effect when the fork server first starts; later calls change nothing.
        context.set_forkserver_preload(["__main__", "newsgraph.plugins.yaml_parse"])
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield from pool.map(parse_chunk, repeat(root), chunks, repeat(max_bytes))
    finally:
        # `map` queues every chunk at once; a caller that stops early should not wait for them.
        pool.shutdown(cancel_futures=True)


def parse_chunks(
    root: str, chunks: Sequence[Sequence[str]], max_bytes: int, workers: int
) -> Iterator[bytes]:
    """`parse_chunk` of each chunk, in order, on `workers` processes (1: in this one).

    If worker processes cannot be started or die, the chunks not yet parsed are parsed here.
    """
    done = 0
    if workers > 1 and len(chunks) > 1:
        try:
            for blob in _in_processes(root, chunks, max_bytes, workers):
                done += 1
                yield blob
        except (BrokenProcessPool, NotImplementedError, OSError) as error:
            log.warning(
                "worker processes failed (%s); parsing in this process instead. Set the "
                "source's `workers` option to 1 to stop trying them.",
                error,
            )
    for chunk in chunks[done:]:
        yield parse_chunk(root, chunk, max_bytes)
