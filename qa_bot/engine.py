"""The Engine: builds the index for a corpus and answers over it; one per settings, shared by every surface."""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection, Sequence

import numpy as np

from .answering.disputes import find_disputes
from .answering.pipeline import FIGURE_TYPES, answer_question
from .errors import CorpusError, IndexStoreError, QaBotError, QuestionError, SettingsError
from .ingest.articles import (SUFFIXES, CorpusFile, Ingested, list_corpus, read_article, read_corpus,
                              same_manifests, stored_stamps, unchanged_by_stamps)
from .ingest.chunks import chunk_sentences
from .ingest.sentences import split_sentences
from .language.frames import corpus_frames, measure_phrase
from .records import Answer, Article, ArticleEntry, Chunk, Disputes, Entity, Figure, QuestionIntent, Sentence
from .search.columns import Records
from .search.hits import MODES, bm25_ranking, dense_ranking, fuse
from .search.store import (Generation, build_lock, check_index_folder, check_writable, collection, current_mtime,
                           doc_id_column, key_dir, load_bm25, load_generation, next_generation_number,
                           pipeline_fingerprint, read_current, read_stamps, remove_generations, remove_stale,
                           reset_chroma, retell, verify_generation, write_generation, write_stamps)
from .search.vectors import Embedder, embedder_for
from .search.view import IndexView, build_view, word_similarity
from .settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, what) — called while indexing
UPLOADS = "uploads"
ENGLISH_ONLY = ("qa-bot reads English: the question was searched as written, but the articles, the embedding model "
                "and the question parser are English, so ask in English.")


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
    repaired: str = ""  # what was damaged in the previous index, when this run rebuilt it

    @property
    def changed(self) -> bool:
        """Did this run write a new generation?"""
        return bool(self.added or self.updated or self.removed or self.repaired)

    def summary(self) -> str:
        """One line for people."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged, {len(self.skipped)} warnings; {self.chunks} chunks "
                f"in {self.seconds:.1f} s" + (f"; rebuilt the damaged index ({self.repaired})" if self.repaired else ""))


# C0/C1 control characters (NUL, BEL, ESC, DEL...): pasted from a terminal or sent through the API, they would
# glue to the words next to them ("many\x00people" is one token to spaCy and BM25), so they become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean_text(text: str) -> str:
    """Text with undecodable characters (lone surrogates from a terminal in another encoding) as '?' and control
    characters as spaces."""
    return _CONTROL.sub(" ", text.encode("utf-8", "replace").decode("utf-8"))


def _encode_distinct(embedder: Embedder, texts: Sequence[str], batch: int = 256) -> dict[str, np.ndarray]:
    """text → vector for each distinct text, embedded shortest first in slices of `batch` (less padding)."""
    todo = sorted(dict.fromkeys(texts), key=len)
    out: dict[str, np.ndarray] = {}
    for b in range(0, len(todo), batch):
        out.update(zip(todo[b:b + batch], embedder.encode(todo[b:b + batch])))
    return out


def _stack(rows: Sequence[np.ndarray], dim: int) -> np.ndarray:
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), dtype=np.float32)


def check_history(history: object) -> tuple[str, ...]:
    """Earlier questions as a tuple of text: None is none, one string is one question; anything else is a
    QuestionError saying what to pass."""
    if history is None:
        return ()
    if isinstance(history, str):
        return (history,)
    if not isinstance(history, (list, tuple)) or not all(isinstance(h, str) for h in history):
        raise QuestionError("history must be a list of earlier questions (text), oldest first, or None.")
    return tuple(history)


def check_doc_ids(doc_ids: object) -> frozenset[str] | None:
    """Article ids to search (None = all); one string is one id; anything else is a SettingsError."""
    if doc_ids is None:
        return None
    if isinstance(doc_ids, str):
        return frozenset((doc_ids,))
    if not isinstance(doc_ids, (list, tuple, set, frozenset)) or not all(isinstance(d, str) for d in doc_ids):
        raise SettingsError("doc_ids must be a list of article ids (text), e.g. ['harbor-fire.txt'], or None.")
    if not doc_ids:  # searching no article at all would answer "not found" for a reason no one sees
        raise SettingsError("doc_ids is empty; name at least one article id, e.g. ['harbor-fire.txt'], or pass "
                            "None to search every article.")
    return frozenset(doc_ids)


def _other_language(question: str, words: Sequence[str], known: Callable[[str], bool]) -> bool:
    """Letters, none of them Latin (a question in Chinese, Russian, Arabic…), or three words or more in Latin
    letters with none of the English function words every English question of that length uses (spaCy's English
    stop words: "what", "how", "the", "of", "were"…) and most of its content words (lemmas) unknown to the
    corpus: "Combien de personnes sont mortes ?". A terse English query ("Northfield casualties May") uses the
    corpus's words, so it is not taken for another language."""
    if re.search(r"[^\W\d_]", question) and not re.search(r"[A-Za-zÀ-ɏ]", question):
        return True
    from spacy.lang.en.stop_words import STOP_WORDS  # a word list only, not a pipeline

    letters = re.findall(r"[^\W\d_]+", question.lower())
    if len(letters) < 3 or any(w in STOP_WORDS for w in letters):
        return False
    return sum(known(w) for w in words) * 2 < len(words)


@functools.lru_cache(maxsize=4)
def model_words(model: str) -> frozenset[str]:
    """The whole words of the embedding model's vocabulary (vocab.txt of a WordPiece model; empty if it has
    none): an English model's 30,000 pieces hold the common English words ("ferries", "yesterday") and few of
    another language's ("personnes", "starben")."""
    from .search.vectors import resolve_model_path

    try:
        text = (Path(resolve_model_path(model)) / "vocab.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, QaBotError):
        return frozenset()
    return frozenset(w for w in text.split() if w.isalpha())


def check_known(doc_ids: frozenset[str] | None, known: Collection[str]) -> None:
    """doc_ids all name indexed articles, or a SettingsError naming the unknown ones and the known ids."""
    unknown = sorted(set(doc_ids or ()) - set(known))
    if unknown:
        shown = ", ".join(sorted(known)[:20]) + (f", … ({len(known)} in all)" if len(known) > 20 else "")
        raise SettingsError(f"doc_ids {', '.join(map(repr, unknown))}: no indexed article has this id; "
                            f"use one of the known ids ({shown}).")


def check_mode(mode: object) -> str:
    """A retrieval mode of MODES, or a SettingsError listing them."""
    if mode not in MODES:
        raise SettingsError(f"mode is {mode!r}; use one of {', '.join(MODES)} (hybrid unless comparing baselines).")
    return str(mode)


DOCS_KEPT = 64  # parsed questions an engine keeps for the follow-ups that borrow their words
MEASURES_KEPT = 2048  # measure phrases' vectors an engine keeps (384 float32 each: 3 MB)


@functools.cache
def _query_pool() -> ThreadPoolExecutor:
    """The threads that embed questions while they are parsed (Engine._encode_early), one pool per process."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="qa-bot-query")


def _article_key(a: Article) -> tuple:
    return (a.sha256, a.title, a.outlet, a.published, a.url)


class Engine:
    """Builds/updates the index for settings.corpus and answers questions over it."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        if not isinstance(settings, Settings):
            raise SettingsError(f"Engine needs a qa_bot.Settings, not {type(settings).__name__}; e.g. "
                                "Engine(Settings(corpus='articles/')).")
        self.settings = settings
        check_index_folder(settings.index_dir)  # before anything reads under it: "Not a directory" helps no one
        self._embedder = embedder
        self._exporting = False  # indexing exports the model to ONNX when it is not yet (backend auto)
        self._loaded: IndexView | None = None
        self._read: tuple[float, Generation | None] | None = None  # (pointer mtime, generation read then)
        self._lock = threading.RLock()
        self._disputes: tuple[tuple, Disputes] | None = None  # (generation, doc_ids) → the list, computed once
        self._measures: dict[str, np.ndarray] = {}  # measure phrase → its vector, shared by questions
        self._measures_lock = threading.Lock()
        self._docs: dict[str, object] = {}  # the last questions' parses: a follow-up reads the one before it
        self._docs_lock = threading.Lock()

    # --- models and state -------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (once per process and model)."""
        if self._embedder is None:
            s = self.settings
            self._embedder = embedder_for(s.model, s.embed_backend, s.index_dir, export=self._exporting)
        return self._embedder

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded articles are kept; indexed with the corpus under doc ids 'uploads/<name>'."""
        return key_dir(self.settings) / UPLOADS

    def _state(self) -> IndexView | None:
        try:
            return self._load_state()
        except IndexStoreError as exc:  # Chroma and BM25 know no settings: name the command for this index
            raise retell(exc, self.settings) from None

    def _load_state(self) -> IndexView | None:
        mtime = current_mtime(self.settings)
        with self._lock:
            if self._loaded is not None and self._loaded.mtime == mtime:
                return self._loaded
            gen = self._generation(mtime)
            if gen is None:
                self._loaded = None
                return None
            self._loaded = build_view(gen, mtime, collection(self.settings, gen.collection), load_bm25(gen))
            return self._loaded

    def _generation(self, mtime: float) -> Generation | None:
        """The live generation, read from disk once per pointer change (the up-to-date check before a question
        and the question itself share it)."""
        with self._lock:
            if self._read is None or self._read[0] != mtime:
                self._read = (mtime, load_generation(self.settings))
            return self._read[1]

    def _ready(self) -> IndexView:
        state = self._state()
        if state is None:
            self.index()
            state = self._state()
        assert state is not None
        return state

    # --- indexing ------------------------------------------------------------------------------------
    def index(self, progress: Progress | None = None, rebuild: bool = False) -> IndexReport:
        """Build or incrementally update the index; the previous index keeps answering until the new one is done.
        A damaged index is rebuilt; rebuild=True always starts clean. A read-only index that is up to date is
        fine: nothing needs writing."""
        t0 = time.perf_counter()
        try:
            check_writable(self.settings.index_dir)
        except IndexStoreError:
            old, ingested, report = self._changes()
            if old is not None and not (report["added"] + report["updated"] + report["removed"] or report["repaired"]):
                log.warning("index folder %s is read-only; it is up to date, so it is used as it is",
                            self.settings.index_dir)
                return IndexReport(**report, chunks=len(old.chunks), seconds=time.perf_counter() - t0)
            raise
        with build_lock(key_dir(self.settings)):
            if rebuild:
                remove_generations(self.settings)
            old, ingested, report = self._changes()
            if old is not None and not (report["added"] + report["updated"] + report["removed"] or report["repaired"]):
                if ingested is not None:  # a stamp moved but no content did (touched, copied back): keep the new
                    write_stamps(old.folder, ingested.stamps)  # stamps so the next check need not read it again
                return IndexReport(**report, chunks=len(old.chunks), seconds=time.perf_counter() - t0)
            if report["repaired"]:
                log.warning("rebuilding the damaged index in %s: %s", key_dir(self.settings), report["repaired"])
                reset_chroma(self.settings)
            gen = self._build(ingested.articles, old, progress, ingested.stamps)
            remove_stale(self.settings, gen.number)
        return IndexReport(**report, chunks=len(gen.chunks), seconds=time.perf_counter() - t0)

    def _changes(self) -> tuple[Generation | None, Ingested | None, dict]:
        """(live generation or None, the corpus as read now, report fields: added/updated/removed/...). The corpus
        is listed with each file's stamp (size, times, inode) first: when every stamp and manifest is the one
        stored with the live generation (files.json), nothing is read (the Ingested is then None); otherwise
        only the files whose stamp moved are read and hashed, and content decides what changed."""
        s = self.settings
        listing = list_corpus(s.corpus, ((self.uploads_dir, f"{UPLOADS}/"),))
        repaired = ""
        try:
            old = self._generation(current_mtime(s))
            # sidecar files that load are consistent (shapes checked); BM25 and Chroma are checked here, and when
            # damaged the generation is written again, reusing the sidecar's vectors
            repaired = verify_generation(s, old) if old is not None else ""
        except IndexStoreError as exc:
            if s.chroma_url and "Chroma server" in str(exc):
                raise
            repaired, old = str(exc).split(" Run ", 1)[0], None
        except Exception as exc:  # noqa: BLE001 - a damaged index is rebuilt, not fatal
            repaired, old = f"{exc.__class__.__name__}: {exc}", None
        if repaired:
            log.warning("the index is damaged and is rebuilt: %s", repaired)
        same_code = old is not None and not repaired and (read_current(s) or {}).get("pipeline") == pipeline_fingerprint()
        stamps = read_stamps(old.folder) if same_code and old is not None else {}
        if old is not None and same_code and unchanged_by_stamps(stamps, listing):
            return old, None, dict(added=(), updated=(), removed=(), unchanged=tuple(doc_id_column(old.articles)),
                                   skipped=tuple(str(w) for w in stamps.get("warnings", ())), repaired="")
        known = None
        if old is not None and same_code and same_manifests(stamps, listing):
            stored, indexed = stored_stamps(stamps), {a.doc_id: a for a in old.articles}

            def known(file: CorpusFile) -> tuple[Article | None, str] | None:
                """The indexed article (or the skip) of a file whose stamp has not moved; None: read it."""
                stamp, warning = stored.get(file.doc_id, ((), ""))
                if stamp != file.stamp or (file.doc_id not in indexed and not warning):
                    return None
                return indexed.get(file.doc_id), warning

        ingested = read_corpus(s.corpus, ((self.uploads_dir, f"{UPLOADS}/"),), listing=listing, known=known)
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
                                   skipped=ingested.warnings, repaired=repaired)

    def _build(self, articles: Sequence[Article], old: Generation | None, progress: Progress | None,
               stamps: dict | None = None) -> Generation:
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
        chunks: list[Chunk] = []
        figures: list[Figure] = []
        entities: list[Entity] = []
        split = [(a, split_sentences(a)) for a in articles]
        for a, sents in split:
            chunks.extend(chunk_sentences(a, sents, s.chunk_chars, s.chunk_overlap))
        # frames (and the sentences' lemmas) of an unchanged article are kept when the index-time code is
        # unchanged too; the rest are parsed in ONE nlp.pipe pass over all their sentences
        kept: dict[str, tuple[list[Figure], list[Entity], list[Sentence]]] = {}
        if old is not None and (read_current(s) or {}).get("pipeline") == pipeline_fingerprint():
            kept = {a.doc_id: ([], [], []) for a in articles if old_sha.get(a.doc_id) == a.sha256}
            for records, slot in ((old.figures, 0), (old.entities, 1), (old.sentences, 2)):
                for r in records:
                    if r.doc_id in kept:
                        kept[r.doc_id][slot].append(r)
        todo = [(a, sents) for a, sents in split if a.doc_id not in kept]
        sha = {a.doc_id: a.sha256 for a in articles}
        chunk_known = [reuse_chunks.get((sha[c.doc_id], c.text)) for c in chunks]
        split_known = {(x.doc_id, x.text): reuse_sentences.get((sha[x.doc_id], x.text))
                       for _, sents in split for x in sents}
        # Chunks and sentences are embedded (onnxruntime, outside the GIL) while spaCy parses (one core each);
        # every distinct text without a reusable vector is embedded once, in batches sorted by length.
        missing = list(dict.fromkeys([c.text for c, v in zip(chunks, chunk_known) if v is None]
                                     + [t for (_, t), v in split_known.items() if v is None]))
        if s.ray_address:
            parsed, done = self._on_cluster(split, chunks, {a.doc_id for a, _ in todo}, set(missing), progress)
        else:
            embedder = self._indexing_embedder()
            if progress and missing:
                progress(0, len(missing), "embedding chunks and sentences")
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-bot-index-embed") as pool:
                early = pool.submit(_encode_distinct, embedder, missing)
                if progress and todo:
                    progress(0, len(todo), "parsing articles")
                parsed = dict(zip((a.doc_id for a, _ in todo), corpus_frames(self.nlp, todo) if todo else []))
                if progress and todo:
                    progress(len(todo), len(todo), "parsing articles")
                done = early.result()
            if progress and missing:
                progress(len(missing), len(missing), "embedding chunks and sentences")
        sentences: list[Sentence] = []
        for a in articles:
            figs, ents, sents = kept[a.doc_id] if a.doc_id in kept else parsed[a.doc_id]
            figures.extend(figs)
            entities.extend(ents)
            sentences.extend(sents)
        # measure phrases ("people evacuate") come from the parse; each distinct one is embedded once
        phrases = [measure_phrase(f) for f in figures]
        measure_known = [reuse_measures.get(p) for p in phrases]
        left = [p for p, v in zip(phrases, measure_known) if v is None and p not in done]
        if left:  # on a cluster the workers embedded their articles' phrases already
            done.update(_encode_distinct(self._indexing_embedder(), left))
        sentence_known = [split_known.get((x.doc_id, x.text), reuse_sentences.get((sha[x.doc_id], x.text)))
                          for x in sentences]
        dim = int(next((v.shape[0] for v in done.values()), 0)
                  or getattr(self._embedder, "dimension", 0) or 384)
        chunk_vectors, sentence_vectors, measure_vectors = (
            _stack([v if v is not None else done[t] for t, v in zip(texts, known)], dim)
            for texts, known in (([c.text for c in chunks], chunk_known), ([x.text for x in sentences],
                                 sentence_known), (phrases, measure_known)))
        number = next_generation_number(s)
        return write_generation(s, number, articles, sentences, chunks, figures, chunk_vectors, sentence_vectors,
                                measure_vectors, progress, entities, stamps)

    def _on_cluster(self, split: Sequence[tuple[Article, list[Sentence]]], chunks: Sequence[Chunk], todo: set[str],
                    missing: set[str], progress: Progress | None) -> tuple[dict, dict[str, np.ndarray]]:
        """The parsing and embedding of _build done as Ray Data batches on the cluster at settings.ray_address:
        each article's frames (when in `todo`) and the vectors of its `missing` chunk and sentence texts."""
        from .cluster import run_on_cluster

        s = self.settings
        chunk_texts: dict[str, list[str]] = {}
        for c in chunks:
            chunk_texts.setdefault(c.doc_id, []).append(c.text)
        items = []
        for a, sents in split:
            texts = chunk_texts.get(a.doc_id, []) + [x.text for x in sents]
            texts = [t for t in dict.fromkeys(texts) if t in missing]
            if a.doc_id in todo or texts:
                items.append((a, sents, texts, a.doc_id in todo))
        if progress:
            progress(0, len(items), f"parsing and embedding on Ray ({s.ray_address})")
        parsed, done = run_on_cluster(s, items)
        if progress:
            progress(len(items), len(items), f"parsing and embedding on Ray ({s.ray_address})")
        return parsed, done

    def _indexing_embedder(self) -> Embedder:
        """The embedder for indexing: with backend auto, the model is exported to ONNX first if it is not yet."""
        if self._embedder is None:
            self._exporting = True
        return self.embedder

    def add_files(self, paths: Sequence[Path], progress: Progress | None = None) -> tuple[IndexReport, list[str]]:
        """Copy uploaded .txt/.md/.html files into the uploads folder and index them incrementally.
        Returns the report and one message per rejected file ("name: why")."""
        if isinstance(paths, (str, bytes, Path)) or not isinstance(paths, (list, tuple)) \
                or not all(isinstance(p, (str, Path)) for p in paths):
            raise SettingsError(f"add_files takes a list of file paths, e.g. [Path('report.txt')], not "
                                f"{type(paths).__name__} {str(paths)[:60]!r}.")
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

    # --- reading -------------------------------------------------------------------------------------------
    def articles(self) -> list[Article]:
        """The indexed articles, sorted by doc_id."""
        return sorted(self._ready().articles.values(), key=lambda a: a.doc_id)

    def catalog(self) -> list[ArticleEntry]:
        """What a list of the indexed articles shows (id, title, outlet, date), sorted by doc_id: read from
        four of the stored columns, without making any article (or its text)."""
        view = self._ready()
        stored = view.generation.articles
        if isinstance(stored, Records):
            rows = zip(*(stored.column(name) for name in ("doc_id", "title", "outlet", "published")))
            entries = [ArticleEntry(*row) for row in rows if row[0] in view.articles]
        else:
            entries = [ArticleEntry(a.doc_id, a.title, a.outlet, a.published) for a in view.articles.values()]
        return sorted(entries, key=lambda e: e.doc_id)

    def article(self, doc_id: str) -> Article:
        """One indexed article (raises CorpusError for an unknown id)."""
        articles = self._ready().articles
        if doc_id not in articles:  # `qa-bot index` prints counts, not ids: name them here
            shown = ", ".join(sorted(articles)[:20]) + (f", … ({len(articles)} in all)" if len(articles) > 20 else "")
            raise CorpusError(f"No indexed article has the id {str(doc_id)!r}; use one of the known ids ({shown}).")
        return articles[doc_id]

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
        if not re.search(r"[^\W_]", question) and not follow_up:
            raise QuestionError("The question names nothing to look for. Say who or what you mean, e.g. "
                                "'How many people were evacuated?'")
        return question

    def retrieve(self, query: str, doc_ids: Collection[str] | None = None, mode: str = "hybrid",
                 query_vector: np.ndarray | None = None):
        """Hits for a query: hybrid (RRF of dense and BM25), or one of them alone (for baselines)."""
        check_mode(mode)
        state = self._ready()
        s = self.settings
        if doc_ids is not None:
            doc_ids = set(doc_ids) & set(state.articles)
            if not doc_ids:
                return state, []
        vec = self.embedder.encode([query])[0] if query_vector is None else query_vector
        dense = dense_ranking(state.store, vec, s.candidates, doc_ids) if mode != "bm25" else []
        sparse = bm25_ranking(state.bm25, query, s.candidates, doc_ids, state.bm25_docs, state.bm25_ids) if mode != "dense" else []
        return state, fuse(state.chunks, dense, sparse, s.top_k, s.rrf_k, mode)

    @property
    def nlp(self):
        """The spaCy pipeline (settings.spacy_model), loaded on first use (once per process and name)."""
        from .language.parse import load_nlp

        return load_nlp(self.settings.spacy_model)

    def parse(self, question: str, history: Sequence[str] = ()) -> QuestionIntent:
        """The question parsed once into its intent (checked first; history: earlier user questions)."""
        from .language.intent import parse_question

        history = [h for h in (" ".join(_clean_text(h).split()) for h in check_history(history)) if h][-5:]
        question = self.check_question(question, follow_up=bool(history))
        nlp = self.nlp

        def parse_and_keep(text: str):
            doc = nlp(text)
            with self._docs_lock:
                if len(self._docs) >= DOCS_KEPT:
                    self._docs.pop(next(iter(self._docs)), None)
                self._docs[text] = doc
            return doc

        def previous(text: str):  # a follow-up's previous question was parsed when it was asked (cleaned alike)
            return self._docs.get(text) or parse_and_keep(text)

        return parse_question(parse_and_keep, question, history, previous)

    def ask(self, question: str, history: Sequence[str] = (), doc_ids: Collection[str] | None = None,
            mode: str = "hybrid") -> Answer:
        """Answer from the index (building it first if needed). history: earlier user questions, oldest first.
        doc_ids: restrict retrieval to these articles (None = all)."""
        t0 = time.perf_counter()
        doc_ids, mode = check_doc_ids(doc_ids), check_mode(mode)
        early = None if history else self._encode_early(question)
        intent = self.parse(question, history)
        if doc_ids is not None:
            check_known(doc_ids, self._ready().articles)
        qvec = early[1].result()[0] if early is not None and early[0] == intent.query else None
        if intent.answer_type in FIGURE_TYPES:  # the measure phrase is compared with figures' measures
            qvec, measure_vector = self._question_vectors(intent.query, intent.measure or intent.query, qvec)
        else:  # a name or a passage: no figure is read, so no measure phrase is embedded (one text: 1.5 ms less)
            qvec = self.embedder.encode([intent.query])[0] if qvec is None else qvec
            measure_vector = lambda: qvec  # noqa: E731
        t1 = time.perf_counter()
        state, hits = self.retrieve(intent.query, doc_ids, mode, qvec)
        t2 = time.perf_counter()
        ans = answer_question(intent, state, hits, qvec, measure_vector(), doc_ids, self.settings,
                              self.embedder.encode)
        timings = [("parse+embed", t1 - t0), ("retrieve", t2 - t1), ("answer", time.perf_counter() - t2)]
        if not ans.found and _other_language(
                str(question), intent.words,
                lambda w: w in state.weights.df or w in model_words(self.settings.model)):
            # searched anyway (a name or a number may still match), but say why it probably failed
            ans = replace(ans, answer=f"{ENGLISH_ONLY}\n\n{ans.answer}")
        return replace(ans, timings=tuple(timings))

    def _encode_early(self, question: object) -> tuple[str, Future] | None:
        """Start embedding a question without history (its query is the question as cleaned) on another
        thread while spaCy parses it: onnxruntime runs outside the GIL, so with a second core the two overlap
        and the answer comes about one model run sooner. None where that cannot help: one core, or the PyTorch
        backend (its rows move in the last bits with a batch's padding, so the measure phrase is embedded in
        the same batch, below). A bad question is left to parse() to explain."""
        try:
            text = self.check_question(question)
        except QaBotError:
            return None
        if (os.cpu_count() or 1) < 2 or getattr(self.embedder, "backend", "") != "onnx":
            return None
        return text, self._encode_aside(text)

    def _encode_aside(self, text: str) -> Future:
        """Embed one text on another thread, returning once the model runs there (outside the GIL): from then
        on this thread's work does not hold it back. Without the wait, this thread would keep the GIL through
        the parse, and the run could begin only at Python's next thread switch (5 ms)."""
        running = threading.Event()
        future = _query_pool().submit(self.embedder.encode, [text], running)
        running.wait(0.05)  # bounded: with every worker busy (concurrent questions) it starts later, still right
        return future

    def _question_vectors(self, query: str, measure: str,
                          qvec: np.ndarray | None = None) -> tuple[np.ndarray, Callable[[], np.ndarray]]:
        """The vector of the query, and a function giving that of the measure phrase. Questions about other
        places or events share their measure phrase ("How many people were killed in Eastvale / in Northfield?":
        "people killed"), so its vector is kept (the last MEASURES_KEPT phrases) and then the query is embedded
        alone: one text to embed instead of a batch of two padded to the query's length (about 17 tokens more for
        the model). An onnxruntime row is the same bit for bit alone or in a batch (checked on every eval
        question), so a kept vector is the one the batch would give, and no answer changes. PyTorch rows are not
        (they move in the last bits with the batch's padding): with that backend, or a test's fake, both are
        embedded as before. qvec: the query's vector from _encode_early; then the phrase is embedded alone on
        the other thread while this one retrieves, and the function waits for it."""
        if getattr(self.embedder, "backend", "") != "onnx":
            qvec, mvec = self.embedder.encode([query, measure])
            return qvec, lambda: mvec
        mvec = qvec if measure == query and qvec is not None else self._measures.get(measure)
        if mvec is not None:
            return (self.embedder.encode([query])[0] if qvec is None else qvec), lambda: mvec
        if qvec is not None:
            future = self._encode_aside(measure)

            def measure_vector() -> np.ndarray:
                vec = future.result()[0]
                self._keep_measure(measure, vec)
                return vec
            return qvec, measure_vector
        qvec, mvec = self.embedder.encode([query, measure])
        self._keep_measure(measure, mvec)
        return qvec, lambda: mvec

    def _keep_measure(self, measure: str, vec: np.ndarray) -> None:
        with self._measures_lock:
            if len(self._measures) >= MEASURES_KEPT:
                self._measures.pop(next(iter(self._measures)), None)
            self._measures[measure] = vec

    def disputes(self, doc_ids: Collection[str] | None = None) -> Disputes:
        """Every figure group of the corpus (or of doc_ids) whose sources disagree, were updated or revised,
        most consequential first; from the figures stored at index time, computed once per generation."""
        t0 = time.perf_counter()
        doc_ids = check_doc_ids(doc_ids)
        mtime = current_mtime(self.settings)
        with self._lock:
            view = self._loaded if self._loaded is not None and self._loaded.mtime == mtime else None
        # Only the stored figures are needed: no search store is opened for this (50 ms on a 25-article corpus).
        gen = view.generation if view is not None else load_generation(self.settings)
        if gen is None:
            self.index()
            mtime, gen = current_mtime(self.settings), load_generation(self.settings)
            assert gen is not None
        check_known(doc_ids, {a.doc_id for a in gen.articles})
        key = (gen.folder, mtime, doc_ids)
        cached = self._disputes
        if cached is not None and cached[0] == key:
            return cached[1]
        articles = {a.doc_id: a for a in gen.articles}
        rows = {(x.doc_id, x.start): i for i, x in enumerate(gen.sentences)}
        vectors = gen.sentence_vectors

        def similarity(a: Figure, b: Figure) -> float:
            i, j = rows.get((a.doc_id, a.sentence_start)), rows.get((b.doc_id, b.sentence_start))
            return 1.0 if i is None or j is None else float(vectors[i] @ vectors[j])

        words = view.similar_words(self.embedder.encode) if view is not None else \
            word_similarity(self.embedder.encode, {})
        items = find_disputes(gen.figures, gen.measure_vectors, articles, None if doc_ids is None else set(doc_ids),
                              similarity, words)
        used = sorted({f.doc_id for d in items for f in d.conflict.figures})
        out = Disputes(tuple(items), tuple(articles[d] for d in used if d in articles), time.perf_counter() - t0)
        self._disputes = (key, out)
        return out
