"""In-process engine figures: route and pre-flight latency, a 10,000-shot batch, start-up time."""

from __future__ import annotations

import random
import statistics
import time

import msgspec

from router.batch import Storyboard
from router.loader import Catalog, load_catalog
from router.service import PreflightRequest, RouteRequest, preflight_prompt, route_batch, route_prompt
from router.settings import PROJECT_ROOT

SUBJECTS = ["a woman", "two dogs", "a chef", "a crowd of fans", "an astronaut", "a red car",
            "a dancer", "an old fisherman", "a cat and a parrot", "a robot"]
ACTIONS = ["walks slowly through the rain", "plays the piano, close-up on her hands",
           "runs and then turns around", "pours coffee into a glass cup", "explodes into confetti",
           "transforms into a flock of birds", "holds a sign that says OPEN",
           "laughs and talks to the camera", "sprints across a burning bridge", "sits still"]
CAMERA = ["", "camera pans left", "slow dolly in", "the camera orbits around", "handheld shot",
          "static shot", "crane up to reveal the city", "tracking shot", "zoom out"]
STYLE = ["", "anime style", "shot on 35mm film", "watercolor", "cinematic lighting, 8k", ""]


def prompts(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rnd.choice(SUBJECTS), rnd.choice(ACTIONS), rnd.choice(CAMERA), rnd.choice(STYLE)]
        if rnd.random() < 0.3:
            parts.append(f"{rnd.choice([4, 5, 8, 10])}-second clip")
        out.append(", ".join(p for p in parts if p))
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples), p99


def timed(fn: object, items: list[object]) -> tuple[float, float]:
    call = fn  # type: ignore[assignment]
    for item in items[:50]:
        call(item)  # type: ignore[operator]
    samples = []
    for item in items:
        t0 = time.perf_counter_ns()
        call(item)  # type: ignore[operator]
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return percentiles(samples)


def run(catalog: Catalog | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    catalog = catalog or load_catalog(PROJECT_ROOT)
    startup_ms = (time.perf_counter() - t0) * 1000
    texts = prompts(2000)
    routes = [RouteRequest(prompt=p) for p in texts]
    flights = [PreflightRequest(prompt=p, vendor="luma", model=catalog.vendors["luma"].models[-1].id)
               for p in texts]
    route_p50, route_p99 = timed(lambda r: route_prompt(catalog, r), routes)
    pre_p50, pre_p99 = timed(lambda r: preflight_prompt(catalog, r), flights)
    board = msgspec.convert({"shots": [{"prompt": p} for p in prompts(10_000, seed=11)]}, Storyboard)
    t0 = time.perf_counter()
    route_batch(catalog, board)
    batch_s = time.perf_counter() - t0
    return {
        "models": len(catalog.models), "catalog_load_ms": round(startup_ms, 1),
        "route_p50_us": round(route_p50, 1), "route_p99_us": round(route_p99, 1),
        "preflight_p50_us": round(pre_p50, 1), "preflight_p99_us": round(pre_p99, 1),
        "batch_10k_s": round(batch_s, 3),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:>20}: {value}")
