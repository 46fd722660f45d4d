"""Per-prompt work of the rules engine: collect hits, apply context, negation and derivations.

`Tables` holds everything precomputed from the rules (indexes, flags, compiled regexes) so the
per-prompt loop only unpacks tuples. `scan` collects raw hits; `assemble` turns them into an
`Analysis`.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from router.negation import Cue, Hit, Negated, Scoper, split_negated
from router.rules_model import (
    Feature,
    FeatureRules,
    Span,
)
from router.rules_numbers import DIGITS_RE, NumberScanner, timestamp_at

PHRASE, EXCLUDE, CUE, POST, NOT_CUE, NUMBER, DIGIT, GATE, DROP, LIST_CUE = range(10)
# What the automaton reads: punctuation and line breaks become spaces (same offsets), so a
# space-padded key only matches whole words and "slow-motion" reads as "slow motion".
_SEPARATORS = string.punctuation + "\t\n\r\x0b\x0c" + "—–‐‑“”‘’…«»¡¿·•„‚′″"
_TO_SPACE = str.maketrans(_SEPARATORS, " " * len(_SEPARATORS))
_NON_WORD_RE = re.compile(r"[^\w ]|_")
# Single quotes may hold apostrophes inside words: 'don't tell mom'.
_QUOTES_RE = re.compile(
    r"\"([^\"\n]{1,%d})\"|“([^”\n]{1,%d})”|(?<!\w)'((?:[^'\n]|(?<=\w)'(?=\w)){1,%d})'(?!\w)"
)
_SPEAKER_RE = re.compile(r"(?:^|[\s.;])[^\W\d_]+(?:\s\d+)?\s*(?:\([^)]*\))?\s*:\s*$")
# (regex, gates, feature index, confidence, how): how -1 = anchored at the gate, 0 = search
# the prompt once, n > 0 = search n characters either side of each gate.
Pattern = tuple[re.Pattern[str], tuple[str, ...], int, float, int]
# A mark on an automaton key: (kind, value, start, end). The value is a feature or pattern
# index or a number; start/end are offsets inside the key (used by DROP marks only).
Mark = tuple[int, int, int, int]
DistinctRule = tuple[
    int,
    frozenset[int],
    int,
    bool,
    tuple[tuple[int, int], ...],
    int,
    "re.Pattern[str] | None",
    tuple[str, ...],
]
# What a key means beyond one plain phrase: every (feature, confidence) and every mark.
Extra = tuple[tuple[tuple[int, float], ...], tuple[Mark, ...]]


@dataclass(frozen=True, slots=True)
class Tables:
    """Per-feature metadata as flat tuples, indexed by feature position in the rules."""

    ids: tuple[str, ...]
    emit: tuple[bool, ...]
    shadowed: tuple[bool, ...]
    opposite: tuple[int, ...]
    implies: tuple[tuple[int, ...], ...]
    """Everything each feature implies, closed under implication (built once)."""
    requires: tuple[tuple[int, ...], ...]
    unless: tuple[tuple[int, ...], ...]
    """Per feature, every feature whose hit drops it: its `unless` ids and all that imply them."""
    min_hits: tuple[int, ...]
    distinct: tuple[DistinctRule, ...]
    """(feature, listed features, min, count mentions, stand-ins, boundary feature or -1, the
    same-subject regex and its cue words)."""
    rank: tuple[int, ...]
    patterns: tuple[Pattern, ...]
    scoper: Scoper
    numbers: NumberScanner
    rules: FeatureRules
    index: dict[str, int]
    quotes_re: re.Pattern[str]
    speech_re: re.Pattern[str] | None
    narration_re: re.Pattern[str] | None
    speaker_idx: int
    """Feature a spoken quote also fires when no narration cue is near (-1: none)."""
    report_as: tuple[str | None, ...]
    """The public id a negated mention is reported under (helpers map to what they imply)."""
    negation_idx: int
    duration_idx: int
    long_idx: int
    many_idx: int
    thin: frozenset[int]
    """Features with min_hits > 1, implying others, or requiring others (checked per prompt)."""
    implying: frozenset[int]
    needing: frozenset[int]
    blocked: frozenset[int]
    many_of: frozenset[int]

    @classmethod
    def build(
        cls, rules: FeatureRules, index: dict[str, int], patterns: list[Pattern], scoper: Scoper
    ) -> Tables:
        """Flatten the rules into lookup tuples."""
        fs = rules.features
        q = rules.quotes
        speech = "|".join(re.escape(w) for w in sorted(q.speech_cues, key=len, reverse=True))
        narration = "|".join(re.escape(w) for w in sorted(q.narration_cues, key=len, reverse=True))
        n = q.max_length
        closure = _closure([tuple(index[x] for x in f.implies) for f in fs])
        return cls(
            ids=tuple(f.id for f in fs),
            emit=tuple(f.emit for f in fs),
            shadowed=tuple(f.shadowed for f in fs),
            opposite=tuple(index[f.opposite] if f.opposite else -1 for f in fs),
            implies=closure,
            requires=tuple(tuple(index[x] for x in f.requires) for f in fs),
            unless=_blockers([[index[x] for x in f.unless] for f in fs], closure),
            min_hits=tuple(f.min_hits for f in fs),
            distinct=tuple(
                (
                    i,
                    frozenset(index[x] for x in f.distinct.of),
                    f.distinct.min,
                    f.distinct.count == "mentions",
                    tuple((index[a], index[b]) for a, b in f.distinct.stand_ins.items()),
                    index[f.distinct.within] if f.distinct.within else -1,
                    _same_after(f),
                    tuple(f.distinct.same_cues),
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
            narration_re=re.compile(rf"(?<!\w)(?:{narration})(?!\w)") if narration else None,
            speaker_idx=index[q.speaker_feature] if q.speaker_feature else -1,
            report_as=tuple(_public(f, fs, index) for f in fs),
            negation_idx=index[rules.negation.feature],
            duration_idx=index[rules.durations.feature],
            long_idx=index[rules.prompt_size.long_feature],
            many_idx=index[rules.prompt_size.many_feature],
            thin=frozenset(i for i, f in enumerate(fs) if f.min_hits > 1),
            implying=frozenset(i for i, f in enumerate(fs) if f.implies),
            needing=frozenset(i for i, f in enumerate(fs) if f.requires),
            blocked=frozenset(i for i, f in enumerate(fs) if f.unless),
            many_of=frozenset(index[x] for x in rules.prompt_size.many_of),
        )


def _same_after(f: Feature) -> re.Pattern[str] | None:
    """`distinct.same_after`, anchored at the end of the text before a mention."""
    if f.distinct is None or not f.distinct.same_after:
        return None
    return re.compile(f"(?:{f.distinct.same_after})\\s*$")


def _closure(direct: list[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    """Every feature each one implies, directly or through others, in first-reached order."""
    out = []
    for first in direct:
        seen: list[int] = []
        todo = list(first)
        while todo:
            j = todo.pop(0)
            if j not in seen:
                seen.append(j)
                todo.extend(direct[j])
        out.append(tuple(seen))
    return tuple(out)


def _blockers(
    unless: list[list[int]], closure: tuple[tuple[int, ...], ...]
) -> tuple[tuple[int, ...], ...]:
    """Per feature, its `unless` features and every feature that implies one of them."""
    return tuple(
        tuple(j for j in range(len(closure)) if j in listed or set(closure[j]) & set(listed))
        for listed in unless
    )


def _public(f: Feature, fs: list[Feature], index: dict[str, int]) -> str | None:
    """A feature's own id if it is emitted, else the first emitted feature it implies."""
    if f.emit:
        return f.id
    return next((x for x in f.implies if fs[index[x]].emit), None)


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
    """Working state of one prompt's rare-path work (marks: cues, numbers, exclusions...)."""

    low: str
    hits: list[Hit]
    durations: list[tuple[Span, float]] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    posts: list[Cue] = field(default_factory=list)
    lists: list[Cue] = field(default_factory=list)
    auto: int = 0
    """How many leading `hits` come from automaton phrases (the rest from regexes/numbers)."""


def matchable(low: str) -> str:
    """Lowercased prompt -> automaton text: non-word characters as spaces, one pad each side."""
    if low.isascii():
        return f" {low.translate(_TO_SPACE)} "
    # One regex pass covers every separator; str.translate has no fast path for non-ASCII text.
    return f" {_NON_WORD_RE.sub(' ', low)} "


def matchable_key(phrase: str) -> str:
    """A rule phrase as the automaton stores it (before boundary padding)."""
    text = phrase.lower().translate(_TO_SPACE)
    if not text.isascii():
        text = _NON_WORD_RE.sub(" ", text)
    return " ".join(text.split())


def scan(auto: Any, t: Tables, prompt: str) -> Scan:
    """One automaton pass plus the few regexes; then context exclusions and negation.

    Most automaton values are one phrase of one feature with nothing else to do (`extra` is
    None): those become hits with no further work. The rest (cues, numbers, exclusions, regex
    gates, shadowing containers) are set aside for `_apply_marks`.
    """
    low = lower_same_length(prompt)
    hits: list[Hit] = []
    add = hits.append
    special: list[tuple[int, int, Extra]] = []
    for end, (back, right, fidx, conf, extra) in auto.iter(matchable(low)):
        if extra is None:
            add((end - back, end - right, fidx, conf))
        else:
            special.append((end - back, end - right, extra))
    has_quote = '"' in low or "“" in low or "'" in low
    if not special and not has_quote:
        return Scan(low, hits, [], [], [])
    return _rare(t, low, hits, special, has_quote)


def _rare(
    t: Tables, low: str, hits: list[Hit], special: list[tuple[int, int, Extra]], has_quote: bool
) -> Scan:
    """Everything beyond plain phrase hits: quotes, marks, timestamps, negation."""
    add = hits.append
    marks: list[tuple[int, int, int, Mark]] = []
    for s, e, (phrases, kinds) in special:
        for fidx, conf in phrases:
            add((s, e, fidx, conf))
        for mark in kinds:
            marks.append((mark[0], s, e, mark))
    p = _Pass(low, hits, auto=len(hits))
    quoted = _quotes(t, low, hits) if has_quote else []
    if marks:
        _apply_marks(t, p, marks)
    if quoted:
        # Words inside quotes are text to render or lines to speak: "5-MINUTE PANCAKES" is no
        # clip length, "NO MORE WAR" no negation, a headline "MARKETS CRASH" no collision, a
        # spoken "the fire is spreading" no flames.
        p.hits = [h for h in p.hits if not _quoted_word(h, quoted)]
        p.durations = [d for d in p.durations if not _inside(d[0][0], quoted)]
        p.cues = [c for c in p.cues if not _inside(c[0], quoted)]
        p.lists = [c for c in p.lists if not _inside(c[0], quoted)]
    if p.cues or p.posts or p.lists:
        kept, negated, used = split_negated(low, p.hits, p.cues, p.posts, t.scoper, p.lists)
        return Scan(low, kept, negated, used, p.durations)
    return Scan(low, p.hits, [], [], p.durations)


def _quoted_word(h: Hit, spans: list[Span]) -> bool:
    """A hit strictly inside a quoted span (the quote's own text/speech hit spans it exactly)."""
    return any(s <= h[0] and h[1] <= e and (h[0], h[1]) != (s, e) for s, e in spans)


def _inside(pos: int, spans: list[Span]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _apply_marks(t: Tables, p: _Pass, marks: list[tuple[int, int, int, Mark]]) -> None:
    """Context exclusions, negation cues, numbers, regex gates and cancelled phrase hits.

    Phrase hits an exclusion or a longer key cancels were worked out at compile time (DROP
    marks); only hits from regexes, numbers and quotes (after `p.auto` hits) need the span test.
    """
    not_cues = [(s, e) for kind, s, e, _ in marks if kind == NOT_CUE]
    excludes: dict[int, list[Span]] = {}
    drop: set[tuple[int, int, int]] = set()
    searched: set[int] = set()
    for kind, s, e, mark in marks:
        a = mark[1]
        if kind == DROP:
            drop.add((s + mark[2], s + mark[3], a))
        elif kind == EXCLUDE:
            excludes.setdefault(a, []).append((s, e))
        elif kind in _CUE_KINDS:
            if not any(xs <= s and e <= xe for xs, xe in not_cues):
                (p.cues if kind == CUE else p.posts if kind == POST else p.lists).append((s, e))
        elif kind == NUMBER:
            _number(t, p, (s, e), float(a), digits=False)
        elif kind == DIGIT:
            _digits(t, p, s)
        elif kind == GATE and a not in searched:
            _pattern(t.patterns[a], p, s, searched, a)
    if drop:
        dropped = {d[2] for d in drop}
        hits: list[Any] = p.hits[: p.auto]  # untyped: compiled code then skips unboxing
        auto = [h for h in hits if h[2] not in dropped or (h[0], h[1], h[2]) not in drop]
        p.hits[: p.auto] = auto
        p.auto = len(auto)
    if excludes and len(p.hits) > p.auto:
        rest = p.hits[p.auto :]
        p.hits[p.auto :] = [
            h for h in rest if h[2] not in excludes or not _within(h, excludes[h[2]])
        ]


def _digits(t: Tables, p: _Pass, s: int) -> None:
    """Digits at a word start: a count, a duration, or the end of a "0:06-0:10" time range."""
    m = DIGITS_RE.match(p.low, s)
    if m is not None:
        _number(t, p, (s, m.end()), float(m.group(1).replace(",", "")), digits=True)
        return
    found = timestamp_at(p.low, s)
    if found is not None:
        p.durations.append(found)


_CUE_KINDS = frozenset({CUE, POST, LIST_CUE})


def _within(h: Hit, spans: list[Span]) -> bool:
    """A regex hit starting inside an excluded context ("golden retriever's") means that."""
    return any(xs <= h[0] < xe for xs, xe in spans)


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
    for s, end in _quoted(t.quotes_re, low):
        if _structural(low, s, end):
            continue  # JSON-style "key": "value" pairs are the prompt's structure, not text
        window = low[max(0, s - q.speech_window) : s]
        text_near = any(h[2] == text_idx and s - q.speech_window <= h[1] <= s for h in hits)
        is_speech = not text_near and (
            (t.speech_re is not None and t.speech_re.search(window) is not None)
            or (
                q.speaker_labels
                and window.rstrip().endswith(":")
                and _SPEAKER_RE.search(window) is not None
            )
        )
        hits.append((s, end, speech_idx if is_speech else text_idx, q.confidence))
        spans.append((s, end))
        if is_speech and t.speaker_idx >= 0:
            # Narration cues reach further back: "narration over drone footage of ...: "...""
            wide = low[max(0, s - 2 * q.speech_window) : s]
            narrated = t.narration_re is not None and t.narration_re.search(wide) is not None
            if not narrated:
                hits.append((s, end, t.speaker_idx, q.confidence))
    return spans


def _structural(low: str, s: int, end: int) -> bool:
    """JSON-style structure: a quoted key (after "{", "," or a line start, before a colon), or
    the value right after a quoted key's colon."""
    window = low[max(0, s - 4) : s]
    before = window.rstrip()
    if low[end : end + 3].lstrip().startswith(":"):
        return s == 0 or before.endswith(("{", ",", "[")) or "\n" in window
    return before.endswith(":") and before[:-1].rstrip().endswith(('"', "”"))


def _quoted(rx: re.Pattern[str], low: str) -> list[Span]:
    """`rx.finditer(low)` spans, trying the regex only where a quote mark is (every branch
    starts with one), which is far cheaper than letting it scan the whole prompt."""
    starts = sorted(i for ch in _QUOTE_CHARS for i in _positions(low, ch))
    out: list[Span] = []
    reach = 0
    for i in starts:
        if i < reach:
            continue
        m = rx.match(low, i)
        if m is not None:
            out.append((i, m.end()))
            reach = m.end()
    return out


_QUOTE_CHARS = ('"', "“", "'")


def _positions(text: str, ch: str) -> list[int]:
    out: list[int] = []
    i = text.find(ch)
    while i >= 0:
        out.append(i)
        i = text.find(ch, i + 1)
    return out
