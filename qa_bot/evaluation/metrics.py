"""Metrics of one answer against one question (pure functions) and their aggregation over a run."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..records import Answer
from .questions import Question

# ------------------------------------------------------------------------------------------------ numbers

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
# Thousands separated by comma, space, no-break or thin space ("121,000", "220 000"); a group is exactly 3 digits.
_DIGITS = re.compile(r"(?<![\w.,])(\d{1,3}(?:[,\u00a0\u202f\u2009 ]\d{3})+(?!\d)|\d+)(\.\d+)?(?![\d])"
                     r"(?:\s*(thousand|million|billion|trillion|bn)\b)?", re.IGNORECASE)
_WORD = r"(?:a|an|" + "|".join(list(_WORDS) + list(_SCALES)) + r")\b"
_WORD_RUN = re.compile(r"\b" + _WORD + r"(?:[\s-]+(?:and[\s-]+)?" + _WORD + r")*", re.IGNORECASE)

# Units an expected figure may carry: canonical unit, factor to it, and how the unit is written after a number.
_UNITS: dict[str, tuple[str, float, str]] = {
    "km2": ("km2", 1.0, r"(?:square[\s-]+kilomet(?:er|re)s?|sq\.?\s*km|km²|km2)"),
    "sq mi": ("km2", 2.589988, r"(?:square[\s-]+miles?|sq\.?\s*mi(?:les?)?\b|mi²|mi2)"),
    "km": ("km", 1.0, r"(?:kilomet(?:er|re)s?\b|km\b(?![²2]))"),
    "mi": ("km", 1.609344, r"(?:miles?\b|mi\b(?![²2]))"),
    "%": ("%", 1.0, r"(?:%|percent\b|per\s+cent\b)"),
}


@dataclass(frozen=True)
class Number:
    """A number found in text: its value and where it stands."""

    value: float
    start: int
    end: int


@dataclass(frozen=True)
class ExpectedFigure:
    """An expected figure parsed from the questions file: value in the written unit, plus that unit."""

    raw: str
    value: float
    unit: str = ""  # key of _UNITS ("km", "mi", "km2", "sq mi", "%") or "" for a plain count

    @property
    def canonical(self) -> tuple[str, float]:
        """(canonical unit, value in it): 7.5 mi → ("km", 12.07)."""
        if not self.unit:
            return "", self.value
        unit, factor, _ = _UNITS[self.unit]
        return unit, self.value * factor


def _word_value(words: str) -> float | None:
    """'twenty-five' → 25, 'half a million' handled by the caller, 'a' alone → None."""
    tokens = [t for t in re.split(r"[\s-]+", words.lower()) if t and t != "and"]
    if not tokens or all(t in ("a", "an") for t in tokens):
        return None
    total, current, seen = 0, 0, False
    for t in tokens:
        if t in ("a", "an"):
            current = current or 1
        elif t in _WORDS:
            current += _WORDS[t]
            seen = True
        elif t == "hundred":
            current = (current or 1) * 100
            seen = True
        elif t in _SCALES:
            total += (current or 1) * _SCALES[t]
            current, seen = 0, True
    return float(total + current) if seen else None


def numbers_in(text: str) -> list[Number]:
    """Every number in text: digits with any thousands separator, decimals, 'million' scales, number words."""
    found: list[Number] = []
    taken: list[tuple[int, int]] = []
    for m in _DIGITS.finditer(text):
        whole = re.sub(r"[,\u00a0\u202f\u2009 ]", "", m.group(1))
        value = float(whole + (m.group(2) or ""))
        if m.group(3):
            value *= _MULTIPLIERS[m.group(3).lower()]
        found.append(Number(value, m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for m in _WORD_RUN.finditer(text):
        span = m.group(0).rstrip(" -")
        if any(s <= m.start() < e for s, e in taken):
            continue
        value = _word_value(span)
        if value is None:
            continue
        # "half a million" = 500,000
        before = text[max(0, m.start() - 5):m.start()].lower()
        start = m.start()
        if before.endswith("half ") and span.lower().startswith(("a ", "an ")):
            value, start = value / 2, m.start() - 5
        found.append(Number(value, start, m.start() + len(span)))
    return sorted(found, key=lambda n: n.start)


def parse_expected(raw: str) -> ExpectedFigure:
    """'7.5 miles' → ExpectedFigure(7.5, 'mi'); '1,000 km2' → (1000, 'km2'); 'five' → (5, '')."""
    nums = numbers_in(raw)
    if not nums:
        raise ValueError(f"no number in expected figure {raw!r}")
    rest = raw[nums[0].end:].strip(" -")
    for key, (_, _, pattern) in _UNITS.items():
        if rest and re.match(pattern, rest, re.IGNORECASE):
            return ExpectedFigure(raw, nums[0].value, key)
    return ExpectedFigure(raw, nums[0].value, "")


def _same(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def figure_in_text(expected: ExpectedFigure, text: str) -> bool:
    """The expected number stands in text, followed by its unit when it has one ('12 km' matches '12-kilometer')."""
    for n in numbers_in(text):
        if not _same(n.value, expected.value):
            continue
        if not expected.unit:
            return True
        after = text[n.end:n.end + 30].lstrip(" -\u00a0")
        if re.match(_UNITS[expected.unit][2], after, re.IGNORECASE):
            return True
    return False


def figure_in_figures(expected: ExpectedFigure, figures: Sequence[Mapping[str, Any]]) -> bool:
    """The expected figure is among the answer's figure dicts: as written, or its value in the normalized unit.
    Values compare within 2% across units so a conversion counts (7.5 mi = 12.07 km ≈ 12 km)."""
    unit, value = expected.canonical
    for f in figures:
        if figure_in_text(expected, str(f.get("text", ""))):
            return True
        try:
            fv = float(f.get("value"))
        except (TypeError, ValueError):
            continue
        funit = str(f.get("unit", ""))
        if unit == "" and funit == "" and _same(fv, value):
            return True
        if unit and funit == unit and _same(fv, value, rel=0.02):
            return True
    return False


# ------------------------------------------------------------------------------------------------ text

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                         "\u00a0": " ", "\u202f": " ", "\u2009": " "})
_STOP = set("""a an and are as at be been by did do does for from had has have he her his how in into is it its
many much of on or our said say says she so than that the their them then there these they this to was were what
when where which who whom why will with would according also and more""".split())


def normalize_text(text: str) -> str:
    """Casefolded, NFKC, straight quotes and dashes, single spaces, markdown emphasis removed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"[*_`]", "", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def text_in(snippet: str, text: str) -> bool:
    """Snippet present in text after normalization ('Aleksey' ≠ 'Alexei': write alternatives for that)."""
    return normalize_text(snippet) in normalize_text(text)


def content_words(text: str) -> set[str]:
    """Lower-case words of 3+ letters that are not stop words, plus numbers as canonical strings."""
    words = {w for w in re.findall(r"[a-z][a-z'-]{2,}", normalize_text(text)) if w not in _STOP}
    return words | {f"{n.value:g}" for n in numbers_in(text)}


# ------------------------------------------------------------------------------------------------ retrieval

def doc_of(chunk_id: str) -> str:
    """'000_x.txt#3' → '000_x.txt'."""
    return chunk_id.rsplit("#", 1)[0]


def recall_at_k(retrieved: Sequence[str], supporting: Sequence[str], k: int) -> float:
    """Share of the supporting files that have a chunk among the first k retrieved chunks."""
    if not supporting:
        return 0.0
    top = {doc_of(c) for c in retrieved[:k]}
    return len(top & set(supporting)) / len(set(supporting))


def reciprocal_rank(retrieved: Sequence[str], supporting: Sequence[str]) -> float:
    """1 / rank of the first retrieved chunk from a supporting file (0 when none is retrieved)."""
    wanted = set(supporting)
    for rank, chunk_id in enumerate(retrieved, 1):
        if doc_of(chunk_id) in wanted:
            return 1.0 / rank
    return 0.0


# ------------------------------------------------------------------------------------------------ citations

_MARKER = re.compile(r"\[(\d+)\]")


def claims_by_marker(answer_text: str) -> dict[int, list[str]]:
    """For each [n] marker, the claim text it is attached to: what precedes it back to the previous marker,
    line start or table cell. A marker right after another ('[1][2]') shares the previous claim."""
    claims: dict[int, list[str]] = {}
    boundary, previous = 0, ""
    for m in _MARKER.finditer(answer_text):
        line_start = answer_text.rfind("\n", 0, m.start()) + 1
        cell_start = answer_text.rfind("|", line_start, m.start()) + 1
        start = max(boundary, line_start, cell_start)
        claim = answer_text[start:m.start()]
        if not re.search(r"\w", claim) or re.fullmatch(r"[\s,;:.\-–—]*(and)?[\s,;:.]*", claim):
            claim = previous if start == boundary else claim
        claim = claim.strip(" \t\"'“”‘’>-–—:;,")
        if claim:
            claims.setdefault(int(m.group(1)), []).append(claim)
            previous = claim
        boundary = m.end()
    return claims


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _stems(text: str) -> set[str]:
    """Content words cut to 5 letters, so 'civilians' meets 'civilian' and 'evacuated' meets 'evacuate'."""
    return {w[:5] for w in content_words(text) if not w[0].isdigit()}


def _has_number(value: float, quote: str) -> bool:
    # within 2%: "more than 120,000" backs a claim of 121,000; rounding is not a different figure
    return any(_same(value, q.value, rel=0.02) for q in numbers_in(quote))


def supports(claim: str, quote: str) -> bool:
    """The quote backs the claim. A claim with a figure in bold ('**28** settlements — given by 3 articles') is
    backed when the quote holds one of the bold numbers (or the bold words) and shares a word with it; others when
    the quote holds all its numbers (ISO dates of sources aside) and a quarter of its words (half without numbers)."""
    bold = _BOLD.findall(claim)
    claim = _ISO_DATE.sub(" ", claim)
    if bold:
        key = [n.value for b in bold for n in numbers_in(b)]
        if key:
            return any(_has_number(v, quote) for v in key) and bool(_stems(claim) & _stems(quote))
        return all(_stems(b) <= _stems(quote) for b in bold)  # a figure in words: '**a sixth**'
    nums = [n.value for n in numbers_in(claim)]
    if not all(_has_number(v, quote) for v in nums):
        return False
    words = _stems(claim)
    if not words:
        return True
    return len(words & _stems(quote)) / len(words) >= (0.25 if nums else 0.5)


@dataclass(frozen=True)
class CitationCheck:
    """What was checked about one citation."""

    n: int
    doc_id: str
    offsets_ok: bool  # source[start:end] == quote
    supports_claim: bool  # the quote backs the answer text its marker is attached to
    on_topic: bool  # from a supporting file, or holds an expected figure or text

    @property
    def ok(self) -> bool:
        """All three checks pass."""
        return self.offsets_ok and self.supports_claim and self.on_topic


def check_citations(question: Question, answer: Answer, sources: Mapping[str, str]) -> list[CitationCheck]:
    """Check each citation of an answer: exact offsets into the source text, support of its claim, relevance.
    sources maps doc_id → the decoded source file (offsets index into it)."""
    claims = claims_by_marker(answer.answer)
    expected = [parse_expected(a) for alts in question.figures for a in alts]
    snippets = [a for alts in question.text for a in alts]
    checks = []
    for c in answer.citations:
        source = sources.get(c.doc_id)
        offsets_ok = bool(source is not None and 0 <= c.start < c.end <= len(source)
                          and source[c.start:c.end] == c.quote)
        attached = claims.get(c.n, [])
        # A citation listed but never marked in the text supports nothing the reader can see.
        supports_claim = bool(attached) and all(supports(claim, c.quote) for claim in attached)
        on_topic = (c.doc_id in question.supporting
                    or any(figure_in_text(e, c.quote) for e in expected)
                    or any(text_in(s, c.quote) for s in snippets))
        checks.append(CitationCheck(c.n, c.doc_id, offsets_ok, supports_claim, on_topic))
    return checks


# ------------------------------------------------------------------------------------------------ conflicts

def conflict_holds(conflict: Mapping[str, Any], values: Sequence[str]) -> bool:
    """Every expected value is among the conflict's figures (as written or normalized)."""
    figures = list(conflict.get("figures", ()))
    return all(figure_in_figures(parse_expected(v), figures) for v in values)


def is_conversion_only(conflict: Mapping[str, Any]) -> bool:
    """All figures of the conflict are one quantity: same unit, values within 2% (a figure and its unit
    conversion or a formatting variant: 7.5 mi → 12.07 km vs 12 km differ by 0.6%, so not a conflict)."""
    pairs = []
    for f in conflict.get("figures", ()):
        try:
            pairs.append((str(f.get("unit", "")), float(f.get("value"))))
        except (TypeError, ValueError):
            return False
    if len(pairs) < 2 or len({u for u, _ in pairs}) > 1:
        return False
    values = [v for _, v in pairs]
    return max(values) - min(values) <= 0.02 * max(abs(v) for v in values)


def false_conflicts(question: Question, answer: Answer) -> list[int]:
    """Indices of shown conflicts that should not be there: a figure against its own conversion, a conflict
    on an unanswerable question, or one over the question's own figures when the sources agree."""
    expected = [parse_expected(a) for alts in question.figures for a in alts]
    bad = []
    for i, conflict in enumerate(answer.to_dict()["conflicts"]):
        if is_conversion_only(conflict) or not question.answerable:
            bad.append(i)
        elif not question.conflict and any(figure_in_figures(e, list(conflict.get("figures", ())))
                                           for e in expected):
            bad.append(i)
    return bad


def expected_conflict_shown(question: Question, answer: Answer) -> bool:
    """A conflict holding the question's conflict values (or its expected figures) is shown."""
    values = question.conflict_values or tuple(alts[0] for alts in question.figures)
    return any(conflict_holds(c, values) for c in answer.to_dict()["conflicts"])


# ------------------------------------------------------------------------------------------------ one question

@dataclass(frozen=True)
class QuestionScore:
    """Every metric of one question for one system; None where a metric does not apply."""

    id: str
    kind: str
    system: str
    seconds: float
    found: bool
    recall: float | None = None
    rr: float | None = None
    figure_acc: float | None = None  # share of expected figures in the answer text or figures
    figure_acc_text: float | None = None  # the same, in the answer text alone
    text_acc: float | None = None
    citations: int = 0
    citations_ok: int = 0
    citations_offsets_ok: int = 0
    conflict_expected: bool = False
    conflict_shown: bool | None = None  # for questions that expect a conflict
    conflicts_total: int = 0
    conflicts_false: int = 0
    refused: bool | None = None  # for unanswerable questions: found == False
    strict: bool | None = None  # strictly right, as a reader scores (evaluation.strict); None when not scored
    answer: str = ""
    misses: tuple[str, ...] = ()


def score_question(question: Question, answer: Answer, sources: Mapping[str, str], system: str,
                   seconds: float, k: int) -> QuestionScore:
    """All metrics of one answer to one question."""
    misses: list[str] = []
    checks = check_citations(question, answer, sources)
    bad_conflicts = false_conflicts(question, answer)
    if bad_conflicts:
        misses.append(f"{len(bad_conflicts)} false conflict(s)")
    common = dict(id=question.id, kind=question.kind, system=system, seconds=seconds, found=answer.found,
                  citations=len(checks), citations_ok=sum(c.ok for c in checks),
                  citations_offsets_ok=sum(c.offsets_ok for c in checks),
                  conflicts_total=len(answer.to_dict()["conflicts"]), conflicts_false=len(bad_conflicts),
                  answer=answer.answer)
    if not question.answerable:
        if answer.found:
            misses.append("answered an unanswerable question")
        return QuestionScore(**common, refused=not answer.found, misses=tuple(misses))

    recall = recall_at_k(answer.retrieved, question.supporting, k)
    rr = reciprocal_rank(answer.retrieved, question.supporting)
    if recall < 1:
        misses.append(f"recall@{k} {recall:.2f}")
    if not answer.found:
        misses.append("refused an answerable question")
    fig_acc = fig_text = txt = None
    if question.figures:
        in_any = in_text = 0
        for alts in question.figures:
            exp = [parse_expected(a) for a in alts]
            t = any(figure_in_text(e, answer.answer) for e in exp)
            f = t or any(figure_in_figures(e, answer.to_dict()["figures"]) for e in exp)
            in_text += t
            in_any += f
            if not f:
                misses.append(f"figure {alts[0]} missing")
        fig_acc, fig_text = in_any / len(question.figures), in_text / len(question.figures)
    if question.text:
        hit = 0
        for alts in question.text:
            ok = any(text_in(a, answer.answer) for a in alts)
            hit += ok
            if not ok:
                misses.append(f"text {alts[0]!r} missing")
        txt = hit / len(question.text)
    shown = None
    if question.conflict:
        shown = expected_conflict_shown(question, answer)
        if not shown:
            misses.append("expected conflict not shown")
    bad_cites = [c for c in checks if not c.ok]
    for c in bad_cites:
        why = [w for w, ok in (("offsets", c.offsets_ok), ("claim", c.supports_claim), ("topic", c.on_topic))
               if not ok]
        misses.append(f"citation [{c.n}] {c.doc_id}: {'/'.join(why)}")
    return QuestionScore(**common, recall=recall, rr=rr, figure_acc=fig_acc, figure_acc_text=fig_text,
                         text_acc=txt, conflict_expected=question.conflict, conflict_shown=shown,
                         misses=tuple(misses))


# ------------------------------------------------------------------------------------------------ a run

METRICS = ("recall@k", "mrr", "figure_acc", "figure_acc_text", "text_acc", "citation_precision",
           "conflict_recall", "conflict_precision", "refusal_acc", "answer_rate", "strict_acc", "latency_p50",
           "latency_p95")
HIGHER_IS_BETTER = {m: not m.startswith("latency") for m in METRICS}


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100); None for no values."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def aggregate(scores: Sequence[QuestionScore]) -> dict[str, float | None]:
    """Overall metrics of one system: means over the questions a metric applies to; citation and conflict
    precision are micro-averaged over all citations / conflicts shown; None where nothing applies."""
    answerable = [s for s in scores if s.refused is None]
    cites = sum(s.citations for s in answerable)
    shown = sum(s.conflicts_total for s in scores)
    expecting = [s for s in scores if s.conflict_shown is not None]
    return {
        "recall@k": _mean([s.recall for s in answerable]),
        "mrr": _mean([s.rr for s in answerable]),
        "figure_acc": _mean([s.figure_acc for s in answerable]),
        "figure_acc_text": _mean([s.figure_acc_text for s in answerable]),
        "text_acc": _mean([s.text_acc for s in answerable]),
        "citation_precision": (sum(s.citations_ok for s in answerable) / cites) if cites else None,
        "conflict_recall": _mean([float(bool(s.conflict_shown)) for s in expecting]),
        "conflict_precision": ((shown - sum(s.conflicts_false for s in scores)) / shown) if shown else None,
        "refusal_acc": _mean([float(bool(s.refused)) for s in scores if s.refused is not None]),
        "answer_rate": _mean([float(s.found) for s in answerable]),
        "strict_acc": _mean([float(s.strict) for s in scores if s.strict is not None]),
        "latency_p50": percentile([s.seconds for s in scores], 50),
        "latency_p95": percentile([s.seconds for s in scores], 95),
    }
