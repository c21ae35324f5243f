"""The hostile benchmark's overload from wrk (when it is on PATH): C, so on the server's own two
cores it can offer several times the rate the server sustains, where a Python generator
reaches about that rate.

wrk on its own is a closed loop: each of its connections sends its next request as soon as
the previous answer is in, so what it offers is what the server answers. Here its Lua script
makes it an open loop: `delay()` holds each send until the next slot of a fixed schedule
(`rate` requests a second over both threads, on the monotonic clock, read through LuaJIT's
FFI), so a connection whose answer came early waits, and the rate offered does not follow the
server's. It follows the connections only when every one of them is waiting for an answer: a
slot that finds no free connection is counted as missed (the generator saturated there, not
the server) rather than sent late in a burst. The script also sends the benchmark's request
bodies in turn and counts the answers by status.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

THREADS = 2

# wrk's Lua: each thread counts statuses in a global that `done` gathers from every thread.
SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } ng_timespec;
int clock_gettime(int clock, ng_timespec *now);
]]
local clock = ffi.new("ng_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local bodies = {
%s
}
local period = %f  -- ms between two sends of one thread
local next_at = nil
sent = 0
missed = 0
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function delay()
  local now = now_ms()
  if next_at == nil then next_at = now end
  if next_at < now - period then
    missed = missed + math.floor((now - next_at) / period)
    next_at = now
  end
  local wait = next_at - now
  next_at = next_at + period
  return wait
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"},
                    bodies[(sent %% #bodies) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("requests %%d\\n", summary.requests))
  io.write(string.format("seconds %%f\\n", summary.duration / 1e6))
  io.write(string.format("timeouts %%d\\n", summary.errors.timeout))
  io.write(string.format("socket_errors %%d\\n",
    summary.errors.connect + summary.errors.read + summary.errors.write))
  io.write(string.format("p99 %%f\\n", latency:percentile(99) / 1e6))
  for _, thread in ipairs(threads) do
    io.write(string.format("sent %%d\\n", thread:get("sent")))
    io.write(string.format("missed %%d\\n", thread:get("missed")))
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %%d %%d\\n", status, count))
    end
  end
end
"""


@dataclass(frozen=True, slots=True)
class Overload:
    """What wrk offered and how it was answered."""

    sent: int  # requests sent
    missed: int  # slots of the schedule that found every connection waiting for an answer
    requests: int  # answered, whatever the status
    seconds: float
    statuses: dict[int, int]
    timeouts: int  # no answer within the client timeout
    socket_errors: int  # connect, read and write errors
    p99: float  # seconds, over every answer: accepted and shed together


def available() -> bool:
    return shutil.which("wrk") is not None


def wrk_overload(
    port: int,
    bodies: Sequence[bytes],
    rate: float,
    connections: int,
    seconds: float,
    timeout: float,
    folder: Path,
) -> Overload:
    """Run wrk against POST /graphql for `seconds` (whole seconds, at least one), offering
    `rate` requests a second over `connections` connections."""
    script = folder / "hostile.lua"
    quoted = ",\n".join(f"[==[{body.decode()}]==]" for body in bodies)
    script.write_text(SCRIPT % (quoted, 1000 * THREADS / rate), encoding="utf-8")
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout))}s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/graphql",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return parse(done.stdout)


def parse(report: str) -> Overload:
    values = dict(
        re.findall(r"^(requests|seconds|timeouts|socket_errors|p99) (\S+)$", report, re.M)
    )
    statuses: dict[int, int] = {}
    sent = sum(int(count) for count in re.findall(r"^sent (\d+)$", report, re.M))
    missed = sum(int(count) for count in re.findall(r"^missed (\d+)$", report, re.M))
    for status, count in re.findall(r"^status (\d+) (\d+)$", report, re.M):
        statuses[int(status)] = statuses.get(int(status), 0) + int(count)
    return Overload(
        sent=sent,
        missed=missed,
        requests=int(values["requests"]),
        seconds=float(values["seconds"]),
        statuses=statuses,
        timeouts=int(values["timeouts"]),
        socket_errors=int(values["socket_errors"]),
        p99=float(values["p99"]),
    )
