"""Disputes across the corpus: every figure group (one measure, one scope) whose sources disagree, were updated
or revised, ranked so the most consequential come first. Built from the figures stored at index time."""

from __future__ import annotations

import datetime
import math
import re
from typing import Callable, Collection, Mapping, Sequence

import numpy as np

from ..language.units import overlaps
from ..records import Article, Conflict, Dispute, Figure, Side
from .report import (figure_date, group_kind, group_note, group_rows, is_event_class, measure_words, scope_name,
                     source_families, without_places)

# A value this many times away from the group's median is another measure that the grouping let in: "more than
# 120 countries signed" and "pledges of over $1.3 million" (10,800x), not a disagreement; reports of one count
# that disagree differ by far less (31 vs 38 dead, 2,310 vs 1,870, 121,000 vs 180,000, 13,751 vs 29,055 miles).
OUTLIER_RATIO = 50.0
# Two reports of one figure say much the same around it: of the disagreeing sentence pairs of a real dispute, the
# closest pair's cosine was 0.53-0.92 (all-MiniLM-L6-v2; "has been signed by 127 nations" / "signed by 133
# countries and ratified by 65" 0.92, "killing nine people" / "left 12 people dead" 0.71, "the death toll ...
# climbed to 31" / "Thirty-eight people have died in the earthquake" 0.53); in groups the frames joined wrongly it
# was mostly 0.12-0.47 ("killed 11 people Monday night" in a train crash / "Twelve people were killed ... in that
# attack" 0.47), measured on four DUC 2007 development clusters and the test corpus. A margin, not a proof: some
# wrongly joined groups (0.52, and 0.65-0.88 for two measures of near-identical sentences) stay.
SAME_STORY_MIN = 0.50
COMMON_PLACE_SHARE = 0.9  # as search/view.py: a place named in 9 of 10 articles is the event's own
MIN_SOURCES = 2  # a dispute involves at least two articles (a revision inside one article is kept too)
SHORT_TITLE = 40  # characters of a title that stands for its article when the outlet is unknown
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def relative_spread(figures: Sequence[Figure]) -> float:
    """How far apart the values are, relative to the largest: (max - min) / max of the midpoints (0..1)."""
    values = [f.value for f in figures if math.isfinite(f.value)]
    if not values or max(abs(v) for v in values) == 0:
        return 0.0
    return (max(values) - min(values)) / max(abs(v) for v in values)


def independent_sources(figures: Sequence[Figure], families: Mapping[str, str]) -> int:
    """Articles involved, counting a rewrite of another article (same figures) once."""
    return len({families.get(f.doc_id, f.doc_id) for f in figures})


def rank(conflict: Conflict, families: Mapping[str, str]) -> float:
    """Sources involved (independent articles) times the relative spread of the values: five reports that
    disagree by half (5 × 0.6 = 3.0) outrank two that differ by a tenth (2 × 0.2 = 0.4). The 0.1 keeps a
    small spread among many sources above nothing. A revision counts as two sources."""
    sources = independent_sources(conflict.figures, families)
    if conflict.kind == "revision":
        sources = max(sources, 2)
    return sources * (0.1 + relative_spread(conflict.figures))


def source_label(doc_id: str, articles: Mapping[str, Article]) -> str:
    """How a reader names an article: its outlet, else its title cut at a word, else its file name."""
    a = articles.get(doc_id)
    if a is None:
        return doc_id.rsplit("/", 1)[-1]
    if a.outlet:
        return a.outlet
    title = a.title if len(a.title) <= SHORT_TITLE else a.title[:SHORT_TITLE].rsplit(" ", 1)[0] + "…"
    return title or doc_id.rsplit("/", 1)[-1]


def short_date(iso: str, with_year: bool) -> str:
    """'2024-05-06' → '6 May' (or '6 May 2024'); '' → 'undated'; anything unparsable as it is."""
    try:
        d = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso or "undated"
    return f"{d.day} {MONTHS[d.month - 1]}" + (f" {d.year}" if with_year else "")


def sides(figures: Sequence[Figure], articles: Mapping[str, Article]) -> tuple[Side, ...]:
    """The group as a reader scans it: one side per value and date (figures whose intervals overlap on the same
    date are one side), in date order; on a date with several values, all but the best-supported disagree."""
    clusters: list[list[Figure]] = []
    for f in sorted(figures, key=lambda f: (figure_date(f, articles), f.doc_id, f.start)):
        for members in clusters:
            lead = members[0]
            if figure_date(f, articles) == figure_date(lead, articles) and overlaps((f.low, f.high),
                                                                                    (lead.low, lead.high)):
                members.append(f)
                break
        else:
            clusters.append([f])
    by_date: dict[str, int] = {}  # date → support of its best side
    for members in clusters:
        d = figure_date(members[0], articles)
        by_date[d] = max(by_date.get(d, 0), len({m.doc_id for m in members}))
    out, taken = [], set()
    for members in clusters:
        d = figure_date(members[0], articles)
        support = len({m.doc_id for m in members})
        best = support == by_date[d] and d not in taken
        if best:
            taken.add(d)
        names = tuple(dict.fromkeys(source_label(m.doc_id, articles) for m in members))
        out.append(Side(value=members[0].text, measure=measure_words(members), sources=names, date=d,
                        figures=tuple(members), disagrees=not best))
    return tuple(out)


def side_text(side: Side, with_year: bool, until: str = "") -> str:
    """'31 (Daily Ledger, 6 May)'; more than two sources as '+n'; a value repeated up to a later date as
    '127 (AP, 11 Jul–23 Jul)'."""
    names = ", ".join(side.sources[:2]) + (f" +{len(side.sources) - 2}" if len(side.sources) > 2 else "")
    when = short_date(side.date, with_year) + (f"–{short_date(until, with_year)}" if until else "")
    return f"{side.value} ({names}, {when})"


MAX_CHAIN = 4  # steps of a chain shown in a summary: the first, "…", and the last ones
MAX_OTHERS = 2  # disagreeing values named in a summary; the rest are counted


def summary(measure: str, kind: str, group: Sequence[Side]) -> str:
    """One line: 'death toll: 31 (Daily Ledger, 6 May) → 38 (City Wire, 8 May); 35 (Evening Star, 7 May)
    disagrees'. The chain follows the best-supported value of each date (a value repeated on later dates is one
    step); other values of a date disagree."""
    years = {s.date[:4] for s in group if s.date}
    with_year = len(years) > 1
    if kind == "revision":  # one report corrects itself: its values in the order it gives them
        fixed = [s for s in group if s.figures[0].change == "revised"]
        first = min(fixed or group, key=lambda s: (s.date, s.figures[0].doc_id))
        own = sorted((s for s in group if s.figures[0].doc_id == first.figures[0].doc_id),
                     key=lambda s: s.figures[0].start)  # "first put it at 2,310, then corrected it to 1,870 on Monday"
        rest = [side_text(s, with_year) for s in group if s not in own]
        line = " → ".join(s.value for s in own) + f" ({', '.join(first.sources[:2])}, " \
            f"{short_date(own[-1].date, with_year)}), corrected in the same report"
        return f"{measure or 'figure'}: {line}" + (f"; also {'; '.join(rest[:MAX_OTHERS])}" if rest else "")
    steps: list[tuple[Side, str]] = []  # (side, last date it was repeated)
    for s in (x for x in group if not x.disagrees):
        prev = steps[-1][0] if steps else None
        if prev is not None and overlaps((s.figures[0].low, s.figures[0].high),
                                         (prev.figures[0].low, prev.figures[0].high)):
            steps[-1] = (prev, s.date)
            continue
        steps.append((s, ""))
    chain = [side_text(s, with_year, until if until != s.date else "") for s, until in steps]
    if len(chain) > MAX_CHAIN:
        chain = chain[:1] + [f"… {len(chain) - MAX_CHAIN + 1} more"] + chain[-(MAX_CHAIN - 2):]
    line = " → ".join(chain)
    others = [s for s in group if s.disagrees]
    if others:
        named = [side_text(s, with_year) for s in others[:MAX_OTHERS]]
        more = f" (+{len(others) - MAX_OTHERS} more)" if len(others) > MAX_OTHERS else ""
        line += "; " + "; ".join(named) + (" disagrees" if len(others) == 1 else " disagree") + more
    return f"{measure or 'figure'}: {line}"


def coherent(figures: Sequence[Figure]) -> list[list[Figure]]:
    """A group as the corpus-wide list compares it: figures without a known event class need a predicate and keep
    to one (single-link grouping of measure phrases chains "countries signed" to "countries used mines"), and values
    more than OUTLIER_RATIO times from the group's median are left out."""
    parts: dict[str, list[Figure]] = {}
    for f in figures:
        if is_event_class(f.event):
            parts.setdefault("", []).append(f)
        elif f.predicate:  # a bare noun ("122 countries", "more than 60 countries") says what, not what happened
            parts.setdefault(f.predicate, []).append(f)
    out = []
    for part in parts.values():
        values = sorted(abs(f.value) for f in part if math.isfinite(f.value) and f.value)
        if not values:
            continue
        median = values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1]
                                                                    + values[len(values) // 2]) / 2
        out.append([f for f in part if f.value and median / OUTLIER_RATIO <= abs(f.value) <= median * OUTLIER_RATIO])
    return out


Similarity = Callable[[Figure, Figure], float]  # cosine of the sentences holding two figures


def apart(figures: Sequence[Figure], similarity: Similarity | None = None) -> bool:
    """Do two different sentences about the same story give values that cannot both hold? One sentence does not
    contradict itself: "30 miles northwest of Atlanta and roughly five miles from the mall" are two distances, and
    a rewrite that repeats that sentence in another article repeats both."""
    return any(a.quote != b.quote and not overlaps((a.low, a.high), (b.low, b.high))
               and (similarity is None or similarity(a, b) >= SAME_STORY_MIN)
               for i, a in enumerate(figures) for b in figures[i + 1:])


def event_places(figures: Sequence[Figure], articles: Mapping[str, Article],
                 share: float = COMMON_PLACE_SHARE) -> frozenset[str]:
    """The places of the figures' scopes that at least `share` of the articles name: where the event itself
    happened ("France" in every report on French unemployment), which restricts nothing (as the answers treat
    it: "unemployment rate in France" and "the unemployment rate" are one measure there)."""
    docs = {f.doc_id for f in figures} & set(articles)
    if len(docs) < 2:
        return frozenset()
    words = {d: set(re.findall(r"[^\W_]+", articles[d].text.lower())) for d in docs}
    names = {scope_name(x) for f in figures for x in f.scope}
    return frozenset(n for n in names if n.split()
                     and sum(all(w in words[d] for w in n.split()) for d in docs) >= share * len(docs))


def find_disputes(figures: Sequence[Figure], measure_vectors: np.ndarray, articles: Mapping[str, Article],
                  doc_ids: Collection[str] | None = None, similarity: Similarity | None = None,
                  similar_words: Callable[[str, str], float] | None = None) -> list[Dispute]:
    """Every group of the corpus (or of `doc_ids`) whose figures disagree, were updated or revised, most
    consequential first. Only figures reported as done or estimated (not planned or feared) with a measure count;
    with `similarity`, only disagreements between sentences of one story (SAME_STORY_MIN); `similar_words` tells
    counted things apart (report.split_by_thing)."""
    rows = [i for i, f in enumerate(figures)
            if f.kind == "number" and f.modality in ("done", "estimated", "") and (f.counted or f.predicate)
            and f.counted != "age"  # each person's own age: different people, never a disagreement
            and f.change != "previous"  # "fell to 11.6% from 11.7%": the old value, not a claim for that date
            and (doc_ids is None or f.doc_id in doc_ids)]
    common = event_places([figures[i] for i in rows], articles)
    chosen = [without_places(figures[i], common) for i in rows]
    families = source_families(chosen)
    out: list[Dispute] = []
    groups = [g for part in group_rows(chosen, rows, measure_vectors, similar_words) for g in coherent([chosen[k] for k in part])]
    for group in groups:
        figs = sorted(group, key=lambda f: (figure_date(f, articles), f.doc_id, f.start))
        if len({f.doc_id for f in figs}) < MIN_SOURCES and not any(f.change == "revised" for f in figs):
            continue
        kind = group_kind(figs, articles)
        if kind == "agree" or kind != "revision" and not apart(figs, similarity):
            continue
        c = Conflict(measure=measure_words(figs), figures=tuple(figs), kind=kind,
                     note=group_note(figs, kind, articles, families))
        lines = sides(figs, articles)
        out.append(Dispute(conflict=c, sides=lines, summary=summary(c.measure, kind, lines),
                           score=round(rank(c, families), 4), sources=independent_sources(figs, families),
                           spread=round(relative_spread(figs), 4)))
    out.sort(key=lambda d: (-d.score, -d.sources, d.summary))
    return out


def disputes(figures: Sequence[Figure], measure_vectors: np.ndarray,
             articles: Mapping[str, Article]) -> list[Conflict]:
    """The disputes' groups as Conflicts, most consequential first (find_disputes without the reader's view)."""
    return [d.conflict for d in find_disputes(figures, measure_vectors, articles)]
