"""Answer: pick the retrieved sentences that answer the question, quote them with [n] citations, add figures."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..records import Answer, Article, Citation, Conflict, Figure, Hit, Sentence
from ..language.measures import IRREGULAR, measure_key
from ..settings import Settings

STOPWORDS = frozenset("""
a an the of in on at to for from by with about as into over after before during and or but not no nor so
is are was were be been being has have had do does did will would can could should may might must shall
what which who whom whose when where why how much many long far big large old
this that these those it its they them their there here he she his her him we our you your i me my
any some all each every than then also just only very more most less least up down out off
tell say said please give show find know according report reported did happen
""".split())

NUMBER_QUESTION = re.compile(r"\b(how (many|much|far|long|big|large|old|deep|wide)|what (number|percentage|share"
                             r"|amount|proportion)|number of|count of|total)\b", re.I)
HOW_MUCH = re.compile(r"\bhow much\b", re.I)
WHEN_QUESTION = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
                        r"hundreds?|thousands?|millions?|billions?|half|third|quarter|sixth)\b", re.I)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
HAS_DATE = re.compile(r"\b(19|20)\d\d\b|\b(" + _MONTHS + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b\.?|"
                      r"\b(" + _DAYS + r")\b")
FOLLOW_UP = re.compile(r"^\s*(and|or|but|what about|how about|also|then|same|so)\b|\b(it|they|them|there|that|"
                       r"those|these|he|she|his|her|its|their)\b", re.I)
CALENDAR = re.compile(r"(" + _MONTHS + "|" + _DAYS + r")$")
# Words of a figure question that say nothing about what is counted: "total", "last week", "so far".
FIGURE_NEUTRAL = frozenset("""total number amount figure count sum overall far yet still now currently last past
previous next week weeks month months year years day days today yesterday ago since recently""".split())
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F\u0400-\u04FF]+|\d[\d,.]*")


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with the parts of its score (kept for explanations and tuning)."""

    sentence: Sentence
    similarity: float  # cosine of question and sentence embeddings
    coverage: float  # share of the question's content words found in the sentence (prefix match)
    score: float


def content_words(text: str) -> list[str]:
    """Lower-cased words of a question that carry meaning (no stop words, no one-letter words)."""
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS and len(w) > 1]


def _stem(word: str) -> str:
    """Crude prefix stem: 'evacuated'/'evacuation'/'evacuate' → 'evacu' (5 letters keep inflections together);
    irregular forms first become their verb ('began' → 'begin', 'died'/'killed' → 'kill')."""
    word = IRREGULAR.get(word, word)
    return word[:5] if word.isalpha() and len(word) > 5 else word


def retrieval_query(question: str, history: Sequence[str]) -> tuple[str, list[str]]:
    """The text to retrieve with, and the words to focus on. A short or elliptical follow-up ("and in
    Belgorod?") borrows the previous question, so it is searched in the conversation's context, while its
    own new words ("belgorod") must still be matched by the sentences chosen."""
    if history and (len(content_words(question)) <= 2 or FOLLOW_UP.search(question)):
        earlier = set(content_words(history[-1]))
        return f"{history[-1]} {question}", [w for w in content_words(question) if w not in earlier]
    return question, []


def stems(text: str) -> set[str]:
    """The stems of the words of a text."""
    return {_stem(w.lower()) for w in _WORD.findall(text)}


@dataclass(frozen=True)
class WordWeights:
    """Inverse sentence frequency of word stems in the index: 'live' (1 sentence) outweighs 'Kursk' (40)."""

    df: Mapping[str, int]
    n: int

    @classmethod
    def from_sentences(cls, sentences: Sequence[Sentence]) -> "WordWeights":
        """Count, for every stem, the sentences that contain it."""
        df: dict[str, int] = {}
        for s in sentences:
            for stem in stems(s.text):
                df[stem] = df.get(stem, 0) + 1
        return cls(df, len(sentences))

    def idf(self, word: str) -> float:
        """log((n + 1) / (df + 1)) + 1: never zero, so every content word counts for something."""
        return math.log((self.n + 1) / (self.df.get(_stem(word), 0) + 1)) + 1.0


def coverage(words: Sequence[str], sentence: str, weights: WordWeights | None = None) -> float:
    """Share of content words (weighted by rarity when weights are given) whose stem occurs in the sentence."""
    if not words:
        return 0.0
    present = stems(sentence)
    w = [weights.idf(x) if weights else 1.0 for x in words]
    return sum(wi for x, wi in zip(words, w) if _stem(x) in present) / sum(w)


def question_names(question: str) -> list[str]:
    """Capitalized words after the first: the names a question is about ('Moscow', 'Bryansk')."""
    words = re.findall(r"[A-Za-z\u00C0-\u024F\u0400-\u04FF][\w'’-]*", question)
    names = [re.sub(r"['’]s?$", "", w) for w in words[1:]]  # "Wednesday's" → "Wednesday"
    parts = [p for w in names for p in w.split("-")]  # "Spider-Man": text splits it into words too
    return [w for w in parts if w[:1].isupper() and w.lower() not in STOPWORDS and len(w) > 1
            and w.isalpha() and not CALENDAR.match(w)]


def missing_names(question: str, context: str) -> list[str]:
    """The question's names, when the answer's context mentions none of them (else []): 'Who is the governor
    of Bryansk?' is not answered by a sentence about Belgorod. One name is enough — headline-style questions
    capitalize words ('Best Actor') that the answering sentence writes otherwise."""
    names = question_names(question)
    present = stems(context)
    return [] if any(_stem(n.lower()) in present for n in names) else names


def score_sentences(query: str, query_vector: np.ndarray, hits: Sequence[Hit], sentences: Sequence[Sentence],
                    sentence_vectors: np.ndarray, sentence_index: Mapping[tuple[str, int], int],
                    focus: Sequence[str] = (), weights: WordWeights | None = None) -> list[Scored]:
    """Every sentence of the retrieved chunks, scored: embedding similarity, word coverage, answer shape,
    and the follow-up's focus words (found in the sentence, or 3/4 as good in one of the two before it:
    news names the place once and then says "residents from the district")."""
    words = content_words(query)
    wants_number = bool(NUMBER_QUESTION.search(query))
    wants_date = bool(WHEN_QUESTION.search(query))
    seen: set[tuple[str, int]] = set()
    scored = []
    for rank, hit in enumerate(hits):
        # Two sentences past the chunk too: a figure often follows the sentence that names the place.
        for n in range(hit.chunk.first_sentence, hit.chunk.last_sentence + 3):
            key = (hit.chunk.doc_id, n)
            if key in seen or key not in sentence_index:
                continue
            seen.add(key)
            i = sentence_index[key]
            s = sentences[i]
            sim = float(sentence_vectors[i] @ query_vector)
            before = [sentences[b].text for b in (sentence_index.get((s.doc_id, s.n - k)) for k in (1, 2))
                      if b is not None] if focus else []
            # a follow-up's words may sit in the sentence before ("in Belgorod ... About 11,000 residents")
            cov = coverage(words, " ".join([*before, s.text]), weights)
            score = 0.7 * sim + 0.3 * cov
            if wants_number and not HAS_NUMBER.search(s.text):
                score -= 0.25  # "how many" is not answered by a sentence without any number
            if wants_date and not HAS_DATE.search(s.text):
                score -= 0.15
            if focus:
                near = max((coverage(focus, b) * 0.75 for b in before), default=0.0)
                score += 0.5 * max(coverage(focus, s.text), near) - 0.25
            if len(s.text) < 25:
                score -= 0.1  # headings, datelines, "— BRICS News" lines rarely answer anything
            score -= 0.004 * rank  # a mild preference for better-ranked chunks
            scored.append(Scored(s, sim, cov, score))
    return sorted(scored, key=lambda x: (-x.score, x.sentence.doc_id, x.sentence.n))


def is_answered(best: Scored | None, query: str, settings: Settings) -> bool:
    """Does the best sentence answer the question? Needs meaning (similarity) and, unless the meaning is
    very close, substance (the question's rarer words): 'What is the population of Kyiv?' meets sentences
    about Kyiv that share one word and little meaning (similarity 0.39)."""
    if best is None:
        return False
    if best.similarity >= settings.min_relevance + 0.15:
        return True
    need = 0.5 if len(content_words(query)) <= 3 else 0.35
    return best.similarity >= settings.min_relevance and best.coverage >= need


def named_in_context(scored: Sequence[Scored], query: str, sentences: Sequence[Sentence],
                     sentence_index: Mapping[tuple[str, int], int], titles: Mapping[str, str],
                     limit: int = 12) -> list[Scored]:
    """The best-scored sentences whose context names every name of the question (a question about
    Moscow is not answered by a sentence about Kursk alone); looks at the top `limit` only."""
    if not question_names(query):
        return list(scored)
    return [s for s in scored[:limit]
            if not missing_names(query, context_of(s.sentence, sentences, sentence_index, titles[s.sentence.doc_id]))]


def context_of(s: Sentence, sentences: Sequence[Sentence], sentence_index: Mapping[tuple[str, int], int],
               title: str) -> str:
    """A sentence with the five before it and its article's title: where news names who and where."""
    before = [sentence_index.get((s.doc_id, s.n - k)) for k in (5, 4, 3, 2, 1)]
    return " ".join([title, *(sentences[i].text for i in before if i is not None), s.text])


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


def md_escape(text: str) -> str:
    """Article text as literal markdown: no links, HTML, emphasis or code can come out of it."""
    return re.sub(r"([\\`*_\[\]<>#|!~])", r"\\\1", " ".join(text.split()))


def citation_for(n: int, article: Article, start: int, end: int, quote: str, score: float) -> Citation:
    """A citation of article.text[start:end]; its start/end slice the quote out of the source file."""
    s, e = article.source_span(start, end)
    return Citation(n=n, doc_id=article.doc_id, title=article.title, quote=quote, start=s, end=e,
                    score=round(score, 4), outlet=article.outlet, published=article.published, url=article.url)


def wants_figure(query: str) -> str:
    """"number" for how-many/how-much questions, "date" for when-questions, "" otherwise."""
    if NUMBER_QUESTION.search(query):
        return "number"
    return "date" if WHEN_QUESTION.search(query) else ""


def answer_figure(query: str, sentence: Sentence, figures: Sequence[Figure], window: int = 6) -> Figure | None:
    """The figure of this sentence that counts what the question asks about, if any: its measure (counting
    double) or the words around it (`window` words either side) share words with the question, names aside. "How many people
    live in the Kursk region?" is not answered by "12 civilians killed in the Kursk region", though that
    sentence shares 'Kursk region' and has a number."""
    wanted = wants_figure(query)
    names = {_stem(n.lower()) for n in question_names(query)}
    words = {_stem(w) for w in content_words(query) if w not in FIGURE_NEUTRAL} - names
    key = measure_key(query)
    nouns, mode = {n[:5] for n in key.nouns} & words, key.mode
    best, best_hits = None, (0, 0)
    for f in figures:
        if (wanted == "date") != (f.kind == "date") or f.kind == "name":
            continue
        rel_start, rel_end = f.start - sentence.start, f.end - sentence.start
        before = _WORD.findall(sentence.text[:max(rel_start, 0)])[-window:]
        after = _WORD.findall(sentence.text[max(rel_end, 0):])[:window]
        measure = stems(f.measure)
        in_measure = len(words & measure) - (measure_key(f.measure).mode != mode)  # "told to evacuate" is not
        # an answer to "how many were evacuated", though it shares the verb
        # ranked by shared words (those of the measure count double), then by the counted thing: for "How
        # many children were wounded?", "10 children" beats "121 civilians wounded"
        hits = (2 * in_measure + len(words & (stems(" ".join(before + after)) - measure)), len(nouns & measure))
        if hits[0] and hits > best_hits:  # "29 tanks and 23 armored personnel carriers": 'carriers?' picks 23
            best, best_hits = f, hits
    return best


def figure_first(query: str, scored: Sequence[Scored], figures_of, look: int = 3) -> list[Scored]:
    """For a how-many or when question: the scored sentences with the best of the top `look` whose figure
    answers the question moved first, or [] when none of them has one (the question is not answered).
    Other questions: unchanged. figures_of(sentence) gives a sentence's figures."""
    if not wants_figure(query):
        return list(scored)
    found = [(i, answer_figure(query, s.sentence, figures_of(s.sentence))) for i, s in enumerate(scored[:look])]
    found = [(i, f) for i, f in found if f is not None]
    if HOW_MUCH.search(query):
        # "How much damage?" asks for an amount (money, area, rain), not a count of damaged homes
        found = [(i, f) for i, f in found if f.dimension != "count"] or found
    if not found:
        return []
    i = found[0][0]
    return [scored[i], *scored[:i], *scored[i + 1:]]


TIME_PINNED = re.compile(r"\b(first|initial(ly)?|earlie(r|st)|original(ly)?|at first|at the (start|outset)|"
                         r"before|until|as of|on (" + _DAYS + r")|(" + _MONTHS + r") \d{1,2}|(19|20)\d\d)\b", re.I)


def best_supported(query: str, answering_figure: Figure | None, figures: Sequence[Figure],
                   same_measure: Callable[[Figure, Figure], bool]) -> Figure | None:
    """The figure to lead with: among the table's figures of the same measure as the one that answers the
    question, the first — figures_for_question lists the best-supported cluster (most independent sources,
    then latest date) first, so a later "41 dead" leads over an earlier "34 died" quoted higher up. A
    question pinned to a time ("according to the first reports") keeps the figure that answers it."""
    if answering_figure is None or TIME_PINNED.search(query):
        return answering_figure
    return next((f for f in figures if same_measure(f, answering_figure)), answering_figure)


def lead_cluster(lead: Figure | None, figures: Sequence[Figure],
                 same_measure: Callable[[Figure, Figure], bool]) -> list[Figure]:
    """The figure that answers the question and every figure of the table that agrees with it (same unit and
    measure, overlapping intervals); [] without a lead. A name leads only its other spellings."""
    if lead is None:
        return []
    out = [lead]
    for f in figures:
        if (f.doc_id, f.start) == (lead.doc_id, lead.start):
            continue
        if lead.kind == "name":
            from .names import same_name  # names builds on this module

            if f.kind == "name" and same_name(f.text, lead.text):
                out.append(f)
        elif f.low <= lead.high and lead.low <= f.high and same_measure(f, lead):
            out.append(f)
    return out


def _lead_line(cluster: Sequence[Figure], markers: Sequence[int], articles: Mapping[str, Article]) -> str:
    lead = cluster[0]
    docs = sorted({f.doc_id for f in cluster})
    agree = f"{len(docs)} articles agree" if len(docs) > 1 else "1 article"
    dates = sorted({f.as_of or articles[f.doc_id].published for f in cluster} - {""})
    when = f", as of {dates[-1]}" if dates else ""
    marks = "".join(f"[{n}]" for n in sorted(markers))
    shown = lead.text[0].lower() + lead.text[1:] if lead.qualifier and lead.text else lead.text  # "Some 121,000"
    what = "answer" if lead.kind == "name" else "figure"
    measure = f" {md_escape(lead.measure)}" if lead.kind != "name" and lead.measure else ""
    return f"**{md_escape(shown)}**{measure} — the best-supported {what} ({agree}{when}) {marks}".rstrip()


def source_label(article: Article) -> str:
    """'Title (Outlet, 2024-08-12)' with whatever is known."""
    extra = ", ".join(x for x in (article.outlet, article.published) if x)
    return f"{article.title} ({extra})" if extra else article.title


def anchored(figures: Sequence[Figure], conflicts: Sequence[Conflict], chosen: Sequence[Scored]):
    """For a question that asks for no figure: only the figures the quoted sentences give, and the conflicts
    they are part of — an answer about who said what needs no table of unrelated numbers."""
    quoted = {(s.sentence.doc_id, s.sentence.start) for s in chosen}

    def here(f: Figure) -> bool:
        return (f.doc_id, f.sentence_start) in quoted

    kept = [c for c in conflicts if any(here(f) for f in c.figures)]
    members = {(f.doc_id, f.start) for c in kept for f in c.figures}
    return [f for f in figures if here(f) or (f.doc_id, f.start) in members], kept


def compose(question: str, chosen: Sequence[Scored], articles: Mapping[str, Article],
            figures: Sequence[Figure], conflicts: Sequence[Conflict], table: str,
            retrieved: Sequence[str], body: str | None = None, lead: Figure | None = None,
            same_measure: Callable[[Figure, Figure], bool] | None = None) -> Answer:
    """The answer: the lead figure that answers the question (if any) with every article that agrees, then one
    quoted sentence per line with its [n] marker (or `body`, an LLM's text citing the same [n]), then the
    figures table."""
    citations = [citation_for(i, articles[s.sentence.doc_id], s.sentence.start, s.sentence.end, s.sentence.text,
                              s.score) for i, s in enumerate(chosen, 1)]
    lines = []
    cluster = lead_cluster(lead, figures, same_measure or (lambda a, b: a.measure == b.measure))
    if cluster:  # lead with the best-supported figure, citing every sentence that gives it
        markers = []
        for f in cluster:
            known = next((c.n for c in citations if c.doc_id == f.doc_id and c.quote == f.quote), None)
            if known is None:
                known = len(citations) + 1
                citations.append(citation_for(known, articles[f.doc_id], f.sentence_start, f.sentence_end, f.quote,
                                              0.0))
            if known not in markers:
                markers.append(known)
        lines.append(_lead_line(cluster, markers, articles) + "\n")
    if conflicts:
        lines.append(f"**The sources disagree** on {len(conflicts)} figure(s); see the table below.\n")
    if body:
        lines.append(body)
    else:
        lines.append("From the articles:\n")
        for c in citations[:len(chosen)]:  # best first, so [1] is the strongest support
            lines.append(f"- {md_escape(c.quote)} [{c.n}]")
    text = "\n".join(lines)
    if table:
        text += "\n\n" + table
    return Answer(question=question, answer=text, found=True, citations=tuple(citations),
                  figures=tuple(f.to_dict(articles.get(f.doc_id)) for f in figures),
                  conflicts=tuple({"measure": c.measure, "note": c.note,
                                   "figures": [f.to_dict(articles.get(f.doc_id)) for f in c.figures]}
                                  for c in conflicts),
                  retrieved=tuple(retrieved))


def not_found(question: str, retrieved: Sequence[str], closest: Scored | None,
              articles: Mapping[str, Article]) -> Answer:
    """'The articles do not answer this' — a normal answer, with the nearest sentence named but not cited."""
    text = ("The indexed articles do not answer this question. Try other words, or add articles that cover it "
            "(`qa-bot index --corpus FOLDER`).")
    if closest is not None:
        text += (f"\n\nThe closest sentence found ({md_escape(source_label(articles[closest.sentence.doc_id]))}) "
                 f"was not close enough to quote as an answer: “{md_escape(closest.sentence.text[:200])}”")
    return Answer(question=question, answer=text, found=False, retrieved=tuple(retrieved))
