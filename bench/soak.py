"""`make soak`: mixed load on loopback for a fixed time; any error fails the run.

Starts a real `ava-router serve` on 127.0.0.1 (as bench/http_bench.py does: one worker, rate
limit off, a throw-away report database), builds a deterministic mix of valid requests from the
catalog (analyze, pre-flight, route, a small batch, vendors, failures, graph queries, healthz,
metrics), sends each once to check it answers 2xx, then replays the mix in rotation with wrk
(`bench/wrk_mix.lua`, which checks every status) for `--duration` seconds. Without wrk it falls
back to asyncio httpx clients. Afterwards the server must still answer `/healthz` and its log
must hold no traceback. Reports the totals, p50/p99/max latency and the server's memory; exits
1 on any error (non-2xx, connection error, timeout, traceback).
Run: `python -m bench.soak [--duration 60] [--threads 2] [--connections 8]`.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import msgspec

from bench.bench_engine import prompts
from bench.http_bench import (
    HOST,
    Server,
    WrkResult,
    find_wrk,
    http_get,
    proc_status,
    run_wrk,
    write_requests,
)
from router.graph import build_graph
from router.graph_queries import GraphError, path
from router.loader import Catalog, load_catalog
from router.settings import PROJECT_ROOT

Request = tuple[str, str, bytes | None]
TCD = "temporal_coherence_degradation"
UNICODE = ["東京の夜、雨の中を歩く女性、カメラがパンする", "a 🎬 clapperboard, no text", "café ñ ü"]
ROUTE_OPTIONS: list[dict[str, object]] = [
    {},
    {"duration_s": 8},
    {"audio": True},
    {"max_cost_usd": 2.5, "top_k": 3},
    {"mode": "image_to_video"},
    {"weights": {"risk": 1, "cost": 0}, "top_k": 10},
]


def _post(target: str, payload: object) -> Request:
    return ("POST", target, msgspec.json.encode(payload))


def _get(url: str, /, **query: str) -> Request:
    return ("GET", url + ("?" + urlencode(query) if query else ""), None)


def engine_requests(catalog: Catalog, rng: random.Random) -> list[Request]:
    """Analyze, pre-flight (active models only), route with varied constraints, one batch."""
    texts = prompts(60, seed=5) + UNICODE
    active = [
        ref for ref in catalog.models.values() if ref.model.status not in {"retired", "deprecated"}
    ]
    out: list[Request] = []
    for i, text in enumerate(texts):
        ref = active[i % len(active)]
        out.append(_post("/v1/analyze", {"prompt": text}))
        out.append(
            _post(
                "/v1/preflight",
                {"prompt": text, "vendor": ref.vendor.id, "model": ref.model.id},
            )
        )
        out.append(_post("/v1/route", {"prompt": text, **ROUTE_OPTIONS[i % len(ROUTE_OPTIONS)]}))
    vendor_ids = sorted(catalog.vendors)
    out.append(_post("/v1/route", {"prompt": texts[0], "vendors": rng.sample(vendor_ids, 2)}))
    out.append(_post("/v1/route/batch", [{"prompt": t} for t in texts[:20]]))
    return out


def catalog_requests(catalog: Catalog) -> list[Request]:
    """Vendor and failure listings and details, healthz and metrics."""
    out = [_get("/healthz"), _get("/v1/vendors"), _get("/v1/failures"), _get("/metrics")]
    out += [_get(f"/v1/vendors/{quote(v)}") for v in sorted(catalog.vendors)]
    out += [_get(f"/v1/failures/{quote(c)}") for c in sorted(catalog.classes)]
    return out


def graph_requests(catalog: Catalog) -> list[Request]:
    """Related (depth 1-3, with a vendor), equivalents, exposure, paths that exist, summary."""
    fg = build_graph(catalog)
    classes = sorted(catalog.classes)
    feats = sorted(catalog.triggers)
    vendor = sorted(catalog.vendors)[0]
    out = [_get("/v1/graph/summary"), _get("/v1/graph", format="json")]
    for i, cls in enumerate(classes):
        out.append(_get(f"/v1/failures/{cls}/related", depth=str(i % 3 + 1)))
        out.append(_get(f"/v1/graph/equivalents/{cls}"))
        out.append(_get("/v1/graph/exposure", features=",".join(feats[i : i + 3] or feats[:3])))
        try:  # only pairs the graph connects: an unconnected pair is a correct 404, not load
            path(fg, TCD, cls)
        except GraphError:
            continue
        out.append(_get("/v1/graph/path", source=TCD, target=cls))
    out.append(_get(f"/v1/failures/{TCD}/related", depth="2", vendor=vendor))
    return out


def build_mix(catalog: Catalog, seed: int = 13) -> list[Request]:
    """Every request above once, engine requests twice (they are the hot path), shuffled."""
    rng = random.Random(seed)
    engine = engine_requests(catalog, rng)
    mix = [*engine, *engine, *catalog_requests(catalog), *graph_requests(catalog)]
    rng.shuffle(mix)
    return mix


def precheck(port: int, mix: list[Request]) -> list[str]:
    """Send each distinct request once; describe every one that does not answer 2xx."""
    problems = []
    for method, target, body in dict.fromkeys(mix):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read()[:300].decode(errors="replace")
            if not 200 <= resp.status < 300:
                problems.append(f"{resp.status} {method} {target}: {text}")
        except OSError as exc:
            problems.append(f"{method} {target}: {exc}")
        finally:
            conn.close()
    return problems


async def _client(
    base: str, mix: list[Request], start: int, deadline: float, out: list[float], bad: list[str]
) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        i = start
        while time.perf_counter() < deadline:
            method, target, body = mix[i % len(mix)]
            i += 1
            t0 = time.perf_counter()
            try:
                headers = {"Content-Type": "application/json"} if body else {}
                resp = await client.request(method, target, content=body, headers=headers)
                if not 200 <= resp.status_code < 300:
                    bad.append(f"{resp.status_code} {method} {target}: {resp.text[:300]}")
            except httpx.HTTPError as exc:
                bad.append(f"{method} {target}: {exc!r}")
            out.append((time.perf_counter() - t0) * 1e6)


def httpx_load(base: str, mix: list[Request], clients: int, duration_s: float) -> WrkResult:
    """The fallback load generator: `clients` asyncio httpx clients, each rotating the mix."""
    samples: list[float] = []
    bad: list[str] = []
    started = time.perf_counter()
    deadline = started + duration_s

    async def run() -> None:
        step = max(1, len(mix) // clients)
        jobs = [_client(base, mix, k * step, deadline, samples, bad) for k in range(clients)]
        await asyncio.gather(*jobs)

    asyncio.run(run())
    elapsed = time.perf_counter() - started
    ordered = sorted(samples) or [0.0]

    def q(x: float) -> int:
        return int(ordered[min(len(ordered) - 1, int(x * len(ordered)))])

    return WrkResult(
        requests=len(samples), duration_us=int(elapsed * 1e6), connect=0, read=0, write=0,
        status=len(bad), timeout=0, p50_us=q(0.5), p90_us=q(0.9), p99_us=q(0.99),
        max_us=int(ordered[-1]), mean_us=statistics.fmean(ordered), bad=len(bad),
        bad_example=bad[0] if bad else "",
    )  # fmt: skip


def total_errors(r: WrkResult) -> int:
    """Socket errors, timeouts and non-2xx answers (wrk counts >= 400, the Lua hook non-2xx)."""
    return r.connect + r.read + r.write + r.timeout + max(r.bad, r.status)


def log_problems(log: str) -> list[str]:
    """Lines of the server log that show a crash or an error."""
    return [ln for ln in log.splitlines() if "Traceback" in ln or ln.startswith(("ERROR", "CRIT"))]


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the summary; exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    args = parser.parse_args(argv)
    mix = build_mix(load_catalog(PROJECT_ROOT))
    wrk = find_wrk()
    failures: list[str] = []
    with Server() as server, tempfile.TemporaryDirectory(prefix="ava-soak-") as tmp:
        rss_start = proc_status(server.pid, "VmRSS")
        failures += precheck(server.port, mix)
        print(f"soak: {len(mix)} requests in rotation ({len(set(mix))} distinct), "
              f"{args.duration:g} s, {args.connections} connections, "
              f"{'wrk' if wrk else 'httpx (wrk not found)'}", flush=True)  # fmt: skip
        if wrk:
            reqs = write_requests(Path(tmp) / "mix.tsv", mix)
            result = run_wrk(wrk, server.url, "wrk_mix.lua", reqs, threads=args.threads,
                             connections=args.connections, duration_s=args.duration)  # fmt: skip
        else:
            result = httpx_load(server.url, mix, args.connections, args.duration)
        try:
            healthy = http_get(server.port, "/healthz", timeout=5) == 200
        except OSError as exc:
            healthy, failures = False, [*failures, f"/healthz after the soak: {exc}"]
        rss_end = proc_status(server.pid, "VmRSS")
        peak = proc_status(server.pid, "VmHWM")
        logged = log_problems(server.log_tail(10_000))
    failures += [f"server log: {line}" for line in logged[:20]]
    if not healthy:
        failures.append("/healthz did not answer 200 after the soak")
    if total_errors(result):
        failures.append(
            f"{total_errors(result)} errors under load (connect {result.connect}, read "
            f"{result.read}, write {result.write}, timeout {result.timeout}, non-2xx "
            f"{max(result.bad, result.status)}); first non-2xx: {result.bad_example or '-'}"
        )
    print(report(result, rss_start, rss_end, peak))
    for failure in failures:
        print("ERROR:", failure, file=sys.stderr)
    print("soak: FAIL" if failures else "soak: PASS (0 errors)")
    return 1 if failures else 0


def report(r: WrkResult, rss_start: float | None, rss_end: float | None, peak: float | None) -> str:
    """The soak summary, one figure per line."""

    def mib(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.0f} MiB"

    return "\n".join(
        [
            f"requests: {r.requests:,} in {r.duration_us / 1e6:.1f} s ({r.rps:,.0f}/s)",
            f"latency: p50 {r.p50_us / 1000:.2f} ms, p90 {r.p90_us / 1000:.2f} ms, "
            f"p99 {r.p99_us / 1000:.2f} ms, max {r.max_us / 1000:.2f} ms",
            f"errors: {total_errors(r)} (non-2xx {max(r.bad, r.status)}, "
            f"socket {r.connect + r.read + r.write}, timeouts {r.timeout})",
            f"server RSS: {mib(rss_start)} at start, {mib(rss_end)} at end, peak {mib(peak)}",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
