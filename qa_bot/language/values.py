"""Values at index time: numbers, amounts with units or currencies, qualifiers and dates spotted in a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import units as U

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
_CUR_SYM = r"(?:US\$|C\$|A\$|\$|€|£|¥|₽|₴|₹|USD|EUR|GBP|dlrs\.?(?=\s?\d))"
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
class Spot:
    """A value found in one sentence, before its frame is known (offsets relative to the sentence)."""

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


def _spot_dates(text: str, published_year: int, taken: list[tuple[int, int]]) -> list[Spot]:
    spots: list[Spot] = []
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
            spots.append(Spot(start, end, iv[0], "date", "date", "date", "", iv[0], iv[1], False))
            taken.append((start, end))
    return spots


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


def _parse_spot(text: str, m: re.Match) -> Spot | None:
    """Turn one _SPOT match into a figure (or None when it is no figure worth reporting)."""
    g = m.groupdict()
    start = m.start() if g["cur"] else (m.start("digits") if g["digits"] else m.start() + len(m.group(0))
                                        - len(m.group(0).lstrip()))
    end = m.end()
    cur = U.currency_code(g["cur"]) if g["cur"] else ""
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
        return Spot(start, end, value, "%", "percent", "number", "", value * 0.97, value * 1.03, True)
    if g["several"]:
        lo, hi = U.SEVERAL[re.sub(r"\s+", " ", g["several"].lower())]
        scale = U.SCALES[g["sevscale"].lower()] if g["sevscale"].lower() in U.SCALES else 100.0
        low, high = lo * scale, (hi + 1) * scale - 1
        value = (low + high) / 2
        qual = "several"
        spot = Spot(start, end, value, "", "count", "number", qual, low, high, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["vague"]:
        low, high = U.VAGUE[re.sub(r"\s+", " ", g["vague"].lower())]
        spot = Spot(start, end, (low + high) / 2, "", "count", "number", g["vague"].lower(), low, high, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["halfa"]:
        scale = U.SCALES.get(g["halfscale"].lower(), 12.0)
        value = 0.5 * scale
        spot = Spot(start, end, value, "", "count", "number", "", value * 0.95, value * 1.05, True)
        return _with_currency_or_unit(text, spot, cur)
    if g["digits"]:
        raw = g["digits"]
        before = text[:m.start("digits")]
        after = text[m.end("digits"):]
        if re.search(r"['’]$", before) and re.fullmatch(r"\d\d", raw):
            return None  # "the '93 killings": a year
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
        spot = Spot(start, end, value, "", "count", "number", "", value - precision, value + precision, True)
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
        spot = Spot(start, end, value, "", "count", "number", "", value, value, True)
        return _with_currency_or_unit(text, spot, cur)
    return None


_NAME_WORDS = re.compile(r"\s+([A-Za-z][\w.’'-]*)(?:\s+([A-Za-z][\w.’'-]*))?(?:\s+([A-Za-z][\w.’'-]*))?")


def _currency_name_after(after: str, bare: bool) -> tuple[str, int] | None:
    """(code, length) of a currency's name right after a number, the longest of up to three words ("800 million
    Thai baht", "21 million U.S. dollars"); a name's last word alone ("baht") only after digits (bare)."""
    m = _NAME_WORDS.match(after)
    if m is None:
        return None
    for n in (3, 2, 1):
        if m.group(n) is None:
            continue
        code = U.currency_code(" ".join(m.group(k) for k in range(1, n + 1)).rstrip(".,"), bare=bare or n > 1)
        if code:
            return code, m.end(n) - (len(m.group(n)) - len(m.group(n).rstrip(".,")))
    return None


def _with_currency_or_unit(text: str, spot: Spot, cur: str, allow_short_units: bool = False) -> Spot | None:
    """Attach what follows the number: a currency word, a percent sign or a unit (or nothing: a count)."""
    after = text[spot.end:]
    if cur:
        return replace(spot, unit=cur, dimension="money", has_noun_slot=False)
    m = _AFTER_CUR.match(after)
    if m:
        code = U.currency_code(m.group("curword") or m.group("curcode"))
        if code:
            return replace(spot, end=spot.end + m.end(), unit=code, dimension="money", has_noun_slot=False)
    named = _currency_name_after(after, bare=any(c.isdigit() for c in text[spot.start:spot.end]))
    if named is not None:
        return replace(spot, end=spot.end + named[1], unit=named[0], dimension="money", has_noun_slot=False)
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


def _spot_numbers(text: str, taken: list[tuple[int, int]]) -> list[Spot]:
    spots: list[Spot] = []
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


def _name_part_check(text: str, spot: Spot) -> Spot | None:
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


def _merge_conversion(text: str, spot: Spot) -> Spot:
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
# Public API
# ---------------------------------------------------------------------------------------------------------------


def spot_values(text: str, published_year: int = 0) -> list[Spot]:
    """Every value of one sentence (numbers, amounts, dates), in text order; links, handles, times, phone
    numbers and ids are blocked first so their digits are never read as figures."""
    taken = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
    spots = _spot_dates(text, published_year, taken) + _spot_numbers(text, taken)
    return _merge_durations(text, sorted(spots, key=lambda s: s.start))


_DURATION_JOIN = re.compile(r"\s*,?\s*(?:and\s+)?")


def _merge_durations(text: str, spots: list[Spot]) -> list[Spot]:
    """ "19 days, 21 hours and 47 minutes" is one duration, not three: adjacent durations joined by a comma or
    "and" add up (same normalized unit)."""
    out: list[Spot] = []
    for s in spots:
        prev = out[-1] if out else None
        if prev is not None and prev.dimension == s.dimension == "duration" and prev.unit == s.unit \
                and _DURATION_JOIN.fullmatch(text, prev.end, s.start):
            out[-1] = replace(prev, end=s.end, value=prev.value + s.value, low=prev.low + s.low,
                              high=prev.high + s.high)
        else:
            out.append(s)
    return out


def spot_figures(text: str, published: str = "") -> list[tuple[int, int, float, str, str, str, str, float, float]]:
    """Figures in one piece of text as (start, end, value, unit, dimension, kind, qualifier, low, high)."""
    pub = U.parse_iso(published)
    return [(s.start, s.end, s.value, s.unit, s.dimension, s.kind, s.qualifier, s.low, s.high)
            for s in spot_values(text, pub.year if pub else 0)]
