"""The loaded index as questions read it: one generation with its look-ups (by sentence, by article)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Collection, Mapping, Sequence

import numpy as np

from ..answering.evidence import WordWeights
from ..language.words import has_words
from ..records import Article, Chunk, Entity, Figure
from .lookups import FigureContexts, read_lookups
from .store import Generation, paused_gc

if TYPE_CHECKING:
    from ..answering.prefilter import FigureTable

# A place named in at least this share of the articles about one event is the event's own place. Measured: the
# place of the event is named in every report of it ("Castrel" in the test flood corpus, "Kursk" in all five
# shipped reports); a neighbouring place ("Belgorod", 4 of 5) or a town among several hit ("Northfield", 2 of 3
# quake reports) is not. 0.9 leaves room for one report in ten that never names it.
COMMON_PLACE_SHARE = 0.9
NAMING_LIMIT = 20_000  # sentences_naming results kept (an article and the words: a few short strings each)


@dataclass
class IndexView:
    """A generation with its query-time look-ups, built once per loaded generation and shared by every question."""

    generation: Generation
    mtime: float
    store: object
    bm25: object
    bm25_docs: list[str]  # doc_id of each chunk, in the BM25 index's row order (the generation's chunk order)
    bm25_ids: list[str]  # id of each chunk, same order
    articles: dict[str, Article]
    chunks: dict[str, Chunk]
    sentence_index: dict[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, n) → row
    weights: WordWeights | None = None
    sentence_figures: dict[tuple[str, int], list[Figure]] = field(default_factory=dict)  # by (doc_id, start)
    entities: dict[tuple[str, int], list[Entity]] = field(default_factory=dict)  # by (doc_id, sentence start)
    centroids: dict[str, np.ndarray] = field(default_factory=dict)  # normalized mean chunk vector per article
    figure_sentence_rows: np.ndarray | None = None  # row of each figure's sentence in the sentence vectors
    figure_contexts: Sequence[str] = ()  # title + previous sentence + sentence, lower case (FigureContexts)
    word_docs: Mapping[str, frozenset[str]] = field(default_factory=dict)  # lower-case word → articles using it
    _doc_sentences: dict[str, list[str]] = field(default_factory=dict)  # filled on demand
    _word_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # filled on demand
    _at: dict[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, start) → sentence row, on demand
    _figure_table: FigureTable | None = None  # filled on demand
    _memo: dict = field(default_factory=dict)  # question-independent results by key (memo)
    _naming: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = field(default_factory=dict)  # sentences_naming
    _doc_texts: list[str] = field(default_factory=list)  # lower-case text per figure-table article, on demand
    # questions of a page run in threads: one builds what they share while the others wait for it
    _guard: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def sentence_row(self, doc_id: str, start: int) -> int | None:
        """The row (in the generation's sentences and sentence vectors) of the sentence starting at `start`."""
        with self._guard:
            if not self._at:
                self._at.update({(x.doc_id, x.start): i for i, x in enumerate(self.generation.sentences)})
        return self._at.get((doc_id, start))

    def figure_table(self) -> FigureTable:
        """The figures as codes for the answering pre-filter, with their source pairs (built on first use)."""
        with self._guard:
            if self._figure_table is None:
                from ..answering.prefilter import figure_table

                self._figure_table = figure_table(self.generation.figures)
            return self._figure_table

    def in_articles(self, word: str) -> np.ndarray:
        """Bool per article of the figure table: does its title, one of its sentences or a figure's quote contain
        `word` (lower case, as a substring: a superset of the whole-word test of scope_matches and sentences_naming)?
        Once per word."""
        def compute() -> np.ndarray:
            if not self._doc_texts:
                table = self.figure_table()
                texts: dict[str, list[str]] = {d: [self.articles[d].title if d in self.articles else ""]
                                               for d in table.doc_ids}
                for x in self.generation.sentences:
                    if x.doc_id in texts:
                        texts[x.doc_id].append(x.text)
                for f in self.generation.figures:
                    texts[f.doc_id].append(f.quote)
                self._doc_texts.extend("\n".join(texts[d]).lower() for d in table.doc_ids)
            return np.array([word in t for t in self._doc_texts], dtype=bool)
        return self.memo(("in_articles", word), compute)

    def memo(self, key, compute: Callable[[], object], limit: int = 256):
        """compute() once per key while this generation is loaded: results that depend on the index and on the
        key alone (an event's articles, a place word), so questions share them. The oldest goes past `limit`."""
        with self._guard:
            if key not in self._memo:
                if len(self._memo) >= limit:
                    self._memo.pop(next(iter(self._memo)), None)
                self._memo[key] = compute()
            return self._memo[key]

    def similar_words(self, encode) -> "Callable[[str, str], float]":
        """Cosine of two words with the index's embedding model (`encode`: texts → normalized vectors); each
        word is embedded once per loaded index."""
        return word_similarity(encode, self._word_vectors)

    def sentences_naming(self, doc_id: str, words: Sequence[str]) -> list[str]:
        """Lower-cased sentences of one article that contain every one of `words` (lower case)."""
        key = (doc_id, tuple(words))
        found = self._naming.get(key)
        if found is None:
            # once per article and words while the generation is loaded: scope_matches asks it for every scoped
            # figure of an article, and the figures of one article mostly share their scope
            if not self._doc_sentences:
                for x in self.generation.sentences:
                    self._doc_sentences.setdefault(x.doc_id, []).append(x.text.lower())
            found = tuple(t for t in self._doc_sentences.get(doc_id, ()) if has_words(t, words))
            with self._guard:
                if len(self._naming) >= NAMING_LIMIT:
                    self._naming.pop(next(iter(self._naming)), None)
                self._naming[key] = found
        return list(found)

    def common_places(self, doc_ids: Collection[str], names: Collection[str],
                      share: float = COMMON_PLACE_SHARE) -> frozenset[str]:
        """Of these place names (scope names, lower case), those that at least `share` of these articles (two or
        more) name: where the event itself happened ("the floods in Castrel" in every report of the Castrel
        floods), so a figure scoped to it is not narrower than one that names no place."""
        docs = set(doc_ids) & set(self.articles)
        if len(docs) < 2:
            return frozenset()
        out = set()
        for name in names:
            words = name.split()
            if not words:
                continue
            naming = set(docs)
            for w in words:
                naming &= self.word_docs.get(w, frozenset())
            if len(naming) >= share * len(docs):
                out.add(name)
        return frozenset(out)


def word_similarity(encode, cache: dict[str, np.ndarray]) -> Callable[[str, str], float]:
    """Cosine of two words with an embedding model (`encode`: texts → normalized vectors); every word is
    embedded once into `cache`."""
    def similar(a: str, b: str) -> float:
        missing = [w for w in dict.fromkeys((a, b)) if w not in cache]
        if missing:
            for w, v in zip(missing, encode(missing)):
                cache[w] = v
        return float(cache[a] @ cache[b])
    return similar


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


def build_view(gen: Generation, mtime: float, store: object, bm25: object) -> IndexView:
    """The look-ups questions need, once per loaded generation: word postings, word weights and figure rows
    from the generation's lookups.npz (search/lookups.py), a figure's context made when a question reads it."""
    articles = {a.doc_id: a for a in gen.articles}
    with paused_gc():
        word_docs, weights, rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
        return IndexView(
            generation=gen, mtime=mtime, store=store, bm25=bm25, bm25_docs=[c.doc_id for c in gen.chunks],
            bm25_ids=[c.id for c in gen.chunks],
            articles=articles, chunks={c.id: c for c in gen.chunks},
            sentence_index={(x.doc_id, x.n): i for i, x in enumerate(gen.sentences)},
            weights=weights,
            sentence_figures=_by_sentence(gen.figures), entities=_by_sentence(gen.entities),
            centroids=_centroids(gen), figure_sentence_rows=rows,
            figure_contexts=FigureContexts(articles, gen.sentences, gen.figures, rows), word_docs=word_docs)


def same_event(view: IndexView, doc_id: str, min_cosine: float = 0.3) -> set[str]:
    """Articles about the same event as doc_id: their mean chunk vectors are close (cosine ≥ min_cosine).
    Articles on one event measured 0.6-0.95, on other events < 0.2; short web snippets on one topic 0.32."""
    ref = view.centroids.get(doc_id)
    if ref is None:
        return set(view.articles)
    return {d for d, v in view.centroids.items() if float(v @ ref) >= min_cosine}
