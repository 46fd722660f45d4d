"""Per-feature aggregation of one prompt's hits: derived features (opposites of negations,
implications, counts of features, requested duration, prompt size), merged spans, confidence
and the result Structs. Runs after the scan.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Any

from router.negation import Hit, Negated
from router.rules_model import Analysis, FeatureHit, NegatedMention, Span

if TYPE_CHECKING:
    from router.rules_scan import Scan, Tables

_BMP_MAX = 0xFFFF
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


def assemble(
    t: Tables, found: Scan, prompt: str, duration_s: float | None, version: str
) -> Analysis:
    """Aggregate hits per feature, add derived features, build the result Structs."""
    per: dict[int, list[Hit]] = {}
    hits: list[Any] = found.hits  # read untyped: compiled code then skips unboxing each tuple
    for h in hits:
        group = per.get(h[2])
        if group is None:
            per[h[2]] = [h]
        else:
            group.append(h)
    words = len(prompt.split())
    derive(t, per, found, duration_s, words)
    astral = utf16_converter(prompt)
    emit, ids, rank = t.emit, t.ids, t.rank
    features = []
    for i in sorted(per, key=rank.__getitem__):
        if emit[i]:
            spans, conf = _merge(per[i])
            utf16 = spans if astral is None else to_utf16(spans, astral)
            features.append(FeatureHit(id=ids[i], confidence=conf, spans=spans, spans_utf16=utf16))
    return Analysis(
        features=features,
        negated=_negated_mentions(t, found.negated) if found.negated else [],
        duration_s=max((d for _, d in found.durations), default=None),
        word_count=words,
        rules_version=version,
    )


def derive(
    t: Tables, per: dict[int, list[Hit]], found: Scan, duration_s: float | None, words: int
) -> None:
    """Add derived features to `per` (feature index -> hits), in place."""
    if t.thin:
        _drop_thin(t, per)
    for i in per.keys() & t.blocked:
        _drop_after(per, i, t.unless[i])
    for h, cue in found.negated:
        opp = t.opposite[h[2]]
        if opp >= 0:
            span = (min(cue[0], h[0]), max(cue[1], h[1]))
            per.setdefault(opp, []).append((span[0], span[1], opp, h[3]))
    if found.cues:
        idx, conf = t.negation_idx, t.rules.negation.confidence
        per.setdefault(idx, []).extend((s, e, idx, conf) for s, e in found.cues)
    if found.durations or duration_s is not None:
        _duration(t, per, found, duration_s)
    # Count before implications: "she" is not a second subject, a dolly zoom is one camera move.
    _distinct(t, per, found.low)
    _implies(t, per)
    for i in per.keys() & t.needing:
        if not any(j in per for j in t.requires[i]):
            del per[i]
    size = t.rules.prompt_size
    if words > size.long_over_words:
        idx = t.long_idx
        per.setdefault(idx, []).append((0, 0, idx, size.confidence))
    if len(per.keys() & t.many_of) >= size.many_min_distinct:
        idx = t.many_idx
        per[idx] = [(0, 0, idx, size.confidence)]  # a whole-prompt property: nothing to underline


def _distinct(t: Tables, per: dict[int, list[Hit]], low: str) -> None:
    """Fire a feature when enough of its listed features (or distinct words naming them) fire."""
    for i, of, least, mentions, stand_ins, within, same, cues in t.distinct:
        fired = [j for j in of if j in per]
        # Stand-ins ("she") count once for a listed feature that has no hit of its own.
        standing = {target: s for s, target in stand_ins if s in per and target not in per}
        if not (fired or standing) or (not mentions and len(fired) < least):
            continue
        if within in per and not _together(fired, per, per[within], least):
            continue
        groups: list[list[Any]] = [per[j] for j in fired]
        hits = [h for group in groups for h in group]
        if mentions:
            counted = hits
            if same is not None and (not cues or any(c in low for c in cues)):
                counted = [h for h in hits if not _same(same, cues, low, h)]
            if len(_words(counted, low)) + len(standing) < least:
                continue
        per.setdefault(i, []).extend(hits)
        for s in standing.values():
            per[i].extend(per[s])


def _same(rx: re.Pattern[str], cues: tuple[str, ...], low: str, h: Hit) -> bool:
    """The mention comes right after words that make it the same subject changed."""
    start = max(0, h[0] - 40)
    if cues and not any(low.find(c, start, h[0]) >= 0 for c in cues):
        return False
    return rx.search(low, start, h[0]) is not None


def _together(fired: list[int], per: dict[int, list[Hit]], bounds: list[Hit], least: int) -> bool:
    """At least `least` of the fired features have a hit in one stretch between boundaries."""
    cuts = sorted({b[0] for b in bounds})
    seen: dict[int, int] = {}
    for j in fired:
        for segment in {bisect_right(cuts, h[0]) for h in per[j]}:
            seen[segment] = seen.get(segment, 0) + 1
    return any(n >= least for n in seen.values())


def _words(hits: list[Hit], low: str) -> set[str]:
    """Distinct mentions: hits nested in a longer hit ("keeper" in "lighthouse keeper") or
    touching the next one ("panda cub", "samurai girl", "a figure" + "figure skater") name one
    subject."""
    words: set[str] = set()
    start = reach = -2
    spans = sorted([(h[0], -h[1]) for h in hits])
    for s, neg_e in spans:
        e = -neg_e
        if s <= reach + 1 and low[reach:s].strip(" -") == "":
            reach = max(reach, e)
            continue
        if reach > start >= 0:
            words.add(low[start:reach])
        start, reach = s, e
    if reach > start >= 0:
        words.add(low[start:reach])
    return words


def _drop_after(per: dict[int, list[Hit]], i: int, blockers: tuple[int, ...]) -> None:
    """Drop feature i's hits that come after a hit of a blocker ("a cow licks her calf")."""
    starts = [h[0] for j in blockers if j in per for h in per[j]]
    if starts:
        first = min(starts)
        kept = [h for h in per[i] if h[0] < first]
        if kept:
            per[i] = kept
        else:
            del per[i]


def _drop_thin(t: Tables, per: dict[int, list[Hit]]) -> None:
    """Features needing several distinct hits (style-word soup) fire only when they have them."""
    for i in per.keys() & t.thin:
        if len({(h[0], h[1]) for h in per[i]}) < t.min_hits[i]:
            del per[i]


def _duration(t: Tables, per: dict[int, list[Hit]], found: Scan, duration_s: float | None) -> None:
    d = t.rules.durations
    idx = t.duration_idx
    long_spans = [
        (s, e, idx, d.confidence) for (s, e), sec in found.durations if sec > d.long_over_s
    ]
    if long_spans:
        per.setdefault(idx, []).extend(long_spans)
    elif duration_s is not None and duration_s > d.long_over_s:
        per.setdefault(idx, []).append((0, 0, idx, 1.0))


def _implies(t: Tables, per: dict[int, list[Hit]]) -> None:
    """Close `per` under `implies` (a crowd is people; a count of three is several subjects).

    `t.implies` is already transitively closed, so one pass over the implying features' own
    hits suffices. Hits keep their source's feature index: within a group only spans and
    confidences are read.
    """
    sources = [(i, per[i]) for i in per.keys() & t.implying]
    implies = t.implies
    for i, src in sources:
        for j in implies[i]:
            group = per.get(j)
            if group is None:
                per[j] = src[:]
            else:
                group.extend(src)


def _merge(hits: list[Hit]) -> tuple[list[Span], float]:
    """Spans not nested in another span of the feature, and the noisy-OR of their confidences."""
    if len(hits) == 1:
        s, e, _, c = hits[0]
        return ([(s, e)] if e > s else []), c
    hits.sort()
    spans: list[Span] = []
    miss = 1.0
    last_s = last_e = -1
    best = 0.0
    for s, e, _, c in hits:
        if s == last_s:  # same start, sorted by end: this one is longer
            last_e = e
            best = max(best, c)
            continue
        if e <= last_e:
            continue  # nested in the previous span
        if last_e > last_s:
            spans.append((last_s, last_e))
        miss *= 1.0 - best
        last_s, last_e, best = s, e, c
    if last_e > last_s:
        spans.append((last_s, last_e))
    miss *= 1.0 - best
    return spans, round(1.0 - miss, 3)


def _negated_mentions(t: Tables, negated: list[Negated]) -> list[NegatedMention]:
    """One mention per negated phrase (the outermost), named by a public feature id."""
    out: list[NegatedMention] = []
    for h, cue in sorted(negated, key=lambda n: (n[0][0], -n[0][1])):
        fid = t.report_as[h[2]]
        if fid is None:
            continue
        if out and out[-1].feature == fid and h[1] <= out[-1].span[1]:
            continue  # "fast" inside "fast motion"
        out.append(NegatedMention(feature=fid, span=(h[0], h[1]), cue_span=cue))
    return out


def utf16_converter(prompt: str) -> list[int] | None:
    """Positions of astral characters (2 UTF-16 units each), or None when offsets agree."""
    if prompt.isascii() or ord(max(prompt)) <= _BMP_MAX:
        return None
    return [m.start() for m in _ASTRAL_RE.finditer(prompt)]


def to_utf16(spans: list[Span], astral: list[int] | None) -> list[Span]:
    """Code-point spans to UTF-16 code-unit spans."""
    if astral is None:
        return spans
    return [(s + bisect_left(astral, s), e + bisect_left(astral, e)) for s, e in spans]
