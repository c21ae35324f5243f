"""The hostile benchmark's overload from wrk (when it is on PATH): C, so on the server's own two
cores it can offer several times the rate the server sustains, where a Python generator
reaches about that rate.

wrk is a closed loop: each of its connections sends its next request as soon as the previous
answer is in, so what it offers is what the server answers, quickly when it sheds. A Lua
script sends the benchmark's request bodies in turn and counts the answers by status.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# wrk's Lua: each thread counts statuses in a global that `done` gathers from every thread.
SCRIPT = """
local bodies = {
%s
}
local sent = 0
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
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
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %%d %%d\\n", status, count))
    end
  end
end
"""


@dataclass(frozen=True, slots=True)
class Overload:
    """What wrk offered and how it was answered."""

    requests: int  # answered, whatever the status
    seconds: float
    statuses: dict[int, int]
    timeouts: int  # no answer within the client timeout
    socket_errors: int  # connect, read and write errors
    p99: float  # seconds, over every answer: accepted and shed together

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def wrk_overload(
    port: int,
    bodies: Sequence[bytes],
    connections: int,
    seconds: float,
    timeout: float,
    folder: Path,
) -> Overload:
    """Run wrk against POST /graphql for `seconds` (whole seconds, at least one)."""
    script = folder / "hostile.lua"
    quoted = ",\n".join(f"[==[{body.decode()}]==]" for body in bodies)
    script.write_text(SCRIPT % quoted, encoding="utf-8")
    command = [
        "wrk",
        "-t2",
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
    for status, count in re.findall(r"^status (\d+) (\d+)$", report, re.M):
        statuses[int(status)] = statuses.get(int(status), 0) + int(count)
    return Overload(
        requests=int(values["requests"]),
        seconds=float(values["seconds"]),
        statuses=statuses,
        timeouts=int(values["timeouts"]),
        socket_errors=int(values["socket_errors"]),
        p99=float(values["p99"]),
    )
