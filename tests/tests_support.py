"""Helpers shared by tests: read an answer as a strict reader would."""

from __future__ import annotations

import re

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirty-eight": 38, "thirty-one": 31}


def first_figure(markdown: str) -> float | None:
    """The first number a reader meets in the answer text (markup and [n] markers ignored)."""
    text = re.sub(r"\[\d+\]", " ", markdown).replace("*", "").replace("\\", "")
    m = re.search(r"\d[\d,]*(?:\.\d+)?|\b(" + "|".join(_WORDS) + r")\b", text, re.I)
    if not m:
        return None
    if m.group(1):
        return _WORDS[m.group(1).lower()]
    return float(m.group(0).replace(",", ""))
