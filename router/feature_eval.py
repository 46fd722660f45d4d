"""Precision and recall of the prompt rules engine on labelled prompt sets.

`python -m router.feature_eval [--file F]...` prints, per file, per-feature precision, recall
and support for the feature ids that file labels, plus micro averages. `evaluate` returns the
numbers for tests.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

import msgspec

from router.rules import Matcher, compile_rules, load_rules

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = ROOT / "catalog" / "features.yaml"
DEFAULT_FILES = (
    ROOT / "tests" / "data" / "features_labelled.jsonl",
    ROOT / "tests" / "data" / "features_holdout.jsonl",
    ROOT / "tests" / "data" / "features_holdout2.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout3.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout4.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout5.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout6.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout7.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout8.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout9.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout10.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout11.jsonl",  # used when present
    ROOT / "tests" / "data" / "features_holdout12.jsonl",  # used when present
)


class Example(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One labelled prompt."""

    prompt: str
    features: list[str]
    labelled: list[str]
    duration_s: float | None = None


class Score(msgspec.Struct, frozen=True, kw_only=True):
    """Counts and rates for one feature (or the micro average, id "micro")."""

    id: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        """Labelled positives."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was labelled."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


class Mistake(msgspec.Struct, frozen=True, kw_only=True):
    """A prompt where the engine disagreed with the labels."""

    prompt: str
    missed: list[str]
    extra: list[str]


def read_examples(path: Path) -> list[Example]:
    """Decode a JSONL file of labelled prompts (blank lines skipped)."""
    decoder = msgspec.json.Decoder(Example)
    return [decoder.decode(line) for line in path.read_bytes().splitlines() if line.strip()]


def evaluate(
    matcher: Matcher, examples: Iterable[Example]
) -> tuple[list[Score], Score, list[Mistake]]:
    """Per-feature scores (sorted by id), the micro average and the disagreements."""
    counts: dict[str, list[int]] = {}
    mistakes: list[Mistake] = []
    for ex in examples:
        labelled = set(ex.labelled)
        got = {f.id for f in matcher.analyze(ex.prompt, ex.duration_s).features} & labelled
        want = set(ex.features) & labelled
        for fid in labelled:
            c = counts.setdefault(fid, [0, 0, 0])
            c[0] += fid in got and fid in want
            c[1] += fid in got and fid not in want
            c[2] += fid in want and fid not in got
        if got != want:
            mistakes.append(
                Mistake(prompt=ex.prompt, missed=sorted(want - got), extra=sorted(got - want))
            )
    scores = [Score(id=k, tp=v[0], fp=v[1], fn=v[2]) for k, v in sorted(counts.items())]
    micro = Score(
        id="micro",
        tp=sum(s.tp for s in scores),
        fp=sum(s.fp for s in scores),
        fn=sum(s.fn for s in scores),
    )
    return scores, micro, mistakes


def format_table(title: str, scores: list[Score], micro: Score) -> str:
    """A plain-text table: feature, precision, recall, support."""
    lines = [title, f"{'feature':<26}{'prec':>7}{'recall':>8}{'support':>9}"]
    for s in [*scores, micro]:
        lines.append(f"{s.id:<26}{s.precision:>7.3f}{s.recall:>8.3f}{s.support:>9}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: print one table per file; --errors also lists the disagreements."""
    parser = argparse.ArgumentParser(prog="python -m router.feature_eval", description=__doc__)
    parser.add_argument("--file", action="append", type=Path, help="labelled JSONL (repeatable)")
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--errors", action="store_true", help="list prompts the engine got wrong")
    args = parser.parse_args(argv)
    matcher = compile_rules(load_rules(args.rules))
    files = args.file or [f for f in DEFAULT_FILES if f.exists()]
    for path in files:
        scores, micro, mistakes = evaluate(matcher, read_examples(path))
        print(format_table(f"== {path.name} ({matcher.rules_version})", scores, micro))
        if args.errors:
            for m in mistakes:
                print(f"  missed={m.missed} extra={m.extra} :: {m.prompt}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
