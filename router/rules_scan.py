"""Per-prompt work of the rules engine: collect hits, apply context, negation and derivations.

`Tables` holds everything precomputed from the rules (indexes, flags, compiled regexes) so the
per-prompt loop only unpacks tuples. `scan` collects raw hits; `assemble` turns them into an
`Analysis`.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from router.negation import Cue, Hit, Negated, Scoper, split_negated
from router.rules_derive import derive
from router.rules_model import Analysis, FeatureHit, FeatureRules, NegatedMention, Span
from router.rules_numbers import DIGITS_RE, NumberScanner, timestamps

PHRASE, EXCLUDE, CUE, POST, NOT_CUE, NUMBER, DIGIT, GATE, SHADOW = range(9)
# What the automaton reads: punctuation and line breaks become spaces (same offsets), so a
# space-padded key only matches whole words and "slow-motion" reads as "slow motion".
_SEPARATORS = string.punctuation + "\t\n\r\x0b\x0c" + "—–‐‑“”‘’…«»¡¿·•„‚′″"
_TO_SPACE = str.maketrans(_SEPARATORS, " " * len(_SEPARATORS))
_NON_WORD_RE = re.compile(r"[^\w ]|_")
_QUOTES_RE = re.compile(r"\"([^\"\n]{1,%d})\"|“([^”\n]{1,%d})”|(?<!\w)'([^'\n]{1,%d})'(?!\w)")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_SPEAKER_RE = re.compile(r"(?:^|[\s.;])[^\W\d_]+(?:\s\d+)?\s*(?:\([^)]*\))?\s*:\s*$")
# (regex, gates, feature index, confidence, how): how -1 = anchored at the gate, 0 = search
# the prompt once, n > 0 = search n characters either side of each gate.
Pattern = tuple[re.Pattern[str], tuple[str, ...], int, float, int]


@dataclass(frozen=True, slots=True)
class Tables:
    """Per-feature metadata as flat tuples, indexed by feature position in the rules."""

    ids: tuple[str, ...]
    emit: tuple[bool, ...]
    shadowed: tuple[bool, ...]
    opposite: tuple[int, ...]
    implies: tuple[tuple[int, ...], ...]
    requires: tuple[tuple[int, ...], ...]
    min_hits: tuple[int, ...]
    distinct: tuple[tuple[int, frozenset[int], int, bool], ...]
    rank: tuple[int, ...]
    patterns: tuple[Pattern, ...]
    scoper: Scoper
    numbers: NumberScanner
    rules: FeatureRules
    index: dict[str, int]
    quotes_re: re.Pattern[str]
    speech_re: re.Pattern[str] | None

    @classmethod
    def build(
        cls, rules: FeatureRules, index: dict[str, int], patterns: list[Pattern], scoper: Scoper
    ) -> Tables:
        """Flatten the rules into lookup tuples."""
        fs = rules.features
        q = rules.quotes
        speech = "|".join(re.escape(w) for w in sorted(q.speech_cues, key=len, reverse=True))
        n = q.max_length
        return cls(
            ids=tuple(f.id for f in fs),
            emit=tuple(f.emit for f in fs),
            shadowed=tuple(f.shadowed for f in fs),
            opposite=tuple(index[f.opposite] if f.opposite else -1 for f in fs),
            implies=tuple(tuple(index[x] for x in f.implies) for f in fs),
            requires=tuple(tuple(index[x] for x in f.requires) for f in fs),
            min_hits=tuple(f.min_hits for f in fs),
            distinct=tuple(
                (
                    i,
                    frozenset(index[x] for x in f.distinct.of),
                    f.distinct.min,
                    f.distinct.count == "mentions",
                )
                for i, f in enumerate(fs)
                if f.distinct
            ),
            rank=_ranks([f.id for f in fs]),
            patterns=tuple(patterns),
            scoper=scoper,
            numbers=NumberScanner(rules.counting, rules.durations),
            rules=rules,
            index=index,
            quotes_re=re.compile(_QUOTES_RE.pattern % (n, n, n)),
            speech_re=re.compile(rf"(?<!\w)(?:{speech})(?!\w)") if speech else None,
        )


def _ranks(ids: list[str]) -> tuple[int, ...]:
    """Each feature's position in id order, so results sort by id with one key lookup."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = [0] * len(ids)
    for pos, i in enumerate(order):
        rank[i] = pos
    return tuple(rank)


@dataclass(slots=True)
class Scan:
    """Raw results of one pass over a prompt."""

    low: str
    hits: list[Hit]
    negated: list[Negated]
    cues: list[Cue]
    durations: list[tuple[Span, float]]


def lower_same_length(prompt: str) -> str:
    """Lowercase without moving offsets ("İ".lower() has two code points) and fold ’ to '."""
    low = prompt.lower()
    if len(low) != len(prompt):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in prompt)
    if "’" in low:
        low = low.replace("’", "'")
    return low


@dataclass(slots=True)
class _Pass:
    """Working state of one prompt's scan."""

    low: str
    hits: list[Hit]
    durations: list[tuple[Span, float]] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    posts: list[Cue] = field(default_factory=list)
    shadow: bool = False


def matchable(low: str) -> str:
    """Lowercased prompt -> automaton text: non-word characters as spaces, one pad each side."""
    text = low.translate(_TO_SPACE)
    if not text.isascii():
        text = _NON_WORD_RE.sub(" ", text)  # emoji and other symbols are boundaries too
    return f" {text} "


def matchable_key(phrase: str) -> str:
    """A rule phrase as the automaton stores it (before boundary padding)."""
    text = phrase.lower().translate(_TO_SPACE)
    if not text.isascii():
        text = _NON_WORD_RE.sub(" ", text)
    return " ".join(text.split())


def scan(auto: Any, t: Tables, prompt: str) -> Scan:
    """One automaton pass plus the few regexes; then context exclusions and negation."""
    low = lower_same_length(prompt)
    hits, marks = _collect(auto, low)
    quoted = _quotes(t, low, hits) if '"' in low or "“" in low or "'" in low else []
    p = _Pass(low, hits)
    if marks:
        _apply_marks(t, p, marks)
    if ":" in low:
        p.durations.extend(timestamps(low))
    if quoted:
        # Words inside quotes are text to render: "5-MINUTE PANCAKES" is no clip length,
        # "NO MORE WAR" no negation.
        p.durations = [d for d in p.durations if not _inside(d[0][0], quoted)]
        p.cues = [c for c in p.cues if not _inside(c[0], quoted)]
    if p.shadow:
        p.hits = _unshadow(t, p.hits)
    if p.cues or p.posts:
        kept, negated, used = split_negated(low, p.hits, p.cues, p.posts, t.scoper)
        return Scan(low, kept, negated, used, p.durations)
    return Scan(low, p.hits, [], [], p.durations)


def _inside(pos: int, spans: list[Span]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _collect(auto: Any, low: str) -> tuple[list[Hit], list[tuple[int, int, int, int]]]:
    """The automaton pass: phrase hits, and marks (cues, exclusions, numbers) for later passes."""
    hits: list[Hit] = []
    marks: list[tuple[int, int, int, int]] = []
    for end, (back, right, phrases, kinds) in auto.iter(matchable(low)):
        s = end - back
        e = end - right
        for fidx, conf in phrases:
            hits.append((s, e, fidx, conf))
        for kind, a in kinds:
            marks.append((kind, s, e, a))
    return hits, marks


def _apply_marks(t: Tables, p: _Pass, marks: list[tuple[int, int, int, int]]) -> None:
    """Context exclusions, negation cues, numbers and regex gates found by the automaton."""
    not_cues = [(s, e) for kind, s, e, _ in marks if kind == NOT_CUE]
    excludes: dict[int, list[Span]] = {}
    searched: set[int] = set()
    for kind, s, e, a in marks:
        if kind == EXCLUDE:
            excludes.setdefault(a, []).append((s, e))
        elif kind in {CUE, POST}:
            if not any(xs <= s and e <= xe for xs, xe in not_cues):
                (p.cues if kind == CUE else p.posts).append((s, e))
        elif kind == NUMBER:
            _number(t, p, (s, e), float(a), digits=False)
        elif kind == DIGIT:
            m = DIGITS_RE.match(p.low, s)
            if m is not None:
                _number(t, p, (s, m.end()), float(m.group(1)), digits=True)
        elif kind == GATE and a not in searched:
            _pattern(t.patterns[a], p, s, searched, a)
        elif kind == SHADOW:
            p.shadow = True
    if excludes:
        p.hits = [h for h in p.hits if h[2] not in excludes or not _within(h, excludes[h[2]])]


def _within(h: Hit, spans: list[Span]) -> bool:
    return any(xs <= h[0] and h[1] <= xe for xs, xe in spans)


def _pattern(pat: Pattern, p: _Pass, at: int, searched: set[int], k: int) -> None:
    """Run a gated regex: at the gate word, near it, or once over the whole prompt."""
    rx, _, fidx, conf, how = pat
    if how < 0:
        m = rx.match(p.low, at)
        if m is not None:
            p.hits.append((m.start(), m.end(), fidx, conf))
        return
    if how == 0:
        searched.add(k)
        p.hits.extend((m.start(), m.end(), fidx, conf) for m in rx.finditer(p.low))
        return
    m = rx.search(p.low, max(0, at - how), at + how)
    if m is not None:
        p.hits.append((m.start(), m.end(), fidx, conf))


def _number(t: Tables, p: _Pass, where: Span, value: float, *, digits: bool) -> None:
    """A number is either a clip duration ("10s") or a count of subjects ("five wolf pups")."""
    read = t.numbers.read(p.low, where[0], where[1], value, digits)
    if read is None:
        return
    kind, span, amount = read
    if kind == "duration":
        p.durations.append((span, amount))
        return
    c = t.rules.counting
    p.hits.append((span[0], span[1], t.index[c.multiple_feature], c.confidence))
    if amount >= c.exact_min:
        p.hits.append((span[0], span[1], t.index[c.exact_feature], c.confidence))


def _quotes(t: Tables, low: str, hits: list[Hit]) -> list[Span]:
    """Quoted words are on-screen text, or dialogue when a speech verb comes just before."""
    q = t.rules.quotes
    text_idx, speech_idx = t.index[q.text_feature], t.index[q.speech_feature]
    spans: list[Span] = []
    for m in t.quotes_re.finditer(low):
        s = m.start()
        window = low[max(0, s - q.speech_window) : s]
        text_near = any(h[2] == text_idx and s - q.speech_window <= h[1] <= s for h in hits)
        is_speech = not text_near and (
            (t.speech_re is not None and t.speech_re.search(window) is not None)
            or (q.speaker_labels and _SPEAKER_RE.search(window) is not None)
        )
        hits.append((s, m.end(), speech_idx if is_speech else text_idx, q.confidence))
        spans.append((s, m.end()))
    return spans


def _unshadow(t: Tables, hits: list[Hit]) -> list[Hit]:
    """Drop helper hits nested in a longer hit of another feature ("movement" in "camera ...")."""
    return [
        h
        for h in hits
        if not t.shadowed[h[2]]
        or not any(
            o[2] != h[2] and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0]
            for o in hits
        )
    ]


def utf16_converter(prompt: str) -> list[int] | None:
    """Positions of astral characters (2 UTF-16 units each), or None when offsets agree."""
    if prompt.isascii():
        return None
    astral = [m.start() for m in _ASTRAL_RE.finditer(prompt)]
    return astral or None


def to_utf16(spans: list[Span], astral: list[int] | None) -> list[Span]:
    """Code-point spans to UTF-16 code-unit spans."""
    if astral is None:
        return spans
    return [(s + bisect_left(astral, s), e + bisect_left(astral, e)) for s, e in spans]


def assemble(
    t: Tables, found: Scan, prompt: str, duration_s: float | None, version: str
) -> Analysis:
    """Aggregate hits per feature, add derived features, build the result Structs."""
    per: dict[int, list[Hit]] = {}
    for h in found.hits:
        group = per.get(h[2])
        if group is None:
            per[h[2]] = [h]
        else:
            group.append(h)
    words = len(prompt.split())
    derive(t, per, found, duration_s, words)
    astral = utf16_converter(prompt)
    emit, ids = t.emit, t.ids
    features = []
    for i in sorted(per, key=t.rank.__getitem__):
        if emit[i]:
            spans, conf = _merge(per[i])
            utf16 = spans if astral is None else to_utf16(spans, astral)
            features.append(FeatureHit(id=ids[i], confidence=conf, spans=spans, spans_utf16=utf16))
    negated = [
        NegatedMention(feature=ids[h[2]], span=(h[0], h[1]), cue_span=c)
        for h, c in found.negated
        if emit[h[2]]
    ]
    return Analysis(
        features=features,
        negated=negated,
        duration_s=max((d for _, d in found.durations), default=None),
        word_count=words,
        rules_version=version,
    )


def _merge(hits: list[Hit]) -> tuple[list[Span], float]:
    """Spans not nested in another span of the feature, and the noisy-OR of their confidences."""
    if len(hits) == 1:
        s, e, _, c = hits[0]
        return ([(s, e)] if e > s else []), c
    spans: list[Span] = []
    miss = 1.0
    last_s = last_e = -1
    best = 0.0
    for s, e, _, c in sorted(hits):
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
