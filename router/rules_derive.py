"""Features derived from other hits: opposites of negations, implications, counts of features,
requested duration and prompt size. Runs after the scan on the per-feature hit lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from router.negation import Hit

if TYPE_CHECKING:
    from router.rules_scan import Scan, Tables


def derive(
    t: Tables, per: dict[int, list[Hit]], found: Scan, duration_s: float | None, words: int
) -> None:
    """Add derived features to `per` (feature index -> hits), in place."""
    rules = t.rules
    _drop_thin(t, per)
    for h, cue in found.negated:
        opp = t.opposite[h[2]]
        if opp >= 0:
            span = (min(cue[0], h[0]), max(cue[1], h[1]))
            per.setdefault(opp, []).append((span[0], span[1], opp, h[3]))
    neg = rules.negation
    if found.cues:
        idx = t.index[neg.feature]
        per.setdefault(idx, []).extend((s, e, idx, neg.confidence) for s, e in found.cues)
    _duration(t, per, found, duration_s)
    # Count before implications: "she" is not a second subject, a dolly zoom is one camera move.
    _distinct(t, per, found.low)
    _implies(t, per)
    for i in [i for i in per if t.requires[i]]:
        if not any(j in per for j in t.requires[i]):
            del per[i]
    size = rules.prompt_size
    if words > size.long_over_words:
        per.setdefault(t.index[size.long_feature], []).append(
            (0, 0, t.index[size.long_feature], size.confidence)
        )
    many = [t.index[x] for x in size.many_of if t.index[x] in per]
    if len(many) >= size.many_min_distinct:
        idx = t.index[size.many_feature]
        per[idx] = [(0, 0, idx, size.confidence)]  # a whole-prompt property: nothing to underline


def _distinct(t: Tables, per: dict[int, list[Hit]], low: str) -> None:
    """Fire a feature when enough of its listed features (or distinct words naming them) fire."""
    for i, of, least, mentions in t.distinct:
        fired = [j for j in of if j in per]
        hits = [h for j in fired for h in per[j]]
        count = len(_words(hits, low)) if mentions else len(fired)
        if count >= least:
            per.setdefault(i, []).extend((h[0], h[1], i, h[3]) for h in hits)


def _words(hits: list[Hit], low: str) -> set[str]:
    """Distinct words of the hits not nested in a longer hit ("keeper" in "lighthouse keeper")."""
    words: set[str] = set()
    reach = -1
    for s, e, _, _ in sorted(hits, key=lambda h: (h[0], -h[1])):
        if e > reach:
            reach = e
            words.add(low[s:e])
    return words


def _drop_thin(t: Tables, per: dict[int, list[Hit]]) -> None:
    """Features needing several distinct hits (style-word soup) fire only when they have them."""
    for i in [i for i in per if t.min_hits[i] > 1]:
        if len({(h[0], h[1]) for h in per[i]}) < t.min_hits[i]:
            del per[i]


def _duration(t: Tables, per: dict[int, list[Hit]], found: Scan, duration_s: float | None) -> None:
    d = t.rules.durations
    idx = t.index[d.feature]
    long_spans = [
        (s, e, idx, d.confidence) for (s, e), sec in found.durations if sec > d.long_over_s
    ]
    if long_spans:
        per.setdefault(idx, []).extend(long_spans)
    elif duration_s is not None and duration_s > d.long_over_s:
        per.setdefault(idx, []).append((0, 0, idx, 1.0))


def _implies(t: Tables, per: dict[int, list[Hit]]) -> None:
    """Close `per` under `implies` (a crowd is people; a count of three is several subjects)."""
    todo = [i for i in per if t.implies[i]]
    while todo:
        i = todo.pop()
        for j in t.implies[i]:
            new = j not in per
            per.setdefault(j, []).extend((h[0], h[1], j, h[3]) for h in per[i])
            if new and t.implies[j]:
                todo.append(j)
