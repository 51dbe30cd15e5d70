"""Units, dimensions and number words: parse a figure as written into a value, a normalized unit and an interval."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------------------
# Dimensions: one normalized unit each. Money keeps its currency (never converted without a rate).
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInfo:
    """A unit as written in news text, with the pint name that converts it and its dimension."""

    pint: str  # pint unit expression, "" for units pint does not know (currencies, percent)
    dimension: str  # count, length, depth, area, speed, mass, volume, duration, temperature, power, percent, money
    normal: str  # normalized unit shown to users, e.g. "km", "km2", "USD"


# normalized pint unit per dimension (shown as UnitInfo.normal)
_NORMAL = {
    "length": ("kilometer", "km"), "depth": ("millimeter", "mm"), "area": ("kilometer**2", "km2"),
    "speed": ("kilometer/hour", "km/h"), "mass": ("kilogram", "kg"), "volume": ("liter", "L"),
    "duration": ("day", "day"), "temperature": ("degC", "degC"), "power": ("megawatt", "MW"),
    "energy": ("megawatt_hour", "MWh"),
}

# surface form (lower case, regex) -> (pint unit, dimension); longest alternatives are tried first
_UNIT_FORMS: tuple[tuple[str, str, str], ...] = (
    (r"square\s+kilomet(?:er|re)s?|sq\.?\s*km|km2|km²|square\s+km", "kilometer**2", "area"),
    (r"square\s+miles?|sq\.?\s*mi(?:les?)?|mi2|mi²", "mile**2", "area"),
    (r"square\s+met(?:er|re)s?|sq\.?\s*m|m2|m²", "meter**2", "area"),
    (r"square\s+feet|sq\.?\s*ft|ft2|ft²", "foot**2", "area"),
    (r"hectares?|ha", "hectare", "area"),
    (r"acres?", "acre", "area"),
    (r"kilomet(?:er|re)s?\s+(?:per|an|a)\s+hour|km/h|kph|kmh", "kilometer/hour", "speed"),
    (r"miles?\s+(?:per|an|a)\s+hour|mph", "mile/hour", "speed"),
    (r"met(?:er|re)s?\s+per\s+second|m/s", "meter/second", "speed"),
    (r"knots?", "knot", "speed"),
    # climb and descent rates of aircraft, and rates of fall ("a descent of 4,700 feet per minute")
    (r"(?:feet|foot|ft)\s+(?:per|an|a)\s+minute|ft/min|fpm", "foot/minute", "speed"),
    (r"(?:feet|foot|ft)\s+(?:per|an|a)\s+second|ft/s", "foot/second", "speed"),
    (r"met(?:er|re)s?\s+(?:per|an|a)\s+minute|m/min", "meter/minute", "speed"),
    (r"kilomet(?:er|re)s?|km", "kilometer", "length"),
    (r"miles?|mi", "mile", "length"),
    (r"met(?:er|re)s?|m", "meter", "length"),
    (r"feet|foot|ft", "foot", "length"),
    (r"yards?|yd", "yard", "length"),
    (r"millimet(?:er|re)s?|mm", "millimeter", "depth"),
    (r"centimet(?:er|re)s?|cm", "centimeter", "depth"),
    (r"inch(?:es)?", "inch", "depth"),
    (r"metric\s+tons?|tonnes?", "metric_ton", "mass"),
    (r"tons?", "short_ton", "mass"),
    (r"kilograms?|kilos?|kg", "kilogram", "mass"),
    (r"grams?|g", "gram", "mass"),
    (r"pounds|lbs?", "pound", "mass"),
    (r"ounces?|oz", "ounce", "mass"),
    (r"lit(?:er|re)s?|l", "liter", "volume"),
    (r"gallons?", "gallon", "volume"),
    (r"barrels?", "oil_barrel", "volume"),
    (r"cubic\s+met(?:er|re)s?|m3|m³", "meter**3", "volume"),
    (r"degrees?\s+(?:celsius|centigrade)|°\s?c", "degC", "temperature"),
    (r"degrees?\s+fahrenheit|°\s?f", "degF", "temperature"),
    (r"gigawatts?|gw", "gigawatt", "power"),
    (r"megawatts?|mw", "megawatt", "power"),
    (r"kilowatts?|kw", "kilowatt", "power"),
    (r"megawatt[\s-]hours?|mwh", "megawatt_hour", "energy"),
    (r"kilowatt[\s-]hours?|kwh", "kilowatt_hour", "energy"),
    (r"seconds?|secs?", "second", "duration"),
    (r"minutes?|mins?", "minute", "duration"),
    (r"hours?|hrs?", "hour", "duration"),
    (r"days?", "day", "duration"),
    (r"weeks?", "week", "duration"),
    (r"months?", "month", "duration"),
    (r"years?", "year", "duration"),
)

# Units that are ordinary words or letters: only accepted right after a number written in digits.
_SHORT_UNITS = frozenset({"m", "mi", "g", "l", "ha", "ft", "yd", "oz", "kw", "mw", "gw"})

CURRENCY_SYMBOLS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₴": "UAH",
                    "₹": "INR", "c$": "CAD", "a$": "AUD", "usd": "USD", "eur": "EUR", "gbp": "GBP",
                    "dlrs": "USD", "dlrs.": "USD", "dlr": "USD"}  # "dlrs": wire copy's dollars ("dlrs 178 million")
# The bare words a currency goes by in news that several currencies share ("dollars", "francs"): their default.
# Every other currency's English name comes from CLDR (currency_names).
CURRENCY_WORDS = (
    (r"(?:u\.?s\.?\s+)?dollars?|bucks", "USD"), (r"euros?", "EUR"), (r"pounds\s+sterling|sterling", "GBP"),
    (r"ro?ubles?", "RUB"), (r"hryvnias?|hryvnia", "UAH"), (r"yen", "JPY"), (r"yuan|renminbi", "CNY"),
    (r"rupees?", "INR"), (r"(?:swiss\s+)?francs?", "CHF"),
)

SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "lakh": 1e5, "crore": 1e7}
# one-letter scales ("$5m", "10bn") only after a currency
_LETTER_SCALES = frozenset({"k", "m", "b", "mn", "bn", "tn", "mln"})

NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "one": 1, "a": 1, "an": 1,
    "dozen": 12, "hundred": 100,
}
FRACTION_WORDS = {"half": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
                  "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "eighth": 8, "ninth": 9,
                  "tenth": 10, "tenths": 10}

# vague amounts: words -> (low, high) as the notes suggest ("several thousand" 2,000-9,999, "dozens" 24-99)
VAGUE = {
    "dozens": (24, 99), "scores": (40, 99), "hundreds": (200, 999), "thousands": (2_000, 9_999),
    "tens of thousands": (20_000, 99_999), "hundreds of thousands": (200_000, 999_999),
    "millions": (2e6, 9.99e6), "tens of millions": (2e7, 9.99e7), "hundreds of millions": (2e8, 9.99e8),
    "billions": (2e9, 9.99e9),
}
SEVERAL = {"several": (2, 9), "a few": (2, 5), "a couple of": (2, 3), "a handful of": (3, 6)}

# qualifier (canonical) -> regex of its spellings, longest first so "more than" wins over "more"
QUALIFIERS: tuple[tuple[str, str], ...] = (
    ("more than", r"more\s+than|over|in\s+excess\s+of|upwards\s+of|above|just\s+over|well\s+over|north\s+of"),
    ("at least", r"at\s+least|no\s+fewer\s+than|no\s+less\s+than|a\s+minimum\s+of"),
    ("fewer than", r"fewer\s+than|less\s+than|under|below|just\s+under"),
    ("up to", r"up\s+to|as\s+many\s+as|as\s+much\s+as|at\s+most|a\s+maximum\s+of|no\s+more\s+than"),
    ("nearly", r"nearly|almost|close\s+to|just\s+shy\s+of|approaching"),
    ("about", r"about|around|approximately|approx\.|roughly|some|an\s+estimated|estimated|an\s+approximate"
              r"|circa|c\.|nearly\s+about|or\s+so"),
    ("exactly", r"exactly|precisely|just"),
)

MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
          "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
          "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}


def unit_forms() -> tuple[tuple[str, str, str], ...]:
    """(regex, pint unit, dimension) for every unit spelling, most specific first."""
    return _UNIT_FORMS


def is_short_unit(word: str) -> bool:
    """True for unit spellings that are also ordinary letters or words ("m", "mi", "g")."""
    return word.lower() in _SHORT_UNITS


@functools.lru_cache(maxsize=1)
def _registry():
    """The pint registry, built once per process on first use (about 0.3 s)."""
    import pint

    return pint.UnitRegistry()


# pint's factor for every unit of _UNIT_FORMS, as pint computes it (the last bits included: 907.1847400000001 for
# short tons), so a process that converts no other unit never builds the registry (0.3-0.6 s at each indexing
# run); tests/test_units.py checks every entry against pint.
_FACTORS = {
    ("mile**2", "area"): 2.589988110336,
    ("meter**2", "area"): 1e-06,
    ("foot**2", "area"): 9.290304e-08,
    ("hectare", "area"): 0.01,
    ("acre", "area"): 0.004046872609874251,
    ("mile/hour", "speed"): 1.609344,
    ("meter/second", "speed"): 3.6,
    ("knot", "speed"): 1.852,
    ("foot/minute", "speed"): 0.018288,
    ("foot/second", "speed"): 1.0972799999999998,
    ("meter/minute", "speed"): 0.06,
    ("mile", "length"): 1.609344,
    ("meter", "length"): 0.001,
    ("foot", "length"): 0.0003048,
    ("yard", "length"): 0.0009144,
    ("centimeter", "depth"): 10.0,
    ("inch", "depth"): 25.4,
    ("metric_ton", "mass"): 1000.0,
    ("short_ton", "mass"): 907.1847400000001,
    ("gram", "mass"): 0.001,
    ("pound", "mass"): 0.4535923700000001,
    ("ounce", "mass"): 0.028349523125000005,
    ("gallon", "volume"): 3.785411783999999,
    ("oil_barrel", "volume"): 158.98729492799993,
    ("meter**3", "volume"): 999.9999999999999,
    ("gigawatt", "power"): 1000.0,
    ("kilowatt", "power"): 0.001,
    ("kilowatt_hour", "energy"): 0.001,
    ("second", "duration"): 1.1574074074074073e-05,
    ("minute", "duration"): 0.0006944444444444444,
    ("hour", "duration"): 0.041666666666666664,
    ("week", "duration"): 7.0,
    ("month", "duration"): 30.4375,
    ("year", "duration"): 365.25,
}


@functools.lru_cache(maxsize=256)
def conversion_factor(pint_unit: str, dimension: str) -> float:
    """Factor that turns a value in `pint_unit` into the dimension's normalized unit (offset units excluded)."""
    if pint_unit == _NORMAL[dimension][0]:
        return 1.0
    known = _FACTORS.get((pint_unit, dimension))
    return known if known is not None else pint_factor(pint_unit, dimension)


def pint_factor(pint_unit: str, dimension: str) -> float:
    """The factor of conversion_factor, computed by pint."""
    return float(_registry().Quantity(1.0, pint_unit).to(_NORMAL[dimension][0]).magnitude)


def to_normal(value: float, pint_unit: str, dimension: str) -> float:
    """A value in `pint_unit` expressed in the dimension's normalized unit (handles °F → °C)."""
    if dimension == "temperature":
        if pint_unit == "degF":
            return (value - 32.0) * 5.0 / 9.0
        return value
    return value * conversion_factor(pint_unit, dimension)


def normal_unit(dimension: str) -> str:
    """The normalized unit shown for a dimension ("km", "km2", ...; "" for a count)."""
    return _NORMAL[dimension][1] if dimension in _NORMAL else ""


@functools.lru_cache(maxsize=8192)  # a word's answer never changes: questions and sentences repeat their words
def unit_info(word: str) -> UnitInfo | None:
    """The UnitInfo for a unit as written ("miles", "sq km", "°C"), or None when it is not a unit."""
    w = re.sub(r"\s+", " ", word.strip().lower())
    for pattern, pint_unit, dimension in _UNIT_FORMS:
        if re.fullmatch(pattern, w):
            return UnitInfo(pint_unit, dimension, normal_unit(dimension))
    return None


@functools.lru_cache(maxsize=8192)  # every token of a question is tried (13 patterns each: 0.1 ms a question)
def currency_code(word: str, bare: bool = True) -> str:
    """ISO code of a currency symbol or name ("$" → USD, "rubles" → RUB, "Thai baht" → THB, "French francs" →
    FRF), "" if it is none. bare=False: not a name's last word alone ("baht", "real"), which after a number in
    words may be an ordinary word ("two real problems")."""
    w = re.sub(r"\s+", " ", word.strip().lower())
    if w in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[w]
    for pattern, code in CURRENCY_WORDS:
        if re.fullmatch(pattern, w):
            return code
    full, alone = currency_names()
    w = w.replace("u.s.", "us")
    return full.get(w, "") or (alone.get(w, "") if bare else "")


_NOT_CURRENCY_WORDS = frozenset({"account", "accounts", "code", "codes", "currency", "funds", "unit", "units", "value",
                                 "rights", "gold", "silver", "platinum", "palladium"})  # CLDR's funds and metals


@functools.cache
def currency_names() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-case English names of the world's currencies → ISO code, from CLDR (babel's English locale): each
    name and its plural ("thai baht", "french francs", "us dollars", "south korean won"), and its last word alone
    where no other currency's name ends with it ("baht", "rupiah", "zlotys"), as two dicts (full, alone). Funds,
    metals and test codes (X..) and names dated to a period are left out."""
    from babel import Locale
    from babel.numbers import get_currency_name

    english = Locale("en")
    full: dict[str, str] = {}
    last: dict[str, set[str]] = {}
    for code, name in english.currencies.items():
        if code.startswith("X") or "(" in name:
            continue
        for form in {name, get_currency_name(code, count=2, locale=english)}:
            form = form.lower()
            full.setdefault(form, code)
            word = form.split()[-1]
            if word not in _NOT_CURRENCY_WORDS:
                last.setdefault(word, set()).add(code)
    return full, {w: next(iter(codes)) for w, codes in last.items() if len(codes) == 1 and w not in full}


# ---------------------------------------------------------------------------------------------------------------
# Numbers as written
# ---------------------------------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009 "


def parse_digits(text: str) -> float:
    """A number written in digits with any thousands separator: "121,000", "220 000", "1.234.567", "12.2"."""
    t = text.strip()
    for ch in _SPACES:
        t = t.replace(ch, "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", t):  # 1.234.567: dots as thousands separators
        t = t.replace(".", "")
    t = t.replace(",", "").replace("'", "")
    return float(t)


def digits_precision(text: str) -> float:
    """Half-width of the rounding a number written in digits carries, from its significant digits.

    "121,000" → 500 (121 thousand, last significant digit in the thousands); "12.2" → 0.05. A number with a
    single significant digit is read with two ("1,000" → ±50, i.e. 950-1,050) because journalists write
    round thousands for values they know to within a few percent, not to within half a thousand.
    """
    t = text.strip()
    for ch in _SPACES:
        t = t.replace(ch, "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", t):
        t = t.replace(".", "")
    t = t.replace(",", "").replace("'", "")
    if "." in t:
        decimals = len(t.split(".", 1)[1])
        return 0.5 * 10 ** (-decimals)
    digits = t.lstrip("0") or "0"
    if digits == "0":
        return 0.5
    trailing = len(digits) - len(digits.rstrip("0"))
    significant = len(digits) - trailing
    if significant == 1 and trailing >= 1:
        trailing -= 1
    return 0.5 * 10 ** trailing


def scale_precision(mantissa_text: str, scale: float) -> float:
    """Rounding half-width of "1.2 million" (±50,000) or "10 billion" (±0.5 billion)."""
    # the mantissa carries its own rounding: "1.2" ±0.05, "900" ±50, "5" ±0.5 (then times the scale)
    return digits_precision(mantissa_text) * scale


def words_value(words: str) -> float | None:
    """Value of a number in words: "seven", "twenty-five", "two hundred", "a dozen", "three thousand"."""
    total, current = 0.0, 0.0
    seen = False
    for w in re.split(r"[\s-]+", words.lower().strip()):
        if not w or w == "and":
            continue
        if w in ("hundred",):
            current = (current or 1) * 100
        elif w in ("thousand", "million", "billion", "trillion"):
            total += (current or 1) * SCALES[w]
            current = 0
        elif w == "dozen":
            current = (current or 1) * 12
        elif w in NUMBER_WORDS:
            current += NUMBER_WORDS[w]
        else:
            return None
        seen = True
    return total + current if seen else None


# ---------------------------------------------------------------------------------------------------------------
# Intervals
# ---------------------------------------------------------------------------------------------------------------


def qualifier_of(text: str) -> str:
    """Canonical qualifier for a spelling ("as many as" → "up to"), "" if it is none."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    for canonical, pattern in QUALIFIERS:
        if re.fullmatch(pattern, t):
            return canonical
    return ""


def qualified_interval(low: float, high: float, qualifier: str) -> tuple[float, float]:
    """Widen or cut the rounding interval [low, high] of a value by its qualifier."""
    mid = (low + high) / 2
    if qualifier == "about":
        return min(low, mid * 0.9), max(high, mid * 1.1)  # ±10%
    if qualifier == "nearly":
        return min(low, mid * 0.85), high  # 85-100% of the value
    if qualifier in ("more than", "at least"):
        # open above; capped at twice the value so the interval stays finite in JSON (a "more than 100"
        # that was really over 200 would have been written "more than 200")
        return low, max(high, mid * 2)
    if qualifier == "up to":
        return min(0.0, low), high
    if qualifier == "fewer than":
        return min(0.0, low), high
    return low, high


def overlaps(a: tuple[float, float], b: tuple[float, float], slack: float = 1e-9) -> bool:
    """True when two closed intervals share a point (with a tiny relative slack for float noise)."""
    tol = slack * max(1.0, abs(a[0]), abs(a[1]), abs(b[0]), abs(b[1]))
    return a[0] <= b[1] + tol and b[0] <= a[1] + tol


def finite(x: float) -> float:
    """x, or a large finite number for ±inf (figures end up in JSON)."""
    if math.isinf(x):
        return math.copysign(1e300, x)
    return x


# ---------------------------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------------------------


_QUARTER = re.compile(r"\b(?:Q([1-4])|(first|second|third|fourth) quarter)(?:\s+of)?,?\s+((?:19|20)\d\d)\b", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def quarter_end(text: str) -> dt.date | None:
    """The last day of a business quarter named in the text ("Q1 2021", "the third quarter of 1998"), or None:
    dateparser reads no quarters, and company results are given by them."""
    m = _QUARTER.search(text)
    if m is None:
        return None
    q = int(m[1]) if m[1] else _ORDINALS[m[2].lower()]
    return period_end(int(m[3]), 3 * q)


def period_end(year: int, month: int = 0, day: int = 0) -> dt.date:
    """The last day of a year, a month or a day (date_interval's end)."""
    interval = date_interval(year, month, day)
    if interval is None:
        raise ValueError(f"no such date: {year}-{month}-{day}")
    return dt.date.fromordinal(int(interval[1]))


def parse_iso(date: str) -> dt.date | None:
    """A date from "YYYY-MM-DD" (or a longer ISO timestamp), None when empty or malformed."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def month_number(word: str) -> int:
    """1-12 for a month name or abbreviation ("Dec.", "Sept"), 0 if it is none."""
    return MONTHS.get(word.lower().rstrip("."), 0)


def date_interval(year: int, month: int = 0, day: int = 0) -> tuple[float, float] | None:
    """Ordinal-day interval of a date written to year, month or day precision; None if impossible."""
    try:
        if day:
            d = dt.date(year, month, day).toordinal()
            return float(d), float(d)
        if month:
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return float(first.toordinal()), float(nxt.toordinal() - 1)
        return float(dt.date(year, 1, 1).toordinal()), float(dt.date(year, 12, 31).toordinal())
    except ValueError:
        return None


def ordinal_to_iso(ordinal: float) -> str:
    """ISO date of an ordinal day number."""
    return dt.date.fromordinal(int(round(ordinal))).isoformat()


# readable display units per normalized unit: (threshold, factor, unit) tried in order; the first whose threshold the
# magnitude reaches is used. 0.003 km reads "3 m", 2,500 mm "2.5 m", 2.3e9 USD "2.3 billion USD".
_DISPLAY: dict[str, tuple[tuple[float, float, str], ...]] = {
    "km": ((1.0, 1.0, "km"), (0.0, 1000.0, "m")),
    "mm": ((1000.0, 0.001, "m"), (10.0, 1.0, "mm"), (0.0, 1.0, "mm")),
    "km2": ((1.0, 1.0, "km2"), (0.01, 100.0, "ha"), (0.0, 1e6, "m2")),
    "kg": ((1000.0, 0.001, "t"), (0.0, 1.0, "kg")),
    "L": ((1000.0, 0.001, "m3"), (0.0, 1.0, "L")),
    "MW": ((1000.0, 0.001, "GW"), (1.0, 1.0, "MW"), (0.0, 1000.0, "kW")),
    "MWh": ((1000.0, 0.001, "GWh"), (1.0, 1.0, "MWh"), (0.0, 1000.0, "kWh")),
    "day": ((1.0, 1.0, "day"), (0.0, 24.0, "h")),
}
_BIG = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_CURRENCIES = frozenset(CURRENCY_SYMBOLS.values()) | frozenset(code for _, code in CURRENCY_WORDS)


def _number(x: float) -> str:
    """A number with thousands separators and at most 4 significant digits after the point."""
    if abs(x) >= 100 or abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return f"{x:,.0f}"
    return f"{x:.4g}"


def display_unit(value: float, unit: str) -> tuple[float, str]:
    """The value in a unit that reads well for its magnitude: (0.003, "km") → (3.0, "m"); counts unchanged."""
    for threshold, factor, shown in _DISPLAY.get(unit, ()):
        if abs(value) >= threshold:
            return value * factor, shown
    return value, unit


def format_value(value: float, unit: str) -> str:
    """A normalized value for display, in a unit fit for its magnitude: "121,000", "12.07 km", "3 m",
    "2.3 billion USD", "2017-12-01"."""
    if unit == "date":
        return ordinal_to_iso(value)
    if abs(value) >= 1e300:
        return "∞"
    if unit == "%":
        return f"{_number(value)}%"
    if unit in _CURRENCIES:
        for size, word in _BIG:
            if abs(value) >= size:
                return f"{_number(value / size)} {word} {unit}"
        return f"{_number(value)} {unit}"
    shown, shown_unit = display_unit(value, unit)
    if shown_unit == "day" and shown != 1:
        shown_unit = "days"
    return f"{_number(shown)} {shown_unit}".strip()


def is_vague(qualifier: str) -> bool:
    """True for amounts written as words that give a range, not a number ("several thousand", "dozens")."""
    return qualifier == "several" or qualifier in VAGUE


def format_amount(value: float, unit: str, low: float, high: float, qualifier: str) -> str:
    """A figure for display: its value, or for a vague amount the range it allows ("several thousand" →
    "2,000–9,999"), never a midpoint nobody reported."""
    if not is_vague(qualifier):
        return format_value(value, unit)
    lo, hi = format_value(low, unit), format_value(high, unit)
    lo_num, _, lo_unit = lo.partition(" ")
    hi_num, _, hi_unit = hi.partition(" ")
    if lo_unit == hi_unit:
        return f"{lo_num}–{hi_num} {hi_unit}".strip()
    return f"{lo}–{hi}"
