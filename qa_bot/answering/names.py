"""Named-answer conflicts: competing names (who/which/where) given for one question, found at query time."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Mapping, Sequence

import numpy as np

from .answer import NUMBER_QUESTION, STOPWORDS, WHEN_QUESTION, Scored
from .conflicts import doc_label, question_dimensions
from ..language.measures import find_speaker
from ..records import Article, Conflict, Figure
from ..language.units import MONTHS, WEEKDAYS

log = logging.getLogger(__name__)

# Sentence relevance (MiniLM cosine with the question) a mention needs, absolute and relative to the best sentence.
# Measured on RGB and the shipped corpus: sentences that state the answer sit at 0.55-0.80, the best is rarely
# more than 0.20 above them; unrelated sentences of the same articles fall below 0.35.
MIN_SIMILARITY = 0.35
RELATIVE_SIMILARITY = 0.25
# Two mentions fill the same slot when their sentences are about alike: the words left after removing both
# names overlap this much (Jaccard), or the sentence embeddings are this close.
ALIGN_JACCARD = 0.5
ALIGN_COSINE = 0.80
# An article's best sentence states its answer when it is this close to the question and to the best sentence.
ANSWER_SIMILARITY = 0.55
ANSWER_SPAN = 0.10
MIN_SUPPORT_RATIO = 0.3  # the weaker of two rival names needs this share of the stronger one's support
MAX_MENTIONS = 4  # quoted sentences per competing name
MAX_NAMES = 4  # competing names in one conflict

_WH_NAME = re.compile(r"^\s*(?:who|whom|whose|where|which|what)\b|\b(?:name|named|called)\b", re.I)
_WHICH_NOT_NAME = re.compile(r"^\s*(?:which|what)\s+(?:year|date|day|month|time|age|number|percentage|share|"
                             r"amount|proportion|size|price|score)\b|^\s*what\s+(?:is|was|are|were)\s+the\s+"
                             r"(?:population|size|number|amount|rate|price|cost|temperature|height|length|age|"
                             r"score|total|value|share|budget|revenue|distance|area|speed)\b", re.I)
# Queries without a question word ("Super Bowl 2021 location") ask for a name when they end in a role noun.
_ROLE_NOUN = re.compile(r"\b(?:location|venue|place|host|winner|champion|director|author|founder|owner|ceo|"
                        r"president|leader|chief|head|captain|coach|capital|city|country|team|company|buyer|"
                        r"acquirer|name|who)\s*\??\s*$", re.I)
_CONNECTORS = frozenset("of de da del della di van von der den la le du bin al y".split())
# Titles and honorifics in front of a name ("President Joe Biden", "Gov. Smith"): not part of the answer.
_TITLES = frozenset("mr mrs ms miss dr prof sir dame lord lady president vice prime minister gov governor sen senator "
                    "rep representative gen general col colonel lt lieutenant sgt sergeant capt captain cmdr "
                    "commander adm admiral chief ceo cfo coo chairman chairwoman chair director secretary king queen "
                    "prince princess pope saint st mayor judge justice officer agent coach head acting former "
                    "deputy interim new".split())
_FUNCTION = STOPWORDS | frozenset("when while after before if as since though although because once yet still "
                                  "meanwhile however but and or so then thus also even here there this that these "
                                  "those its it his her their our my we they he she you i a an the in on at for to "
                                  "with from by of into during".split())
_NOT_NAMES = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow".split())
# A single capitalized word ending like an adjective of nationality, before a lower-case word ("Russian troops"),
# modifies a noun; it is not an answer.
_ADJECTIVE_END = re.compile(r"(?:ian|ean|ese|ish|ican|ic)$")
_TOKEN = re.compile(r"[^\W\d_][\w’'.\-]*|\d+(?:\.\d+)?|[^\w\s]")


@dataclass(frozen=True)
class Mention:
    """A capitalized name in one relevant sentence (offsets relative to the sentence)."""

    text: str
    start: int
    end: int
    scored: Scored
    row: int  # index of the sentence in the scored list


@dataclass(frozen=True)
class Candidate:
    """One answer name and every mention of its spellings, best-supported first in a ranking."""

    key: str  # canonical (longest) spelling, normalized
    mentions: tuple[Mention, ...]
    support: float  # sum over distinct sentences of their scores


def asks_for_name(question: str) -> bool:
    """Does the question ask for a name (who/which/where, "… location", "what is the name …")?"""
    if NUMBER_QUESTION.search(question) or WHEN_QUESTION.search(question) or _WHICH_NOT_NAME.search(question):
        return False
    if re.match(r"^\s*how\b", question, re.I):
        return False
    if re.match(r"^\s*(?:who|whom|whose)\b", question, re.I):
        return True
    if question_dimensions(question) is not None:
        return False  # "What was Tesla's revenue …?" asks for an amount
    return bool(_WH_NAME.search(question) or _ROLE_NOUN.search(question))


def fold(text: str) -> str:
    """Lower-case, accents and punctuation removed: 'Pogačar' → 'pogacar', "Facebook's" → 'facebook'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’]s\b", "", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _question_words(question: str) -> set[str]:
    return {w[:6] for w in fold(question).split()}


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _clean(tok: str) -> str:
    """A token without its possessive and a trailing full stop (kept in initials: 'U.S.', 'B.')."""
    tok = re.sub(r"['’]s?$", "", tok)
    if tok.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", tok):
        tok = tok.rstrip(".")
    return tok


def spans(sentence: str) -> list[tuple[int, int, bool]]:
    """Runs of capitalized words in a sentence ("Rio de Janeiro", "Tampa, Florida", "Toy Story 4"):
    (start, end, starts_sentence)."""
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(sentence)]
    first_word = next((i for i, t in enumerate(toks) if t[2][:1].isalnum()), None)
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(toks):
        s, e, t = toks[i]
        if not _is_cap(t):
            i += 1
            continue
        j = i + 1
        end = e
        while j < len(toks):
            t2 = toks[j][2]
            if re.search(r"['’]s?$", toks[j - 1][2]):
                break  # "Romania's Simona Halep": the possessor is a name of its own
            if t2.lower() in _FUNCTION and t2.lower() not in _CONNECTORS:
                break  # headline case ("Pichai Appointed To Alphabet Board"): 'To' ends the name
            if _is_cap(t2) and toks[j][0] - end <= 1:
                end = toks[j][1]
                j += 1
            elif t2.lower() in _CONNECTORS and j + 1 < len(toks) and _is_cap(toks[j + 1][2]) and t2.islower():
                end = toks[j + 1][1]
                j += 2
            elif (t2 == "," and j + 1 < len(toks) and _is_cap(toks[j + 1][2]) and j - i == 1
                  and not _list_follows(toks, j + 2)):
                # "Tampa, Florida, the home …": a place and its region; not a list "A, B, C"
                end = toks[j + 1][1]
                j += 2
            elif re.fullmatch(r"\d{1,2}", t2) and toks[j][0] - end == 1:
                end = toks[j][1]  # "Toy Story 4"
                j += 1
                break
            else:
                break
        out.append((s, end, i == first_word))
        i = j
    return out


def _list_follows(toks: Sequence[tuple[int, int, str]], j: int) -> bool:
    """Is toks[j:] the rest of a list ("…, Spain and Italy", "…, Spain, Italy")? Then "A, B" is not a place
    and its region."""
    rest = [t[2] for t in toks[j:j + 3]]
    if not rest:
        return False
    if rest[0] in (",", ";") and len(rest) > 1 and (_is_cap(rest[1]) or rest[1] in ("and", "or")):
        return True
    return rest[0] in ("and", "or", "&") or _is_cap(rest[0])


def _mentions_in(sc: Scored, row: int, qwords: set[str], midsentence: set[str]) -> list[Mention]:
    text = sc.sentence.text
    out = []
    for s, e, initial in spans(text):
        words = [(m.start() + s, m.end() + s, _clean(m.group(0)))
                 for m in re.finditer(r"[^\s,]+", text[s:e])]
        words = [w for w in words if w[2]]
        if initial and words and (words[0][2].lower() in _FUNCTION or
                                  (len(words) == 1 and fold(words[0][2]) not in midsentence)):
            words = words[1:]  # "When Facebook …": 'When' is capitalized only because it starts the sentence
        stripped = False
        while words and (words[0][2].lower().rstrip(".") in _TITLES or words[0][2].lower() in _CONNECTORS
                         or fold(words[0][2])[:6] in qwords):
            stripped = stripped or fold(words[0][2])[:6] in qwords
            words = words[1:]
        while words and (fold(words[-1][2])[:6] in qwords or words[-1][2].lower() in _CONNECTORS):
            stripped = True
            words = words[:-1]
        if not words:
            continue
        folded = [fold(w[2]) for w in words]
        if any(f in _NOT_NAMES or not f for f in folded) and len(words) == 1:
            continue
        if all(f in _NOT_NAMES or f in _FUNCTION or f.isdigit() for f in folded):
            continue
        if stripped and len(words) == 1:
            continue  # "Wimbledon Championships" minus the question's word: not a name of its own
        if len(words) == 1:
            after = text[words[0][1]:words[0][1] + 30].lstrip(" ")
            if _ADJECTIVE_END.search(folded[0]) and after[:1].islower():
                continue
            if len(folded[0]) < 2:
                continue
            if re.search(r"\d\s*$", text[:words[0][0]]):
                continue  # "905 Followers": a label after a number, not a name
        start, end = words[0][0], words[-1][0] + len(words[-1][2])  # without "'s" or a final full stop
        out.append(Mention(text[start:end], start, end, sc, row))
    return out


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name: one's words inside the other's ("Tampa" / "Tampa, Florida"), or the same last
    word with compatible first words ("Alexei Smirnov" / "Aleksey Smirnov" / "Smirnov")."""
    wa, wb = fold(a).split(), fold(b).split()
    if not wa or not wb:
        return False
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    if SequenceMatcher(None, wa[-1], wb[-1]).ratio() < 0.8 or wa[-1][0] != wb[-1][0]:
        return False
    if len(wa) == 1 or len(wb) == 1:
        return True
    return wa[0][:2] == wb[0][:2]


def candidates(question: str, relevant: Sequence[Scored]) -> list[Candidate]:
    """Names in the relevant sentences that are not the question's own words, grouped by spelling and ranked by
    the sentences that support them."""
    qwords = _question_words(question)
    midsentence: set[str] = set()
    for sc in relevant:
        for s, e, initial in spans(sc.sentence.text):
            for k, m in enumerate(re.finditer(r"[^\s,]+", sc.sentence.text[s:e])):
                if not (initial and k == 0):
                    midsentence.add(fold(_clean(m.group(0))))
    mentions = [m for row, sc in enumerate(relevant) for m in _mentions_in(sc, row, qwords, midsentence)]
    # Longest spellings first, so "Tampa" joins "Tampa, Florida" rather than starting its own group; a spelling
    # that fits several groups ("Tampa": "Tampa, Florida" and "Tampa Bay Buccaneers") joins the most mentioned.
    groups: list[list[Mention]] = []
    for m in sorted(mentions, key=lambda m: (-len(fold(m.text).split()), -m.scored.score)):
        fits = [g for g in groups if same_name(g[0].text, m.text)]
        if fits:
            max(fits, key=len).append(m)
        else:
            groups.append([m])
    out = []
    for g in groups:
        rows = {}
        for m in g:
            if m.row not in rows:
                rows[m.row] = m
        support = sum(max(m.scored.score, 0.0) for m in rows.values())
        ordered = sorted(rows.values(), key=lambda m: (-m.scored.score, m.scored.sentence.doc_id))
        out.append(Candidate(fold(g[0].text), tuple(ordered), support))
    return sorted(out, key=lambda c: (-c.support, c.key))


def _masked_words(m: Mention, other: Sequence[Mention]) -> set[str]:
    text = m.scored.sentence.text
    cut = [(m.start, m.end)] + [(o.start, o.end) for o in other if o.row == m.row]
    kept = "".join(ch if not any(a <= i < b for a, b in cut) else " " for i, ch in enumerate(text))
    return {w for w in fold(kept).split() if w not in _FUNCTION}


def article_answers(cands: Sequence[Candidate], relevant: Sequence[Scored]) -> dict[int, set[str]]:
    """Candidate index → the articles whose best sentence, close to the best of all, names that candidate and no
    other: each such article states its own answer, in whatever words ("X won …", "Y took the title …")."""
    best = max((s.similarity for s in relevant), default=0.0)
    top: dict[str, int] = {}
    for row, s in enumerate(relevant):
        d = s.sentence.doc_id
        if d not in top or s.similarity > relevant[top[d]].similarity:
            top[d] = row
    out: dict[int, set[str]] = {}
    for d, row in top.items():
        if relevant[row].similarity < max(ANSWER_SIMILARITY, best - ANSWER_SPAN):
            continue
        named = [i for i, c in enumerate(cands) if any(m.row == row for m in c.mentions)]
        if len(named) == 1:
            out.setdefault(named[0], set()).add(d)
    return out


def aligned(a: Candidate, b: Candidate, vectors: np.ndarray | None) -> bool:
    """Do two names fill the same slot: a sentence naming one is about alike to a sentence naming the other?"""
    for ma in a.mentions:
        for mb in b.mentions:
            wa, wb = _masked_words(ma, [mb]), _masked_words(mb, [ma])
            if wa and wb and len(wa & wb) / len(wa | wb) >= ALIGN_JACCARD:
                return True
            if vectors is not None and float(vectors[ma.row] @ vectors[mb.row]) >= ALIGN_COSINE:
                return True
    return False


def rivals(cands: Sequence[Candidate], vectors: np.ndarray | None,
           answers: Mapping[int, set[str]] | None = None) -> list[Candidate]:
    """The competing answers, best-supported first: names never given in the same sentence (a sentence naming
    both gives them different roles: "Kerber beat Williams") that fill the same slot in sentences about alike.
    Starts from the best-supported such pair and adds names that compete with every one chosen; [] if none."""
    rows = [frozenset(m.row for m in c.mentions) for c in cands]
    answers = answers or {}

    def compete(i: int, j: int) -> bool:
        lo, hi = sorted((cands[i].support, cands[j].support))
        if rows[i] & rows[j] or lo < MIN_SUPPORT_RATIO * hi:
            return False
        return bool(answers.get(i) and answers.get(j)) or aligned(cands[i], cands[j], vectors)

    n = len(cands)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if compete(i, j)]
    if not pairs:
        return []
    i, j = max(pairs, key=lambda p: (min(cands[p[0]].support, cands[p[1]].support), -p[0], -p[1]))
    chosen = [i, j]
    for k in range(n):
        if (k not in chosen and len(chosen) < MAX_NAMES and cands[k].support >= 0.6 * cands[j].support
                and all(compete(min(k, c), max(k, c)) for c in chosen)):
            chosen.append(k)
    return [cands[k] for k in sorted(chosen, key=lambda k: (-cands[k].support, cands[k].key))]


def _figure(m: Mention, measure: str, articles: Mapping[str, Article]) -> Figure:
    s = m.scored.sentence
    a = articles.get(s.doc_id)
    return Figure(value=0.0, unit="name", text=m.text, qualifier="", measure=measure, doc_id=s.doc_id,
                  quote=s.text, start=s.start + m.start, end=s.start + m.end, sentence_start=s.start,
                  sentence_end=s.end, said_by=find_speaker(s.text), as_of=a.published if a else "",
                  low=0.0, high=0.0, dimension="name", kind="name")


def asked_measure(question: str) -> str:
    """What the question asks for, in a few words: 'Who acquired Instagram?' → 'who acquired Instagram'."""
    return " ".join(question.strip().rstrip("?").split())[:80]


def name_conflicts(question: str, scored: Sequence[Scored], articles: Mapping[str, Article],
                   vectors: np.ndarray | None = None) -> tuple[list[Figure], list[Conflict]]:
    """Name figures and at most one conflict: the best-supported answer name and the names that the relevant
    sentences give in its place. vectors: the sentence embeddings, row i for scored[i] (optional)."""
    if not scored or not asks_for_name(question):
        return [], []
    best = max(s.similarity for s in scored)
    floor = max(MIN_SIMILARITY, best - RELATIVE_SIMILARITY)
    rows = [i for i, s in enumerate(scored) if s.similarity >= floor]
    relevant = [scored[i] for i in rows]
    vecs = np.asarray(vectors)[rows] if vectors is not None and len(rows) else None
    cands = candidates(question, relevant)
    chosen = rivals(cands, vecs, article_answers(cands, relevant))
    if len(chosen) < 2:
        return [], []
    measure = asked_measure(question)
    figures = [_figure(m, measure, articles) for c in chosen for m in c.mentions[:MAX_MENTIONS]]
    note = "; ".join(_note_part(c) for c in chosen)
    log.debug("name conflict for %r: %s", question, note)
    return figures, [Conflict(measure=measure, figures=tuple(figures), note=note)]


def _note_part(c: Candidate) -> str:
    docs = sorted({m.scored.sentence.doc_id for m in c.mentions})
    labels = ", ".join(doc_label(d) for d in docs[:6]) + (" …" if len(docs) > 6 else "")
    verb = "names" if len(docs) == 1 else "name"
    return f"{labels} {verb} {c.mentions[0].text}"
