"""The shape of `catalog/features.yaml` and of an analysis result.

Rules are data: every phrase, context exclusion, negation cue and threshold lives in the YAML
and is decoded into these frozen Structs, so a bad rules file fails with a JSON path.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

FeatureId = Annotated[str, Meta(pattern=r"^[a-z]+\.[a-z0-9_]+$", max_length=80)]
Unit01 = Annotated[float, Meta(ge=0.0, le=1.0)]
Phrase = Annotated[str, Meta(min_length=1, max_length=400)]
Span = tuple[int, int]


class RulesBase(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Common settings for every rules Struct."""


class PatternRule(RulesBase, frozen=True, kw_only=True):
    """A regex for what phrases cannot express; run only when one of `gate` occurs in the text.

    `anchored`: the regex is tried at each gate word (which it must start with), not searched.
    `window`: otherwise search only this many characters either side of each gate word
    (0 searches the whole prompt once).
    """

    regex: str
    confidence: Unit01 | None = None
    gate: list[Phrase] = []
    words: list[str] = []
    """Each `{words}` in `regex` stands for any of these words (the gate, if none is given)."""
    anchored: bool = False
    window: Annotated[int, Meta(ge=0, le=2000)] = 0


class Distinct(RulesBase, frozen=True, kw_only=True):
    """Fire when at least `min` of the listed features fire (e.g. two camera moves), or with
    `count: mentions`, when their hits name at least `min` different words ("a man and his dog").
    """

    of: Annotated[list[FeatureId], Meta(min_length=1)]
    min: Annotated[int, Meta(ge=1)] = 2
    count: Literal["features", "mentions"] = "features"
    stand_ins: dict[FeatureId, FeatureId] = {}
    """With `count: mentions`: a feature that names one of `of` indirectly (a pronoun for a
    person) and counts as one mention of it when that feature itself has no hit ("she feeds
    the dog" names two subjects; "a woman ... she smiles" one)."""
    within: FeatureId | None = None
    """With `count: features`: the listed features must fire between two hits of this one (a
    shot boundary): a pan in shot 1 and a tilt in shot 2 are two shots, not two moves."""
    same_after: str | None = None
    """With `count: mentions`: a regex for the words just before a mention that make it the same
    subject in a new form ("turns into a", "morphs into"): such a mention is not counted."""
    same_cues: list[str] = []
    """Words one of which `same_after` always contains: the regex runs only when the prompt
    contains one of them (it is tried before every mention, so most prompts skip it)."""


class Feature(RulesBase, frozen=True, kw_only=True):
    """One prompt feature: the words that say it and the contexts where they mean something else."""

    id: FeatureId
    description: str
    confidence: Unit01 = 0.9
    phrases: list[Phrase] = []
    weak_phrases: list[Phrase] = []
    weak_confidence: Unit01 = 0.6
    patterns: list[PatternRule] = []
    exclude: list[Phrase] = []
    """Longer phrases inside which this feature's phrases mean something else ("frying pan")."""
    opposite: FeatureId | None = None
    """Fires instead when this feature is negated ("no camera movement" -> camera.static)."""
    implies: list[FeatureId] = []
    requires: list[FeatureId] = []
    """Fire only when one of these fires too (full-body motion needs a person, not a cheetah)."""
    unless: list[FeatureId] = []
    """Drop this feature's hits that come after a hit of one of these (directly or implied),
    before counting and implications ("a cow licks her calf": the pronoun names the cow)."""
    distinct: Distinct | None = None
    min_hits: Annotated[int, Meta(ge=1)] = 1
    """Distinct phrase hits needed before the feature fires (style-word soup needs several)."""
    shadowed: bool = False
    """Drop hits nested inside a longer hit of another feature ("movement" in "camera movement")."""
    emit: bool = True
    """False for helper features that exist only to be negated or implied."""


class Negation(RulesBase, frozen=True, kw_only=True):
    """Negation cues and where their scope ends."""

    cues: Annotated[list[Phrase], Meta(min_length=1)]
    post_cues: list[Phrase] = []
    """Cues that follow what they negate: "camera movement: none", "text-free"."""
    post_linkers: list[str] = msgspec.field(default_factory=lambda: ["", ":", "-", "="])
    not_cues: list[Phrase] = []
    """Phrases that contain a cue but negate nothing ("no matter", "not only")."""
    list_cues: list[Phrase] = []
    """Cues that negate a whole list up to the end of the sentence ("negative prompt: a, b, c");
    a plain cue followed by a colon ("avoid: text, logos") does too."""
    list_end_chars: str = ".;!?\n"
    max_list_words: Annotated[int, Meta(ge=1, le=100)] = 40
    scope_end_chars: str = ",;.:!?\n"
    scope_end_words: list[Phrase] = []
    max_scope_words: Annotated[int, Meta(ge=1, le=20)] = 5
    feature: FeatureId = "prompt.negation"
    confidence: Unit01 = 0.9


class Counting(RulesBase, frozen=True, kw_only=True):
    """Counted subjects ("two dogs", "five wolf pups") and what a number is not (units)."""

    number_words: dict[Phrase, Annotated[int, Meta(ge=0)]]
    unit_words: list[Phrase] = []
    irregular_plurals: list[Phrase] = []
    not_plurals: list[Phrase] = []
    max_gap_words: Annotated[int, Meta(ge=0, le=4)] = 2
    multiple_feature: FeatureId = "subject.multiple"
    exact_feature: FeatureId = "subject.count_exact"
    exact_min: Annotated[int, Meta(ge=2)] = 3
    confidence: Unit01 = 0.9


class Durations(RulesBase, frozen=True, kw_only=True):
    """Requested clip length written in the prompt ("10-second", "10s", "for 12 seconds")."""

    units: dict[Phrase, Annotated[float, Meta(gt=0.0)]]
    compact_units: list[Phrase] = []
    """Units that may follow the number with no space ("10s", "8sec")."""
    not_after: list[Phrase] = []
    """Words after the duration that make it story time, not clip length ("later", "ago")."""
    not_before: list[Phrase] = []
    keys: list[Phrase] = []
    """Words that make a bare number right after them a length in seconds ("duration: 10",
    "length=15"), unless a unit of another kind follows ("length: 15 cm")."""
    long_over_s: Annotated[float, Meta(gt=0.0)] = 5.0
    feature: FeatureId = "duration.long"
    confidence: Unit01 = 0.95


class Quotes(RulesBase, frozen=True, kw_only=True):
    """Quoted strings: on-screen text, unless a speech verb just before makes them dialogue."""

    text_feature: FeatureId = "text.render"
    speech_feature: FeatureId = "audio.dialogue"
    speech_cues: list[Phrase] = []
    speaker_labels: bool = True
    """A quote right after a speaker label ("Detective 1:", "Narrator (V.O.):") is dialogue."""
    speaker_feature: FeatureId | None = None
    """Also fired by a spoken quote, unless a narration cue is near: someone on screen says it."""
    narration_cues: list[Phrase] = []
    """Words that make a spoken quote off-screen narration ("voiceover", "narrator")."""
    speech_window: Annotated[int, Meta(ge=0, le=200)] = 40
    max_length: Annotated[int, Meta(ge=1, le=1000)] = 120
    confidence: Unit01 = 0.9


class PromptSize(RulesBase, frozen=True, kw_only=True):
    """Whole-prompt features: long prompts and too many elements for one shot."""

    long_feature: FeatureId = "prompt.long"
    long_over_words: Annotated[int, Meta(ge=1)] = 120
    many_feature: FeatureId = "prompt.many_elements"
    many_min_distinct: Annotated[int, Meta(ge=1)] = 8
    many_of: list[FeatureId] = []
    confidence: Unit01 = 0.8


class FeatureRules(RulesBase, frozen=True, kw_only=True):
    """`catalog/features.yaml`."""

    version: Annotated[str, Meta(min_length=1, max_length=40)]
    negation: Negation
    counting: Counting
    durations: Durations
    quotes: Quotes
    prompt_size: PromptSize
    features: Annotated[list[Feature], Meta(min_length=1)]

    def feature_ids(self) -> frozenset[str]:
        """Every feature id these rules can emit."""
        return frozenset(f.id for f in self.features if f.emit)


class FeatureHit(RulesBase, frozen=True, kw_only=True):
    """A feature the prompt asks for, with the character spans that say so."""

    id: str
    confidence: Unit01
    spans: list[Span] = []
    spans_utf16: list[Span] = []


class NegatedMention(RulesBase, frozen=True, kw_only=True):
    """A feature the prompt mentions only to rule it out ("no camera movement")."""

    feature: str
    span: Span
    cue_span: Span


class Analysis(RulesBase, frozen=True, kw_only=True):
    """What a prompt asks for: features sorted by id, negated mentions, requested duration."""

    features: list[FeatureHit]
    negated: list[NegatedMention]
    duration_s: float | None
    word_count: int
    rules_version: str
