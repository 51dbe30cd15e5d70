"""Look-ups of a generation that do not depend on the question, written at index time into the generation folder
(lookups/, keys/, figure_table/) so a serving process memory-maps arrays instead of building them from the records."""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from ..answering.evidence import WordWeights, sentence_lemmas
from ..records import Article, Chunk, Entity, Figure, Sentence
from .columns import KeyRows, Records, _mapped, read_key_rows, write_key_rows

log = logging.getLogger(__name__)

LOOKUPS = "lookups"  # folder of .npy files (memory-mapped when read)
LOOKUP_ARRAYS = ("words", "word_indptr", "word_rows", "lemmas", "lemma_indptr", "lemma_rows", "figure_sentence_rows",
                 "counts")
WORDS = re.compile(r"[^\W_]+")


class Postings:
    """Keys with a sorted run of rows each (CSR: keys, indptr, rows), as stored in lookups/."""

    def __init__(self, keys: Sequence[str], indptr: np.ndarray, rows: np.ndarray):
        self.at = {k: i for i, k in enumerate(keys)}
        self.indptr, self.rows = indptr, rows

    def rows_of(self, i: int) -> np.ndarray:
        return self.rows[self.indptr[i]:self.indptr[i + 1]]


class _MadeOnUse(Mapping):
    """Postings read as a mapping: key → `_make(rows)`, made when first asked for and kept."""

    def __init__(self, postings: Postings):
        self._postings = postings
        self._made: dict = {}

    def _make(self, rows: np.ndarray):
        raise NotImplementedError

    def __getitem__(self, key: str):
        made = self._made.get(key)
        if made is None:
            # KeyError for a key no posting has, as a dict
            made = self._made[key] = self._make(self._postings.rows_of(self._postings.at[key]))
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._postings.at)

    def __len__(self) -> int:
        return len(self._postings.at)


class WordDocs(_MadeOnUse):
    """Each lower-case word of the articles → the articles that use it, as postings (article rows per word);
    a word's frozenset is made when it is first asked for."""

    def __init__(self, postings: Postings, doc_ids: Sequence[str]):
        super().__init__(postings)
        self._doc_ids = doc_ids

    def _make(self, rows: np.ndarray) -> frozenset[str]:
        ids = self._doc_ids
        return frozenset(ids[r] for r in rows.tolist())


class LemmaRows(_MadeOnUse):
    """WordWeights.postings read from lookups/: lemma → ascending rows of the sentences using it (a list,
    made on first use)."""

    def _make(self, rows: np.ndarray) -> list[int]:
        return rows.tolist()


class LemmaCounts(Mapping[str, int]):
    """WordWeights.df read from lookups/: lemma → number of sentences using it."""

    def __init__(self, postings: Postings):
        self._postings = postings

    def __getitem__(self, lemma: str) -> int:
        i = self._postings.at[lemma]
        return int(self._postings.indptr[i + 1] - self._postings.indptr[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._postings.at)

    def __len__(self) -> int:
        return len(self._postings.at)


def _csr(by_key: dict[str, list[int]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    keys = sorted(by_key)
    indptr = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum([len(by_key[k]) for k in keys], out=indptr[1:])
    rows = np.fromiter((r for k in keys for r in by_key[k]), dtype=np.int32, count=int(indptr[-1]))
    return keys, indptr, rows


def _joined(keys: Sequence[str]) -> np.ndarray:
    # keys as one "\n"-joined UTF-8 buffer (a word or lemma holds no line break): no pickle, no fixed width
    return np.frombuffer("\n".join(keys).encode(), dtype=np.uint8)


def _split(buffer: np.ndarray) -> list[str]:
    text = buffer.tobytes().decode()
    return text.split("\n") if text else []


def lemma_postings(sentences: Sequence[Sentence]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sorted lemmas, indptr, sentence rows): WordWeights.from_sentences's postings, as arrays."""
    by_lemma: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        for lemma in sentence_lemmas(s):
            by_lemma.setdefault(lemma, []).append(i)
    return _csr(by_lemma)


def word_postings(articles: Sequence[Article]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sorted words, indptr, article rows): the articles (rows of `articles`) whose text has each word."""
    by_word: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        for w in set(WORDS.findall(a.text.lower())):
            by_word.setdefault(w, []).append(i)
    return _csr(by_word)


def figure_sentence_rows(sentences: Sequence[Sentence], figures: Sequence[Figure]) -> np.ndarray:
    """For each figure, the row of its sentence in the generation's sentences (0 when absent, as before)."""
    by_start = {(x.doc_id, x.start): i for i, x in enumerate(sentences)}
    return np.fromiter((by_start.get((f.doc_id, f.sentence_start), 0) for f in figures), dtype=np.int64,
                       count=len(figures))


class FigureContexts(Sequence[str]):
    """Each figure's context (title, previous sentence, sentence; lower case), made when first asked for."""

    def __init__(self, articles: Mapping[str, Article], sentences: Sequence[Sentence], figures: Sequence[Figure],
                 rows: np.ndarray):
        self._articles, self._sentences, self._figures, self._rows = articles, sentences, figures, rows
        self._made: dict[int, str] = {}

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        made = self._made.get(k)
        if made is None:
            f, i = self._figures[k], int(self._rows[k])
            prev = self._sentences[i - 1].text if i > 0 and self._sentences[i - 1].doc_id == f.doc_id else ""
            title = self._articles[f.doc_id].title if f.doc_id in self._articles else ""
            made = self._made[k] = f"{title} {prev} {f.quote}".lower()
        return made

    def __len__(self) -> int:
        return len(self._figures)


KEYS = "keys"  # folder of the look-ups by key (KeyRows) and the articles' mean vectors
KEY_INDEXES = (("sentences_by_n", "sentences", "n"), ("sentences_by_start", "sentences", "start"),
               ("chunks_by_n", "chunks", "n"), ("figures_by_sentence", "figures", "sentence_start"),
               ("entities_by_sentence", "entities", "sentence_start"))


def doc_vocabulary(articles: Sequence[str], others: Sequence[Sequence[str]]) -> list[str]:
    """Article ids in article order, then any doc id of other records that is no article (sorted): the article
    rows of the look-ups by key."""
    known = set(articles)
    extra = sorted({d for column in others for d in column if d not in known})
    return list(articles) + extra


def centroids(chunks: Sequence[Chunk], chunk_vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(doc ids in order of their first chunk, normalized mean chunk vector of each): what same_event compares."""
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(chunks):
        rows.setdefault(c.doc_id, []).append(i)
    out = []
    for idx in rows.values():
        v = chunk_vectors[idx].mean(axis=0)
        out.append(v / (np.linalg.norm(v) or 1.0))
    width = chunk_vectors.shape[1] if chunk_vectors.ndim == 2 else 0
    return list(rows), (np.stack(out) if out else np.zeros((0, width), dtype=chunk_vectors.dtype))


def write_lookups(folder: Path, articles: Sequence[Article], sentences: Sequence[Sentence], chunks: Sequence[Chunk],
                  figures: Sequence[Figure], entities: Sequence[Entity], chunk_vectors: np.ndarray) -> None:
    """Compute and save the look-ups of a generation into its folder (before the generation goes live)."""
    words, word_indptr, word_rows = word_postings(articles)
    lemmas, lemma_indptr, lemma_rows = lemma_postings(sentences)
    arrays = {"words": _joined(words), "word_indptr": word_indptr, "word_rows": word_rows, "lemmas": _joined(lemmas),
              "lemma_indptr": lemma_indptr, "lemma_rows": lemma_rows,
              "figure_sentence_rows": figure_sentence_rows(sentences, figures),
              "counts": np.array([len(articles), len(sentences), len(figures)], dtype=np.int64)}
    (folder / LOOKUPS).mkdir()
    for name in LOOKUP_ARRAYS:
        np.save(folder / LOOKUPS / f"{name}.npy", arrays[name])
    keys = folder / KEYS
    keys.mkdir()
    records = {"sentences": sentences, "chunks": chunks, "figures": figures, "entities": entities}
    vocabulary = doc_vocabulary([a.doc_id for a in articles], [[r.doc_id for r in rs] for rs in records.values()])
    doc_rows = {d: i for i, d in enumerate(vocabulary)}
    for name, of, number in KEY_INDEXES:
        write_key_rows(keys, name, KeyRows.keys_of(doc_rows, [r.doc_id for r in records[of]],
                                                   [getattr(r, number) for r in records[of]]))
    docs, vectors = centroids(chunks, chunk_vectors)
    np.save(keys / "centroids.npy", vectors)
    np.save(keys / "centroid_docs.npy", np.array([doc_rows[d] for d in docs], dtype=np.int64))
    (keys / "meta.json").write_text(json.dumps({"extra_docs": vocabulary[len(articles):]}), encoding="utf-8")


@dataclass(frozen=True)
class Keys:
    """A generation's look-ups by key, memory-mapped (KEY_INDEXES), and its articles' mean chunk vectors."""

    doc_rows: dict[str, int]  # doc id → row in the article vocabulary (articles first)
    by_key: dict[str, KeyRows]
    centroid_docs: list[str]
    centroids: np.ndarray


def read_keys(folder: Path, articles: Records, counts: Mapping[str, int]) -> Keys:
    """The look-ups written by write_lookups (`counts`: records per file, to check them against); a missing or
    damaged file is a ValueError (a damaged index)."""
    keys = folder / KEYS
    meta = json.loads((keys / "meta.json").read_text(encoding="utf-8"))
    vocabulary = list(articles.column("doc_id")) + list(meta["extra_docs"])
    doc_rows = {d: i for i, d in enumerate(vocabulary)}
    by_key = {name: read_key_rows(keys, name, doc_rows, counts[of]) for name, of, _ in KEY_INDEXES}
    rows = np.load(keys / "centroid_docs.npy", allow_pickle=False)
    vectors = np.asarray(np.load(keys / "centroids.npy", mmap_mode="r", allow_pickle=False))
    if vectors.ndim != 2 or len(vectors) != len(rows) or (len(rows) and not 0 <= rows.min() <= rows.max()
                                                           < len(vocabulary)):
        raise ValueError("the article centroids do not match")
    return Keys(doc_rows, by_key, [vocabulary[r] for r in rows.tolist()], vectors)


def read_lookups(folder: Path, articles: Sequence[Article], sentences: Sequence[Sentence],
                 figures: Sequence[Figure]) -> tuple[WordDocs, WordWeights, np.ndarray]:
    """(word → articles, sentence word weights, figure sentence rows) of a generation: from lookups/ when it is
    there and matches the records, else computed (a damaged file)."""
    doc_ids = articles.column("doc_id") if isinstance(articles, Records) else [a.doc_id for a in articles]
    try:
        z = {name: _mapped(folder / LOOKUPS / f"{name}.npy") for name in LOOKUP_ARRAYS}
        counts = z["counts"].tolist()
        if counts != [len(articles), len(sentences), len(figures)]:
            raise ValueError(f"it counts {counts} records")
        words = Postings(_split(z["words"]), z["word_indptr"], z["word_rows"])
        lemmas = Postings(_split(z["lemmas"]), z["lemma_indptr"], z["lemma_rows"])
        figure_rows = z["figure_sentence_rows"]
        if (len(words.indptr) != len(words.at) + 1 or len(lemmas.indptr) != len(lemmas.at) + 1
                or len(figure_rows) != len(figures)):
            raise ValueError("its arrays do not match")
        weights = WordWeights(LemmaCounts(lemmas), len(sentences), LemmaRows(lemmas))
        return WordDocs(words, doc_ids), weights, figure_rows
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
        log.warning("%s in %s is unreadable (%s); building the look-ups in memory", LOOKUPS, folder, exc)
    return (WordDocs(Postings(*word_postings(articles)), doc_ids), WordWeights.from_sentences(sentences),
            figure_sentence_rows(sentences, figures))


def article_texts(doc_ids: Sequence[str], articles: Mapping[str, Article], sentences: Sequence[Sentence],
                  figures: Sequence[Figure]) -> list[str]:
    """Of each of these articles, its title, sentences and figures' quotes, one per line, lower case: what
    IndexView.in_articles looks a word up in."""
    texts: dict[str, list[str]] = {d: [articles[d].title if d in articles else ""] for d in doc_ids}
    for doc_id, text in zip(_column(sentences, "doc_id"), _column(sentences, "text")):
        if doc_id in texts:
            texts[doc_id].append(text)
    for doc_id, quote in zip(_column(figures, "doc_id"), _column(figures, "quote")):
        texts[doc_id].append(quote)
    return ["\n".join(texts[d]).lower() for d in doc_ids]


def _column(records: Sequence, name: str) -> Sequence:
    """One field of every record: a column read without making the records, or the records' attribute."""
    return records.column(name) if isinstance(records, Records) else [getattr(r, name) for r in records]


class ArticleTexts:
    """article_texts saved as one UTF-8 file (articles separated by a line break), memory-mapped: which articles
    contain a word is one scan of the file, without a text object per article."""

    def __init__(self, folder: Path, n: int):
        import mmap

        self._starts = np.load(folder / "text_starts.npy", allow_pickle=False)
        with open(folder / "texts.txt", "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        if self._starts.shape != (n + 1,) or int(self._starts[-1]) != (size + 1 if n else 0):
            raise ValueError(f"{n} article texts do not match {size} bytes")

    def containing(self, word: str) -> np.ndarray:
        """Bool per article: does its text contain `word` (as `word in text` would say: a UTF-8 substring of
        valid UTF-8 matches at character boundaries only, and a word holds no line break)?"""
        n = len(self._starts) - 1
        if not word or "\n" in word:
            return np.array([word in t for t in self._texts()], dtype=bool)
        out = np.zeros(n, dtype=bool)
        needle, pos = word.encode("utf-8"), 0
        while True:
            at = self._data.find(needle, pos)
            if at < 0:
                return out
            doc = int(np.searchsorted(self._starts, at, side="right")) - 1
            out[doc] = True
            pos = int(self._starts[doc + 1])  # the next article

    def _texts(self) -> list[str]:
        data = bytes(self._data)
        return [data[a:b - 1].decode("utf-8") for a, b in zip(self._starts.tolist(), self._starts[1:].tolist())]


def write_figure_table(folder: Path, articles: Sequence[Article], sentences: Sequence[Sentence],
                       figures: Sequence[Figure]) -> None:
    """Compute the answering pre-filter's figure table (answering/prefilter.py) and save it into the generation,
    with the texts of its articles (ArticleTexts)."""
    from ..answering.prefilter import figure_table, save_table

    table = figure_table(figures)
    if not save_table(folder / TABLE, table):
        return
    save_article_texts(folder / TABLE, article_texts(table.doc_ids, {a.doc_id: a for a in articles}, sentences,
                                                      figures))


def save_article_texts(folder: Path, texts: Sequence[str]) -> None:
    """Write texts for ArticleTexts: texts.txt (UTF-8, one line break after each but the last) and their starts."""
    encoded = [t.encode("utf-8") for t in texts]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) + 1 for b in encoded], out=starts[1:])  # each text and its line break
    (folder / "texts.txt").write_bytes(b"\n".join(encoded))
    np.save(folder / "text_starts.npy", starts)


TABLE = "figure_table"
