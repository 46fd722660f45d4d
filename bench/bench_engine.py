"""In-process engine figures: route and pre-flight latency, a 10,000-shot batch, catalog load.

Route ranks every catalog model per prompt; pre-flight rotates over every catalog model (one per
prompt), so both cover the whole catalog. Run: `python -m bench.bench_engine [--n 2000]`.
Targets (issue 4): route p50 <= 100 us, a 10,000-shot batch <= 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import msgspec

from router.batch import Storyboard
from router.loader import Catalog, load_catalog
from router.service import (
    PreflightRequest,
    RouteRequest,
    preflight_prompt,
    route_batch,
    route_prompt,
)
from router.settings import PROJECT_ROOT

T = TypeVar("T")

SUBJECTS = [
    "a woman",
    "two dogs",
    "a chef",
    "a crowd of fans",
    "an astronaut",
    "a red car",
    "a dancer",
    "an old fisherman",
    "a cat and a parrot",
    "a robot",
]
ACTIONS = [
    "walks slowly through the rain",
    "plays the piano, close-up on her hands",
    "runs and then turns around",
    "pours coffee into a glass cup",
    "explodes into confetti",
    "transforms into a flock of birds",
    "holds a sign that says OPEN",
    "laughs and talks to the camera",
    "sprints across a burning bridge",
    "sits still",
]
CAMERA = [
    "",
    "camera pans left",
    "slow dolly in",
    "the camera orbits around",
    "handheld shot",
    "static shot",
    "crane up to reveal the city",
    "tracking shot",
    "zoom out",
]
STYLE = ["", "anime style", "shot on 35mm film", "watercolor", "cinematic lighting, 8k", ""]


def prompts(n: int, seed: int = 7) -> list[str]:
    """Deterministic shot prompts: subject, action, optional camera, style and duration."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rnd.choice(SUBJECTS), rnd.choice(ACTIONS), rnd.choice(CAMERA), rnd.choice(STYLE)]
        if rnd.random() < 0.3:
            parts.append(f"{rnd.choice([4, 5, 8, 10])}-second clip")
        out.append(", ".join(p for p in parts if p))
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) of the samples."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def timed(call: Callable[[T], object], items: Sequence[T]) -> tuple[float, float]:
    """(p50, p99) microseconds of one call per item, after 50 warm-up calls."""
    for item in items[:50]:
        call(item)
    clock = time.perf_counter_ns
    samples = []
    for item in items:
        t0 = clock()
        call(item)
        samples.append((clock() - t0) / 1000)
    return percentiles(samples)


class EngineFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Catalog load time, route/pre-flight microseconds per call, and one batch call's seconds."""

    models: int
    catalog_load_ms: float
    route_p50_us: float
    route_p99_us: float
    preflight_p50_us: float
    preflight_p99_us: float
    batch_shots: int
    batch_s: float


def run(catalog: Catalog | None = None, n: int = 2000, batch: int = 10_000) -> EngineFigures:
    """Catalog load, route and pre-flight p50/p99 over `n` prompts, and one `batch`-shot call."""
    t0 = time.perf_counter()
    catalog = catalog or load_catalog(PROJECT_ROOT)
    load_ms = (time.perf_counter() - t0) * 1000
    texts = prompts(n)
    refs = sorted(catalog.models.values(), key=lambda r: (r.vendor.id, r.model.id))
    routes = [RouteRequest(prompt=p) for p in texts]
    flights = [
        PreflightRequest(prompt=p, vendor=ref.vendor.id, model=ref.model.id)
        for p, ref in zip(texts, (refs[i % len(refs)] for i in range(n)), strict=True)
    ]
    route_p50, route_p99 = timed(lambda r: route_prompt(catalog, r), routes)
    pre_p50, pre_p99 = timed(lambda r: preflight_prompt(catalog, r), flights)
    shots = {"shots": [{"prompt": p} for p in prompts(batch, seed=11)]}
    board = msgspec.convert(shots, Storyboard)
    t0 = time.perf_counter()
    route_batch(catalog, board)
    batch_s = time.perf_counter() - t0
    return EngineFigures(
        models=len(catalog.models),
        catalog_load_ms=load_ms,
        route_p50_us=route_p50,
        route_p99_us=route_p99,
        preflight_p50_us=pre_p50,
        preflight_p99_us=pre_p99,
        batch_shots=batch,
        batch_s=batch_s,
    )


def main(argv: list[str] | None = None) -> int:
    """Print the figures, one per line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args(argv)
    figures = run(n=args.n, batch=args.batch)
    for key, value in msgspec.structs.asdict(figures).items():
        print(f"{key:>20}: {value:.1f}" if isinstance(value, float) else f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
