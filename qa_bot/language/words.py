"""Whole-word tests on lower-case text, shared by the scope checks and the index's sentence look-ups."""

from __future__ import annotations

import functools
import re
from typing import Sequence


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
