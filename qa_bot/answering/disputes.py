"""Disputes across the corpus: every figure group (one measure, one scope) whose sources disagree, were updated
or revised, ranked so the most consequential come first. Built from the figures stored at index time."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from ..records import Article, Conflict, Figure
from .report import figure_date, group_kind, group_note, group_rows, measure_words, source_families

MIN_SOURCES = 2  # a dispute involves at least two articles (a revision inside one article is kept too)


def relative_spread(figures: Sequence[Figure]) -> float:
    """How far apart the values are, relative to the largest: (max - min) / max of the midpoints (0..1)."""
    values = [f.value for f in figures if math.isfinite(f.value)]
    if not values or max(abs(v) for v in values) == 0:
        return 0.0
    return (max(values) - min(values)) / max(abs(v) for v in values)


def rank(conflict: Conflict, families: Mapping[str, str]) -> float:
    """Sources involved (independent articles) times the relative spread of the values: five reports that
    disagree by half outrank two that differ by a tenth. A revision counts as two sources."""
    sources = len({families.get(f.doc_id, f.doc_id) for f in conflict.figures})
    if conflict.kind == "revision":
        sources = max(sources, 2)
    return sources * (0.1 + relative_spread(conflict.figures))


def disputes(figures: Sequence[Figure], measure_vectors: np.ndarray,
             articles: Mapping[str, Article]) -> list[Conflict]:
    """Every group of the corpus whose figures disagree, were updated or revised, most consequential first.
    Only figures reported as done or estimated (not planned or feared) and with a measure are compared."""
    rows = [i for i, f in enumerate(figures)
            if f.kind == "number" and f.modality in ("done", "estimated", "") and (f.counted or f.predicate)]
    chosen = [figures[i] for i in rows]
    families = source_families(figures)
    out: list[tuple[float, Conflict]] = []
    for part in group_rows(chosen, rows, measure_vectors):
        figs = sorted((chosen[k] for k in part), key=lambda f: (figure_date(f, articles), f.doc_id, f.start))
        if len({f.doc_id for f in figs}) < MIN_SOURCES and not any(f.change == "revised" for f in figs):
            continue
        kind = group_kind(figs, articles)
        if kind == "agree":
            continue
        c = Conflict(measure=measure_words(figs), figures=tuple(figs), kind=kind,
                     note=group_note(figs, kind, articles, families))
        out.append((rank(c, families), c))
    out.sort(key=lambda x: -x[0])
    return [c for _, c in out]
