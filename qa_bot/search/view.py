"""The loaded index as questions read it: one generation with its look-ups (by sentence, by article)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..answering.evidence import WordWeights
from ..records import Article, Chunk, Entity, Figure
from .store import Generation


@dataclass
class IndexView:
    """A generation with its query-time look-ups, built once per loaded generation and shared by every question."""

    generation: Generation
    mtime: float
    store: object
    bm25: object
    bm25_docs: list[str]
    articles: dict[str, Article]
    chunks: dict[str, Chunk]
    sentence_index: dict[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, n) → row
    weights: WordWeights | None = None
    sentence_figures: dict[tuple[str, int], list[Figure]] = field(default_factory=dict)  # by (doc_id, start)
    entities: dict[tuple[str, int], list[Entity]] = field(default_factory=dict)  # by (doc_id, sentence start)
    centroids: dict[str, np.ndarray] = field(default_factory=dict)  # normalized mean chunk vector per article
    figure_sentence_rows: np.ndarray | None = None  # row of each figure's sentence in the sentence vectors
    figure_contexts: list[str] = field(default_factory=list)  # title + previous sentence + sentence, lower case


def _centroids(gen: Generation) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(gen.chunks):
        rows.setdefault(c.doc_id, []).append(i)
    out = {}
    for doc_id, idx in rows.items():
        v = gen.chunk_vectors[idx].mean(axis=0)
        out[doc_id] = v / (np.linalg.norm(v) or 1.0)
    return out


def _by_sentence(records: Sequence) -> dict[tuple[str, int], list]:
    """Figures or entities by the sentence that holds them: (doc_id, sentence start)."""
    out: dict[tuple[str, int], list] = {}
    for r in records:
        out.setdefault((r.doc_id, r.sentence_start), []).append(r)
    return out


def _figure_rows(gen: Generation, articles: dict[str, Article]) -> tuple[np.ndarray, list[str]]:
    """For each figure, the row of its sentence and its context (title, previous sentence, sentence)."""
    by_start = {(x.doc_id, x.start): i for i, x in enumerate(gen.sentences)}
    rows = np.zeros(len(gen.figures), dtype=np.int64)
    contexts = []
    for k, f in enumerate(gen.figures):
        i = by_start.get((f.doc_id, f.sentence_start), 0)
        rows[k] = i
        prev = gen.sentences[i - 1].text if i > 0 and gen.sentences[i - 1].doc_id == f.doc_id else ""
        title = articles[f.doc_id].title if f.doc_id in articles else ""
        contexts.append(f"{title} {prev} {f.quote}".lower())
    return rows, contexts


def build_view(gen: Generation, mtime: float, store: object, bm25: object) -> IndexView:
    """The look-ups questions need, computed once when a generation is loaded (linear in its size)."""
    articles = {a.doc_id: a for a in gen.articles}
    rows, contexts = _figure_rows(gen, articles)
    return IndexView(
        generation=gen, mtime=mtime, store=store, bm25=bm25, bm25_docs=[node["article"] for node in bm25.corpus],
        articles=articles, chunks={c.id: c for c in gen.chunks},
        sentence_index={(x.doc_id, x.n): i for i, x in enumerate(gen.sentences)},
        weights=WordWeights.from_sentences(gen.sentences),
        sentence_figures=_by_sentence(gen.figures), entities=_by_sentence(gen.entities),
        centroids=_centroids(gen), figure_sentence_rows=rows, figure_contexts=contexts)


def same_event(view: IndexView, doc_id: str, min_cosine: float = 0.3) -> set[str]:
    """Articles about the same event as doc_id: their mean chunk vectors are close (cosine ≥ min_cosine).
    Articles on one event measured 0.6-0.95, on other events < 0.2; short web snippets on one topic 0.32."""
    ref = view.centroids.get(doc_id)
    if ref is None:
        return set(view.articles)
    return {d for d, v in view.centroids.items() if float(v @ ref) >= min_cosine}
