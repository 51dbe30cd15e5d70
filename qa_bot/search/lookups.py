"""Look-ups of a generation that do not depend on the question, written at index time into the generation folder
(lookups.npz) so a serving process reads arrays instead of rebuilding them from 200,000 records."""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from ..records import Article, Figure, Sentence

log = logging.getLogger(__name__)

LOOKUPS = "lookups.npz"
WORDS = re.compile(r"[^\W_]+")


class WordDocs(Mapping[str, frozenset]):
    """Each lower-case word of the articles → the articles that use it, as postings (article rows per word);
    a word's frozenset is made when it is first asked for."""

    def __init__(self, words: Sequence[str], indptr: np.ndarray, rows: np.ndarray, doc_ids: Sequence[str]):
        self._at = {w: i for i, w in enumerate(words)}
        self._indptr, self._rows, self._doc_ids = indptr, rows, doc_ids
        self._made: dict[str, frozenset[str]] = {}

    def __getitem__(self, word: str) -> frozenset[str]:
        made = self._made.get(word)
        if made is None:
            i = self._at[word]  # KeyError for a word no article uses, as a dict
            ids = self._doc_ids
            made = self._made[word] = frozenset(ids[r] for r in self._rows[self._indptr[i]:self._indptr[i + 1]])
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def word_postings(articles: Sequence[Article]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sorted words, indptr, article rows): the articles (rows of `articles`) whose text has each word."""
    by_word: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        for w in set(WORDS.findall(a.text.lower())):
            by_word.setdefault(w, []).append(i)
    words = sorted(by_word)
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(by_word[w]) for w in words], out=indptr[1:])
    rows = np.fromiter((r for w in words for r in by_word[w]), dtype=np.int32, count=int(indptr[-1]))
    return words, indptr, rows


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


def write_lookups(folder: Path, articles: Sequence[Article], sentences: Sequence[Sentence],
                  figures: Sequence[Figure]) -> None:
    """Compute and save the look-ups of a generation into its folder (before the generation goes live)."""
    words, indptr, rows = word_postings(articles)
    with open(folder / LOOKUPS, "wb") as fh:
        # the words as one "\n"-joined UTF-8 buffer (a word is letters and digits only): no pickle, no fixed width
        np.savez(fh, words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8), word_indptr=indptr, word_rows=rows,
                 figure_sentence_rows=figure_sentence_rows(sentences, figures),
                 counts=np.array([len(articles), len(sentences), len(figures)], dtype=np.int64))


def read_lookups(folder: Path, articles: Sequence[Article], sentences: Sequence[Sentence],
                 figures: Sequence[Figure]) -> tuple[WordDocs, np.ndarray]:
    """(word → articles, figure sentence rows) of a generation: from lookups.npz when it is there and matches the
    records, else computed (an index written before the file existed, or a damaged file)."""
    doc_ids = [a.doc_id for a in articles]
    try:
        with np.load(folder / LOOKUPS, allow_pickle=False) as z:
            counts = z["counts"].tolist()
            if counts != [len(articles), len(sentences), len(figures)]:
                raise ValueError(f"it counts {counts} records")
            text = z["words"].tobytes().decode()
            words, indptr, rows = text.split("\n") if text else [], z["word_indptr"], z["word_rows"]
            figure_rows = z["figure_sentence_rows"]
            if len(indptr) != len(words) + 1 or len(figure_rows) != len(figures):
                raise ValueError("its arrays do not match")
        return WordDocs(words, indptr, rows, doc_ids), figure_rows
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("%s in %s is unreadable (%s); building the look-ups in memory", LOOKUPS, folder, exc)
    words, indptr, rows = word_postings(articles)
    return WordDocs(words, indptr, rows, doc_ids), figure_sentence_rows(sentences, figures)
