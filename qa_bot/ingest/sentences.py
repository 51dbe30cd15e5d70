"""Sentence splitting with character offsets: done once per article at index time."""

from __future__ import annotations

import re

from ..records import Article, Sentence

# Words that end with a period without ending a sentence ("Gen. Syrskyi", "Dec. 1, 2017", "U.S. officials").
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof gen lt col maj capt sgt cpl adm gov sen rep rev st jr sr fr mt ft
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
inc co corp ltd bros vs etc no nos vol fig approx est dept univ ave blvd rd
a.m p.m e.g i.e u.s u.k u.n e.u d.c
""".split())
# Capitalised abbreviations of news style (the AP stylebook's titles before names and US state names after
# towns: "Lt. Cmdr. Frank Ann", "Atty. Gen.", "Kennesaw, Ga., police"); only capitalised, because several are also
# words that end sentences in lower case ("fell ill.", "to wash.").
CAPITALISED = frozenset("""
cmdr cmdt supt det insp atty brig pvt pfc spc sgt msgt ens adj gov lt rep sen pres supt
ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo mont neb nev
okla ore pa tenn tex vt va wash wis wyo
""".split())

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9À-ÖØ-Þ\u0400-\u042F])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LOOK_BACK = 32  # characters before a period searched for its word: longer than any abbreviation, and a
# fixed window keeps splitting linear (searching from the article's start made 400k characters take 7 s)


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at text[dot] closes an abbreviation or an initial rather than a sentence."""
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - _LOOK_BACK), dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or len(word) == 1 or (  # "J. K. Rowling", "U.S." handled as initials
        word in CAPITALISED and m.group(1)[:1].isupper())


MAX_SENTENCE_CHARS = 600  # longer runs (tables, lists without full stops) are cut at a space: MiniLM reads
# 256 tokens (~1,100 characters) and silently drops the rest, so nothing indexed may be longer than a chunk.


def _cut_long(s: int, e: int, text: str) -> list[tuple[int, int]]:
    """Split a span longer than MAX_SENTENCE_CHARS at spaces."""
    out = []
    while e - s > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
        cut = cut if cut > s else s + MAX_SENTENCE_CHARS
        out.append((s, cut))
        s = cut
    out.append((s, e))
    return out


def split_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences of text: lines are paragraphs, punctuation splits within them."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY.finditer(text, line.start(), line.end()):
            if _is_abbreviation(text, m.start()):
                continue
            spans.append((start, m.end()))
            start = m.end()
        spans.append((start, line.end()))
    out = []
    for s0, e0 in spans:
        for s, e in _cut_long(s0, e0, text):  # trim whitespace so offsets slice out exactly the sentence
            while s < e and (text[s].isspace() or (text[s] in "-–—•*" and text[s + 1:s + 2] == " ")):
                s += 1  # whitespace and list bullets are not part of the sentence
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
    return out


def split_sentences(article: Article) -> list[Sentence]:
    """The sentences of an article, numbered in order, with offsets into article.text."""
    return [Sentence(article.doc_id, n, s, e, article.text[s:e])
            for n, (s, e) in enumerate(split_spans(article.text))]
