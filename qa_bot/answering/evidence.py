"""Evidence: the sentences of the retrieved chunks, scored against the question, and the ones worth quoting."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Callable, Collection, Mapping, Sequence

import numpy as np

from ..records import Article, Citation, Hit, QuestionIntent, Sentence
from ..settings import Settings

_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.]*")


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with the parts of its score (kept for explanations and tuning)."""

    sentence: Sentence
    similarity: float  # cosine of question and sentence embeddings
    coverage: float  # share of the question's content lemmas found in the sentence (weighted by rarity)
    score: float


def sentence_lemmas(sentence: Sentence) -> frozenset[str]:
    """The content lemmas stored for a sentence at index time (lower-case words if it has none)."""
    if sentence.lemmas:
        return frozenset(sentence.lemmas.split())
    return frozenset(w.lower() for w in _WORD.findall(sentence.text))


@dataclass(frozen=True)
class WordWeights:
    """Inverse sentence frequency of lemmas in the index: 'live' (1 sentence) outweighs 'Kursk' (40)."""

    df: Mapping[str, int]
    n: int
    postings: Mapping[str, Sequence[int]] = field(default_factory=dict)  # lemma → rows of the sentences using it

    @classmethod
    def from_sentences(cls, sentences: Sequence[Sentence]) -> "WordWeights":
        """Count, for every lemma, the sentences that contain it (and keep their rows)."""
        postings: dict[str, list[int]] = {}
        for i, s in enumerate(sentences):
            for lemma in sentence_lemmas(s):
                postings.setdefault(lemma, []).append(i)
        return cls({w: len(r) for w, r in postings.items()}, len(sentences), postings)

    def rows_with_all(self, words: Sequence[str], limit: int = 50) -> list[int]:
        """Rows of the sentences that contain every one of the lemmas (at most `limit`), rarest list first."""
        lists = sorted((self.postings.get(w, ()) for w in set(words)), key=len)
        if not lists or not lists[0]:
            return []
        rows = list(lists[0])
        for other in lists[1:]:
            # every posting list is ascending: the rarest one is looked up in the others by bisection, not by
            # building a set of a common word's rows ("people": 20,000 rows at 11,000 chunks)
            rows = [r for r in rows if (k := bisect_left(other, r)) < len(other) and other[k] == r]
            if not rows:
                return []
        return rows[:limit]

    def idf(self, lemma: str) -> float:
        """log((n + 1) / (df + 1)) + 1: never zero, so every content word counts for something."""
        return math.log((self.n + 1) / (self.df.get(lemma, 0) + 1)) + 1.0


def word_coverage(words: Sequence[str], weights: WordWeights | None = None) -> Callable[[frozenset[str]], float]:
    """Share of the question's content lemmas (weighted by rarity when weights are given) in a sentence's lemmas,
    as a function of those lemmas: the words' weights are looked up once per question, not once per sentence."""
    if not words:
        return lambda lemmas: 0.0
    pairs = [(x, weights.idf(x) if weights else 1.0) for x in words]
    total = sum(wi for _, wi in pairs)
    return lambda lemmas: sum(wi for x, wi in pairs if x in lemmas) / total


def score_sentences(intent: QuestionIntent, query_vector: np.ndarray, hits: Sequence[Hit],
                    sentences: Sequence[Sentence], sentence_vectors: np.ndarray,
                    sentence_index: Mapping[tuple[str, int], int], weights: WordWeights | None,
                    has_answer_shape: Callable[[Sentence], bool],
                    doc_ids: Collection[str] | None = None) -> list[Scored]:
    """Every sentence of the retrieved chunks (and the two after each), scored: embedding similarity, lemma
    coverage, and whether it holds something of the asked kind (a figure, a date, a name)."""
    words = list(intent.words)
    covered = word_coverage(words, weights)
    seen: set[tuple[str, int]] = set()
    scored = []
    for rank, hit in enumerate(hits):
        # two sentences past the chunk too: a figure often follows the sentence that names the place
        for n in range(hit.chunk.first_sentence, hit.chunk.last_sentence + 3):
            key = (hit.chunk.doc_id, n)
            if key in seen or key not in sentence_index:
                continue
            seen.add(key)
            i = sentence_index[key]
            s = sentences[i]
            sim = float(sentence_vectors[i] @ query_vector)
            cov = covered(sentence_lemmas(s))
            score = 0.7 * sim + 0.3 * cov
            if intent.answer_type != "other" and not has_answer_shape(s):
                score -= 0.2  # "how many" is not answered by a sentence without any figure
            if len(s.text) < 25:
                score -= 0.1  # headings, datelines, "— BRICS News" lines rarely answer anything
            score -= 0.004 * rank  # a mild preference for better-ranked chunks
            scored.append(Scored(s, sim, cov, score))
    # a sentence holding every word of the question is evidence wherever its chunk ranked ("the Ukrainian
    # military chief Oleksandr Syrskyi said ..." in a chunk about territory)
    # and so is one holding every word of the title asked about ("Minister of Employment Martine Aubry")
    extra = [*weights.rows_with_all(words)] if weights is not None and len(set(words)) >= 2 else []
    if weights is not None and intent.role:
        extra += weights.rows_with_all(intent.role)
    for i in extra:
        s = sentences[i]
        if (s.doc_id, s.n) in seen or doc_ids is not None and s.doc_id not in doc_ids:
            continue
        seen.add((s.doc_id, s.n))
        sim = float(sentence_vectors[i] @ query_vector)
        cov = covered(sentence_lemmas(s))
        score = 0.7 * sim + 0.3 * cov - (0.2 if intent.answer_type != "other" and not has_answer_shape(s) else 0.0)
        scored.append(Scored(s, sim, cov, score - 0.004 * len(hits)))
    return sorted(scored, key=lambda x: (-x.score, x.sentence.doc_id, x.sentence.n))


def is_relevant(best: Scored | None, intent: QuestionIntent, settings: Settings) -> bool:
    """Does the sentence speak to the question? Meaning (similarity) and, unless the meaning is very close,
    substance (the question's rarer words)."""
    if best is None:
        return False
    if best.similarity >= settings.min_relevance + 0.15:
        return True
    need = 0.5 if len(intent.words) <= 3 else 0.35
    return best.similarity >= settings.min_relevance and best.coverage >= need


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def select(scored: Sequence[Scored], settings: Settings) -> list[Scored]:
    """The best sentences within reach of the top one; at most one near-identical wording, and a nudge
    towards different articles so a reader sees every source that reports the answer."""
    if not scored:
        return []
    floor = max(scored[0].score - 0.12, scored[0].score * 0.8)
    chosen: list[Scored] = []
    texts: set[str] = set()
    docs: set[str] = set()
    pool = [s for s in scored if s.score >= floor]
    pool.sort(key=lambda s: (-(s.score - (0.05 if s.sentence.doc_id in docs else 0.0)), s.sentence.doc_id))
    for cand in pool:
        key = _normal(cand.sentence.text)
        if key in texts:
            continue
        chosen.append(cand)
        texts.add(key)
        docs.add(cand.sentence.doc_id)
        if len(chosen) >= settings.max_sentences:
            break
    return chosen


def citation_for(n: int, article: Article, start: int, end: int, quote: str, score: float) -> Citation:
    """A citation of article.text[start:end]; its start/end slice the quote out of the source file."""
    s, e = article.source_span(start, end)
    return Citation(n=n, doc_id=article.doc_id, title=article.title, quote=quote, start=s, end=e,
                    score=round(score, 4), outlet=article.outlet, published=article.published, url=article.url)
