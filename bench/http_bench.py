"""HTTP figures on loopback: start-up time, wrk throughput and p99, and the server's peak RSS.

Starts a real `ava-router serve` (one uvicorn worker, access log off, rate limit off, the
`/bench/echo` baseline on, a throw-away report database) on 127.0.0.1 and a free port, then
drives `POST /bench/echo`, `POST /v1/route` and `POST /v1/analyze` with wrk (`bench/wrk_post.lua`
replays the same rotating set of request bodies to each), a warm-up run before each measured
run. The route/echo and analyze/echo ratios come from the same run, on the same server.
Run: `python -m bench.http_bench [--duration 5] [--warmup 2] [--connections 16]`.
Target (issue 4): route throughput >= 0.7 x echo.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import msgspec

from bench.bench_engine import prompts

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only: the benchmark never listens on or calls another interface
ENDPOINTS = ("/bench/echo", "/v1/route", "/v1/analyze")


class WrkResult(msgspec.Struct, frozen=True, kw_only=True):
    """One wrk run, as printed by the `done()` hook of the Lua scripts (latencies in µs)."""

    requests: int
    duration_us: int
    connect: int
    read: int
    write: int
    status: int
    timeout: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: float
    bad: int
    bad_example: str

    @property
    def rps(self) -> float:
        """Requests per second over the run."""
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def errors(self) -> int:
        """Socket errors, timeouts and responses >= 400 (wrk's own counters)."""
        return self.connect + self.read + self.write + self.timeout + self.status


class HttpFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Start-up seconds, peak RSS and one wrk result per endpoint; `skipped` says why if none."""

    startup_s: float | None = None
    peak_rss_mb: float | None = None
    wrk: str = ""
    runs: dict[str, WrkResult] = {}
    skipped: str | None = None


def find_wrk() -> str | None:
    """The wrk binary, from PATH or Debian's location."""
    found = shutil.which("wrk")
    if found:
        return found
    return "/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None


def free_port() -> int:
    """A TCP port that is free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def serve_command(port: int) -> list[str]:
    """`ava-router serve` from this interpreter's environment (the console script if present)."""
    script = Path(sys.executable).parent / "ava-router"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "router"]
    return [*head, "serve", "--host", HOST, "--port", str(port)]


def proc_status(pid: int, field: str) -> float | None:
    """A `kB` field of /proc/<pid>/status (VmHWM, VmRSS) in MiB, or None off Linux."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def http_get(port: int, path: str, timeout: float = 2.0) -> int:
    """Status of a GET on the loopback server (raises OSError when nothing listens)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


class Server:
    """A real `ava-router serve` subprocess on loopback, stopped with SIGTERM on exit."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="ava-bench-")
        self.log_path = Path(self.tmp.name) / "server.log"
        self.env = {
            **os.environ,
            "AVA_ROUTER_RATE_LIMIT": "0",
            "AVA_ROUTER_BENCH_ECHO": "1",
            "AVA_ROUTER_DB": str(Path(self.tmp.name) / "reports.db"),
            "AVA_ROUTER_LOG_LEVEL": "warning",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    def __enter__(self) -> Server:
        with self.log_path.open("wb") as log:
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                serve_command(self.port), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.startup_s = self._wait_ready(started)
        return self

    def _wait_ready(self, started: float, limit_s: float = 60.0) -> float:
        """Seconds from process start until `/healthz` answers 200."""
        assert self.proc is not None
        while time.perf_counter() - started < limit_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if http_get(self.port, "/healthz", timeout=0.5) == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"server not ready after {limit_s:.0f} s:\n{self.log_tail()}")

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        """Process id of the server."""
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's stdout/stderr."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.tmp.cleanup()


def write_requests(path: Path, lines: Iterable[tuple[str, str, bytes | None]]) -> Path:
    """The request file the Lua scripts read: METHOD, PATH and one-line JSON body, tab-separated."""
    with path.open("wb") as out:
        for method, target, body in lines:
            out.write(f"{method}\t{target}\t".encode() + (body or b"") + b"\n")
    return path


def run_wrk(
    wrk: str,
    url: str,
    script: str,
    requests_file: Path,
    *,
    threads: int = 1,
    connections: int = 16,
    duration_s: float = 5.0,
) -> WrkResult:
    """Run wrk once (bounded: `-d` plus a 5 s margin) and parse its WRKJSON line."""
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s:g}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(BENCH_DIR / script),
        url,
        "--",
        str(requests_file),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 30, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return msgspec.json.decode(line[len("WRKJSON ") :], type=WrkResult)
    raise RuntimeError(f"wrk printed no result (exit {done.returncode}): {done.stderr.strip()}")


def wrk_version(wrk: str) -> str:
    """`wrk -v` without its copyright notice (wrk exits 1 after printing it)."""
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False, timeout=10)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].split(" Copyright")[0] if lines else "wrk"


def bodies(n: int = 64) -> list[bytes]:
    """The request bodies replayed to every endpoint: varied shot prompts, one JSON line each."""
    return [msgspec.json.encode({"prompt": p}) for p in prompts(n, seed=3)]


def measure(duration_s: float = 5.0, warmup_s: float = 2.0, connections: int = 16) -> HttpFigures:
    """Start the server, run wrk against each endpoint, read the server's peak RSS."""
    wrk = find_wrk()
    if wrk is None:
        return HttpFigures(skipped="wrk not found (Debian: apt-get install -y wrk)")
    runs: dict[str, WrkResult] = {}
    with Server() as server, tempfile.TemporaryDirectory(prefix="ava-wrk-") as tmp:
        for endpoint in ENDPOINTS:
            lines = [("POST", endpoint, body) for body in bodies()]
            reqs = write_requests(Path(tmp) / "requests.tsv", lines)
            common = {"connections": connections}
            run_wrk(wrk, server.url, "wrk_post.lua", reqs, duration_s=warmup_s, **common)
            runs[endpoint] = run_wrk(
                wrk, server.url, "wrk_post.lua", reqs, duration_s=duration_s, **common
            )
        peak = proc_status(server.pid, "VmHWM")
        startup = server.startup_s
    return HttpFigures(
        startup_s=startup, peak_rss_mb=peak, wrk=wrk_version(wrk), runs=runs, skipped=None
    )


def main(argv: list[str] | None = None) -> int:
    """Print start-up time, peak RSS, and per endpoint requests/s, p50/p99 and the echo ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    figures = measure(args.duration, args.warmup, args.connections)
    if figures.skipped:
        print(f"HTTP benchmark skipped: {figures.skipped}")
        return 0
    print(f"{figures.wrk}; start-up {figures.startup_s:.2f} s; peak RSS {figures.peak_rss_mb} MiB")
    echo = figures.runs["/bench/echo"].rps
    for endpoint, r in figures.runs.items():
        print(
            f"{endpoint:14} {r.rps:9.0f} req/s  p50 {r.p50_us / 1000:6.2f} ms  "
            f"p99 {r.p99_us / 1000:6.2f} ms  errors {r.errors}  x echo {r.rps / echo:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
