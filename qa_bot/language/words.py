"""Whole-word tests on lower-case text, shared by the scope checks and the index's sentence look-ups."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from ..records import QuestionIntent


@functools.lru_cache(maxsize=4096)
def _pattern(word: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


def has_words(text: str, words: Sequence[str]) -> bool:
    """Does the lower-case text hold every one of these words as a whole word ("east" is not in "least",
    "ray" not in "array")?"""
    return all(_pattern(w).search(text) for w in words)


def in_words(short: Sequence[str], long_: Sequence[str]) -> bool:
    """Is the word sequence `short` a run of words of `long_` ("ann barton" in "leigh ann barton", not in
    "joann barton")?"""
    n = len(short)
    return any(list(long_[i:i + n]) == list(short) for i in range(len(long_) - n + 1))


DATE_FIT = 0.05  # the date as precise as the question asks, over another of the same sentence ("on what date":
# "March 21", not "in 1986"; "in which year": the year)
_DAY = re.compile(r"\b\d{1,2}(st|nd|rd|th)?\b(?!\d)|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                  r"today|yesterday)\b", re.I)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def date_fits(text: str, intent: "QuestionIntent") -> int:
    """1 when a date names a day and the question asks when something happened, or names no day and the
    question asks a year or a month; else 0."""
    coarse = "year" in intent.words or "month" in intent.words
    return int(bool(_DAY.search(_YEAR.sub("", text))) != coarse)


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer's Snowball English stemmer, the one BM25 uses

    return Stemmer.Stemmer("english")


def names_word(text: str, word: str) -> bool:
    """Does the text use the word in any form (the same Snowball stem: "cities" ~ city, "spectators" ~ spectator)?"""
    stem = _stemmer().stemWord(word.lower())
    return any(s == stem for s in _stemmer().stemWords(re.findall(r"[a-z]+", text.lower())))


@functools.lru_cache(maxsize=4096)
def is_agent_noun(noun: str, verb: str) -> bool:
    """Is `noun` the English noun for one who does `verb` (its stem + -er/-or/-ar, a final consonant doubled):
    director ~ direct, winner ~ win, composer ~ compose, creator ~ create, writer ~ write?"""
    if not noun or not verb or noun == verb:
        return False
    stem = _stemmer().stemWord(verb)
    rest = noun[len(stem):] if noun.startswith(stem) else ""
    return rest in ("er", "or", "ar", "r") or len(rest) == 3 and rest[0] == stem[-1] and rest[1:] == "er"
