"""`newsgraph serve --workers N`: N worker processes sharing one loaded snapshot.

The parent process runs the app's lifespan (plugins' start-up, the first load, polling and
periodic reloads) and serves no request itself. With a snapshot loaded, it collects garbage
and freezes the collector (`gc.freeze()`: collections in the workers then never write to the
snapshot's objects, so its pages stay shared) and forks the workers, which inherit the catalog
and accept connections from one listening socket.

Reloads stay consistent across workers because only the parent loads: a worker serves the
snapshot it was forked with and nothing else. When a reload changes the catalog's content
(a rebuild that changed nothing forks nothing), the parent forks a
new generation of workers with the new snapshot, and once they run it stops the old generation
gracefully (SIGTERM: uvicorn stops accepting, finishes its requests and exits). Every
generation serves one snapshot, so two workers of it never disagree; during a hand-over a new
connection may reach either generation, never a worker with a half-loaded catalog. What
`/-/sources` says in a worker is as of its fork: the parent's log has each reload.

With a health port (`server.health_port`), its process checks every loop's heartbeat: the
parent's (it loads and reloads) and each worker's of the generation that serves, which the
parent posts on the heartbeat board. An old generation that is finishing its requests is no
longer checked.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette

from newsgraph.server.accepting import BatchAccepting
from newsgraph.server.config import Config
from newsgraph.server.heartbeat import Heartbeats, beating
from newsgraph.server.listening import listening
from newsgraph.server.readiness import not_ready
from newsgraph.server.runtime import Runtime
from newsgraph.server.stopping import Server

log = logging.getLogger("newsgraph")
CHECK_INTERVAL = 0.5  # seconds between the parent's looks at its catalog and its workers
STOP_TIMEOUT = 30.0  # seconds a stopping worker has to finish its requests


def serve(app: Starlette, config: Config, heartbeats: Heartbeats, settings: dict[str, Any]) -> None:
    """Serve `app` from `config.workers` forked processes until SIGINT or SIGTERM, each a
    uvicorn server with `settings`; the admin app, when it has a port of its own, is served by
    the parent, whose runtime is the one that loads."""
    with ExitStack() as bound:
        # Every port is bound before anything forks, so a taken one is a clear start-up error.
        listener = bound.enter_context(listening(config.host, config.port))
        admin_listener = None
        if config.admin_port is not None:
            admin_listener = bound.enter_context(listening(config.host, config.admin_port))
        asyncio.run(_supervise(app, listener, admin_listener, heartbeats, config, settings))


async def _supervise(
    app: Starlette,
    listener: socket.socket,
    admin_listener: socket.socket | None,
    heartbeats: Heartbeats,
    config: Config,
    settings: dict[str, Any],
) -> None:
    count = config.workers
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    runtime: Runtime = app.state.runtime

    def stop() -> None:
        runtime.stopping = True  # /readyz fails while the workers drain
        # The workers close their copies as they stop accepting; while this one stayed open
        # the port kept listening, and new connections waited in its queue, never accepted,
        # until the parent exited, instead of being refused at once (to be retried elsewhere).
        listener.close()
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    parent = heartbeats.slot()
    workers: _Generation | None = None

    def publish() -> None:
        loops = {"the parent's event loop": parent}
        if workers is not None:
            loops |= {f"worker {pid}'s event loop": slot for pid, slot in workers.slots.items()}
        heartbeats.publish(loops, not_ready(runtime))

    async with beating(heartbeats, parent, publish), app.router.lifespan_context(app):
        served = runtime.catalog
        workers = _Generation(app, listener, heartbeats, settings)
        workers.fill(count)
        log.info("newsgraph: %d workers serving, pids %s", count, sorted(workers.pids))
        admin = None
        if admin_listener is not None:
            port = admin_listener.getsockname()[1]
            admin_config = uvicorn.Config(app.state.admin, port=port, lifespan="off", **settings)
            admin = _Unsignalled(admin_config)
            admin.task = asyncio.create_task(admin.serve([admin_listener]))
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), CHECK_INTERVAL)
            except TimeoutError:
                pass
            if stopping.is_set():
                break
            if runtime.catalog is not served and not served.same_content(runtime.catalog):
                old, workers = workers, _Generation(app, listener, heartbeats, settings)
                workers.fill(count)
                old.stop()
                log.info("newsgraph: new snapshot, workers %s", sorted(workers.pids))
            served = runtime.catalog
            workers.reap()
            workers.fill(count)  # a worker that died is replaced, with the same snapshot
        await workers.finish()
        if admin is not None and admin.task is not None:
            admin.should_exit = True
            await admin.task


class _Unsignalled(BatchAccepting):
    """A uvicorn server that leaves signals to the parent's loop, which stops it."""

    task: asyncio.Task[None] | None = None

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Generation:
    """Workers forked from one snapshot."""

    def __init__(
        self,
        app: Starlette,
        listener: socket.socket,
        heartbeats: Heartbeats,
        settings: dict[str, Any],
    ) -> None:
        self.app = app
        self.listener = listener
        self.heartbeats = heartbeats
        self.settings = settings
        self.slots: dict[int, int] = {}  # each worker's heartbeat slot, by pid
        # The old snapshot's garbage goes before the freeze, or it would stay for good.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    @property
    def pids(self) -> set[int]:
        return set(self.slots)

    def fill(self, count: int) -> None:
        while len(self.slots) < count:
            slot = self.heartbeats.slot()
            pid = os.fork()
            if pid == 0:
                _work(self.app, self.listener, self.settings, (self.heartbeats, slot))
            self.slots[pid] = slot

    def reap(self) -> None:
        for pid in list(self.slots):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del self.slots[pid]
                log.warning("newsgraph: worker %d exited (%s)", pid, _status(status))

    def stop(self) -> None:
        """Ask every worker to finish; an old generation is reaped without holding the parent
        up."""
        for pid in self.pids:
            _signal(pid, signal.SIGTERM)
        asyncio.get_running_loop().run_in_executor(None, _reap_all, frozenset(self.pids))
        self.slots.clear()

    async def finish(self) -> None:
        """Ask every worker to finish and wait, at most `STOP_TIMEOUT`, for them to exit; the
        wait runs on a thread, so the parent's heartbeat and its admin app go on meanwhile.
        As for an old generation, a stopping worker is no longer checked by the health port:
        one that has finished would be a stalled loop to it while another still drains."""
        pids = frozenset(self.pids)
        self.slots.clear()
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        await asyncio.to_thread(_wait_all, pids, time.monotonic() + STOP_TIMEOUT)


class _Worker(Server):
    """A worker's uvicorn server, its loop beating in its slot of the parent's heartbeats;
    told to stop, it fails `/readyz` and completes its subscriptions as a single server does."""

    heartbeat: tuple[Heartbeats, int]
    parent: int

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        async with beating(*self.heartbeat):
            await super().serve(sockets)

    async def on_tick(self, counter: int) -> bool:
        # A worker whose parent was killed outright would go on serving its snapshot with no
        # one to reload it or replace it when it dies: it stops as on SIGTERM instead.
        if os.getppid() != self.parent:
            self.should_exit = True
        return await super().on_tick(counter)


def _work(
    app: Starlette,
    listener: socket.socket,
    settings: dict[str, Any],
    heartbeat: tuple[Heartbeats, int],
) -> None:
    """A forked worker: serve until told to stop, then leave without returning to the
    parent's event loop, which this process inherited but must never run."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        # The fork happened inside the parent's running loop; this process starts its own.
        asyncio.events._set_running_loop(None)
        server = _Worker(uvicorn.Config(app, lifespan="off", **settings), app.state.runtime)
        server.heartbeat = heartbeat
        server.parent = os.getppid()
        server.run(sockets=[listener])
        code = 0
    except BaseException:
        log.exception("newsgraph: worker %d failed", os.getpid())
    finally:
        os._exit(code)


def _wait_all(pids: frozenset[int], deadline: float) -> None:
    """Wait for every worker to exit; one still running at `deadline` is killed."""
    for pid in pids:
        try:
            while not os.waitpid(pid, os.WNOHANG)[0]:
                if time.monotonic() > deadline:
                    _signal(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.05)
        except ChildProcessError:  # reaped already, as a worker that died
            continue


def _reap_all(pids: frozenset[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
