"""Figure extraction at index time: every number, quantity and date in an article's sentences, with its measure."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Sequence

from . import measures as M
from . import units as U
from ..records import Article, Figure, Sentence

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# Spotting: regular expressions over one sentence
# ---------------------------------------------------------------------------------------------------------------

_QUAL = "|".join(p for _, p in U.QUALIFIERS)
_QUAL_RE = re.compile(r"(?i)(?:\b(" + _QUAL + r")\s+)$")
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)")
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?![\d,.]\d)|\d+(?:\.\d+)?|\.\d+)"
_NUM_WORD = ("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
             "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
             "hundred|thousand|million|billion|trillion|dozen")
_WORDS = (r"(?:(?:a|an|" + _NUM_WORD + r")(?:[\s-]+(?:and[\s-]+)?(?:" + _NUM_WORD + r"))*"
          r"(?:[\s-]+and[\s-]+a[\s-]+half)?)")
_SCALE_WORD = r"(?:thousand|million|billion|trillion|mln|mn|bn|tn|lakh|crore|k|m|b)"
_CUR_SYM = r"(?:US\$|C\$|A\$|\$|€|£|¥|₽|₴|₹|USD|EUR|GBP)"
_CUR_WORD = "|".join(p for p, _ in U.CURRENCY_WORDS)
_UNIT = "|".join(p for p, _, _ in U.unit_forms())

DATE_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("mdy", re.compile(r"\b(" + _MONTH + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{1,2})?\b(?:,?\s+(\d{4})\b)?")),
    ("dmy", re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + _MONTH + r")\b\.?(?:,?\s+(\d{4})\b)?")),
    ("my", re.compile(r"\b(" + _MONTH + r")\.?,?\s+(?:of\s+)?(\d{4})\b")),
    ("y", re.compile(r"(?i)\b(?:in|since|by|until|till|from|during|of|early|late|mid|before|after|around|circa)"
                     r"[\s-]+(1[89]\d\d|20\d\d)\b(?![-–/]\d|\s*(?:" + _UNIT + r")\b|,\d)")),
)

_BLOCK = re.compile(
    r"https?://\S+|www\.\S+|\b[\w.-]+\.(?:com|org|net|gov|io|co|uk|ru|ua)/\S*|pic\.twitter\.com/\S+|@\w+|"
    r"#\w+|\b[\w.+-]+@[\w-]+\.[\w.]+|"
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?|\b\d{1,2}\s?[ap]\.m\.|"
    r"(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[.-]\d{3}[.-]\d{4}\b|\+\d[\d\s-]{7,}\d|"
    r"\b(?:No|Nos|no|nos|Nr|nr|Art|art|Ref|ref|ID|Id|Case|case|Flight|flight|Route|route|Rule|rule|"
    r"Section|section|Article|Chapter|Vol|vol|p|pp)\.?\s?\d[\d./-]*|"
    r"\b\d+[/-]\d+(?:[/-]\d+)+\b|\b\d+[-–]\d+[-–]\d+\b|\b[A-Za-z]+\d[\w-]*|\b\d+[A-Za-z]*\d[A-Za-z]\w*")
_SPOT = re.compile(
    r"(?P<cur>" + _CUR_SYM + r")?\s?"
    r"(?:(?P<frac>(?:a|one|two|three|four|five)[\s-](?:half|thirds?|quarters?|fourths?|fifths?|sixths?|"
    r"sevenths?|eighths?|ninths?|tenths?))(?=\s+of\b)"
    r"|(?P<halfof>half)(?=\s+of\b)"
    r"|(?P<several>several|a\s+few|a\s+couple\s+of|a\s+handful\s+of)\s+(?P<sevscale>hundred|thousand|million|billion)s?"
    r"|(?P<vague>(?:tens|hundreds)\s+of\s+(?:thousands|millions)|dozens|scores|hundreds|thousands|millions|billions)"
    r"(?=\s+(?:of\b|more\b|upon\b))"
    r"|(?P<halfa>half\s+a)\s+(?P<halfscale>million|billion|thousand|dozen)"
    r"|(?P<digits>" + _DIGITS + r")(?:\s?(?P<scale>" + _SCALE_WORD + r")\b)?"
    r"|(?P<words>\b" + _WORDS + r"\b))",
    re.IGNORECASE)
_AFTER_UNIT = re.compile(r"(?P<sep>[\s-]|\s?)(?P<unit>" + _UNIT + r")(?![\w²³])", re.IGNORECASE)
_AFTER_PCT = re.compile(r"\s?(?P<pct>%|percent\b|per\s+cent\b|percentage\s+points?\b|pct\b)", re.IGNORECASE)
_AFTER_CUR = re.compile(r"\s+(?P<curword>" + _CUR_WORD + r")\b|\s?(?P<curcode>USD|EUR|GBP|RUB|UAH)\b",
                        re.IGNORECASE)
_WEEKDAYS = frozenset(U.WEEKDAYS)
_SENTENCE_START_WORDS = frozenset("the in on at about some nearly more over by since of and but with from to for only "
                                  "just almost around roughly approximately another all exactly up as another "
                                  "fewer less at least".split())


@dataclass(frozen=True)
class _Spot:
    """A figure found in one sentence, before its measure is known (offsets relative to the sentence)."""

    start: int
    end: int
    value: float
    unit: str
    dimension: str
    kind: str
    qualifier: str
    low: float
    high: float
    has_noun_slot: bool = True  # counts and vague amounts take the noun after them; "7.5 miles" does not


def _year_ok(y: int) -> bool:
    return 1000 <= y <= 2200


def _spot_dates(text: str, published_year: int, taken: list[tuple[int, int]]) -> list[_Spot]:
    spots: list[_Spot] = []
    for kind, pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            year = month = day = 0
            if kind == "iso":
                year, month, day = int(m[1]), int(m[2]), int(m[3])
            elif kind == "mdy":
                month, day, year = U.month_number(m[1]), int(m[2]), int(m[3] or 0)
                if m[1] == "May" and not m[3] and m.start() > 0 and text[m.start() - 1] not in " (":
                    continue
            elif kind == "dmy":
                day, month, year = int(m[1]), U.month_number(m[2]), int(m[3] or 0)
            elif kind == "my":
                month, year = U.month_number(m[1]), int(m[2])
            else:
                year = int(m[1])
            if year and not _year_ok(year):
                continue
            if not year:
                if not published_year or not day:
                    taken.append((m.start(), m.end()))  # "since June 1" with no known year: no figure, no count
                    continue
                year = published_year
            if day and not 1 <= day <= 31:
                continue
            iv = U.date_interval(year, month, day)
            if iv is None:
                continue
            start = m.start(1) if kind == "y" else m.start()
            end = m.end()
            # a date's text ends at the year or day; drop a trailing range or punctuation it does not need
            spots.append(_Spot(start, end, iv[0], "date", "date", "date", "", iv[0], iv[1], False))
            taken.append((start, end))
    return spots


def _interval(value: float, precision: float, qualifier: str) -> tuple[float, float]:
    return U.qualified_interval(value - precision, value + precision, qualifier)


def _qualifier_before(text: str, start: int) -> tuple[str, int]:
    """Canonical qualifier written right before `start` and the offset where it begins."""
    m = _QUAL_RE.search(text[max(0, start - 40):start])
    if not m:
        return "", start
    q = U.qualifier_of(m.group(1))
    begin = max(0, start - 40) + m.start(1)
    if q == "exactly" and m.group(1).lower() == "just":
        return "", start
    return q, begin


def _parse_spot(text: str, m: re.Match) -> _Spot | None:
    """Turn one _SPOT match into a figure (or None when it is no figure worth reporting)."""
    g = m.groupdict()
    start = m.start() if g["cur"] else (m.start("digits") if g["digits"] else m.start() + len(m.group(0))
                                        - len(m.group(0).lstrip()))
    end = m.end()
    cur = U.currency_code(g["cur"]) if g["cur"] else ""
    unit_allowed = True
    if g["frac"] or g["halfof"]:
        if g["halfof"]:
            prev = text[:m.start()].rstrip().split()[-1:] or [""]
            if prev[0].lower() in ("first", "second", "latter", "other", "the", "a"):
                return None
            value = 50.0
        else:
            count, _, part = re.split(r"([\s-])", g["frac"].lower(), maxsplit=1)
            n = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}[count]
            value = 100.0 * n / U.FRACTION_WORDS[part.strip()]
        return _Spot(start, end, value, "%", "percent", "number", "", value * 0.97, value * 1.03, True)
    if g["several"]:
        lo, hi = U.SEVERAL[re.sub(r"\s+", " ", g["several"].lower())]
        scale = U.SCALES[g["sevscale"].lower()] if g["sevscale"].lower() in U.SCALES else 100.0
        low, high = lo * scale, (hi + 1) * scale - 1
        value = (low + high) / 2
        qual = "several"
        unit_allowed = True
        spot = _Spot(start, end, value, "", "count", "number", qual, low, high, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["vague"]:
        low, high = U.VAGUE[re.sub(r"\s+", " ", g["vague"].lower())]
        spot = _Spot(start, end, (low + high) / 2, "", "count", "number", g["vague"].lower(), low, high, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["halfa"]:
        scale = U.SCALES.get(g["halfscale"].lower(), 12.0)
        value = 0.5 * scale
        spot = _Spot(start, end, value, "", "count", "number", "", value * 0.95, value * 1.05, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["digits"]:
        raw = g["digits"]
        before = text[:m.start("digits")]
        after = text[m.end("digits"):]
        if re.search(r"[\w.,/#-]$", before.rstrip("$€£¥₽₴₹ ") if cur else before) and not cur:
            if not re.search(r"(?:^|\s)-$", before):
                return None
        if re.match(r"(?:st|nd|rd|th)\b", after):
            return None  # ordinal: "80th brigade"
        if re.match(r"[-–]\d", after):
            return None  # a range, score or reference id
        if re.match(r"[A-Za-z]", after) and not g["scale"] and not _AFTER_UNIT.match(after) \
                and not _AFTER_PCT.match(after):
            return None  # "4G", "3D", "737MAX"
        value = U.parse_digits(raw)
        precision = U.digits_precision(raw)
        scale_word = (g["scale"] or "").lower()
        if scale_word:
            if scale_word in ("k", "m", "b", "mn", "bn", "tn", "mln") and not cur and not _AFTER_CUR.match(after):
                # "5 m" without a currency is metres; "5m" is ambiguous: treat as metres
                end = m.end("digits")
                scale_word = ""
            else:
                scale = U.SCALES[scale_word]
                precision = U.scale_precision(raw, scale)
                value *= scale
        if not cur and not scale_word and re.fullmatch(r"(?:1[89]|20)\d\d", raw) and not _AFTER_PCT.match(after) \
                and not _AFTER_UNIT.match(after):
            return None  # a year outside a date ("the 2021 NBA draft")
        spot = _Spot(start, end, value, "", "count", "number", "", value - precision, value + precision, True)
        return _with_currency_or_unit(text, spot, cur, allow_short_units=True)
    if g["words"]:
        words = g["words"]
        low_words = words.lower().split()
        if re.fullmatch(r"(?:a|an|one)", words.lower().strip()):
            return None
        if low_words[0] in ("a", "an", "one") and not any(w in ("hundred", "thousand", "million", "billion",
                                                                "trillion", "dozen") for w in
                                                        re.split(r"[\s-]+", words.lower())):
            return None
        value = U.words_value(words)
        if value is None:
            return None
        words_text = words.strip()
        end = m.start("words") + len(words.rstrip())
        start = m.start() if cur else m.start("words")
        # "hundred" alone after a digit was already part of a digits match; a bare "hundred" is not a figure
        if words_text.lower() in ("hundred", "thousand", "million", "billion", "dozen"):
            return None
        spot = _Spot(start, end, value, "", "count", "number", "", value, value, True)
        del unit_allowed
        return _with_currency_or_unit(text, spot, cur)
    return None


def _with_currency_or_unit(text: str, spot: _Spot, cur: str, allow_short_units: bool = False) -> _Spot | None:
    """Attach what follows the number: a currency word, a percent sign or a unit (or nothing: a count)."""
    after = text[spot.end:]
    if cur:
        return replace(spot, unit=cur, dimension="money", has_noun_slot=False)
    m = _AFTER_CUR.match(after)
    if m:
        code = U.currency_code(m.group("curword") or m.group("curcode"))
        if code:
            return replace(spot, end=spot.end + m.end(), unit=code, dimension="money", has_noun_slot=False)
    m = re.match(r"\s?(?:million|billion)\s+(" + _CUR_WORD + r")\b", after, re.I)
    m = _AFTER_PCT.match(after)
    if m:
        unit = "pp" if "point" in m.group("pct").lower() else "%"
        return replace(spot, end=spot.end + m.end(), unit=unit, dimension="percent", has_noun_slot=False)
    m = _AFTER_UNIT.match(after)
    if m:
        word = m.group("unit")
        if U.is_short_unit(word) and (not allow_short_units or (m.group("sep") == " " and len(word) == 1)):
            return spot
        if word.lower() in ("pounds",) and re.match(r"\s+sterling", after[m.end():], re.I):
            return replace(spot, end=spot.end + m.end(), unit="GBP", dimension="money", has_noun_slot=False)
        info = U.unit_info(word)
        if info is None:
            return spot
        value = U.to_normal(spot.value, info.pint, info.dimension)
        low = U.to_normal(spot.low, info.pint, info.dimension)
        high = U.to_normal(spot.high, info.pint, info.dimension)
        return replace(spot, end=spot.end + m.end(), value=value, low=min(low, high), high=max(low, high),
                       unit=info.normal, dimension=info.dimension, has_noun_slot=m.group("sep") == "-")
    return spot


def _spot_numbers(text: str, taken: list[tuple[int, int]]) -> list[_Spot]:
    spots: list[_Spot] = []
    pos = 0
    while True:
        m = _SPOT.search(text, pos)
        if not m:
            break
        if not m.group(0).strip() or m.end() == m.start():
            pos = m.end() + 1
            continue
        if any(m.start() < e and s < m.end() for s, e in taken):
            pos = max(m.end(), m.start() + 1)
            continue
        spot = _parse_spot(text, m)
        pos = max(m.end(), m.start() + 1)
        if spot is None:
            continue
        if any(spot.start < e and s < spot.end for s, e in taken):
            continue
        spot = _name_part_check(text, spot)
        if spot is None:
            continue
        qual, qstart = _qualifier_before(text, spot.start)
        if qual and spot.qualifier not in ("several",) and spot.qualifier not in U.VAGUE:
            low, high = U.qualified_interval(spot.low, spot.high, qual)
            spot = replace(spot, start=qstart, qualifier=qual, low=low, high=high)
        spot = _merge_conversion(text, spot)
        spots.append(spot)
        taken.append((spot.start, spot.end))
        pos = max(pos, spot.end)
    return spots


def _name_part_check(text: str, spot: _Spot) -> _Spot | None:
    """Drop numbers that belong to a name ("iPhone 11", "Season 4", "Chronicles 2") rather than a quantity."""
    if spot.dimension != "count" or spot.qualifier:
        return spot
    before = text[:spot.start].rstrip()
    m = re.search(r"([^\W\d_][\w'’]*)$", before)
    if not m or text[spot.start - 1:spot.start] not in (" ",):
        return spot
    word = m.group(1)
    at_start = not before[:m.start()].strip() or before[:m.start()].rstrip()[-1:] in ".!?\"“:"
    if any(c.isupper() for c in word) and not at_start and U.month_number(word) == 0 and word.lower() not in _WEEKDAYS \
            and word.lower() not in _SENTENCE_START_WORDS:
        return None
    return spot


_CONVERSION = re.compile(r"\s*[(\[]\s*(?:or\s+|about\s+|approximately\s+|roughly\s+|some\s+|around\s+|nearly\s+)?"
                         r"(?P<num>" + _DIGITS + r"|" + _WORDS + r")(?:\s?(?P<scale>" + _SCALE_WORD + r")\b)?"
                         r"(?P<sep>[\s-]?)(?P<unit>" + _UNIT + r"|" + _CUR_WORD + r"|" + _CUR_SYM + r")"
                         r"(?![\w²³])[^)\]]{0,20}[)\]]", re.IGNORECASE)
_CONVERSION_CUR = re.compile(r"\s*[(\[]\s*(?:about\s+|approximately\s+|roughly\s+|some\s+|around\s+)?"
                             r"(?P<cur>" + _CUR_SYM + r")\s?(?P<num>" + _DIGITS + r")(?:\s?(?P<scale>"
                             + _SCALE_WORD + r")\b)?[^)\]]{0,20}[)\]]", re.IGNORECASE)


def _merge_conversion(text: str, spot: _Spot) -> _Spot:
    """Fold "7.5 miles (12 kilometers)" into one figure whose interval covers both renderings."""
    if spot.dimension in ("count", "date", "percent"):
        return spot
    m = _CONVERSION.match(text, spot.end)
    if m:
        raw = m.group("num")
        try:
            value = U.parse_digits(raw) if raw[0].isdigit() or raw[0] == "." else U.words_value(raw)
        except ValueError:
            value = None
        if value is None:
            return spot
        precision = U.digits_precision(raw) if raw[0].isdigit() else 0.0
        info = U.unit_info(m.group("unit"))
        if info is not None and info.dimension == spot.dimension or (
                info is not None and {info.dimension, spot.dimension} == {"length", "depth"}):
            scale = U.SCALES.get((m.group("scale") or "").lower(), 1.0)
            lo = U.to_normal((value - precision) * scale, info.pint, info.dimension)
            hi = U.to_normal((value + precision) * scale, info.pint, info.dimension)
            if info.dimension != spot.dimension:  # "3 feet (91 cm)": same figure, other normalized unit
                return replace(spot, end=m.end())
            # a conversion widens the interval to cover both renderings: rounding in a conversion is no conflict
            return replace(spot, end=m.end(), low=min(spot.low, lo, hi), high=max(spot.high, lo, hi))
        return spot
    if spot.dimension == "money":
        m = _CONVERSION_CUR.match(text, spot.end)
        if m:
            return replace(spot, end=m.end())  # another currency in parentheses: kept in text, never converted
    return spot


# ---------------------------------------------------------------------------------------------------------------
# Measures: noun + event of the figure's clause
# ---------------------------------------------------------------------------------------------------------------

_CLAUSE_BREAK = frozenset({";", ":", "—", "–", "(", ")", "\"", "“", "”"})


def _noun_after(tokens: list[M.Token], i: int, spot: _Spot) -> tuple[list[str], int]:
    """Counted noun right after the figure ("180,000 [people]", "1,000 square km of [Russian territory]")."""
    words: list[str] = []
    j = i
    if j < len(tokens) and tokens[j].low in ("more", "additional", "other", "extra", "new"):
        j += 1
    if j < len(tokens) and tokens[j].low in ("of", "in", "worth") and (not spot.has_noun_slot or spot.qualifier in
                                                                       U.VAGUE or spot.dimension == "percent"):
        j += 1
        while j < len(tokens) and tokens[j].low in ("of", "the", "its", "their", "his", "her", "a", "an"):
            j += 1
    elif not spot.has_noun_slot:
        return [], i
    while j < len(tokens) and len(words) < 4:
        t = tokens[j]
        if not M.is_content(t) and not (t.low in ("wide", "long", "high", "deep", "tall")):
            break
        if M.is_verbish(tokens, j):
            nxt = tokens[j + 1] if j + 1 < len(tokens) else None
            if not (nxt is not None and M.is_content(nxt) and not M.is_verbish(tokens, j + 1)):
                break  # "civilians [killed]" is the event; "[armored] personnel carriers" a modifier
        if t.low in M.SPEECH:
            break
        words.append(t.text)
        j += 1
    return words, j


def _place_after(tokens: list[M.Token], j: int) -> tuple[list[str], int]:
    """A scoping place right after the noun: "residents [from Krasnoyaruzhsky district]"."""
    k = j + 2 if j + 2 < len(tokens) and tokens[j + 1].low == "the" else j + 1
    # a place is a capitalized word, not a letter of a code ("in Q1 2021" is a period)
    if k < len(tokens) and tokens[j].low in ("from", "in") and tokens[k].text[0].isupper() and len(tokens[k].text) > 1:
        words = [tokens[j].low]
        while k < len(tokens) and (tokens[k].text[0].isupper() and tokens[k].text[0].isalpha()):
            words.append(tokens[k].text)
            k += 1
        if k < len(tokens) and tokens[k].low in ("district", "region", "province", "county", "state", "city",
                                                 "oblast", "area", "village", "town"):
            words.append(tokens[k].text)
            k += 1
        return words, k
    return [], j


def _verbs_after(tokens: list[M.Token], j: int) -> list[str]:
    """The verb group after the noun: "[had been told to evacuate]", "[are waiting to be evacuated]"."""
    out: list[str] = []
    k = j
    if k < len(tokens) and tokens[k].low in M.PREPS and tokens[k].low not in ("to", "by", "under", "out"):
        # "28 settlements [in his region] were now under control": step over a short lower-case scope
        aux = next((x for x in range(k + 1, min(k + 6, len(tokens))) if tokens[x].low in M.AUX), None)
        if aux is not None and all(t.low in M.DETS or t.low in M.PRONOUNS or t.low in ("his", "her", "its", "their")
                                   or M.is_content(t) and not t.text[0].isupper() and not M.is_verbish(tokens, x)
                                   for x, t in enumerate(tokens[k + 1:aux], k + 1)):
            k = aux
    steps = 0
    while k < len(tokens) and steps < 10:
        t = tokens[k]
        w = t.low
        steps += 1
        if w == "to" and out and out[-1].lower() not in M.INFINITIVE_TAKERS and not (
                k + 1 < len(tokens) and tokens[k + 1].low in ("be", "have")):
            break  # "evacuated to shelters": a destination, not part of the event
        if w in M.AUX or w in M.ADVERBS or w in ("to", "not", "been"):
            if w in ("to", "not") and out or w == "be" and out and out[-1] == "to":
                out.append(w)  # "waiting to be evacuated" keeps its "be"
            k += 1
            continue
        if w == "," and not out and k + 1 < len(tokens) and tokens[k + 1].low == "including":
            # "121 others, including 10 children, had been wounded": skip the aside
            nxt = next((x for x in range(k + 1, len(tokens)) if tokens[x].text == ","), None)
            if nxt is None:
                break
            k = nxt + 1
            continue
        if w in ("or", "and") and out and k + 1 < len(tokens) and (tokens[k + 1].low in M.AUX or
                                                                   (w == "or" and M.is_verbish(tokens, k + 1))):
            out.append(w)
            k += 1
            continue
        if M.is_verbish(tokens, k) and w not in M.SPEECH or (w in M.SPEECH and k + 1 < len(tokens)
                                                              and tokens[k + 1].low == "to"):
            out.append(t.text)
            k += 1
            continue
        if not out and w in ("under", "in", "out") and k + 1 < len(tokens):
            # "were now under Ukrainian control": a prepositional predicate stands for the event
            rest = [x for x in tokens[k + 1:k + 4] if M.is_content(x)]
            if rest and tokens[k - 1].low in M.AUX | M.ADVERBS:
                nouns = [x.text for x in rest if not x.text[0].isupper()][:1]
                if nouns:
                    out.extend([w, nouns[0]])
            break
        break
    while out and out[-1] in ("to", "not", "or", "and", "be"):
        out.pop()
    return out


def _verbs_before(tokens: list[M.Token], i: int, dates: bool) -> list[str]:
    """The verb right before the figure: "[evacuated] an astounding 180,000", "was [founded] in December 2015"."""
    k = i - 1
    steps = 0
    while k >= 0 and steps < (7 if dates else 4):
        t = tokens[k]
        w = t.low
        steps += 1
        if w in M.DETS or w in ("of",) and dates:
            k -= 1
            continue
        if not w[0].isalpha() or w in M.CONJ:
            return []
        if w in M.PREPS:
            if dates or w in ("to", "by"):
                k -= 1
                continue
            return []
        if M.is_verbish(tokens, k) and k > 0 and tokens[k - 1].low in ("a", "an", "the"):
            k -= 1  # "an astounding 180,000": an adjective
            continue
        if w in M.SPEECH and not (dates and w in ("announced", "reported", "confirmed")):
            return []
        if M.is_verbish(tokens, k) or (steps == 1 and M.is_content(t) and not t.text[0].isupper()) or (
                dates and M.is_content(t) and not t.text[0].isupper() and k + 1 < len(tokens)
                and tokens[k + 1].low in M.PREPS):
            # "Ukraine now controls 28 settlements" → "settlements controlled"
            verb = M.participle(t.text) if not dates and M.is_present_verb(tokens, k) else t.text
            # a proper-noun subject right before the verb scopes the figure: "Reyes received 870,000 votes";
            # after a preposition it is a place: "a blast in Riverton injured 12 workers" → injured in Riverton
            if not dates and k > 0 and tokens[k - 1].text[0].isupper() and M.is_content(tokens[k - 1]) \
                    and tokens[k - 1].low not in M.SPEECH:
                b = k - 1
                while b > 0 and tokens[b - 1].text[0].isupper() and M.is_content(tokens[b - 1]):
                    b -= 1
                if b > 0 and tokens[b - 1].low in M.PREPS and tokens[b - 1].low != "of":
                    return [verb, tokens[b - 1].low, *(x.text for x in tokens[b:k])]
                return [verb, "by", tokens[k - 1].text]
            return [verb]
        if dates and t.text[0].isupper():
            k -= 1
            continue
        return []
    return []


def _subject_before(tokens: list[M.Token], i: int) -> list[str]:
    """Noun phrase the figure is predicated of: "the total number of [planned evacuations] was 180,000",
    "third-quarter [revenue] of $6.3 billion", "the total [civilian death toll] ... has reached 12"."""
    k = i - 1
    # skip the link between subject and figure: "was", "has reached", "of", "at", "stood at", "to"
    while k >= 0 and (tokens[k].low in M.AUX or tokens[k].low in ("of", "at", "to", "about", "is", "be",
                                                                   "now", "already", "nearly", "some", "around",
                                                                   "approximately", "roughly", "only", "just")
                      or tokens[k].low in M.CHANGE_VERBS
                      or M.is_verbish(tokens, k) and tokens[k].low not in M.SPEECH
                      or tokens[k].low in M.SPEECH and k > 0 and tokens[k - 1].low in M.AUX):
        # "Damage was estimated at €2.1 billion": a passive speech verb links the subject to the figure
        k -= 1
        if i - k > 5:
            return []
    end = k + 1
    # clause start: punctuation, conjunction or a speech verb
    s = end - 1
    while s >= 0 and tokens[s].text not in (",", ";", ":", "—", "–", "\"", "“", "”", ".") \
            and tokens[s].low not in M.CONJ and tokens[s].low not in M.SPEECH:
        s -= 1
    span = tokens[s + 1:end]
    if not span:
        return []
    # the first noun phrase of the clause ("total civilian death toll from ..." → "total civilian death toll")
    words: list[M.Token] = []
    for t in span:
        if t.low in M.PREPS and words:
            if t.low == "of" and words[-1].low in ("number", "total", "amount", "count", "tally", "toll",
                                                   "share", "proportion", "percentage", "value", "cost", "sum"):
                words = [] if words[-1].low != "toll" else words
                continue
            break
        k2 = span.index(t)
        modifier = k2 + 1 < len(span) and M.is_content(span[k2 + 1]) and not M.is_verbish(span, k2 + 1)
        obj = next((x for x in span[k2 + 1:] if x.low not in M.DETS), None)
        if words and M.is_verbish(span, k2) and not modifier and obj is not None and (
                M.is_content(obj) or obj.low in M.PRONOUNS):
            words = []  # "the ministry put [the toll] at 38": the verb's subject is not what is counted
            continue
        if M.is_content(t) and not (M.is_verbish(span, k2) and not words and not modifier):
            words.append(t)
        elif words and not M.is_content(t):
            break
    return [t.text for t in words if t.low not in ("total", "overall")][-4:]


def _first_np(tokens: list[M.Token], limit: int) -> list[str]:
    """The sentence's first noun phrase (dates: "OpenAI Inc", "The 2021 NBA draft")."""
    words: list[str] = []
    for t in tokens[:limit]:
        if M.is_content(t) or (t.text[0].isdigit() and words) or (t.low == "of" and words):
            words.append(t.text)
            if len(words) >= 5:
                break
        elif words:
            break
    while words and words[-1].lower() == "of":
        words.pop()
    return words


def _measure(sentence: str, spot: _Spot, prev_noun: list[str], prev_measure: str = "") -> tuple[str, list[str]]:
    """The measure phrase of a figure and the counted noun (passed on to elliptic figures: "and 121,000 have left");
    `prev_measure` is the measure of the figure before, which "it" stands for ("the ministry put it at 38")."""
    tokens = M.tokenize(sentence)
    i_after = next((k for k, t in enumerate(tokens) if t.start >= spot.end), len(tokens))
    i_before = next((k for k, t in enumerate(tokens) if t.end > spot.start), len(tokens))
    dates = spot.kind == "date"
    if (not dates and prev_measure and i_before >= 2 and tokens[i_before - 1].low in ("at", "to")
            and tokens[i_before - 2].low in ("it", "them")):
        return prev_measure, prev_noun
    noun: list[str] = []
    place: list[str] = []
    verbs: list[str] = []
    j = i_after
    if not dates:
        noun, j = _noun_after(tokens, i_after, spot)
        place, j = _place_after(tokens, j)
    if not dates:
        verbs = _verbs_after(tokens, j)
    if not verbs:
        verbs = _verbs_before(tokens, i_before, dates)
        if dates and not verbs:
            verbs = _verbs_after(tokens, i_after)
    if not noun:
        noun = _subject_before(tokens, i_before)
        if noun and verbs and all(v.lower() in M.CHANGE_VERBS for v in verbs) and (
                all(v.lower() in M.LEVEL_VERBS for v in verbs) or tokens[i_before - 1].low in ("to", "at")):
            verbs = []  # "the death toll has risen to 41" counts deaths: the measure is "death toll"
        if dates and not noun:
            noun = _first_np(tokens, i_before)
        if not noun and spot.dimension == "count" and prev_noun and (verbs or not dates):
            noun = prev_noun
    if noun and noun[-1].lower() in ("others", "more") and prev_noun:
        noun = prev_noun
    elif len(noun) == 1 and noun[0].lower() in ("others",):
        noun = []
    if len(verbs) == 3 and verbs[1] == "by" and verbs[2] in noun:
        verbs = verbs[:1]  # "Turnout reached" — the subject is already the counted noun
    if not noun and not verbs:
        return "", prev_noun
    phrase = " ".join(noun + place + verbs)
    phrase = re.sub(r"\s+", " ", phrase).strip()
    return phrase, (noun if noun and spot.dimension == "count" else prev_noun)


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------


def spot_figures(text: str, published: str = "") -> list[tuple[int, int, float, str, str, str, str, float, float]]:
    """Figures in one piece of text as (start, end, value, unit, dimension, kind, qualifier, low, high)."""
    pub = U.parse_iso(published)
    taken = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
    blocked = list(taken)
    spots = _spot_dates(text, pub.year if pub else 0, taken) + _spot_numbers(text, taken)
    del blocked
    spots.sort(key=lambda s: s.start)
    return [(s.start, s.end, s.value, s.unit, s.dimension, s.kind, s.qualifier, s.low, s.high) for s in spots]


def extract_figures(article: Article, sentences: Sequence[Sentence]) -> list[Figure]:
    """All figures of an article, in text order. Pure: reads nothing but its arguments."""
    pub = U.parse_iso(article.published)
    texts = [s.text for s in sentences]
    figures: list[Figure] = []
    for idx, sent in enumerate(sentences):
        text = sent.text
        taken = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
        spots = _spot_dates(text, pub.year if pub else 0, taken) + _spot_numbers(text, taken)
        if not spots:
            continue
        spots.sort(key=lambda s: s.start)
        as_of = M.as_of(text, article.published)
        prev_noun: list[str] = []
        for spot in spots:
            said_by = M.attribute_figure(texts, idx, spot.start)
            prev_measure = figures[-1].measure if figures and figures[-1].kind == "number" else ""
            try:
                measure, prev_noun = _measure(text, spot, prev_noun, prev_measure)
            except Exception:  # noqa: BLE001 - one odd sentence must not stop indexing
                log.exception("measure failed in %s: %r", article.doc_id, text[:80])
                measure = ""
            figures.append(Figure(
                value=spot.value, unit=spot.unit, text=text[spot.start:spot.end], qualifier=spot.qualifier,
                measure=measure, doc_id=article.doc_id, quote=text, start=sent.start + spot.start,
                end=sent.start + spot.end, sentence_start=sent.start, sentence_end=sent.end, said_by=said_by,
                as_of=as_of, low=U.finite(spot.low), high=U.finite(spot.high), dimension=spot.dimension,
                kind=spot.kind))
    return figures


def measure_phrase(figure: Figure) -> str:
    """The short phrase that is embedded to group figures of the same measure."""
    if figure.kind == "date":
        # a date's verb alone ("released") says little about what was released: add the sentence's opening
        # words, which name the subject ("The fourth season of The Crown ...")
        words = re.findall(r"[^\W\d_][\w'’-]*", figure.quote.replace(figure.text, " "))
        return f"{figure.measure} — {' '.join(words[:10])}".strip(" —")
    if figure.measure:
        return figure.measure
    # no measure found: the words around the figure still say something about it
    rel = figure.start - figure.sentence_start
    words = re.findall(r"[^\W\d_][\w'’-]*", figure.quote[max(0, rel - 40):rel + len(figure.text) + 40])
    return " ".join(words[-8:]) or figure.text
