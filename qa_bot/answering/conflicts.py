"""Query time: pick the figure groups that answer a question and mark groups whose values disagree."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..language.measures import MeasureKey, measure_key, tokenize
from ..records import Article, Conflict, Figure, Hit
from ..language.units import CURRENCY_WORDS, currency_code, format_amount, overlaps

log = logging.getLogger(__name__)

# Cosine thresholds between measure phrases (all-MiniLM-L6-v2). Measured on news phrases: "citizens evacuated"
# vs "people evacuated or left" 0.86, "troops killed" vs "civilians killed" 0.67, "people told to evacuate" vs
# "planned evacuations" 0.81. The event verb decides first; the cosine only has to separate what is counted.
SAME_EVENT_MIN = 0.55  # same event stem: the phrases must still be about alike
# same event, and one phrase names no counted noun: "death toll" vs "people died" is 0.51, "death toll" vs
# "homes destroyed" 0.24; the shared event (kill) already says they count the same thing
NOUNLESS_EVENT_MIN = 0.45
OTHER_NOUN_MIN = 0.75  # same event, different counted noun ("citizens" vs "people")
NO_EVENT_MIN = 0.75  # neither phrase has an event ("revenue" vs "third-quarter revenue")
ONE_EVENT_MIN = 0.80  # only one phrase names an event
QUESTION_MIN = 0.40  # a group answers the question when one member's phrase is at least this close
EVENT_BONUS = 0.15  # a group whose event verb is the question's verb
RELATIVE_SPAN = 0.30  # groups more than this below the best group are left out
HIT_BONUS = 0.12  # a figure inside a retrieved chunk is more likely to answer
PLACE_PENALTY = 0.35  # the question names a place and the group is about another one (or, when some group is
# about the named place, about none): more than RELATIVE_SPAN, so it drops out unless nothing better answers
CURRENCY_BONUS = 0.15  # "How much damage in euros?": groups in the currency asked about first
MAX_GROUPS = 5
MAX_FIGURES = 30
MAX_POOL = 400  # pairwise grouping runs over at most this many of the most relevant figures

_DIMENSION_CUES: tuple[tuple[str, frozenset[str]], ...] = (
    (r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bwhich (?:date|day|year)\b|\bdate\b|\bwhat time\b",
     frozenset({"date"})),
    (r"\bhow (?:far|long a|deep|high|tall|wide)\b|\bdistance\b|\bkilomet|\bmiles\b", frozenset({"length", "depth"})),
    (r"\bhow fast\b|\bspeed\b", frozenset({"speed"})),
    (r"\barea\b|\bsquare\b|\bterritory\b|\bhow (?:big|large)\b", frozenset({"area", "count", "percent"})),
    (r"\bhow much\b.*\b(?:rain|snow)|\brainfall\b", frozenset({"depth", "length"})),
    (r"\bpercent|\bpercentage\b|\bshare\b|\bproportion\b|\brate\b|%", frozenset({"percent", "count"})),
    (r"\bhow much\b|\brevenue\b|\bcost\b|\bprice\b|\bworth\b|\bprofit\b|\bsales\b|\bbudget\b|\bdamage\b|"
     r"\bpaid\b|\bspend\b|\bspent\b|\bearn|\bincome\b|\bvalue\b|\bfine\b|\$|€|£",
     frozenset({"money", "count", "percent"})),
    (r"\bhow long\b|\bduration\b", frozenset({"duration", "date"})),
    (r"\bhow many\b|\bnumber of\b|\bcount\b|\btoll\b", frozenset({"count", "percent"})),
)


@dataclass(frozen=True)
class _Group:
    """Indices of figures that report one measure, split into clusters of mutually agreeing values."""

    members: tuple[int, ...]
    clusters: tuple[tuple[int, ...], ...]  # best-supported first
    relevance: float


def question_dimensions(question: str) -> frozenset[str] | None:
    """The dimensions a question asks for ("How many" → counts), None when the wording does not say."""
    q = question.lower()
    for pattern, dims in _DIMENSION_CUES:
        if re.search(pattern, q):
            return dims
    return None


def question_places(question: str) -> frozenset[str]:
    """Lower-cased capitalized words of a question after its first word: the places and names it is about
    ("How many people were evacuated from Krasnoyaruzhsky district?" → {"krasnoyaruzhsky"})."""
    words = [t for t in tokenize(question) if t.text[0].isalpha()]
    # "Tesla's" names Tesla; a lone capital ("Q1", "I") names nothing
    return frozenset(re.sub(r"['’]s$", "", t.low) for t in words[1:] if t.text[0].isupper() and len(t.text) > 1)


def question_currencies(question: str) -> frozenset[str]:
    """ISO codes of the currencies a question names ("in euros", "€", "USD")."""
    codes = {currency_code(t.text) for t in tokenize(question) if not t.text[0].isdigit()}
    for pattern, code in CURRENCY_WORDS:
        if re.search(r"\b(?:" + pattern + r")\b", question, re.IGNORECASE):
            codes.add(code)
    return frozenset(codes - {""})


def same_measure(a: Figure, b: Figure, ka: MeasureKey, kb: MeasureKey, cosine: float) -> bool:
    """True when two figures report the same measure: same dimension and unit, same mode and place,
    the same event (verb stem) and a close measure phrase."""
    if a.dimension != b.dimension or a.unit != b.unit or a.kind != b.kind:
        return False
    if ka.mode != kb.mode or ka.place != kb.place:
        return False
    if ka.events and kb.events:
        nounless = not ka.nouns or not kb.nouns
        if not ka.events & kb.events or cosine < (NOUNLESS_EVENT_MIN if nounless else SAME_EVENT_MIN):
            return False
        return bool(ka.nouns & kb.nouns) or nounless or cosine >= OTHER_NOUN_MIN
    if ka.events or kb.events:
        return cosine >= ONE_EVENT_MIN
    if not a.measure or not b.measure:
        # dates without a verb (a dateline "Nov 15, 2020 ...") group only by the words around them
        return a.kind == "date" and cosine >= NO_EVENT_MIN
    return cosine >= NO_EVENT_MIN and (bool(ka.nouns & kb.nouns) or cosine >= 0.85)


def agreeing_clusters(figures: Sequence[Figure], idx: Sequence[int]) -> list[list[int]]:
    """Split a group into clusters whose intervals share a common point (sorted by interval start)."""
    clusters: list[tuple[list[int], float, float]] = []
    for i in sorted(idx, key=lambda k: (figures[k].low, figures[k].high)):
        f = figures[i]
        for n, (members, lo, hi) in enumerate(clusters):
            if overlaps((lo, hi), (f.low, f.high)):
                clusters[n] = (members + [i], max(lo, f.low), min(hi, f.high))
                break
        else:
            clusters.append(([i], f.low, f.high))
    return [c[0] for c in clusters]


def source_families(figures: Sequence[Figure]) -> dict[str, str]:
    """Map doc_id → a representative doc_id; articles that repeat another's figures (a rewrite) share one.

    Two articles are one source when at least 3 of their figure values (to 4 significant digits) are shared and the
    shared ones are at least 60% of the smaller article's figures (001 rewrites 000: all 8 of its figures).
    """
    sigs: dict[str, set[str]] = {}
    for f in figures:
        sigs.setdefault(f.doc_id, set()).add(f"{f.dimension}|{f.unit}|{f.value:.4g}")
    docs = sorted(sigs)
    parent = {d: d for d in docs}

    def find(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            common = len(sigs[a] & sigs[b])
            if common >= 3 and common >= 0.6 * min(len(sigs[a]), len(sigs[b])):
                parent[find(b)] = find(a)
    return {d: find(d) for d in docs}


def _in_hits(f: Figure, hits: Sequence[Hit]) -> int | None:
    """0-based rank of the first retrieved chunk holding the figure, None if none does."""
    for rank, h in enumerate(hits):
        c = h.chunk
        if c.doc_id == f.doc_id and c.start <= f.start and f.end <= c.end:
            return rank
    return None


def _union_find(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def group_figures(figures: Sequence[Figure], vectors: np.ndarray) -> list[list[int]]:
    """Groups (lists of indices) of figures that report the same measure, across and within articles."""
    keys = [measure_key(f.measure) for f in figures]
    n = len(figures)
    if n == 0:
        return []
    sims = vectors @ vectors.T if len(vectors) else np.zeros((n, n), dtype=np.float32)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if same_measure(figures[i], figures[j], keys[i], keys[j], float(sims[i, j]))]
    return _union_find(n, pairs)


def _support(figures: Sequence[Figure], cluster: Sequence[int], families: Mapping[str, str]) -> tuple:
    fams = {families.get(figures[i].doc_id, figures[i].doc_id) for i in cluster}
    latest = max((figures[i].as_of for i in cluster), default="")
    return (len(fams), latest, len(cluster))


def figures_for_question(question: str, question_vector: np.ndarray, figures: Sequence[Figure],
                         measure_vectors: np.ndarray, hits: Sequence[Hit],
                         articles: Mapping[str, Article]) -> tuple[list[Figure], list[Conflict]]:
    """Figures that answer the question (best-supported first) and the conflicts among them."""
    if not figures:
        return [], []
    vecs = np.asarray(measure_vectors, dtype=np.float32)
    qv = np.asarray(question_vector, dtype=np.float32).reshape(-1)
    relevance = vecs @ qv if len(vecs) else np.zeros(len(figures), dtype=np.float32)
    dims = question_dimensions(question)
    ranks = [_in_hits(f, hits) for f in figures]
    score = np.array([float(relevance[i]) + (HIT_BONUS / (1 + 0.25 * r) if r is not None else 0.0)
                      for i, r in enumerate(ranks)], dtype=np.float32)
    allowed = [i for i, f in enumerate(figures) if (dims is None or f.dimension in dims)
               and (f.measure or f.kind == "date")]
    if not allowed:
        return [], []
    pool = sorted(allowed, key=lambda i: -score[i])[:MAX_POOL]
    pool_figs = [figures[i] for i in pool]
    groups = group_figures(pool_figs, vecs[pool])
    families = source_families(figures)

    q_events = measure_key(question).events
    q_places = question_places(question) if not dims or "date" not in dims else frozenset()
    q_money = question_currencies(question)
    keys = {i: measure_key(figures[i].measure) for i in pool}
    places = [frozenset().union(*(keys[pool[k]].place for k in g)) for g in groups]
    relevance = []
    for g in groups:
        members = [pool[k] for k in g]
        best = max(float(score[i]) for i in members)
        if q_events and any(keys[i].events & q_events for i in members):
            best += EVENT_BONUS  # the group's verb is the question's verb ("evacuated" → evacuat)
        if q_money and figures[members[0]].unit in q_money:
            best += CURRENCY_BONUS
        relevance.append(best)
    # when a count that answers the question is scoped to the place it names, unscoped counts answer another
    # question ("from Krasnoyaruzhsky district?" is not answered by the region's total)
    top = max(relevance, default=0.0)
    # (only counts of the same dimension compete: "vehicles delivered by Tesla" leaves revenue alone)
    scoped = {figures[pool[g[0]]].dimension for g, p, r in zip(groups, places, relevance)
              if q_places and p & q_places and figures[pool[g[0]]].kind == "number"
              and r >= max(QUESTION_MIN, top - RELATIVE_SPAN)}
    ranked: list[_Group] = []
    for g, place, best in zip(groups, places, relevance):
        members = [pool[k] for k in g]
        if q_places and figures[members[0]].kind == "number" and (
                place and not place & q_places or not place and figures[members[0]].dimension in scoped):
            best -= PLACE_PENALTY
        if best < QUESTION_MIN:
            continue
        clusters = agreeing_clusters(figures, members)
        clusters.sort(key=lambda c: _support(figures, c, families), reverse=True)
        ranked.append(_Group(tuple(members), tuple(tuple(c) for c in clusters), best))
    # most relevant groups first; among equally relevant ones the better supported
    ranked.sort(key=lambda g: (-round(g.relevance, 2), -_support(figures, g.clusters[0], families)[0]))
    if ranked:  # groups far below the best one answer some other question
        floor = ranked[0].relevance - RELATIVE_SPAN
        ranked = [g for g in ranked if g.relevance >= floor]
    ranked = ranked[:MAX_GROUPS]

    out: list[Figure] = []
    conflicts: list[Conflict] = []
    for g in ranked:
        ordered = [figures[i] for c in g.clusters for i in sorted(c, key=lambda i: (-score[i], figures[i].doc_id))]
        out.extend(ordered)
        if len(g.clusters) > 1:
            conflicts.append(Conflict(measure=_group_measure(figures, g), figures=tuple(ordered),
                                      note=conflict_note(figures, g.clusters, families, articles)))
        if len(out) >= MAX_FIGURES:
            break
    log.debug("figures for %r: %d groups, %d conflicts", question, len(ranked), len(conflicts))
    return out[:MAX_FIGURES], conflicts


def _group_measure(figures: Sequence[Figure], g: _Group) -> str:
    measures = [figures[i].measure for i in g.clusters[0] if figures[i].measure]
    return max(set(measures), key=measures.count) if measures else ""


def doc_label(doc_id: str) -> str:
    """Short name of an article in notes: "003" for "003_5ba68c8e7d44777e.txt", else the file stem."""
    m = re.match(r"(\d+)_", doc_id.rsplit("/", 1)[-1])
    return m.group(1) if m else re.sub(r"\.[a-z]+$", "", doc_id)


def figure_date(figure: Figure, articles: Mapping[str, Article]) -> str:
    """The date a figure is reported for: its as-of date, else its article's published date, else ""."""
    a = articles.get(figure.doc_id)
    return figure.as_of or (a.published if a else "")


def conflict_note(figures: Sequence[Figure], clusters: Sequence[Sequence[int]], families: Mapping[str, str],
                  articles: Mapping[str, Article]) -> str:
    """Plain words for what differs: which article reports which value, each with its own date (or "undated")
    and who said it: "a2 (2025-03-10, the Red Cross) reports 41 death toll; a1 (2025-03-08, ...) reported 34"."""
    del families  # reserved: rewrites could be marked here
    lead_date = max((figure_date(figures[i], articles) for i in clusters[0]), default="")
    parts = []
    for n, c in enumerate(clusters):
        docs = sorted({figures[i].doc_id for i in c})
        sources = []
        for d in docs:
            mine = [figures[i] for i in c if figures[i].doc_id == d]
            date = max((figure_date(f, articles) for f in mine), default="") or "undated"
            said = next((f.said_by for f in mine if f.said_by), "")
            sources.append(f"{doc_label(d)} ({date}{', ' + said if said else ''})")
        labels = ", ".join(sources)
        dates = sorted({figure_date(figures[i], articles) for i in c} - {""})
        texts: list[str] = []
        for i in c:
            t = f"{figures[i].text} {figures[i].measure}".strip()
            if t not in texts:
                texts.append(t)
        shown = " / ".join(texts[:3])
        latest = dates[-1] if dates else ""
        earlier = n > 0 and latest and lead_date and latest < lead_date
        verb = "reported" if earlier else ("reports" if len(docs) == 1 else "report")
        part = f"{labels} {verb} {shown}"
        if earlier:
            part += " — an earlier date, likely an update"
        parts.append(part)
    return "; ".join(parts)


_ESCAPES = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "(": "\\(", ")": "\\)",
                          "`": "\\`", "*": "\\*", "_": "\\_", "\\": "\\\\", "!": "\\!", "#": "\\#",
                          "\n": " ", "\r": " "})


def escape_cell(text: str) -> str:
    """Article text as inert markdown: no table breaks, no HTML, no links or images."""
    return text.translate(_ESCAPES)


def figures_markdown(figures: Sequence[Figure], conflicts: Sequence[Conflict],
                     articles: Mapping[str, Article]) -> str:
    """Markdown table of the figures side by side, disagreeing groups marked; "" when there are none."""
    if not figures:
        return ""
    conflict_of: dict[tuple[str, int, int], int] = {}
    for n, c in enumerate(conflicts, 1):
        for f in c.figures:
            conflict_of[(f.doc_id, f.start, f.end)] = n
    rows = ["| | Figure | Normalized | Measure | Source | Said by | Quote |", "|---|---|---|---|---|---|---|"]
    for f in figures:
        n = conflict_of.get((f.doc_id, f.start, f.end))
        mark = f"⚠ {n}" if n else ""
        a = articles.get(f.doc_id)
        source = ", ".join(x for x in ((a.title if a else f.doc_id), (a.outlet if a else ""),
                                       (a.published if a and a.published else "undated")) if x)
        if f.as_of and (not a or f.as_of != a.published):
            source += f" (as of {f.as_of})"
        normal = f.text if f.kind == "name" else format_amount(f.value, f.unit, f.low, f.high, f.qualifier)
        cells = [mark, f.text, normal, f.measure, source, f.said_by, f.quote]
        rows.append("| " + " | ".join(escape_cell(c) if i else c for i, c in enumerate(cells)) + " |")
    out = "\n".join(rows)
    if conflicts:
        notes = "\n".join(f"- ⚠ {n} **Sources disagree on {escape_cell(c.measure or 'this figure')}:** "
                          f"{escape_cell(c.note)}" for n, c in enumerate(conflicts, 1))
        out += "\n\n" + notes
    return out
