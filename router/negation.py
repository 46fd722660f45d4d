"""Negation and scope: which phrase hits a prompt rules out, and with which cue.

A pre-cue ("no", "without", "avoid", "don't") negates the hits that start inside its scope; the
scope ends at clause punctuation, a contrastive word ("but", "however") or after a few words.
A post-cue ("none", "-free") negates the hit right before it ("camera movement: none").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from router.rules_model import Negation

# A hit is (start, end, feature index, confidence); a cue is (start, end).
Hit = tuple[int, int, int, float]
Cue = tuple[int, int]
Negated = tuple[Hit, Cue]


class Scoper:
    """Compiled scope rules for one `Negation` config."""

    __slots__ = ("_end_re", "_linkers", "_words_re")

    def __init__(self, cfg: Negation) -> None:
        chars = re.escape(cfg.scope_end_chars + "—–")
        words = "|".join(re.escape(w) for w in sorted(cfg.scope_end_words, key=len, reverse=True))
        alt = f"[{chars}]" + (rf"|(?<!\w)(?:{words})(?!\w)" if words else "")
        self._end_re = re.compile(alt)
        self._words_re = re.compile(rf"(?:\W*\w+){{1,{cfg.max_scope_words}}}")
        self._linkers = frozenset(cfg.post_linkers)

    def scope_end(self, low: str, start: int) -> int:
        """Where the scope of a cue ending at `start` ends (exclusive)."""
        limit = len(low)
        words = self._words_re.match(low, start)
        if words is not None:
            limit = words.end()
        stop = self._end_re.search(low, start, limit)
        return stop.start() if stop is not None else limit

    def linked(self, gap: str) -> bool:
        """True when the text between a hit and a post-cue only links them ("camera move: none")."""
        return " ".join(gap.split()) in self._linkers


def split_negated(
    low: str,
    hits: list[Hit],
    cues: Sequence[Cue],
    post_cues: Sequence[Cue],
    scoper: Scoper,
) -> tuple[list[Hit], list[Negated], list[Cue]]:
    """Split hits into kept and negated; also return the cues that negated something."""
    negated: dict[int, Cue] = {}
    used: list[Cue] = []
    for cue in cues:
        end = scoper.scope_end(low, cue[1])
        if not _has_word(low, cue[1], end):
            continue
        used.append(cue)
        for i, hit in enumerate(hits):
            if cue[1] <= hit[0] < end and i not in negated:
                negated[i] = cue
    for cue in post_cues:
        before = _hit_before(low, hits, cue[0], scoper)
        if before is not None:
            negated.setdefault(before, cue)
            used.append(cue)
    if not negated:
        return hits, [], used
    kept = [h for i, h in enumerate(hits) if i not in negated]
    return kept, [(hits[i], c) for i, c in sorted(negated.items())], used


def _has_word(low: str, start: int, end: int) -> bool:
    """True when the scope holds at least one word, i.e. the cue negates something."""
    return any(ch.isalnum() for ch in low[start:end])


def _hit_before(low: str, hits: list[Hit], pos: int, scoper: Scoper) -> int | None:
    """Index of the hit ending closest before `pos` if only linking text separates them."""
    best: int | None = None
    for i, hit in enumerate(hits):
        if hit[1] <= pos and (best is None or hit[1] > hits[best][1]):
            best = i
    if best is None or not scoper.linked(low[hits[best][1] : pos]):
        return None
    return best
