"""Figure checks that do not depend on the question's words, done once per loaded index: per-figure codes for a
numpy pre-filter (answer type, modality, event class, article) and the source families of any set of articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Collection, Sequence

import numpy as np

from ..records import Figure, QuestionIntent
from .report import DONE, _sharing_pairs, answers_type, event_compatible, norm_name, scope_name


def _codes(keys: Sequence, figures: Sequence[Figure]) -> tuple[np.ndarray, tuple[Figure, ...]]:
    """A code per figure for its key, and one figure per code (the first with that key) to run the checks on."""
    seen: dict = {}
    examples: list[Figure] = []
    codes = np.zeros(len(keys), dtype=np.int32)
    for i, key in enumerate(keys):
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(examples)
            examples.append(figures[i])
        codes[i] = code
    return codes, tuple(examples)


@dataclass(frozen=True)
class FigureTable:
    """The generation's figures as codes. The checks of report.candidates that read only a figure's kind,
    dimension, unit, counted == "age", modality and event class give one result per distinct value of these, so a
    question runs them once per distinct value (a few dozen) instead of once per figure (15,000 at 11,000
    chunks), and the per-figure result is an array look-up."""

    doc_ids: tuple[str, ...]  # the articles that have figures, sorted
    doc_row: dict[str, int]  # doc_id → its row in doc_ids
    doc_of: np.ndarray  # row in doc_ids of each figure's article
    type_of: np.ndarray  # code of (kind, dimension, unit, counted == "age") of each figure
    type_examples: tuple[Figure, ...]  # one figure per code
    modality_of: np.ndarray
    modalities: tuple[str, ...]
    event_of: np.ndarray  # code of the figure's event (only whether it is a known class and which one matter)
    event_examples: tuple[Figure, ...]
    pairs: np.ndarray  # (n, 2) rows in doc_ids: article pairs that share enough values to be one source, sorted
    doc_places: tuple[frozenset[str], ...]  # scope names (report.scope_name) of each article's figures
    scope_words: dict[str, np.ndarray]  # a word of a figure's scope (report.norm_name) → the figures with it

    def doc_mask(self, docs: Collection[str]) -> np.ndarray:
        """Bool per row of doc_ids: is that article one of `docs`?"""
        mask = np.zeros(len(self.doc_ids), dtype=bool)
        mask[[self.doc_row[d] for d in docs if d in self.doc_row]] = True
        return mask


def figure_table(figures: Sequence[Figure]) -> FigureTable:
    """Codes for every figure of a generation, and the article pairs source families are made of (all of them:
    which two articles share values does not depend on the others)."""
    doc_ids = tuple(sorted({f.doc_id for f in figures}))
    row = {d: i for i, d in enumerate(doc_ids)}
    types, type_examples = _codes([(f.kind, f.dimension, f.unit, f.counted == "age") for f in figures], figures)
    modality_of, modality_examples = _codes([f.modality for f in figures], figures)
    event_of, event_examples = _codes([f.event for f in figures], figures)
    sigs: dict[str, set[str]] = {}
    for f in figures:  # as report.source_families
        sigs.setdefault(f.doc_id, set()).add(f"{f.dimension}|{f.unit}|{f.value:.4g}")
    pairs = np.array([(row[a], row[b]) for a, b in _sharing_pairs(sigs)], dtype=np.int64).reshape(-1, 2)
    places: list[set[str]] = [set() for _ in doc_ids]
    scope_words: dict[str, list[int]] = {}
    for i, f in enumerate(figures):
        places[row[f.doc_id]].update(scope_name(x) for x in f.scope)
        for w in {w for x in f.scope for w in norm_name(x).split()}:
            scope_words.setdefault(w, []).append(i)
    return FigureTable(doc_ids=doc_ids, doc_row=row, doc_of=np.array([row[f.doc_id] for f in figures], dtype=np.int64),
                       type_of=types, type_examples=type_examples, modality_of=modality_of,
                       modalities=tuple(f.modality for f in modality_examples), event_of=event_of,
                       event_examples=event_examples, pairs=pairs, doc_places=tuple(frozenset(p) for p in places),
                       scope_words={w: np.array(ix, dtype=np.int64) for w, ix in scope_words.items()})


@dataclass(frozen=True)
class EventFigures:
    """The figures of a set of articles (an event's), made once per set: their rows, and the distinct
    (type, modality, event) codes among them, so that a question checks each distinct code once and reads its
    figures' results with one look-up."""

    rows: np.ndarray  # figure rows, ascending
    combos: np.ndarray  # (n, 3): the distinct (type_of, modality_of, event_of) codes of these figures
    combo_of: np.ndarray  # row in combos of each figure of rows


def figures_within(table: FigureTable, docs: np.ndarray) -> EventFigures:
    """The figures of the articles whose rows are True in `docs` (FigureTable.doc_ids), with their codes."""
    rows = np.flatnonzero(docs[table.doc_of])
    n_mod, n_event = len(table.modalities), len(table.event_examples)
    key = (table.type_of[rows].astype(np.int64) * n_mod + table.modality_of[rows]) * n_event + table.event_of[rows]
    distinct, combo_of = np.unique(key, return_inverse=True)
    combos = np.stack([distinct // (n_mod * n_event), distinct // n_event % n_mod, distinct % n_event], axis=1)
    # int32: an event may hold most of the 100,000s of figures, and a few hundred events stay memoized
    return EventFigures(rows=rows.astype(np.int32), combos=combos, combo_of=combo_of.reshape(-1).astype(np.int32))


def answering_mask(table: FigureTable, intent: QuestionIntent, within: EventFigures | None = None) -> np.ndarray:
    """Bool per figure (per figure of `within.rows` when given): does it pass the first checks of
    report.candidates (answers_type, the modality, and for a question that is not about an age event_compatible not
    False)? Exactly those checks, run on one example per distinct value: a figure failing them is never a
    candidate, so leaving it out changes no answer."""
    type_ok = np.array([answers_type(intent, f) for f in table.type_examples], dtype=bool)
    modality_ok = np.array([m in DONE or m == intent.modality for m in table.modalities], dtype=bool)
    event_ok = np.array([event_compatible(intent, f) is not False for f in table.event_examples], dtype=bool) \
        if intent.dimension != "age" else None  # candidates() decides an age by whose it is, before any event check
    if within is not None:  # the checks once per distinct code of these figures, then one look-up per figure
        ok = type_ok[within.combos[:, 0]] & modality_ok[within.combos[:, 1]]
        if event_ok is not None:
            ok &= event_ok[within.combos[:, 2]]
        return ok[within.combo_of]
    mask = type_ok[table.type_of] & modality_ok[table.modality_of]
    if event_ok is not None:
        mask &= event_ok[table.event_of]
    return mask


def scope_mask(table: FigureTable, asked: Sequence[str], in_articles: Callable[[str], np.ndarray],
               rows: np.ndarray | None = None) -> np.ndarray:
    """Bool per figure (per figure of `rows` when given): may report.scope_matches(asked, figure, ...) hold for it
    (asked not empty)? It needs, for some asked place, a word of the place in the figure's scope, or every word of
    the place in its context (title, previous sentence, its sentence) or in one sentence of its article; all of
    these lie in the article's text (`in_articles(word)`: bool per article, does its title, a sentence or a quote
    contain the word). A figure without any of them is never a candidate; one with them is still checked by
    scope_matches itself."""
    doc_of = table.doc_of if rows is None else table.doc_of[rows]
    mask = np.zeros(len(doc_of), dtype=bool)
    for place in asked:
        words = set(norm_name(place).split())
        docs = np.ones(len(table.doc_ids), dtype=bool)
        for w in words:
            scoped = table.scope_words.get(w)
            if scoped is not None:
                if rows is None:
                    mask[scoped] = True
                else:  # both ascending: which of rows are in scoped
                    at = np.minimum(np.searchsorted(scoped, rows), len(scoped) - 1)
                    mask |= scoped[at] == rows
            docs &= in_articles(w)
        mask |= docs[doc_of]
    return mask


def families_within(table: FigureTable, docs: np.ndarray) -> dict[str, str]:
    """report.source_families of the figures of the articles whose rows are True in `docs`, the same dict: the
    stored pairs between two of them, joined in the same (sorted) order."""
    names = [table.doc_ids[i] for i in np.flatnonzero(docs)]  # sorted, as doc_ids: every one has figures
    parent = {d: d for d in names}

    def find(d: str) -> str:
        while parent[d] != d:
            d = parent[d]
        return d

    if len(table.pairs):
        for a, b in table.pairs[docs[table.pairs[:, 0]] & docs[table.pairs[:, 1]]]:
            parent[find(table.doc_ids[b])] = find(table.doc_ids[a])
    return {d: find(d) for d in names}


def docs_key(docs: np.ndarray) -> bytes:
    """A memo key for a set of article rows (bool per row of FigureTable.doc_ids)."""
    return np.packbits(docs).tobytes()


def places_within(table: FigureTable, docs: np.ndarray) -> frozenset[str]:
    """The scope names of every figure of the articles whose rows are True in `docs`."""
    return frozenset().union(*(table.doc_places[i] for i in np.flatnonzero(docs)))
