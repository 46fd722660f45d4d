"""Latency of the prompt rules engine: `Matcher.analyze` against the bare automaton pass.

Generates 2,000 user-like prompts of 10-200 words (fixed seed; subjects, actions, places, camera
directions, styles and details, with negations, counts, durations, quotes, emoji and CJK), times
`analyze` per prompt and, in the same run, the bare Aho-Corasick pass (`Matcher.iter_bare`: the
automaton over the text exactly as the engine feeds it) over the same prompts. Also times both
over the labelled prompt set in tests/data (realistic prompts, for context; the targets apply to
the generated set). Run: `python -m bench.bench_analyze [--n 2000] [--repeat 3]`.
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

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "catalog" / "features.yaml"
LABELLED = ROOT / "tests" / "data" / "features_labelled.jsonl"
# fmt: off
SUBJECTS = [
    "a young woman in a red raincoat", "an old fisherman with a grey beard", "two kids",
    "a golden retriever", "a tired barista", "a crowd of commuters", "a small robot",
    "a ballerina", "three wolf pups", "a detective in a trench coat", "my grandmother",
    "a street musician", "a teenage skateboarder", "a black cat", "a couple", "an astronaut",
    "a chef", "a herd of horses", "a little girl holding a balloon", "the lead singer",
    "a knight in dented armour", "a hummingbird", "an elderly man", "a group of friends",
    "a delivery driver", "a surfer", "a fox", "twin sisters", "a boxer", "a scientist",
]
ACTIONS = [
    "walks slowly through", "runs along", "dances alone in", "sits quietly in",
    "pours hot coffee into a mug in", "looks out over", "turns around and smiles in",
    "sprints across", "waits for the bus in", "plays the violin in", "reads a letter in",
    "chases a butterfly through", "laughs with a friend in", "stands still in",
    "picks up a glowing stone in", "rides a bicycle through", "kneels beside a puddle in",
    "spins in circles on", "waves goodbye from", "carries a stack of books through",
    "hugs her father in", "jumps over a fence near", "cooks pancakes in", "stares at the sea from",
]
PLACES = [
    "a rainy Tokyo street at night", "a sunlit kitchen", "a misty pine forest",
    "a crowded train station", "an empty beach at dawn", "a neon-lit alley",
    "a snowy mountain village", "a quiet library", "a desert highway", "an abandoned factory",
    "a rooftop garden above the city", "a field of sunflowers", "a small fishing harbour",
    "a cozy living room", "a busy night market", "the edge of a frozen lake",
    "a futuristic city", "a medieval castle courtyard", "a wheat field in late summer",
]
CAMERA = [
    "The camera slowly pushes in.", "Slow pan left across the skyline.",
    "Handheld tracking shot following her.", "Static shot, locked off on a tripod.",
    "Drone shot rising over the rooftops.", "The camera orbits around them.",
    "Close-up on her face, then a rack focus to the window.", "Wide establishing shot.",
    "Tilt up to reveal the sky.", "Slow zoom in on his eyes.", "Crane shot descending.",
    "Over-the-shoulder shot.", "Low angle, shallow depth of field.", "No camera movement.",
    "Dolly out as she walks away.", "The shot cuts to a close-up of the letter.",
]
STYLE = [
    "Golden hour light, soft shadows.", "Shot on 35mm film with warm grain.",
    "Cinematic, moody teal and orange grade.", "Pixar-style 3D animation.",
    "Photorealistic, 4k, highly detailed.", "Anime style, vibrant colors.",
    "Soft pastel palette, dreamy atmosphere.", "Black and white, high contrast.",
    "Watercolor painting style.", "Natural light, documentary feel.",
    "8k, hyperrealistic, masterpiece, trending on artstation.", "Muted blue tones.",
]
DETAILS = [
    "Steam rises from the cup.", "Her hands wrap around the warm mug.",
    "Neon signs reflect in the puddles.", 'A sign above the door reads "OPEN".',
    "Leaves drift down in the breeze.", "Waves crash against the rocks.",
    "A candle flickers on the table.", "Snow falls gently.", "The wind moves her hair.",
    "Rain streaks down the window.", "A dog barks in the distance.",
    "The glass shatters on the floor.", "Smoke curls up from the chimney.",
    "Fireworks burst over the river.", "A red balloon floats away.",
    "Birds fly overhead.", "Ice melts slowly in the glass.", "The bread is cut into slices.",
    "The caterpillar transforms into a butterfly.", "The man slowly ages into an old man.",
    'She whispers, "I missed you."', "Soft piano music plays.", "Ambient city sounds.",
    "No text, no logos.", "Avoid fast motion.", "10-second clip.", "8s, 16:9.",
    "Two dogs play tug of war with a rope.", "The mirror reflects her face.",
    "Five people sit around a table.", "The car speeds down the road.", "🎬 東京の夜",
]
# fmt: on


def sentence(rng: random.Random) -> str:
    """One user-like sentence: an action clause, a camera direction, a style or a detail."""
    roll = rng.random()
    if roll < 0.4:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(PLACES)}."
        return s[0].upper() + s[1:]
    if roll < 0.6:
        return rng.choice(CAMERA)
    if roll < 0.75:
        return rng.choice(STYLE)
    return rng.choice(DETAILS)


def make_prompts(n: int, seed: int = 7) -> list[str]:
    """Deterministic user-like prompts of 10-200 words: sentences drawn from the lists above
    (subjects, actions, places, camera directions, styles, details with negations, counts,
    durations, quotes, emoji and CJK), cut at a uniformly drawn word count."""
    rng = random.Random(seed)
    prompts = []
    for _ in range(n):
        target = rng.randint(10, 200)
        words: list[str] = []
        while len(words) < target:
            words.extend(sentence(rng).split())
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
    """The baseline: the automaton pass over the text as the engine feeds it, nothing else."""
    return matcher.iter_bare


def labelled_prompts() -> list[str]:
    """The project's labelled prompts (tests/data), realistic in length and wording."""
    if not LABELLED.exists():
        return []
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [msgspec.json.decode(line)["prompt"] for line in lines if line.strip()]


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
    labelled_prompts: int = 0
    labelled_words_median: float = 0.0
    labelled_p50_us: float = 0.0
    labelled_p99_us: float = 0.0
    labelled_bare_p50_us: float = 0.0


def measure(n: int = 2000, repeat: int = 3) -> AnalyzeFigures:
    """Build the matcher, then time `analyze` and the bare pass over the same `n` prompts."""
    rules = load_rules(RULES)
    t0 = time.perf_counter()
    matcher = compile_rules(rules)
    build_ms = (time.perf_counter() - t0) * 1000
    phrases = [v for f in rules.features for p in f.phrases for v in expand(p)]
    prompts = make_prompts(n)
    words = [len(p.split()) for p in prompts]
    for p in prompts[:50]:
        matcher.analyze(p)  # warm-up
    full = time_each(matcher.analyze, prompts, repeat)
    base = time_each(bare(matcher), prompts, repeat)
    real = labelled_prompts()
    real_full = time_each(matcher.analyze, real, repeat) if real else [0.0]
    real_base = time_each(bare(matcher), real, repeat) if real else [0.0]
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
        labelled_prompts=len(real),
        labelled_words_median=statistics.median(len(p.split()) for p in real) if real else 0.0,
        labelled_p50_us=pct(real_full, 50),
        labelled_p99_us=pct(real_full, 99),
        labelled_bare_p50_us=pct(real_base, 50),
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
    print(
        f"labelled set ({r.labelled_prompts} prompts, median {r.labelled_words_median:.0f} words):"
        f" analyze p50 {r.labelled_p50_us:.1f} us, p99 {r.labelled_p99_us:.1f} us,"
        f" bare p50 {r.labelled_bare_p50_us:.1f} us"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
