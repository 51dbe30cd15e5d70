"""The loaded index as questions read it: one generation with its look-ups (by sentence, by article)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Collection, Mapping, Sequence

import numpy as np

from ..answering.evidence import WordWeights
from ..errors import IndexStoreError
from ..language.words import has_words
from ..records import Article, Chunk, Entity, Figure
from .columns import KeyRows, Records
from .lookups import ArticleTexts, FigureContexts, article_texts, centroids, read_keys, read_lookups
from .store import RECORD_CLASSES, Generation, paused_gc

if TYPE_CHECKING:
    from ..answering.prefilter import FigureTable

log = logging.getLogger(__name__)

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
    bm25_docs: Sequence[str]  # doc_id of each chunk, in the BM25 index's row order (the generation's chunk order)
    bm25_ids: Sequence[str]  # id of each chunk, same order
    articles: Mapping[str, Article]
    chunks: Mapping[str, Chunk]
    sentence_index: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, n) → row
    weights: WordWeights | None = None
    sentence_figures: Mapping[tuple[str, int], list[Figure]] = field(default_factory=dict)  # by (doc_id, start)
    entities: Mapping[tuple[str, int], list[Entity]] = field(default_factory=dict)  # by (doc_id, sentence start)
    centroids: Mapping[str, np.ndarray] = field(default_factory=dict)  # normalized mean chunk vector per article
    figure_sentence_rows: np.ndarray | None = None  # row of each figure's sentence in the sentence vectors
    figure_contexts: Sequence[str] = ()  # title + previous sentence + sentence, lower case (FigureContexts)
    word_docs: Mapping[str, frozenset[str]] = field(default_factory=dict)  # lower-case word → articles using it
    _doc_sentences: dict[str, list[str]] = field(default_factory=dict)  # filled on demand
    _sentences_of: Callable[[str], list[str]] = lambda doc_id: []  # an article's sentence texts, in order
    _word_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # filled on demand
    sentence_at: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, start) → sentence row
    _figure_table: FigureTable | None = None  # filled on demand
    _memo: dict = field(default_factory=dict)  # question-independent results by key (memo)
    _naming: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = field(default_factory=dict)  # sentences_naming
    _doc_texts: list[str] = field(default_factory=list)  # lower-case text per figure-table article, on demand
    _article_texts: ArticleTexts | None = None  # the same texts, saved with the figure table
    # questions of a page run in threads: one builds what they share while the others wait for it
    _guard: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def sentence_row(self, doc_id: str, start: int) -> int | None:
        """The row (in the generation's sentences and sentence vectors) of the sentence starting at `start`."""
        return self.sentence_at.get((doc_id, start))

    def figure_table(self) -> FigureTable:
        """The figures as codes for the answering pre-filter, with their source pairs: saved at index time, or made
        on first use when the saved one is missing or was made by other code."""
        with self._guard:
            if self._figure_table is None:
                from ..answering.prefilter import figure_table, load_table
                from .lookups import TABLE, ArticleTexts

                figures = self.generation.figures
                table = load_table(self.generation.folder / TABLE, figures)
                if table is None:
                    table = figure_table(figures)
                    self._save_table(table)
                if (self.generation.folder / TABLE / "texts.txt").is_file():  # saved at index time, with the table
                    try:
                        self._article_texts = ArticleTexts(self.generation.folder / TABLE, len(table.doc_ids))
                    except (OSError, ValueError) as exc:
                        log.warning("the article texts in %s are unreadable (%s); reading the records", TABLE, exc)
                self._figure_table = table
            return self._figure_table

    def _save_table(self, table: FigureTable) -> None:
        """Save a table made here (the saved one was missing, or made by other code: an upgrade of qa-bot) into the
        generation, so that the next process reads it instead of making it again (20 s at 100,000 chunks). An
        index made in memory (no folder) or one this process may not write keeps the table in memory only."""
        from ..answering.prefilter import save_table
        from .lookups import TABLE

        folder = self.generation.folder / TABLE
        if not (folder / "meta.json").is_file():
            return  # no saved table to refresh (an index of older code, or in memory): made again as before
        try:
            save_table(folder, table, refresh=True)
        except OSError as exc:
            log.info("the figure table could not be saved in %s (%s); it is made again by each process", folder, exc)

    def in_articles(self, word: str) -> np.ndarray:
        """Bool per article of the figure table: does its title, one of its sentences or a figure's quote contain
        `word` (lower case, as a substring: a superset of the whole-word test of scope_matches and sentences_naming)?
        Once per word."""
        def compute() -> np.ndarray:
            table = self.figure_table()
            if self._article_texts is not None:  # saved at index time with the table
                return self._article_texts.containing(word)
            with self._guard:
                if not self._doc_texts:
                    self._doc_texts.extend(article_texts(table.doc_ids, self.articles, self.generation.sentences,
                                                         self.generation.figures))
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
            texts = self._doc_sentences.get(doc_id)
            if texts is None:  # an article's sentences, in order, once per article
                texts = self._doc_sentences[doc_id] = [x.lower() for x in self._sentences_of(doc_id)]
            found = tuple(t for t in texts if has_words(t, words))
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


class RecordsBy(Mapping):
    """Records by a key: an article by doc id (unique keys), made when asked for."""

    def __init__(self, rows: Mapping[str, int], records: Sequence):
        self._rows, self._records = rows, records

    def __getitem__(self, key):
        return self._records[self._rows[key]]

    def __contains__(self, key) -> bool:
        return key in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class ChunksById(Mapping):
    """Chunks by id ("<doc_id>#<n>"), found through the (doc_id, n) look-up and checked against the stored id."""

    def __init__(self, by_n: KeyRows, chunks: Records):
        self._by_n, self._chunks, self._ids = by_n, chunks, chunks.column("id")

    def _row(self, cid) -> int | None:
        if not isinstance(cid, str):
            return None
        doc_id, _, n = cid.rpartition("#")
        if not n.isdigit():
            return None
        for row in self._by_n.rows(doc_id, int(n)).tolist():
            if self._ids[row] == cid:
                return row
        return None

    def __getitem__(self, cid):
        row = self._row(cid)
        if row is None:
            raise KeyError(cid)
        return self._chunks[row]

    def __contains__(self, cid) -> bool:
        return self._row(cid) is not None

    def __iter__(self):
        return iter(dict.fromkeys(self._ids))

    def __len__(self) -> int:
        return len(dict.fromkeys(self._ids))


class RowOf(Mapping):
    """(doc_id, number) → the row of the record with it (the last one, as a dict built in record order keeps)."""

    def __init__(self, index: KeyRows):
        self._index = index

    def __getitem__(self, key) -> int:
        rows = self._index.rows(*key) if isinstance(key, tuple) and len(key) == 2 else ()
        if not len(rows):
            raise KeyError(key)
        return int(rows[-1])

    def __contains__(self, key) -> bool:
        return isinstance(key, tuple) and len(key) == 2 and len(self._index.rows(*key)) > 0

    def __iter__(self):
        raise TypeError("a look-up by key is not iterated")

    def __len__(self) -> int:
        return len(self._index._rows)


class RecordsAt(RowOf):
    """(doc_id, sentence start) → the records of that sentence (figures, entities), in record order."""

    def __init__(self, index: KeyRows, records: Sequence):
        super().__init__(index)
        self._records = records

    def __getitem__(self, key) -> list:
        rows = self._index.rows(*key) if isinstance(key, tuple) and len(key) == 2 else ()
        if not len(rows):
            raise KeyError(key)
        return [self._records[r] for r in rows.tolist()]


class Centroids(Mapping[str, np.ndarray]):
    """Each article's normalized mean chunk vector, a row of one memory-mapped array, in the order of the
    articles' first chunks."""

    def __init__(self, docs: Sequence[str], vectors: np.ndarray):
        self._at = {d: i for i, d in enumerate(docs)}
        self._vectors = vectors

    def __getitem__(self, doc_id: str) -> np.ndarray:
        return self._vectors[self._at[doc_id]]

    def __iter__(self):
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def _centroids(gen: Generation) -> dict[str, np.ndarray]:
    docs, vectors = centroids(gen.chunks, gen.chunk_vectors)
    return dict(zip(docs, vectors))


def _by_sentence(records: Sequence) -> dict[tuple[str, int], list]:
    """Figures or entities by the sentence that holds them: (doc_id, sentence start)."""
    out: dict[tuple[str, int], list] = {}
    for r in records:
        out.setdefault((r.doc_id, r.sentence_start), []).append(r)
    return out


def build_view(gen: Generation, mtime: float, store: object, bm25: object) -> IndexView:
    """The look-ups questions need, once per loaded generation: read from the files written at index time
    (lookups/, keys/, search/lookups.py) and memory-mapped, so that nothing here grows with the index but
    the doc ids; records are made when a question reads them. A generation of plain tuples (made in memory, not
    loaded) gets the same look-ups built from its records."""
    with paused_gc():
        word_docs, weights, rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
        if isinstance(gen.chunks, Records):
            try:
                keys = read_keys(gen.folder, gen.articles, {name: len(getattr(gen, name)) for name in RECORD_CLASSES})
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise IndexStoreError(f"The index in {gen.folder} is damaged (its look-ups: {exc.__class__.__name__}: "
                                      f"{exc}). Run `qa-bot index` to rebuild it.") from None
            articles: Mapping[str, Article] = RecordsBy(
                {d: i for d, i in keys.doc_rows.items() if i < len(gen.articles)}, gen.articles)
            sentences = keys.by_key["sentences_by_n"]

            def sentences_of(doc_id: str) -> list[str]:
                texts = gen.sentences.column("text")
                return [texts[i] for i in sentences.doc_range(doc_id).tolist()]

            look_ups = dict(
                articles=articles, chunks=ChunksById(keys.by_key["chunks_by_n"], gen.chunks),
                bm25_docs=gen.chunks.column("doc_id"), bm25_ids=gen.chunks.column("id"),
                sentence_index=RowOf(sentences), sentence_at=RowOf(keys.by_key["sentences_by_start"]),
                sentence_figures=RecordsAt(keys.by_key["figures_by_sentence"], gen.figures),
                entities=RecordsAt(keys.by_key["entities_by_sentence"], gen.entities),
                centroids=Centroids(keys.centroid_docs, keys.centroids), _sentences_of=sentences_of)
        else:
            articles = {a.doc_id: a for a in gen.articles}
            texts: dict[str, list[str]] = {}
            for x in gen.sentences:
                texts.setdefault(x.doc_id, []).append(x.text)
            look_ups = dict(
                articles=articles, chunks={c.id: c for c in gen.chunks},
                bm25_docs=[c.doc_id for c in gen.chunks], bm25_ids=[c.id for c in gen.chunks],
                sentence_index={(x.doc_id, x.n): i for i, x in enumerate(gen.sentences)},
                sentence_at={(x.doc_id, x.start): i for i, x in enumerate(gen.sentences)},
                sentence_figures=_by_sentence(gen.figures), entities=_by_sentence(gen.entities),
                centroids=_centroids(gen), _sentences_of=lambda doc_id: texts.get(doc_id, []))
        return IndexView(generation=gen, mtime=mtime, store=store, bm25=bm25, weights=weights,
                         figure_sentence_rows=rows, word_docs=word_docs,
                         figure_contexts=FigureContexts(look_ups["articles"], gen.sentences, gen.figures, rows),
                         **look_ups)


def same_event(view: IndexView, doc_id: str, min_cosine: float = 0.3) -> set[str]:
    """Articles about the same event as doc_id: their mean chunk vectors are close (cosine ≥ min_cosine).
    Articles on one event measured 0.6-0.95, on other events < 0.2; short web snippets on one topic 0.32."""
    ref = view.centroids.get(doc_id)
    if ref is None:
        return set(view.articles)
    return {d for d, v in view.centroids.items() if float(v @ ref) >= min_cosine}
