"""Routing evaluation: how much of the random → oracle gap the router recovers (APGR).

The video analogue of RouteLLM's APGR. Each labelled prompt names the published benchmark
dimensions it stresses (`tests/data/routing_eval.jsonl`). For one prompt:

* eligible models: catalog models whose named benchmark row has a score on every dimension;
* quality q(m): the model's score on each dimension, min-max scaled among the eligible models,
  averaged over the prompt's dimensions (so the best eligible model scores 1, the worst 0);
* router: the eligible model with the lowest combined risk for the prompt (cost ignored);
* random: the mean q over eligible models; oracle: the best q;
* single best: per benchmark, the one model with the highest mean q over that benchmark's
  prompts (chosen in hindsight: a strong baseline).

APGR = mean(router - random) / mean(oracle - random). Caveat, stated with the figures: the
router's susceptibilities are derived from these same published scores, so this measures the
prompt → feature → failure class → dimension chain, not an independent quality judgement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import msgspec

from router.benchmarks import find_series
from router.loader import Catalog, load_catalog
from router.routing import model_risk
from router.service import features_of
from router.settings import PROJECT_ROOT

DEFAULT_FILE = PROJECT_ROOT / "tests" / "data" / "routing_eval.jsonl"


class LabelledPrompt(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of the routing evaluation set."""

    prompt: str
    dimensions: list[str]


class PromptResult(msgspec.Struct, frozen=True):
    """Per prompt: who was picked and how each policy scored."""

    prompt: str
    benchmark: str
    eligible: int
    pick: str
    router: float
    random: float
    oracle: float


class RoutingEval(msgspec.Struct, frozen=True):
    """The summary `make eval` prints."""

    prompts: int
    evaluated: int
    apgr: float
    router: float
    random: float
    oracle: float
    single_best: float
    router_beats_or_ties_single_best: float
    per_benchmark: dict[str, dict[str, float]]


def _raw_score(catalog: Catalog, bench: str, row: str, dim: str) -> float | None:
    for series in find_series(catalog.benchmarks, bench, None, dim):
        if row in series.scores:
            return series.scores[row].value
    return None


def _scores(catalog: Catalog, dims: Sequence[str]) -> dict[str, list[float]]:
    """model id → its raw score on each dimension, for models scored on all of them."""
    out: dict[str, list[float]] = {}
    for mid, ref in catalog.models.items():
        values = []
        for dim in dims:
            bench, _, name = dim.partition(".")
            row = ref.model.benchmarks.get(bench)
            score = _raw_score(catalog, bench, row, name) if row else None
            if score is None:
                break
            values.append(score)
        else:
            out[mid] = values
    return out


def _quality(scores: dict[str, list[float]]) -> dict[str, float]:
    columns = list(zip(*scores.values(), strict=True))
    lows = [min(c) for c in columns]
    spans = [max(c) - min(c) or 1.0 for c in columns]
    return {
        mid: statistics.fmean(
            (v - lo) / span for v, lo, span in zip(vals, lows, spans, strict=True)
        )
        for mid, vals in scores.items()
    }


def evaluate_prompt(
    catalog: Catalog, item: LabelledPrompt
) -> tuple[PromptResult, dict[str, float]] | None:
    """Score one prompt; None when fewer than two models have scores on its dimensions."""
    quality = _quality(_scores(catalog, item.dimensions))
    if len(quality) < 2:
        return None
    feats, _ = features_of(catalog, item.prompt, None)
    pick = min(quality, key=lambda mid: (model_risk(catalog, mid, feats), mid))
    result = PromptResult(
        item.prompt,
        item.dimensions[0].partition(".")[0],
        len(quality),
        pick,
        quality[pick],
        statistics.fmean(quality.values()),
        max(quality.values()),
    )
    return result, quality


def evaluate(catalog: Catalog, items: Sequence[LabelledPrompt]) -> RoutingEval:
    """APGR and the single-best comparison over a labelled prompt set."""
    done = [r for r in (evaluate_prompt(catalog, i) for i in items) if r is not None]
    by_bench: dict[str, list[tuple[PromptResult, dict[str, float]]]] = defaultdict(list)
    for result, quality in done:
        by_bench[result.benchmark].append((result, quality))
    single: list[float] = []
    wins = 0
    per_benchmark = {}
    for bench, rows in sorted(by_bench.items()):
        totals: dict[str, list[float]] = defaultdict(list)
        for _, quality in rows:
            for mid, q in quality.items():
                totals[mid].append(q)
        best = max(totals, key=lambda m: (statistics.fmean(totals[m]), len(totals[m]), m))
        bench_single = [q.get(best, r.random) for r, q in rows]
        single.extend(bench_single)
        wins += sum(r.router >= s - 1e-9 for (r, _), s in zip(rows, bench_single, strict=True))
        per_benchmark[bench] = _summary([r for r, _ in rows], bench_single)
    results = [r for r, _ in done]
    overall = _summary(results, single)
    return RoutingEval(
        len(items),
        len(results),
        overall["apgr"],
        overall["router"],
        overall["random"],
        overall["oracle"],
        overall["single_best"],
        round(wins / max(len(results), 1), 4),
        per_benchmark,
    )


def _summary(results: Sequence[PromptResult], single: Sequence[float]) -> dict[str, float]:
    router = statistics.fmean(r.router for r in results)
    random = statistics.fmean(r.random for r in results)
    oracle = statistics.fmean(r.oracle for r in results)
    gap = oracle - random
    return {
        "prompts": float(len(results)),
        "apgr": round((router - random) / gap, 4) if gap > 0 else 0.0,
        "router": round(router, 4),
        "random": round(random, 4),
        "oracle": round(oracle, 4),
        "single_best": round(statistics.fmean(single), 4),
    }


def load_items(path: Path) -> list[LabelledPrompt]:
    """Read a JSONL routing evaluation set."""
    decoder = msgspec.json.Decoder(LabelledPrompt)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [decoder.decode(line) for line in lines if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the routing evaluation table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    report = evaluate(load_catalog(PROJECT_ROOT), load_items(args.file))
    print(f"routing evaluation: {report.evaluated} of {report.prompts} prompts scored")
    print(
        f"{'benchmark':<14}{'prompts':>8}{'APGR':>8}{'router':>8}{'random':>8}"
        f"{'oracle':>8}{'single':>8}"
    )
    rows = {
        **report.per_benchmark,
        "ALL": {
            "prompts": float(report.evaluated),
            "apgr": report.apgr,
            "router": report.router,
            "random": report.random,
            "oracle": report.oracle,
            "single_best": report.single_best,
        },
    }
    for name, row in rows.items():
        print(
            f"{name:<14}{int(row['prompts']):>8}{row['apgr']:>8.3f}{row['router']:>8.3f}"
            f"{row['random']:>8.3f}{row['oracle']:>8.3f}{row['single_best']:>8.3f}"
        )
    print(f"router >= single best on {report.router_beats_or_ties_single_best:.1%} of prompts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
