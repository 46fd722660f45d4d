"""Latency of the prompt rules engine: `Matcher.analyze` against the bare automaton pass.

Generates 2,000 prompts of 10-200 words (fixed seed) from rule phrases mixed with filler, times
`analyze` per prompt and, in the same run, the bare Aho-Corasick iteration (lowercase + iter)
over the same prompts. Run: `python -m bench.bench_analyze [--n 2000] [--repeat 3]`.
Targets (issue 3): p50 <= 20 us, p99 <= 60 us, analyze <= 2.5x the bare pass.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from router.rules import Matcher, compile_rules, expand, load_rules

RULES = Path(__file__).resolve().parent.parent / "catalog" / "features.yaml"
_FILLER_WORDS = (
    "a the of in on at with and to from as while under over into across slowly gently "
    "scene light shadow morning evening city street room table window road forest field "
    "wide shot cinematic soft warm cold quiet bright dark old young small large beautiful "
    "detailed texture ambient background foreground frame moment color style lens mood"
)
FILLER = _FILLER_WORDS.split()
EXTRA = [
    "no camera movement",
    "without text",
    "10-second",
    "for 12 seconds",
    "two dogs",
    '"OPEN"',
    "that says",
    "5 people",
    "🎬",
    "東京",
    "don't zoom",
    "camera movement: none",
]


def make_prompts(matcher_phrases: list[str], n: int, seed: int = 7) -> list[str]:
    """Deterministic prompts of 10-200 words mixing rule phrases, extras and filler."""
    rng = random.Random(seed)
    prompts = []
    for _ in range(n):
        target = rng.randint(10, 200)
        words: list[str] = []
        while len(words) < target:
            roll = rng.random()
            if roll < 0.12:
                words.extend(rng.choice(matcher_phrases).split())
            elif roll < 0.14:
                words.extend(rng.choice(EXTRA).split())
            else:
                words.append(rng.choice(FILLER))
            if rng.random() < 0.08:
                words[-1] += rng.choice([",", ".", ";"])
        prompts.append(" ".join(words[:target]))
    return prompts


def time_each(fn: Callable[[str], object], prompts: list[str], repeat: int) -> list[float]:
    """Best-of-`repeat` microseconds per prompt."""
    best = [float("inf")] * len(prompts)
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for i, p in enumerate(prompts):
            t0 = clock()
            fn(p)
            dt = (clock() - t0) / 1000.0
            best[i] = min(best[i], dt)
    return best


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0-100) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bare(matcher: Matcher) -> Callable[[str], object]:
    """The baseline: lowercase and drain the automaton, nothing else."""
    auto = matcher._auto  # the benchmark measures the private automaton on purpose

    def run(prompt: str) -> object:
        for _ in auto.iter(prompt.lower()):
            pass
        return None

    return run


class AnalyzeFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Matcher size and build time, and per-prompt microseconds of analyze and the bare pass."""

    rules_version: str
    phrases: int
    build_ms: float
    prompts: int
    words_min: int
    words_max: int
    words_median: float
    analyze_p50_us: float
    analyze_p99_us: float
    bare_p50_us: float
    bare_p99_us: float
    ratio: float


def measure(n: int = 2000, repeat: int = 3) -> AnalyzeFigures:
    """Build the matcher, then time `analyze` and the bare pass over the same `n` prompts."""
    rules = load_rules(RULES)
    t0 = time.perf_counter()
    matcher = compile_rules(rules)
    build_ms = (time.perf_counter() - t0) * 1000
    phrases = [v for f in rules.features for p in f.phrases for v in expand(p)]
    prompts = make_prompts(phrases, n)
    words = [len(p.split()) for p in prompts]
    for p in prompts[:50]:
        matcher.analyze(p)  # warm-up
    full = time_each(matcher.analyze, prompts, repeat)
    base = time_each(bare(matcher), prompts, repeat)
    return AnalyzeFigures(
        rules_version=matcher.rules_version,
        phrases=len(phrases),
        build_ms=build_ms,
        prompts=len(prompts),
        words_min=min(words),
        words_max=max(words),
        words_median=statistics.median(words),
        analyze_p50_us=pct(full, 50),
        analyze_p99_us=pct(full, 99),
        bare_p50_us=pct(base, 50),
        bare_p99_us=pct(base, 99),
        ratio=statistics.median(full) / statistics.median(base),
    )


def main(argv: list[str] | None = None) -> int:
    """Print build time, p50/p99 of analyze and of the bare pass, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    r = measure(args.n, args.repeat)
    print(f"rules {r.rules_version}: {r.phrases} phrases, build {r.build_ms:.0f} ms")
    print(f"prompts: {r.prompts}, words {r.words_min}-{r.words_max} (median {r.words_median:.0f})")
    print(f"analyze      p50 {r.analyze_p50_us:6.1f} us   p99 {r.analyze_p99_us:6.1f} us")
    print(f"bare matcher p50 {r.bare_p50_us:6.1f} us   p99 {r.bare_p99_us:6.1f} us")
    print(f"ratio (p50 analyze / p50 bare): {r.ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
