"""The prompt rules engine: read a prompt, say which features it asks for and where.

`compile_rules` turns `catalog/features.yaml` into a `Matcher` once at start-up: one
Aho-Corasick automaton over every phrase, cue and number word, plus a few compiled regexes.
`Matcher.analyze` then does only per-prompt work, cheap enough to run on every keystroke.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ahocorasick
import msgspec

from router.negation import Scoper
from router.rules_derive import assemble
from router.rules_model import (
    Analysis,
    Feature,
    FeatureHit,
    FeatureRules,
    NegatedMention,
    PatternRule,
)
from router.rules_scan import (
    CUE,
    DIGIT,
    DROP,
    EXCLUDE,
    GATE,
    LIST_CUE,
    NOT_CUE,
    NUMBER,
    PHRASE,
    POST,
    Mark,
    Pattern,
    Scan,
    Tables,
    matchable,
    matchable_key,
    scan,
)

__all__ = [
    "Analysis",
    "FeatureHit",
    "FeatureRules",
    "Matcher",
    "NegatedMention",
    "RulesError",
    "compile_rules",
    "load_rules",
]

_BRACES_RE = re.compile(r"\{([^{}]*)\}")


class RulesError(ValueError):
    """The rules file is invalid; the message names the feature and the field."""


def load_rules(path: Path) -> FeatureRules:
    """Read and decode a features.yaml file."""
    try:
        return msgspec.yaml.decode(path.read_bytes(), type=FeatureRules)
    except msgspec.ValidationError as exc:
        raise RulesError(f"{path}: {exc}") from exc


def expand(phrase: str) -> list[str]:
    """Expand "{a|b} c{s|}" shorthand into every variant, lowercased, as the automaton reads it
    (punctuation and hyphens as spaces, so "slow-motion" and "slow motion" are one key)."""
    parts = _BRACES_RE.split(phrase.lower())
    options = [p.split("|") if i % 2 else [p] for i, p in enumerate(parts)]
    out = []
    for combo in itertools.product(*options):
        text = matchable_key("".join(combo))
        if text and text not in out:
            out.append(text)
    return out


class Matcher:
    """A compiled rule set. Build with `compile_rules`; call `analyze` per prompt."""

    __slots__ = ("_auto", "_tables", "rules_version")

    def __init__(self, auto: Any, tables: Tables, rules_version: str) -> None:
        self._auto = auto
        self._tables = tables
        self.rules_version = rules_version

    def analyze(self, prompt: str, duration_s: float | None = None) -> Analysis:
        """Features the prompt asks for, negated mentions and the requested duration."""
        found: Scan = scan(self._auto, self._tables, prompt)
        return assemble(self._tables, found, prompt, duration_s, self.rules_version)

    def iter_bare(self, prompt: str) -> int:
        """The bare automaton pass over the prompt as the engine feeds it (benchmark baseline)."""
        return sum(1 for _ in self._auto.iter(matchable(prompt.lower())))


def compile_rules(rules: FeatureRules) -> Matcher:
    """Build the automaton and regexes for a rule set (raises RulesError on bad rules)."""
    index = {f.id: i for i, f in enumerate(rules.features)}
    _check_references(rules, index)
    patterns = _compile_patterns(rules)
    entries: dict[str, list[tuple[int, int, float]]] = {}
    for phrase, meaning, where in _keys(rules, patterns):
        variants = expand(phrase)
        if not variants:
            raise RulesError(f"{where}: empty phrase {phrase!r}")
        for text in variants:
            entries.setdefault(text, []).append(meaning)
    tables = Tables.build(rules, index, patterns, Scoper(rules.negation))
    shadowed = {i for i, f in enumerate(rules.features) if f.shadowed}
    return Matcher(_automaton(entries, shadowed, _late(rules, index)), tables, _version(rules))


def _late(rules: FeatureRules, index: dict[str, int]) -> set[int]:
    """Features that get hits after the automaton pass (regexes, counts, quotes): the only ones
    an EXCLUDE mark still has to check at run time (phrase hits are handled by DROP marks)."""
    q, c = rules.quotes, rules.counting
    ids = [q.text_feature, q.speech_feature, c.multiple_feature, c.exact_feature]
    ids += [q.speaker_feature] if q.speaker_feature else []
    ids += [f.id for f in rules.features if f.patterns]
    return {index[x] for x in ids}


def _keys(
    rules: FeatureRules, patterns: list[Pattern]
) -> Iterator[tuple[str, tuple[int, int, float], str]]:
    """Every automaton phrase with what it means (kind, value, confidence) and where it is."""
    for i, f in enumerate(rules.features):
        yield from ((p, (PHRASE, i, f.confidence), f"feature {f.id} phrases") for p in f.phrases)
        yield from (
            (p, (PHRASE, i, f.weak_confidence), f"feature {f.id} weak_phrases")
            for p in f.weak_phrases
        )
        yield from ((p, (EXCLUDE, i, 0.0), f"feature {f.id} exclude") for p in f.exclude)
    neg = rules.negation
    yield from ((p, (CUE, 0, 0.0), "negation cues") for p in neg.cues)
    yield from ((p, (POST, 0, 0.0), "negation post_cues") for p in neg.post_cues)
    yield from ((p, (NOT_CUE, 0, 0.0), "negation not_cues") for p in neg.not_cues)
    yield from ((p, (LIST_CUE, 0, 0.0), "negation list_cues") for p in neg.list_cues)
    for word, value in rules.counting.number_words.items():
        yield word, (NUMBER, value, 0.0), "counting number_words"
    for k, pattern in enumerate(patterns):
        yield from ((g, (GATE, k, 0.0), "patterns gate") for g in pattern[1])


def _automaton(
    entries: dict[str, list[tuple[int, int, float]]], shadowed: set[int], late: set[int]
) -> Any:
    """One automaton over space-padded keys, so every match already sits on word boundaries.

    Each key's value is (back, right, feature, confidence, extra): where its words start and
    end relative to the match end, and what it means. A key that is one plain phrase of one
    feature has extra None (the fast path); others carry all their phrases and marks.
    """
    auto = ahocorasick.Automaton()
    phrase_of = {
        text: {a for kind, a, _ in meaning if kind == PHRASE} for text, meaning in entries.items()
    }
    for text, meaning in entries.items():
        left = " " if _bounded(text[0]) else ""
        right = " " if _bounded(text[-1]) else ""
        key = f"{left}{text}{right}"
        unique = dict.fromkeys(meaning)
        phrases = tuple((a, b) for kind, a, b in unique if kind == PHRASE)
        marks = tuple(
            (kind, a, 0, 0)
            for kind, a, _ in unique
            if kind != PHRASE and (kind != EXCLUDE or a in late)
        )
        marks += _drop_marks(text, unique, phrase_of, shadowed)
        back = len(key) - len(left)
        if not phrases and not marks:
            continue  # an exclusion with nothing left to cancel
        if len(phrases) == 1 and not marks:
            auto.add_word(key, (back, len(right), phrases[0][0], phrases[0][1], None))
        else:
            auto.add_word(key, (back, len(right), -1, 0.0, (phrases, marks)))
    for digit in "0123456789":
        # A number's first digit after a word boundary; the digit regex reads the rest.
        auto.add_word(f" {digit}", (1, 0, -1, 0.0, ((), ((DIGIT, 0, 0, 0),))))
    auto.make_automaton()
    return auto


def _drop_marks(
    text: str,
    meaning: dict[tuple[int, int, float], None],
    phrase_of: dict[str, set[int]],
    shadowed: set[int],
) -> tuple[Mark, ...]:
    """DROP marks for the phrase hits this key cancels, found once here instead of per prompt:
    hits of a feature it excludes ("pan" in "frying pan") and shadowed hits nested in it when
    it is a phrase of another feature ("movement" in "camera movement")."""
    excluded = {a for kind, a, _ in meaning if kind == EXCLUDE}
    own = {a for kind, a, _ in meaning if kind == PHRASE}
    if not excluded and not (own and shadowed):
        return ()
    out: list[Mark] = []
    for start, end in _word_spans(text):
        inner = phrase_of.get(text[start:end], ())
        whole = end - start == len(text)
        for g in inner:
            if g in excluded or (g in shadowed and not whole and own - {g}):
                out.append((DROP, g, start, end))
    return tuple(out)


def _word_spans(text: str) -> Iterator[tuple[int, int]]:
    """Every run of whole words in a normalised key, as offsets."""
    starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == " ")]
    ends = [*(i for i, ch in enumerate(text) if ch == " "), len(text)]
    for i, s in enumerate(starts):
        for e in ends[i:]:
            yield s, e


def _bounded(ch: str) -> bool:
    """Word boundaries apply to letters and digits of spaced scripts, not to CJK, which has none."""
    return ch.isalnum() and ord(ch) < 0x2E80


def _compile_patterns(rules: FeatureRules) -> list[Pattern]:
    out: list[Pattern] = []
    for i, f in enumerate(rules.features):
        for j, p in enumerate(f.patterns):
            conf = f.confidence if p.confidence is None else p.confidence
            how = -1 if p.anchored else p.window
            gate = tuple(p.gate or p.words)
            out.append((_compile_one(f, j, p), gate, i, conf, how))
            if p.anchored and not gate:
                raise RulesError(f"feature {f.id} patterns[{j}].gate: anchored needs a gate")
    return out


def _compile_one(f: Feature, j: int, p: PatternRule) -> re.Pattern[str]:
    regex = p.regex
    if p.words:
        if "{words}" not in regex:
            raise RulesError(f"feature {f.id} patterns[{j}].words: the regex has no {{words}}")
        regex = regex.replace("{words}", trie_regex({w.lower() for w in p.words}))
    try:
        return re.compile(regex)
    except re.error as exc:
        raise RulesError(f"feature {f.id} patterns[{j}].regex: {exc} in {p.regex!r}") from exc


def trie_regex(words: set[str]) -> str:
    """An alternation of `words` factored by shared prefixes ("walk|wake" -> "wa(?:lk|ke)"): the
    regex engine tries branches one by one, so a flat list of hundreds of words is slow."""
    by_first: dict[str, set[str]] = {}
    ends = False
    for w in words:
        if w:
            by_first.setdefault(w[0], set()).add(w[1:])
        else:
            ends = True
    branches = [re.escape(c) + trie_regex(rest) for c, rest in sorted(by_first.items())]
    if not branches:
        return ""
    if len(branches) == 1 and not ends:
        return branches[0]
    return "(?:" + "|".join(branches) + (")?" if ends else ")")


def _check_references(rules: FeatureRules, index: dict[str, int]) -> None:
    """Every feature id a rule points at must exist, so a typo fails at start-up."""
    if len(index) != len(rules.features):
        raise RulesError("features: duplicate feature id")
    refs: list[tuple[str, str]] = [
        ("negation.feature", rules.negation.feature),
        ("counting.multiple_feature", rules.counting.multiple_feature),
        ("counting.exact_feature", rules.counting.exact_feature),
        ("durations.feature", rules.durations.feature),
        ("quotes.text_feature", rules.quotes.text_feature),
        ("quotes.speech_feature", rules.quotes.speech_feature),
        *[("quotes.speaker_feature", x) for x in [rules.quotes.speaker_feature] if x],
        ("prompt_size.long_feature", rules.prompt_size.long_feature),
        ("prompt_size.many_feature", rules.prompt_size.many_feature),
    ]
    refs += [("prompt_size.many_of", x) for x in rules.prompt_size.many_of]
    for f in rules.features:
        refs += [(f"feature {f.id} implies", x) for x in f.implies]
        refs += [(f"feature {f.id} requires", x) for x in f.requires]
        refs += [(f"feature {f.id} unless", x) for x in f.unless]
        refs += [(f"feature {f.id} opposite", x) for x in [f.opposite] if x]
        refs += [(f"feature {f.id} distinct.of", x) for x in (f.distinct.of if f.distinct else [])]
        if f.distinct and f.distinct.within:
            refs.append((f"feature {f.id} distinct.within", f.distinct.within))
        if f.distinct and f.distinct.same_after:
            try:
                re.compile(f.distinct.same_after)
            except re.error as exc:
                raise RulesError(f"feature {f.id} distinct.same_after: {exc}") from exc
        for a, b in f.distinct.stand_ins.items() if f.distinct else []:
            refs += [
                (f"feature {f.id} distinct.stand_ins", a),
                (f"feature {f.id} distinct.stand_ins", b),
            ]
    for where, fid in refs:
        if fid not in index:
            raise RulesError(f"{where}: unknown feature id {fid!r}")


def _version(rules: FeatureRules) -> str:
    """The YAML version plus a short hash of the rules' content."""
    digest = hashlib.sha256(msgspec.json.encode(rules)).hexdigest()[:8]
    return f"{rules.version}+{digest}"
