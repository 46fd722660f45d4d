"""`python -m bench` (`make bench`): every performance figure of issue 8 in one table.

In-process: analyze p50/p99 and the bare Aho-Corasick pass over the same prompts
(bench/bench_analyze.py), route and pre-flight p50/p99 over all catalog models and a 10,000-shot
batch (bench/bench_engine.py), graph query p50s (bench/bench_graph.py). Over HTTP on 127.0.0.1
(bench/http_bench.py): start-up time of a real `ava-router serve`, wrk requests/s and p99 of
route, analyze and the `/bench/echo` baseline with their ratios, and the server's peak RSS.
Each row carries its target (issues 3-5) and PASS/MISS; rows without a target say `info`.
Options: `--quick` (fewer samples, shorter wrk runs), `--no-http`, `--json FILE` (raw figures),
`--strict` (exit 1 when a target is missed; by default misses are reported, not fatal).
"""

from __future__ import annotations

import argparse
import operator
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import msgspec

from bench import bench_analyze, bench_engine, bench_graph, http_bench
from router.compiled import compiled_status

PASS, MISS, INFO = "PASS", "MISS", "info"
GRAPH_TARGET_US = 1000.0
TARGETS_US = {"analyze_p50": 20.0, "analyze_p99": 60.0, "route_p50": 100.0}


class Row(msgspec.Struct, frozen=True):
    """One line of the table: what, the figure, the target, and PASS/MISS/info."""

    name: str
    value: str
    target: str = "-"
    verdict: str = INFO


class Report(msgspec.Struct, frozen=True):
    """Everything one run measured (for `--json`)."""

    machine: dict[str, str]
    rows: list[Row]
    analyze: bench_analyze.AnalyzeFigures
    engine: bench_engine.EngineFigures
    graph: bench_graph.GraphFigures
    http: http_bench.HttpFigures | None
    seconds: float


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _compiled() -> str:
    status = compiled_status()
    done = sum(status.values())
    if done == len(status):
        return f"mypyc-compiled ({done} of {len(status)})"
    return f"{done} of {len(status)} compiled (others plain Python)"


def machine() -> dict[str, str]:
    """CPU, cores, RAM, OS, Python and the versions of the packages that serve HTTP."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "cpu": _cpu_model(),
        "cores": f"{os.cpu_count()} logical, {usable} usable by this process",
        "ram": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(
            f"{p} {_version(p)}"
            for p in ("litestar", "msgspec", "uvicorn", "pyahocorasick", "numpy")
        ),
        "engine modules": _compiled(),
        "load average at start": load,
    }


def check(value: float, target: float, op: Callable[[float, float], bool]) -> str:
    """PASS when `op(value, target)` holds."""
    return PASS if op(value, target) else MISS


def analyze_rows(a: bench_analyze.AnalyzeFigures) -> list[Row]:
    """Analyze latency against the bare matcher, issue 3's targets."""
    le = operator.le
    where = f"{a.prompts} prompts, {a.words_min}-{a.words_max} words"
    return [
        Row(
            f"analyze p50 ({where})",
            f"{a.analyze_p50_us:.1f} µs",
            "<= 20 µs",
            check(a.analyze_p50_us, TARGETS_US["analyze_p50"], le),
        ),
        Row(
            "analyze p99",
            f"{a.analyze_p99_us:.1f} µs",
            "<= 60 µs",
            check(a.analyze_p99_us, TARGETS_US["analyze_p99"], le),
        ),
        Row("bare matcher p50 / p99", f"{a.bare_p50_us:.1f} / {a.bare_p99_us:.1f} µs"),
        Row("analyze / bare matcher (p50)", f"{a.ratio:.2f}x", "<= 2.5x", check(a.ratio, 2.5, le)),
        Row(f"matcher build ({a.phrases} phrases)", f"{a.build_ms:.0f} ms"),
        Row(
            f"analyze p50 / p99 on tests/data ({a.labelled_prompts} prompts, "
            f"~{a.labelled_words_median:.0f} words; bare p50)",
            f"{a.labelled_p50_us:.1f} / {a.labelled_p99_us:.1f} µs ({a.labelled_bare_p50_us:.1f})",
        ),
    ]


def engine_rows(e: bench_engine.EngineFigures) -> list[Row]:
    """Route, pre-flight and batch, issue 4's targets."""
    le = operator.le
    return [
        Row(f"catalog load ({e.models} models)", f"{e.catalog_load_ms:.0f} ms"),
        Row(
            f"route p50 (all {e.models} models)",
            f"{e.route_p50_us:.1f} µs",
            "<= 100 µs",
            check(e.route_p50_us, TARGETS_US["route_p50"], le),
        ),
        Row("route p99", f"{e.route_p99_us:.1f} µs"),
        Row(
            "preflight p50 / p99 (models rotated)",
            f"{e.preflight_p50_us:.1f} / {e.preflight_p99_us:.1f} µs",
        ),
        Row(
            f"batch of {e.batch_shots:,} shots (in-process)",
            f"{e.batch_s:.2f} s",
            "<= 2 s",
            check(e.batch_s, 2.0, le) if e.batch_shots >= 10_000 else INFO,
        ),
    ]


def graph_rows(g: bench_graph.GraphFigures) -> list[Row]:
    """One row per graph query (p50, with p99 alongside), issue 5's target."""
    rows = [Row(f"graph build ({g.nodes} nodes, {g.edges} edges)", f"{g.build_ms:.1f} ms")]
    for name, (p50, p99) in g.queries.items():
        verdict = check(p50, GRAPH_TARGET_US, operator.le)
        rows.append(Row(f"graph {name} p50 (p99)", f"{p50:.1f} µs ({p99:.1f})", "<= 1 ms", verdict))
    return rows


def http_rows(h: http_bench.HttpFigures) -> list[Row]:
    """Start-up, RSS, and per endpoint requests/s, p99 and the ratio to the echo baseline."""
    if h.skipped:
        return [Row("HTTP benchmark", "skipped: " + h.skipped)]
    rows = [
        Row("start-up (process start -> /healthz 200)", f"{h.startup_s or 0:.2f} s"),
        Row("server peak RSS (VmHWM after HTTP runs)", f"{h.peak_rss_mb or 0:.0f} MiB"),
    ]
    echo = h.runs["/bench/echo"].rps
    for endpoint, r in h.runs.items():
        errors = f", {r.errors} errors" if r.errors else ""
        rows.append(
            Row(
                f"HTTP POST {endpoint} req/s (p99)",
                f"{r.rps:,.0f} ({r.p99_us / 1000:.2f} ms){errors}",
                "0 errors" if r.errors else "-",
                MISS if r.errors else INFO,
            )
        )
    for endpoint, name in (("/v1/route", "route"), ("/v1/analyze", "analyze")):
        ratio = h.runs[endpoint].rps / echo if echo else 0.0
        if endpoint == "/v1/route":
            rows.append(
                Row("HTTP route / echo", f"{ratio:.2f}x", ">= 0.7x", check(ratio, 0.7, operator.ge))
            )
        else:
            rows.append(Row(f"HTTP {name} / echo", f"{ratio:.2f}x"))
    return rows


def render(info: dict[str, str], rows: list[Row]) -> str:
    """The machine description, then the table."""
    lines = [f"{key:>22}: {value}" for key, value in info.items()]
    widths = [
        max(len(getattr(r, f)) for r in [*rows, Row("measure", "value", "target", "")])
        for f in ("name", "value", "target")
    ]
    head = Row("measure", "value", "target", "result")
    lines.append("")
    for row in [head, *rows]:
        lines.append(
            f"{row.name:<{widths[0]}}  {row.value:>{widths[1]}}  {row.target:<{widths[2]}}  "
            f"{row.verdict}"
        )
        if row is head:
            lines.append("-" * (sum(widths) + 12))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure everything, print one table, optionally save the raw figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples, 2 s wrk runs")
    parser.add_argument("--no-http", action="store_true", help="skip the server and wrk")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    info = machine()
    n = 500 if args.quick else 2000
    log = sys.stderr
    print("bench: analyze ...", file=log, flush=True)
    analyze = bench_analyze.measure(n=n, repeat=1 if args.quick else 3)
    print("bench: route, preflight, batch ...", file=log, flush=True)
    engine = bench_engine.run(n=n, batch=1000 if args.quick else 10_000)
    print("bench: graph queries ...", file=log, flush=True)
    graph = bench_graph.measure(n=200 if args.quick else 500)
    http = None
    if not args.no_http:
        print("bench: HTTP (server + wrk) ...", file=log, flush=True)
        duration, warmup = (2.0, 1.0) if args.quick else (5.0, 2.0)
        http = http_bench.measure(duration_s=duration, warmup_s=warmup)
        if http.wrk:
            info["load generator"] = f"{http.wrk}; -t1 -c16 -d{duration:g}s after {warmup:g}s"
    rows = [*analyze_rows(analyze), *engine_rows(engine), *graph_rows(graph)]
    rows += http_rows(http) if http else [Row("HTTP benchmark", "skipped (--no-http)")]
    seconds = time.perf_counter() - started
    info["bench wall time"] = f"{seconds:.0f} s"
    print(render(info, rows))
    if args.json:
        report = Report(info, rows, analyze, engine, graph, http, seconds)
        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(report)))
    missed = [r.name for r in rows if r.verdict == MISS]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
