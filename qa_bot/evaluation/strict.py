"""Strict scoring, as a reader scores: the first figure or name of the answer must be the right one."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from ..records import Answer
from .metrics import _UNITS as _METRIC_UNITS
from .metrics import Number, QuestionScore, conflict_holds, normalize_text, numbers_in
from .questions import Question

# Units an expected figure may carry in strict scoring: the eval's units plus feet, meters and dollars.
# key → (canonical unit, factor to it, how the unit is written right after the number)
_UNITS: dict[str, tuple[str, float, str]] = {
    **_METRIC_UNITS,
    "ft": ("m", 0.3048, r"(?:feet\b|foot\b|ft\b)"),
    "m": ("m", 1.0, r"(?:met(?:er|re)s?\b|m\b)"),
    "$": ("$", 1.0, r"(?:dollars?\b|dlrs\b)"),
}
# "$287,402", "US$ 3.3 million", "dlrs 500,000": the currency written before the number.
_DOLLAR_BEFORE = re.compile(r"(?:\$|US\$|USD|dlrs\.?)\s*$", re.IGNORECASE)
_CROSS_UNIT_TOLERANCE = 0.02  # 7.5 mi = 12.07 km ≈ "12 km": a rounded conversion is the same figure

# Markup a reader does not see: [n] markers, emphasis, code, table pipes, list bullets, markdown escapes.
_MARKERS = re.compile(r"\[\d+\]")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_LABEL_LINE = re.compile(r"^[^.!?]{0,60}:$")  # "From the articles:" introduces the answer, it is not one
# "The sources disagree on 1 figure(s); see the table below." points at the side-by-side table: its number
# counts the answer's own parts, and a reader skips it to find the answer.
_POINTER_LINE = re.compile(r"\bsee the table\b|\bthe table (?:below|above)\b", re.IGNORECASE)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           r"jan\.?|feb\.?|mar\.?|apr\.?|jun\.?|jul\.?|aug\.?|sept?\.?|oct\.?|nov\.?|dec\.?")
# Numbers that are part of a date or a clock time are not figures: "July 16, 1999", "16 July", "2024-08-12",
# "8:38 p.m.", and ordinals ("35th president", "the 40th country") are positions, not counts.
_NOT_FIGURES = re.compile(
    r"\b(?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS + r")(?:,?\s+\d{4})?\b"
    r"|\b(?:" + _MONTHS + r")\s+\d{4}\b"
    r"|\b(?:in|since|of|by|until|before|after)\s+(?:19|20)\d{2}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
    r"|\b\d+(?:st|nd|rd|th)\b"
    r"|\bone\s+of\b",  # "one of the instructors" names one of a set; it does not answer "how many"
    re.IGNORECASE)
# a sentence ends at . ! ? before a capital, but not after an initial ("Jimmy W. Mercer") or a title before a name
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr)\.)(?<!\bMrs\.)[\"'”’)]*\s+(?=[A-Z\"“(])")


def plain_text(markdown: str) -> str:
    """The answer as a reader reads it: markers, emphasis, escapes, bullets, table pipes and lines that only point
    at the table removed."""
    text = _MARKERS.sub("", markdown)
    text = _ESCAPE.sub(r"\1", text)
    text = re.sub(r"[*_`]", "", text)
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if re.fullmatch(r"\|?[\s|:-]*\|[\s|:-]*", line):  # a table's separator row
            continue
        line = re.sub(r"^(?:[-•>]|\d+\.)\s+", "", line).replace("|", " ")
        if _POINTER_LINE.search(line) and len(line) < 120:
            continue
        lines.append(re.sub(r"\s+", " ", line).strip())
    return "\n".join(lines).strip()


def lead_sentence(markdown: str) -> str:
    """The first sentence of the first line that says something (a label such as 'From the articles:' is skipped)."""
    for line in plain_text(markdown).splitlines():
        if line and not _LABEL_LINE.match(line):
            return _SENTENCE_END.split(line, maxsplit=1)[0]
    return ""


def figure_numbers(text: str) -> list[Number]:
    """The numbers of text that are figures, in order: dates, clock times and ordinals left out."""
    blocked = [(m.start(), m.end()) for m in _NOT_FIGURES.finditer(text)]
    return [n for n in numbers_in(text) if not any(s <= n.start < e for s, e in blocked)]


@dataclass(frozen=True)
class StrictFigure:
    """An expected figure for strict scoring: its value and unit key ("" for a plain count)."""

    raw: str
    value: float
    unit: str = ""


def parse_strict(raw: str) -> StrictFigure:
    """'$287,402' → (287402, '$'); '120 feet' → (120, 'ft'); '10.6%' → (10.6, '%'); 'thirteen' → (13, '')."""
    nums = numbers_in(raw)
    if not nums:
        raise ValueError(f"no number in expected figure {raw!r}")
    first = nums[0]
    if _DOLLAR_BEFORE.search(raw[:first.start]):
        return StrictFigure(raw, first.value, "$")
    rest = raw[first.end:].lstrip(" -\u00a0")
    for key, (_, _, pattern) in _UNITS.items():
        if rest and re.match(pattern, rest, re.IGNORECASE):
            return StrictFigure(raw, first.value, key)
    return StrictFigure(raw, first.value, "")


def unit_at(text: str, number: Number) -> str:
    """The unit key written with a number in text ('' when none): '$' before it, or a unit right after it."""
    if _DOLLAR_BEFORE.search(text[max(0, number.start - 6):number.start]):
        return "$"
    after = text[number.end:number.end + 30].lstrip(" -\u00a0")
    for key, (_, _, pattern) in _UNITS.items():
        if re.match(pattern, after, re.IGNORECASE):
            return key
    return ""


def number_matches(expected: StrictFigure, value: float, unit: str) -> bool:
    """A number with its unit is the expected figure: equal in the same unit, within 2% across units of one
    quantity (12 km for 7.5 miles); a plain expected count takes any unit, a unit expected must be written."""
    if not expected.unit:
        return math.isclose(value, expected.value, rel_tol=1e-9, abs_tol=1e-9)
    if not unit:
        return False
    (want_canon, want_factor, _), (got_canon, got_factor, _) = _UNITS[expected.unit], _UNITS[unit]
    if want_canon != got_canon:
        return False
    if unit == expected.unit:
        return math.isclose(value, expected.value, rel_tol=1e-9, abs_tol=1e-9)
    return math.isclose(value * got_factor, expected.value * want_factor, rel_tol=_CROSS_UNIT_TOLERANCE)


def first_figure(markdown: str) -> tuple[float, str] | None:
    """The first figure of the answer text as a reader meets it, with its unit; None when there is none."""
    text = plain_text(markdown)
    nums = figure_numbers(text)
    return (nums[0].value, unit_at(text, nums[0])) if nums else None


def coherent(conflict: Mapping[str, Any]) -> bool:
    """A conflict group holds one kind of quantity: all its figures of one dimension (count, length, money, date,
    ...; the unit when no dimension is given). Miles beside kilometres are one quantity; a death toll beside a
    date or a percentage is not, and such a group shows no conflict a reader can use."""
    return len({str(f.get("dimension") or f.get("unit", "")) for f in conflict.get("figures", ())}) <= 1


@dataclass(frozen=True)
class StrictScore:
    """The strict verdict on one answer and, when wrong, why."""

    correct: bool
    why: str = ""


def strict_score(question: Question, answer: Answer) -> StrictScore:
    """Score one answer as a reader would.

    Unanswerable: found must be false. Figure questions: the first figure of the answer text must be one of the
    first expected figure's alternatives (numerically, with its unit if one is given). Name and date questions:
    an alternative of the first expected text must be in the lead sentence. Conflict questions, in addition: a
    shown conflict group of one measure must hold every conflict value."""
    if not question.answerable:
        return StrictScore(True) if not answer.found else StrictScore(False, "answered an unanswerable question")
    if not answer.found:
        return StrictScore(False, "refused")
    if question.figures:
        first = first_figure(answer.answer)
        if first is None:
            return StrictScore(False, "no figure in the answer")
        value, unit = first
        alternatives = [parse_strict(a) for a in question.figures[0]]
        if not any(number_matches(e, value, unit) for e in alternatives):
            return StrictScore(False, f"first figure {value:g}{(' ' + unit) if unit else ''}, "
                                      f"expected {question.figures[0][0]}")
    elif question.text:
        lead = normalize_text(lead_sentence(answer.answer))
        if not any(normalize_text(a) in lead for a in question.text[0]):
            return StrictScore(False, f"{question.text[0][0]!r} not in the lead sentence")
    if question.conflict:
        values = question.conflict_values or tuple(alts[0] for alts in question.figures)
        conflicts = answer.to_dict()["conflicts"]
        if not any(coherent(c) and conflict_holds(c, values) for c in conflicts):
            return StrictScore(False, f"no one-measure conflict group holds {', '.join(values)}")
    return StrictScore(True)


def with_strict(score: QuestionScore, question: Question, answer: Answer) -> QuestionScore:
    """A question's scores with the strict verdict added (and its reason among the misses when wrong)."""
    verdict = strict_score(question, answer)
    misses = score.misses if verdict.correct else score.misses + (f"strict: {verdict.why}",)
    return replace(score, strict=verdict.correct, misses=misses)
