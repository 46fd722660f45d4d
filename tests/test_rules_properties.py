"""Property tests for the rules engine: spans stay inside the prompt and cover rule text,
analysis is deterministic, "no " before a camera phrase never adds it, any text is safe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.rules import Matcher, compile_rules, expand, load_rules, trie_regex
from router.rules_scan import matchable_key

RULES_PATH = Path(__file__).resolve().parent.parent / "catalog" / "features.yaml"
RULES = load_rules(RULES_PATH)
MATCHER: Matcher = compile_rules(RULES)

# Every feature's phrase vocabulary in the automaton's normal form, for span checks.
VOCAB: dict[str, set[str]] = {
    f.id: {v for p in [*f.phrases, *f.weak_phrases] for v in expand(p)} for f in RULES.features
}
CAMERA_PHRASES = sorted(
    (fid, v)
    for fid in ("camera.pan", "camera.tilt", "camera.zoom", "camera.orbit", "camera.crane")
    for v in VOCAB[fid]
    if " " not in v and len(v) > 3
)
# Only phrase-driven features: derived or regex features cover other kinds of text.
PHRASE_ONLY = {
    "camera.pan", "camera.tilt", "camera.zoom", "camera.orbit", "camera.crane",
    "camera.rack_focus", "camera.shake", "motion.slow", "physics.thermal", "style.stylized",
}  # fmt: skip

words = st.sampled_from(
    [
        "slow", "pan", "panda", "tilt", "zoom", "call", "a", "the", "no", "not", "without",
        "red", "car", "crane", "shot", "bird", "fire", "burning", "company", "japan", ",", ".",
        "but", "rack", "focus", "handheld", "watercolor", "🎬", "東京", "café", "İstanbul", "\n",
    ]
)  # fmt: skip
prompts = st.lists(words, max_size=40).map(" ".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(prompts)
def test_spans_lie_inside_and_cover_rule_text(prompt: str) -> None:
    a = MATCHER.analyze(prompt)
    for f in a.features:
        assert len(f.spans) == len(f.spans_utf16)
        for s, e in f.spans:
            assert 0 <= s < e <= len(prompt)
            if f.id in PHRASE_ONLY:
                assert matchable_key(prompt[s:e]) in VOCAB[f.id]


@SETTINGS
@given(prompts)
def test_utf16_spans_match_the_same_text(prompt: str) -> None:
    units = prompt.encode("utf-16-le")
    for f in MATCHER.analyze(prompt).features:
        for (s, e), (s16, e16) in zip(f.spans, f.spans_utf16, strict=True):
            assert units[2 * s16 : 2 * e16].decode("utf-16-le") == prompt[s:e]


@SETTINGS
@given(prompts, st.one_of(st.none(), st.floats(min_value=0, max_value=60)))
def test_analysis_is_deterministic(prompt: str, duration: float | None) -> None:
    assert MATCHER.analyze(prompt, duration) == MATCHER.analyze(prompt, duration)


@SETTINGS
@given(prompts, st.sampled_from(CAMERA_PHRASES), prompts)
def test_no_before_a_camera_phrase_never_adds_it(
    before: str, camera: tuple[str, str], after: str
) -> None:
    fid, phrase = camera
    base = f"{before}. {after}"
    negated = f"{before}. no {phrase} {after}"
    had = fid in {f.id for f in MATCHER.analyze(base).features}
    has = fid in {f.id for f in MATCHER.analyze(negated).features}
    assert has <= had


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_crashes(prompt: str) -> None:
    a = MATCHER.analyze(prompt)
    assert a.word_count == len(prompt.split())
    for f in a.features:
        assert 0.0 <= f.confidence <= 1.0
        assert all(0 <= s <= e <= len(prompt) for s, e in f.spans)


@pytest.mark.parametrize("phrase", ["pan", "tilt up", "zoom in", "crane shot", "rack focus"])
def test_no_camera_phrase_examples(phrase: str) -> None:
    got = {f.id for f in MATCHER.analyze(f"a lake at dawn, no {phrase}").features}
    assert not got & {"camera.pan", "camera.tilt", "camera.zoom", "camera.crane",
                      "camera.rack_focus"}  # fmt: skip


@given(
    st.sets(st.text(alphabet="abcs-", min_size=1, max_size=5), min_size=1, max_size=12),
    st.text(alphabet="abcs-", max_size=6),
)
def testtrie_regex_matches_exactly_the_words(words: set[str], probe: str) -> None:
    rx = re.compile("(?:" + trie_regex(words) + r")\Z")
    assert all(rx.match(w) for w in words)
    assert bool(rx.match(probe)) == (probe in words)
