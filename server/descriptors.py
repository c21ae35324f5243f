"""The process's limit on open files against `server.max_connections`.

Each connection holds a file descriptor. Under a limit lower than the connections allowed
(a shell's usual `ulimit -n` is 1,024, and `max_connections` is 1,000 by default) the server
runs out of descriptors before it reaches its connection limit: it cannot accept, and new
clients wait unanswered in the kernel's queue instead of getting the JSON 503 (measured:
every probe of a server at 1,024 descriptors timed out while 1,100 connections were open).
So `serve` raises its soft limit as far as it needs, within the hard limit, and says so when
even the hard limit is too low.
"""

from __future__ import annotations

import resource

# Descriptors besides the connections: the listening sockets, the event loop's own, the
# refused connections waiting for their request (server.accepting keeps at most 64), log and
# content files read by a reload, a feed's connections.
HEADROOM = 128


def fit_file_limit(max_connections: int) -> str | None:
    """Raise this process's soft limit on open files (workers forked later inherit it) to fit
    `max_connections` and the headroom; a warning when the hard limit is too low, else None."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = max_connections + HEADROOM
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return None
    raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if raised > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    if raised >= needed:
        return None
    return (
        f"server.max_connections is {max_connections}, but this process may open only {raised} "
        f"files (ulimit -n): past about {raised - HEADROOM} connections new clients wait "
        "unanswered instead of getting the 503; raise the limit or lower max_connections"
    )
