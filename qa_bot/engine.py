"""The Engine: builds the index for a corpus and answers over it; one per settings, shared by every surface."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Collection, Sequence

import numpy as np

from .answering import answer as answering
from .answering import names
from .ingest.articles import SUFFIXES, CorpusFile, read_article, read_corpus
from .ingest.chunks import chunk_sentences
from .answering.conflicts import figures_for_question, figures_markdown, same_measure
from .language.measures import measure_key
from .errors import CorpusError, IndexStoreError, QuestionError
from .language.frames import corpus_frames, measure_phrase
from .language.parse import load_nlp
from .search.hits import MODES, bm25_ranking, dense_ranking, fuse
from .records import Answer, Article, Chunk, Entity, Figure, Sentence
from .ingest.sentences import split_sentences
from .settings import Settings
from .search.store import (Generation, build_lock, check_writable, current_mtime, key_dir, load_bm25, load_generation,
                    next_generation_number, pipeline_fingerprint, read_current, remove_stale, vector_store,
                    write_generation)
from .search.vectors import Embedder, load_embedder

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, what) — called while indexing
UPLOADS = "uploads"


@dataclass(frozen=True)
class IndexReport:
    """What an indexing run did."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # "doc_id: reason" for files that could not be read (or were repaired)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Did this run write a new generation?"""
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        """One line for people."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged, {len(self.skipped)} warnings; {self.chunks} chunks "
                f"in {self.seconds:.1f} s")


@dataclass
class _Loaded:
    """A generation with its query-time helpers, loaded once and reused until the index changes."""

    generation: Generation
    mtime: float
    store: object
    bm25: object
    bm25_docs: list[str]
    articles: dict[str, Article]
    chunks: dict[str, Chunk]
    sentence_index: dict[tuple[str, int], int] = field(default_factory=dict)
    weights: answering.WordWeights | None = None
    sentence_figures: dict[tuple[str, int], list[Figure]] = field(default_factory=dict)  # by (doc_id, start)
    centroids: dict[str, np.ndarray] = field(default_factory=dict)  # normalized mean chunk vector per article
    figure_rows: dict[tuple[str, int], int] = field(default_factory=dict)  # (doc_id, start) → row of the figure
    titles: dict[str, str] = field(default_factory=dict)  # doc_id → title


def _clean_text(text: str) -> str:
    """Text with undecodable characters (lone surrogates from a terminal in another encoding) as '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _centroids(gen: Generation) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(gen.chunks):
        rows.setdefault(c.doc_id, []).append(i)
    out = {}
    for doc_id, idx in rows.items():
        v = gen.chunk_vectors[idx].mean(axis=0)
        out[doc_id] = v / (np.linalg.norm(v) or 1.0)
    return out


def _by_sentence(figures: Sequence[Figure]) -> dict[tuple[str, int], list[Figure]]:
    out: dict[tuple[str, int], list[Figure]] = {}
    for f in figures:
        out.setdefault((f.doc_id, f.sentence_start), []).append(f)
    return out


def _article_key(a: Article) -> tuple:
    return (a.sha256, a.title, a.outlet, a.published, a.url)


class Engine:
    """Builds/updates the index for settings.corpus and answers questions over it."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._loaded: _Loaded | None = None
        self._lock = threading.RLock()

    # --- models and state -------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (once per process and model)."""
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.model)
        return self._embedder

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded articles are kept; indexed with the corpus under doc ids 'uploads/<name>'."""
        return key_dir(self.settings) / UPLOADS

    def _state(self) -> _Loaded | None:
        mtime = current_mtime(self.settings)
        with self._lock:
            if self._loaded is not None and self._loaded.mtime == mtime:
                return self._loaded
            gen = load_generation(self.settings)
            if gen is None:
                self._loaded = None
                return None
            bm25 = load_bm25(gen)
            self._loaded = _Loaded(
                generation=gen, mtime=mtime, store=vector_store(self.settings, gen.collection), bm25=bm25,
                bm25_docs=[node["article"] for node in bm25.corpus],
                articles={a.doc_id: a for a in gen.articles}, chunks={c.id: c for c in gen.chunks},
                sentence_index={(s.doc_id, s.n): i for i, s in enumerate(gen.sentences)},
                weights=answering.WordWeights.from_sentences(gen.sentences),
                sentence_figures=_by_sentence(gen.figures), centroids=_centroids(gen),
                figure_rows={(f.doc_id, f.start): i for i, f in enumerate(gen.figures)},
                titles={a.doc_id: a.title for a in gen.articles})
            return self._loaded

    def _ready(self) -> _Loaded:
        state = self._state()
        if state is None:
            self.index()
            state = self._state()
        assert state is not None
        return state

    # --- indexing ------------------------------------------------------------------------------------
    def index(self, progress: Progress | None = None) -> IndexReport:
        """Build or incrementally update the index; the previous index keeps answering until the new one is done.
        A read-only index that is up to date is fine: nothing needs writing."""
        t0 = time.perf_counter()
        try:
            check_writable(self.settings.index_dir)
        except IndexStoreError:
            old, ingested, report = self._changes()
            if old is not None and not report["added"] + report["updated"] + report["removed"]:
                log.warning("index folder %s is read-only; it is up to date, so it is used as it is",
                            self.settings.index_dir)
                return IndexReport(**report, chunks=len(old.chunks), seconds=time.perf_counter() - t0)
            raise
        with build_lock(key_dir(self.settings)):
            old, ingested, report = self._changes()
            if old is not None and not (report["added"] + report["updated"] + report["removed"]):
                return IndexReport(**report, chunks=len(old.chunks), seconds=time.perf_counter() - t0)
            gen = self._build(ingested.articles, old, progress)
            remove_stale(self.settings, gen.number)
        return IndexReport(**report, chunks=len(gen.chunks), seconds=time.perf_counter() - t0)

    def _changes(self):
        """(live generation or None, the corpus as read now, report fields: added/updated/removed/...)."""
        ingested = read_corpus(self.settings.corpus, ((self.uploads_dir, f"{UPLOADS}/"),))
        try:
            old = load_generation(self.settings)
        except Exception as exc:  # noqa: BLE001 - a damaged index is rebuilt, not fatal
            log.warning("previous index unreadable, rebuilding from scratch: %s", exc)
            old = None
        old_articles = {a.doc_id: a for a in old.articles} if old else {}
        if old is not None and (read_current(self.settings) or {}).get("pipeline") != pipeline_fingerprint():
            # The splitting/extraction code changed since this index was built: process everything again.
            old_articles = {d: replace(a, sha256="") for d, a in old_articles.items()}
        new_articles = {a.doc_id: a for a in ingested.articles}
        added = tuple(d for d in new_articles if d not in old_articles)
        removed = tuple(d for d in old_articles if d not in new_articles)
        updated = tuple(d for d in new_articles
                        if d in old_articles and _article_key(new_articles[d]) != _article_key(old_articles[d]))
        unchanged = tuple(d for d in new_articles if d not in added and d not in updated)
        return old, ingested, dict(added=added, updated=updated, removed=removed, unchanged=unchanged,
                                   skipped=ingested.warnings)

    def _build(self, articles: Sequence[Article], old: Generation | None, progress: Progress | None) -> Generation:
        """Split, chunk, extract and embed every article (reusing the vectors of unchanged text) and write."""
        s = self.settings
        reuse_chunks: dict[tuple[str, str], np.ndarray] = {}
        reuse_sentences: dict[tuple[str, str], np.ndarray] = {}
        reuse_measures: dict[str, np.ndarray] = {}
        old_sha: dict[str, str] = {}
        if old is not None:
            old_sha = {a.doc_id: a.sha256 for a in old.articles}
            reuse_chunks = {(old_sha[c.doc_id], c.text): old.chunk_vectors[i] for i, c in enumerate(old.chunks)}
            reuse_sentences = {(old_sha[x.doc_id], x.text): old.sentence_vectors[i]
                               for i, x in enumerate(old.sentences)}
            reuse_measures = {measure_phrase(f): old.measure_vectors[i] for i, f in enumerate(old.figures)}
        sentences: list[Sentence] = []
        chunks: list[Chunk] = []
        figures: list[Figure] = []
        entities: list[Entity] = []
        split = [(a, split_sentences(a)) for a in articles]
        for a, sents in split:
            sentences.extend(sents)
            chunks.extend(chunk_sentences(a, sents, s.chunk_chars, s.chunk_overlap))
        # frames of an unchanged article are kept when the index-time code is unchanged too; the rest are parsed
        # in ONE nlp.pipe pass over all their sentences
        kept: dict[str, tuple[list[Figure], list[Entity]]] = {}
        if old is not None and (read_current(s) or {}).get("pipeline") == pipeline_fingerprint():
            kept = {a.doc_id: ([], []) for a in articles if old_sha.get(a.doc_id) == a.sha256}
            for f in old.figures:
                if f.doc_id in kept:
                    kept[f.doc_id][0].append(f)
            for e in old.entities:
                if e.doc_id in kept:
                    kept[e.doc_id][1].append(e)
        todo = [(a, sents) for a, sents in split if a.doc_id not in kept]
        if progress and todo:
            progress(0, len(todo), "parsing articles")
        parsed = dict(zip((a.doc_id for a, _ in todo), corpus_frames(load_nlp(s.spacy_model), todo) if todo else []))
        if progress and todo:
            progress(len(todo), len(todo), "parsing articles")
        for a in articles:
            figs, ents = kept[a.doc_id] if a.doc_id in kept else parsed[a.doc_id]
            figures.extend(figs)
            entities.extend(ents)
        sha = {a.doc_id: a.sha256 for a in articles}
        chunk_vectors = self._embed([c.text for c in chunks], [reuse_chunks.get((sha[c.doc_id], c.text))
                                                               for c in chunks], progress, "embedding chunks")
        sentence_vectors = self._embed([x.text for x in sentences],
                                       [reuse_sentences.get((sha[x.doc_id], x.text)) for x in sentences],
                                       progress, "embedding sentences")
        phrases = [measure_phrase(f) for f in figures]
        measure_vectors = self._embed(phrases, [reuse_measures.get(p) for p in phrases], progress,
                                      "embedding figure measures")
        number = next_generation_number(s)
        return write_generation(s, number, articles, sentences, chunks, figures, chunk_vectors, sentence_vectors,
                                measure_vectors, progress, entities)

    def _embed(self, texts: list[str], known: list[np.ndarray | None], progress: Progress | None,
               what: str) -> np.ndarray:
        """Vectors for texts, embedding only those without a reusable vector, in batches with progress."""
        todo = [i for i, v in enumerate(known) if v is None]
        dim = next((v.shape[0] for v in known if v is not None), None)
        out: list[np.ndarray | None] = list(known)
        batch = 64
        for b in range(0, len(todo), batch):
            idx = todo[b:b + batch]
            vecs = self.embedder.encode([texts[i] for i in idx])
            for i, v in zip(idx, vecs):
                out[i] = v
            if progress:
                progress(min(b + batch, len(todo)), len(todo), what)
        if not out:
            return np.zeros((0, dim or getattr(self.embedder, "dimension", 384)), dtype=np.float32)
        return np.vstack([v for v in out]).astype(np.float32)

    def add_files(self, paths: Sequence[Path], progress: Progress | None = None) -> tuple[IndexReport, list[str]]:
        """Copy uploaded .txt/.md/.html files into the uploads folder and index them incrementally.
        Returns the report and one message per rejected file ("name: why")."""
        rejected: list[str] = []
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        accepted = 0
        for path in map(Path, paths):
            name = re.sub(r"[^\w.\- ]+", "_", path.name).strip(" .") or "article.txt"
            if path.suffix.lower() not in SUFFIXES:
                rejected.append(f"{path.name}: not an article file; upload .txt, .md or .html")
                continue
            article, warning = read_article(CorpusFile(f"{UPLOADS}/{name}", path))
            if article is None:
                rejected.append(f"{path.name}: {warning.split(': ', 1)[-1]}")
                continue
            shutil.copyfile(path, self.uploads_dir / name)
            accepted += 1
        if not accepted:
            state = self._state()
            return IndexReport(chunks=len(state.generation.chunks) if state else 0), rejected
        return self.index(progress), rejected

    @staticmethod
    def _same_measure(state: _Loaded):
        """The grouping rule of conflicts.same_measure over the stored measure vectors, as a predicate."""
        rows = state.figure_rows
        vecs = state.generation.measure_vectors

        def same(a: Figure, b: Figure) -> bool:
            ia, ib = rows.get((a.doc_id, a.start)), rows.get((b.doc_id, b.start))
            cosine = float(vecs[ia] @ vecs[ib]) if ia is not None and ib is not None else 0.0
            return same_measure(a, b, measure_key(a.measure), measure_key(b.measure), cosine)
        return same

    def _same_event(self, state: _Loaded, doc_id: str, min_cosine: float = 0.3) -> set[str]:
        """Articles about the same event as doc_id: their mean chunk vectors are close (cosine ≥ min_cosine)."""
        ref = state.centroids.get(doc_id)
        if ref is None:
            return set(state.articles)
        return {d for d, v in state.centroids.items() if float(v @ ref) >= min_cosine}

    # --- reading -------------------------------------------------------------------------------------------
    def articles(self) -> list[Article]:
        """The indexed articles, sorted by doc_id."""
        return sorted(self._ready().articles.values(), key=lambda a: a.doc_id)

    def article(self, doc_id: str) -> Article:
        """One indexed article (raises CorpusError for an unknown id)."""
        try:
            return self._ready().articles[doc_id]
        except KeyError:
            raise CorpusError(f"No indexed article has the id {doc_id!r}; `qa-bot index` lists the ids.") from None

    def check_question(self, question: object, follow_up: bool = False) -> str:
        """The question, stripped, or QuestionError saying what is wrong with it. A follow-up ("Who said
        it?") may name nothing itself: it borrows the conversation's words."""
        if question is not None and not isinstance(question, str):
            raise QuestionError(f"The question must be text, not {type(question).__name__}. Send a sentence, e.g. "
                                "'How many people were evacuated?'")
        if not question or not question.strip():
            raise QuestionError("The question is empty. Type a question about the articles, e.g. "
                                "'How many people were evacuated?'")
        # Undecodable bytes (lone surrogates from a terminal in the wrong encoding) become '?', not a crash.
        question = " ".join(_clean_text(question).split())
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"The question is {len(question):,} characters long; keep it under "
                                f"{self.settings.max_question_chars:,} (ask about one thing at a time).")
        if not answering.content_words(question) and not follow_up:
            raise QuestionError("The question names nothing to look for. Say who or what you mean, e.g. "
                                "'How many people were evacuated?'")
        return question

    def retrieve(self, query: str, doc_ids: Collection[str] | None = None, mode: str = "hybrid",
                 query_vector: np.ndarray | None = None):
        """Hits for a query: hybrid (RRF of dense and BM25), or one of them alone (for baselines)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        state = self._ready()
        s = self.settings
        if doc_ids is not None:
            doc_ids = set(doc_ids) & set(state.articles)
            if not doc_ids:
                return state, []
        vec = self.embedder.encode([query])[0] if query_vector is None else query_vector
        dense = dense_ranking(state.store, vec, s.candidates, doc_ids) if mode != "bm25" else []
        sparse = bm25_ranking(state.bm25, query, s.candidates, doc_ids, state.bm25_docs) if mode != "dense" else []
        return state, fuse(state.chunks, dense, sparse, s.top_k, s.rrf_k, mode)

    def ask(self, question: str, history: Sequence[str] = (), doc_ids: Collection[str] | None = None,
            mode: str = "hybrid") -> Answer:
        """Answer from the index (building it first if needed). history: earlier user questions, oldest first.
        doc_ids: restrict retrieval to these articles (None = all)."""
        t0 = time.perf_counter()
        history = [h for h in (" ".join(_clean_text(str(h)).split()) for h in history) if h][-5:]
        question = self.check_question(question, follow_up=bool(history))
        query, focus = answering.retrieval_query(question, history)
        qvec = self.embedder.encode([query])[0]
        t1 = time.perf_counter()
        state, hits = self.retrieve(query, doc_ids, mode, qvec)
        t2 = time.perf_counter()
        gen = state.generation
        retrieved = [h.chunk.id for h in hits]
        scored = answering.score_sentences(query, qvec, hits, gen.sentences, gen.sentence_vectors,
                                           state.sentence_index, focus, state.weights)
        closest = scored[0] if scored else None
        # names come from the question itself: a follow-up's history may name a place it moved away from
        scored = answering.named_in_context(scored, question, gen.sentences, state.sentence_index,
                                            state.titles)

        def figures_of(s):
            return state.sentence_figures.get((s.doc_id, s.start), [])

        top = scored[0] if scored else None
        scored = answering.figure_first(query, scored, figures_of)
        best = scored[0] if scored else None
        timings = [("embed", t1 - t0), ("retrieve", t2 - t1)]
        # answered when the best match answers, and (for a figure question) one of the top sentences has
        # a figure that counts what is asked — that one then leads, even if its own match is weaker
        if best is None or not (answering.is_answered(best, query, self.settings)
                                or (answering.is_answered(top, query, self.settings)
                                    and best.similarity >= self.settings.min_relevance
                                    and best.coverage >= 0.3)):
            ans = answering.not_found(question, retrieved, closest, state.articles)
        else:
            chosen = answering.select(scored, self.settings)
            # Figures come from articles about the same event as the best answer: a flood's death toll is no
            # conflict for a war's (articles on one event measured 0.6-0.95 cosine, on other events < 0.2;
            # short web snippets on one topic go down to 0.32, hence 0.3).
            scope = self._same_event(state, best.sentence.doc_id)
            allowed = [i for i, f in enumerate(gen.figures)
                       if (doc_ids is None or f.doc_id in doc_ids) and f.doc_id in scope]
            figs, conflicts = figures_for_question(query, qvec, [gen.figures[i] for i in allowed],
                                                   gen.measure_vectors[allowed] if allowed else
                                                   gen.measure_vectors[:0], hits, state.articles)
            rows = [state.sentence_index[(x.sentence.doc_id, x.sentence.n)] for x in scored]
            name_figs, name_conflicts = names.name_conflicts(query, scored, state.articles,
                                                             gen.sentence_vectors[rows])
            if not answering.wants_figure(query):
                figs, conflicts = answering.anchored(figs, conflicts, chosen)
            figs, conflicts = name_figs + figs, conflicts + name_conflicts  # a who-question leads with the name
            same = self._same_measure(state)
            lead = (answering.best_supported(query, answering.answer_figure(query, best.sentence,
                                                                            figures_of(best.sentence)), figs, same)
                    if answering.wants_figure(query) else name_figs[0] if name_figs else None)
            table = figures_markdown(figs, conflicts, state.articles)
            body = None
            if self.settings.answerer == "llm":
                from .llm import llm_body

                body, problem = llm_body(question, chosen, state.articles, self.settings)
                if problem:
                    table = f"_{answering.md_escape(problem)}_\n\n{table}".rstrip()
            ans = answering.compose(question, chosen, state.articles, figs, conflicts, table, retrieved, body,
                                    lead, same)
        timings.append(("answer", time.perf_counter() - t2))
        return replace(ans, timings=tuple(timings))
