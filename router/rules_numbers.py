"""Numbers in a prompt: counted subjects ("two dogs", "5 wolf pups") and clip durations ("10s").

Both start from a number (digits, or a number word found by the phrase automaton) and read the
few words after it: a unit makes it a duration, a plural noun makes it a count.
"""

from __future__ import annotations

import re

from router.rules_model import Counting, Durations

Span = tuple[int, int]

# Digits not glued to other tokens: skips "16:9", "1920x1080", "$5", "v2", "2.0.1".
DIGITS_RE = re.compile(
    r"(?<![\w.:/'’$€£#×])(?<!\d,)(\d{1,3}(?:,\d{3})+|\d{1,4}(?:\.\d+)?)(?![\d:/%×]|[.,]\d)"
)
# The separator after a number, then up to four words ("-second", " red wolf pups").
_FOLLOW_RE = re.compile(
    r"([ \t\-]*)([^\W\d_]+)(?:[ \t\-]+([^\W\d_]+))?(?:[ \t\-]+([^\W\d_]+))?"
    r"(?:[ \t\-]+([^\W\d_]+))?"
)
# The same for lowercased ASCII text, where a letter is just [a-z] (a much faster class).
_FOLLOW_ASCII_RE = re.compile(
    r"([ \t\-]*)([a-z]+)(?:[ \t\-]+([a-z]+))?(?:[ \t\-]+([a-z]+))?(?:[ \t\-]+([a-z]+))?"
)
_PREV_WORD_RE = re.compile(r"([^\W\d_]+)[ \t]*$")
# The end of a time range in a shot list ("0:06-0:10"): the clip runs at least that long.
_CLOCK_RE = re.compile(r"(\d{1,2}):([0-5]\d)(?![\d:])")
_RANGE_DASHES = "-–—"


def timestamp_at(low: str, start: int) -> tuple[Span, float] | None:
    """The duration implied by an "m:ss" time that ends a range ("-0:10", "to 1:30"), read at
    a digit the automaton found at a word start."""
    m = _CLOCK_RE.match(low, start)
    if m is None:
        return None
    before = low[max(0, start - 12) : start].rstrip()
    if not before:
        return None
    after_to = before.endswith("to") and (len(before) == 2 or not before[-3].isalnum())
    if before[-1] not in _RANGE_DASHES and not after_to:
        return None
    return (start, m.end(2)), int(m.group(1)) * 60.0 + int(m.group(2))


class NumberScanner:
    """Compiled count and duration rules."""

    __slots__ = (
        "_compact",
        "_count",
        "_dur",
        "_irregular",
        "_keyed",
        "_not_after",
        "_not_before",
        "_not_plural",
        "_unit_words",
        "_units",
    )

    def __init__(self, counting: Counting, durations: Durations) -> None:
        self._count = counting
        self._dur = durations
        self._units = dict(durations.units)
        self._compact = frozenset(durations.compact_units)
        self._not_after = frozenset(durations.not_after)
        self._not_before = frozenset(durations.not_before)
        self._unit_words = frozenset(counting.unit_words) | frozenset(durations.units)
        self._irregular = frozenset(counting.irregular_plurals)
        self._not_plural = frozenset(counting.not_plurals)
        keys = "|".join(re.escape(k) for k in sorted(durations.keys, key=len, reverse=True))
        self._keyed = re.compile(rf"(?<!\w)(?:{keys})\s*[:=]?\s*$") if keys else None

    def read(
        self, low: str, start: int, end: int, value: float, digits: bool
    ) -> tuple[str, Span, float] | None:
        """Classify the number at [start, end): ("duration", span, seconds), ("count", ...)."""
        follow = _FOLLOW_ASCII_RE if low.isascii() else _FOLLOW_RE
        m = follow.match(low, end)
        keyed = self._keyed
        if (
            digits
            and keyed is not None
            and keyed.search(low, max(0, start - 24), start) is not None
            and self._bare(start, m, value)
        ):
            return ("duration", (start, end), value)  # "duration: 10", "length=15"
        if m is None:
            return None
        sep, first = m.group(1), m.group(2)
        if not sep:
            # Glued letters are a unit ("10s") or a different token ("4k", "1080p", "3d").
            if digits and first in self._compact and not _is_decade(value, first):
                return self._duration(low, start, m, value)
            return None
        if first in self._units:
            return self._duration(low, start, m, value)
        return self._counted(start, m, value)

    def _bare(self, start: int, m: re.Match[str] | None, value: float) -> bool:
        """No unit and no counted noun after the number (nothing, punctuation, other words)."""
        if m is None:
            return True
        if not m.group(1) or m.group(2) in self._unit_words:
            return False
        return self._counted(start, m, value) is None

    def _duration(
        self, low: str, start: int, m: re.Match[str], value: float
    ) -> tuple[str, Span, float] | None:
        after = m.group(3)
        if after is not None and after in self._not_after:
            return None
        prev = _PREV_WORD_RE.search(low, max(0, start - 64), start)
        if prev is not None and prev.group(1) in self._not_before:
            return None
        seconds = value * self._units.get(m.group(2), 1.0)
        return ("duration", (start, m.end(2)), seconds)

    def _counted(
        self, start: int, m: re.Match[str], value: float
    ) -> tuple[str, Span, float] | None:
        if value < 2:
            return None
        for g in range(2, 3 + self._count.max_gap_words):
            word = m.group(g)
            if word is None or word in self._unit_words:
                return None
            if self._plural(word):
                return ("count", (start, m.end(g)), value)
        return None

    def _plural(self, word: str) -> bool:
        if word in self._irregular:
            return True
        if word in self._not_plural or len(word) < 3:
            return False
        return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _is_decade(value: float, unit: str) -> bool:
    """'80s' and '1990s' are decades, not durations."""
    return unit == "s" and (value >= 100 or (value >= 20 and value % 10 == 0))
