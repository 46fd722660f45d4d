"""Per-query latency of the failure graph on the real catalog: p50/p99 in microseconds.

Run: `.venv/bin/python bench/bench_graph.py [--root DIR] [--n 2000]`. The graph is built once
(its build time is printed too); each query then runs `n` times over a rotating set of inputs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from router.graph import FailureGraph, build_graph, export_graphml, export_json
from router.graph_queries import equivalents, exposure, path, related, summary
from router.loader import load_catalog
from router.risk import FeatureMatch
from router.settings import PROJECT_ROOT

TCD = "temporal_coherence_degradation"


def _time(func: Callable[[int], object], n: int) -> tuple[float, float]:
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        func(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[min(n - 1, int(n * 0.99))]


def _cases(fg: FailureGraph) -> dict[str, Callable[[int], object]]:
    classes = sorted(fg.class_names)
    manifests = sorted(n for n, k in fg.graph.nodes(data="kind") if k == "manifestation")
    feats = sorted(fg.triggers)
    sets = [
        [FeatureMatch(id=f, confidence=1.0) for f in feats[i : i + 4]]
        for i in range(0, len(feats), 4)
    ]
    return {
        "related depth=1": lambda i: related(fg, classes[i % len(classes)], 1),
        "related depth=2": lambda i: related(fg, classes[i % len(classes)], 2),
        "related depth=3": lambda i: related(fg, classes[i % len(classes)], 3),
        "related depth=3 +triggers": lambda i: related(
            fg,
            classes[i % len(classes)],
            3,
            kinds=["co_occurs_with", "amplified_by", "causes", "confused_with", "triggered_by"],
        ),
        "related depth=2 vendor=kling": lambda i: related(
            fg, classes[i % len(classes)], 2, vendor="kling"
        ),
        "related manifestation": lambda i: related(fg, manifests[i % len(manifests)], 2),
        "equivalents": lambda i: equivalents(fg, classes[i % len(classes)]),
        "exposure (4 features)": lambda i: exposure(fg, sets[i % len(sets)]),
        "path": lambda i: path(fg, classes[i % len(classes)], classes[(i * 7) % len(classes)]),
        "summary": lambda i: summary(fg),
    }


class GraphFigures(msgspec.Struct, frozen=True):
    """Graph size, build time and (p50, p99) microseconds per query."""

    catalog_version: str
    nodes: int
    edges: int
    build_ms: float
    queries: dict[str, tuple[float, float]]


def measure(root: Path = PROJECT_ROOT, n: int = 2000) -> GraphFigures:
    """Build the graph once, then (p50, p99) microseconds per query over `n` calls."""
    catalog = load_catalog(root)
    start = time.perf_counter()
    fg = build_graph(catalog)
    built_ms = (time.perf_counter() - start) * 1000
    queries = {name: _time(func, n) for name, func in _cases(fg).items()}
    g = fg.graph
    return GraphFigures(
        catalog.version, g.number_of_nodes(), g.number_of_edges(), built_ms, queries
    )


def main() -> int:
    """Build the graph, time every query, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    r = measure(args.root, args.n)
    print(
        f"graph: {r.nodes} nodes, {r.edges} edges, "
        f"built in {r.build_ms:.1f} ms (catalog {r.catalog_version})"
    )
    print(f"{'query':32} {'p50 µs':>9} {'p99 µs':>9}")
    for name, (p50, p99) in r.queries.items():
        print(f"{name:32} {p50:9.1f} {p99:9.1f}")
    fg = build_graph(load_catalog(args.root))
    for name, func in {
        "export json": lambda _: export_json(fg),
        "export graphml": lambda _: export_graphml(fg),
    }.items():
        p50, p99 = _time(func, 20)
        print(f"{name:32} {p50:9.1f} {p99:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
