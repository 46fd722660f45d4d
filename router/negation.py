"""Negation and scope: which phrase hits a prompt rules out, and with which cue.

A pre-cue ("no", "without", "avoid", "don't") negates the hits that start inside its scope; the
scope ends at clause punctuation, a contrastive word ("but", "however") or after a few words.
A post-cue ("none", "-free") negates the hit right before it ("camera movement: none").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from router.rules_model import Negation

# A hit is (start, end, feature index, confidence); a cue is (start, end).
Hit = tuple[int, int, int, float]
Cue = tuple[int, int]
Negated = tuple[Hit, Cue]


class Scoper:
    """Compiled scope rules for one `Negation` config."""

    __slots__ = ("_end_re", "_linkers", "_list_end_re", "_list_words_re", "_words_re")

    def __init__(self, cfg: Negation) -> None:
        chars = re.escape(cfg.scope_end_chars + "—–")
        words = "|".join(re.escape(w) for w in sorted(cfg.scope_end_words, key=len, reverse=True))
        alt = f"[{chars}]" + (rf"|(?<!\w)(?:{words})(?!\w)" if words else "")
        self._end_re = re.compile(alt)
        self._words_re = re.compile(rf"(?:\W*\w+){{1,{cfg.max_scope_words}}}")
        self._linkers = frozenset(cfg.post_linkers)
        self._list_end_re = re.compile(f"[{re.escape(cfg.list_end_chars)}]")
        self._list_words_re = re.compile(rf"(?:\W*\w+){{1,{cfg.max_list_words}}}")

    def scope_end(self, low: str, start: int, *, listing: bool = False) -> int:
        """Where the scope of a cue ending at `start` ends (exclusive)."""
        if not listing and low[start : start + 2].lstrip().startswith(":"):
            listing = True  # "avoid: text, logos" negates the whole list
        end_re = self._list_end_re if listing else self._end_re
        words_re = self._list_words_re if listing else self._words_re
        if listing:
            start = low.find(":", start, start + 3) + 1 or start
        limit = len(low)
        words = words_re.match(low, start)
        if words is not None:
            limit = words.end()
        stop = end_re.search(low, start, limit)
        if stop is None:
            return limit
        if not listing and low[stop.start()] == ",":
            return _list_tail(low, stop.start())
        return stop.start()

    def linked(self, gap: str) -> bool:
        """True when the text between a hit and a post-cue only links them ("camera move: none")."""
        return " ".join(gap.split()) in self._linkers


# A negated list goes on past its commas: "avoid text, watermarks or subtitles", "no text,
# logos, or watermarks". The comma-separated items are short and the list closes with
# "or/nor X" or "and X" (one or two words each side); anything else ends the scope at the comma.
_LIST_ITEM_RE = re.compile(r",[ \t]*(?:\w+[ \t]+){0,1}\w+[ \t]*(?=,)")
_LIST_END_RE = re.compile(
    r",[ \t]*(?:(?:or|nor|and)[ \t]+(?:\w+[ \t]+){0,1}\w+"
    r"|(?:\w+[ \t]+){0,1}\w+[ \t]+(?:or|nor)[ \t]+(?:\w+[ \t]+){0,1}\w+)[ \t]*(?=[,;.:!?\n]|$)"
)


def _list_tail(low: str, comma: int) -> int:
    """Where a negated list that reaches a comma at `comma` ends: past its last item when the
    items after the comma close with "or X"/"and X", else at the comma itself."""
    at = comma
    for _ in range(12):
        end = _LIST_END_RE.match(low, at)
        if end is not None:
            return end.end()
        item = _LIST_ITEM_RE.match(low, at)
        if item is None:
            break
        at = item.end()
    return comma


def split_negated(
    low: str,
    hits: list[Hit],
    cues: Sequence[Cue],
    post_cues: Sequence[Cue],
    scoper: Scoper,
    lists: Sequence[Cue] = (),
) -> tuple[list[Hit], list[Negated], list[Cue]]:
    """Split hits into kept and negated; also return the cues that negated something."""
    negated: dict[int, Cue] = {}
    used: list[Cue] = []
    listing = set(lists)
    all_cues = (*cues, *lists)
    if len(hits) * (len(all_cues) + len(post_cues)) > 400:
        return _split_sorted(low, hits, all_cues, post_cues, scoper, listing)
    untyped: list[Any] = hits  # compiled code then indexes tuples without unboxing them
    starts = [h[0] for h in untyped]
    for cue in all_cues:
        end = scoper.scope_end(low, cue[1], listing=cue in listing)
        if _has_word(low, cue[1], end):
            used.append(cue)
            for i, start in enumerate(starts):
                if cue[1] <= start < end:
                    negated.setdefault(i, cue)
    for cue in post_cues:
        before = max((i for i, h in enumerate(hits) if h[1] <= cue[0]),
                     key=lambda i: hits[i][1], default=None)  # fmt: skip
        if before is not None and scoper.linked(low[hits[before][1] : cue[0]]):
            negated.setdefault(before, cue)
            used.append(cue)
    if not negated:
        return hits, [], used
    kept = [h for i, h in enumerate(hits) if i not in negated]
    return kept, [(hits[i], c) for i, c in sorted(negated.items())], used


def _split_sorted(
    low: str,
    hits: list[Hit],
    cues: Sequence[Cue],
    post_cues: Sequence[Cue],
    scoper: Scoper,
    listing: set[Cue],
) -> tuple[list[Hit], list[Negated], list[Cue]]:
    """`split_negated` for long prompts: bisect sorted hits instead of scanning all pairs."""
    negated: dict[int, Cue] = {}
    used: list[Cue] = []
    order = sorted(range(len(hits)), key=lambda i: hits[i][0])
    starts = [hits[i][0] for i in order]
    for cue in cues:
        end = scoper.scope_end(low, cue[1], listing=cue in listing)
        if _has_word(low, cue[1], end):
            used.append(cue)
            for k in range(bisect_left(starts, cue[1]), bisect_left(starts, end)):
                negated.setdefault(order[k], cue)
    by_end = sorted(range(len(hits)), key=lambda i: hits[i][1])
    ends = [hits[i][1] for i in by_end]
    for cue in post_cues:
        k = bisect_right(ends, cue[0]) - 1
        if k >= 0 and scoper.linked(low[ends[k] : cue[0]]):
            negated.setdefault(by_end[k], cue)
            used.append(cue)
    kept = [h for i, h in enumerate(hits) if i not in negated]
    return kept, [(hits[i], c) for i, c in sorted(negated.items())], used


def _has_word(low: str, start: int, end: int) -> bool:
    """True when the scope holds at least one word, i.e. the cue negates something."""
    return any(ch.isalnum() for ch in low[start:end])
