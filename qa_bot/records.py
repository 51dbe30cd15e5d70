"""Frozen records that cross module boundaries: Article → Sentence/Chunk → Hit → Figure → Conflict → Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One source file, decoded, with what the manifest or the text says about it."""

    doc_id: str  # path relative to the corpus folder, with forward slashes
    path: str  # absolute path of the file
    title: str
    text: str  # plain text; for .txt/.md exactly the decoded file, for .html the markup-free text
    sha256: str  # of the raw file bytes
    outlet: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when unknown
    url: str = ""
    # For HTML: source_offsets[i] is the file offset of text[i] (len(text)+1 entries, last = end of file).
    # Empty for plain text, where text offsets are file offsets.
    source_offsets: tuple[int, ...] = ()

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to offsets in the decoded source file."""
        if not self.source_offsets:
            return start, end
        return self.source_offsets[start], self.source_offsets[max(end - 1, start)] + (1 if end > start else 0)


@dataclass(frozen=True)
class ArticleEntry:
    """What a list of articles shows of one (the page's article list and filters): no text, so that listing an
    archive of thousands makes no article's text."""

    doc_id: str
    title: str
    outlet: str = ""
    published: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article, with its offsets in `Article.text`."""

    doc_id: str
    n: int  # index of the sentence within its article
    start: int
    end: int
    text: str
    lemmas: str = ""  # its content lemmas, space-separated, from the parse at index time (for word matching)


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; the unit that is embedded, stored and retrieved."""

    id: str  # "<doc_id>#<n>"
    doc_id: str
    n: int
    start: int  # offsets in Article.text
    end: int
    text: str
    first_sentence: int  # Sentence.n of the first and last sentence in the chunk (inclusive)
    last_sentence: int


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval, with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None  # 1-based rank in the dense list, None if absent
    bm25_rank: int | None = None


@dataclass(frozen=True)
class Figure:
    """A figure reported in an article: a number (or date) with its unit, qualifier, measure and source."""

    value: float  # in the normalized unit of its dimension (km, km2, km/h, mm, currency as written, %, count)
    unit: str  # normalized unit: "" for a count, "km", "km2", "%", "USD", "date" (value = ordinal day) ...
    text: str  # the figure as written, e.g. "more than 120,000" or "7.5 miles (12 kilometers)"
    qualifier: str  # "", "about", "more than", "at least", "up to", "nearly", ...
    measure: str  # what is counted, e.g. "people evacuated", "civilians killed"
    doc_id: str
    quote: str  # the sentence holding the figure
    start: int  # offsets of the figure text in Article.text
    end: int
    sentence_start: int  # offsets of the quote in Article.text
    sentence_end: int
    said_by: str = ""  # who the sentence attributes it to, "" if nobody
    as_of: str = ""  # ISO date the figure refers to (published date, refined by "on Monday"), "" if unknown
    low: float = 0.0  # interval of true values the wording allows, in the normalized unit
    high: float = 0.0
    dimension: str = "count"  # count, length, area, speed, depth, money, percent, date, mass, ...
    kind: str = "number"  # "number" or "date" (later perhaps "name")
    # --- the frame: what the figure counts, in which event, where, how sure (from the dependency parse) ---
    counted: str = ""  # lemmas of the counted thing: "people", "death toll", "country"; "" when none is said
    predicate: str = ""  # lemma of the event the figure belongs to: "kill", "die", "evacuate", "sign", "toll"
    event: str = ""  # event class of the predicate (language/data/events.yaml), or the predicate lemma itself
    modality: str = "done"  # done | planned | ordered | feared | estimated | possible
    scope: tuple[str, ...] = ()  # places, organisations, groups the figure is restricted to ("Northfield")
    change: str = ""  # "" | "rise" | "fall" | "revised": the value moved or was corrected; "previous": the old value
    # of a change in the same sentence ("rose from [31] to 38", "up from [55%]")
    actor: str = ""  # the named subject whose count it is ("Ukraine has lost 29 tanks": Ukraine), "" if none

    def to_dict(self, article: Article | None = None) -> dict[str, Any]:
        """JSON-safe view; start/end are the quote's offsets in the source file, so they slice out the quote."""
        s, e = (article.source_span(self.sentence_start, self.sentence_end) if article
                else (self.sentence_start, self.sentence_end))
        fs, fe = (article.source_span(self.start, self.end) if article else (self.start, self.end))
        d = {
            "value": self.value, "unit": self.unit, "text": self.text, "qualifier": self.qualifier,
            "measure": self.measure, "doc_id": self.doc_id, "quote": self.quote, "start": s, "end": e,
            "said_by": self.said_by, "as_of": self.as_of,
            "text_start": fs, "text_end": fe, "low": self.low, "high": self.high,
            "dimension": self.dimension, "kind": self.kind, "counted": self.counted, "predicate": self.predicate,
            "event": self.event, "modality": self.modality, "scope": list(self.scope), "change": self.change,
            "actor": self.actor,
        }
        if article is not None:
            d.update(title=article.title, outlet=article.outlet, published=article.published)
        return d


@dataclass(frozen=True)
class Entity:
    """A named entity of a sentence (spaCy NER), with offsets in Article.text: the raw material of named answers."""

    text: str
    label: str  # PERSON, ORG, GPE, LOC, FAC, NORP, DATE, EVENT, ...
    doc_id: str
    start: int
    end: int
    sentence_start: int  # Sentence.start of the sentence holding it
    role: str = ""  # dependency of its head token in the sentence: nsubj, dobj, pobj, appos, compound, ...; "agent"
    # for the doer of a passive verb ("directed by Mara Quint"), whose head_lemma is then the verb's
    head_lemma: str = ""  # lemma of the word it depends on (the verb or noun it attaches to)
    # what the sentence says the name is, as offsets in Article.text (0, 0: nothing): the title before it ("Union
    # president" Dan Reyes), its apposition ("Dan Reyes, the union's president") or the complement of a copula
    # ("Reyes is the head of the union"); the answer to "Who is Dan Reyes?"
    about_start: int = 0
    about_end: int = 0


@dataclass(frozen=True)
class QuestionIntent:
    """A question parsed once (language/intent.py) and passed down: what kind of answer, about what, where, when."""

    question: str  # as asked, cleaned
    query: str  # retrieval text: the question, with the words of earlier turns for follow-ups
    answer_type: str  # count | amount | date | person | place | organisation | name (any named kind) | other
    predicate: str = ""  # lemma of the main verb or event noun: "kill", "evacuate", "sign"
    event: str = ""  # event class of the predicate (same classes as Figure.event)
    counted: str = ""  # lemmas of the thing counted: "people", "country"
    scope: tuple[str, ...] = ()  # places, organisations, groups the question restricts to
    time_pin: str = ""  # "" | "latest" | "earliest" | an ISO date the question asks about
    dimension: str = ""  # dimension asked for ("length", "money", "percent", ...), "" when any
    unit: str = ""  # normalized unit or currency asked for ("km", "USD"), "" when any
    words: tuple[str, ...] = ()  # content lemmas of the question (and of the history for follow-ups)
    names: tuple[str, ...] = ()  # entities named in the question (never the answer to it)
    # the names among them that only set the scene, which a figure's sentence need not repeat: a nationality
    # ("the Canadian jobless rate" is given "in Canada") and names in a clause of time ("when the ministers met in
    # Oslo")
    incidental: tuple[str, ...] = ()
    measure: str = ""  # "thing + event" phrase embedded to compare with the figures' measure phrases
    actor: str = ""  # the named subject of the question's event ("how many tanks has Russia lost": Russia)
    source: str = ""  # who the question wants the figure from ("according to Valery Gerasimov", "did police say")
    role: tuple[str, ...] = ()  # lemmas of the title a who/which question asks the holder of ("minister of
    # employment" → minister, employment), matched against the words around a name
    asks: str = ""  # "doer" ("who won", "who acquired X") or "undergoer" ("whom did he beat", "who was killed"):
    # the role of the wh-word in its clause, which the answer's name takes in the sentence that gives it
    whole: bool = False  # the question asks for the whole count ("altogether", "in total"), not one part of it
    modality: str = ""  # "" (what happened) or planned / ordered / feared / estimated / possible when the question
    # asks about that ("how many more are waiting to be evacuated", "how many were told to leave")
    group: tuple[str, ...] = ()  # words of a group of people the question restricts to ("the rate among young
    # people under 25" → young, 25): a figure answers only when its sentence names one of them


@dataclass(frozen=True)
class Conflict:
    """A group of figures for one measure whose values disagree beyond what wording and rounding allow."""

    measure: str
    figures: tuple[Figure, ...]  # ordered by the date each figure refers to
    note: str  # plain-language explanation, e.g. "31 (6 May, Daily Ledger) → 38 (8 May, City Wire)"
    kind: str = "conflict"  # conflict (same time, different values) | update (a later figure) | revision


@dataclass(frozen=True)
class Side:
    """One value of a group as a reader scans it: the value, what it counts, who reported it, for which date."""

    value: str  # as written by the best-supported figure of the side ("31", "more than 120,000")
    measure: str
    sources: tuple[str, ...]  # outlets (or short titles) reporting it, in date order
    date: str  # ISO date the value is reported for, "" when unknown
    figures: tuple[Figure, ...]
    disagrees: bool = False  # another side reports a different value for the same date


@dataclass(frozen=True)
class Dispute:
    """A figure group of the whole corpus whose sources disagree, were updated or revised, with its rank."""

    conflict: Conflict
    sides: tuple[Side, ...]  # one per value and date, in date order
    summary: str  # "death toll: 31 (Daily Ledger, 6 May) → 38 (City Wire, 8 May); 35 (Evening Star, 7 May) disagrees"
    score: float  # sources × (0.1 + relative spread): what the list is sorted by
    sources: int  # independent articles involved
    spread: float  # (max - min) / max of the values, 0..1

    @property
    def dated(self) -> bool:
        """Do the figures carry more than one date (so a timeline says something)?"""
        return len({s.date for s in self.sides if s.date}) > 1


@dataclass(frozen=True)
class Disputes:
    """Every dispute of a corpus, most consequential first, with the articles their figures come from."""

    items: tuple[Dispute, ...]
    sources: tuple[Article, ...] = field(default=(), compare=False, repr=False)
    seconds: float = field(default=0.0, compare=False)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: count and the disputes, each with the same figure records as Answer.to_dict()."""
        from .render.json import disputes_dict

        return disputes_dict(self)


@dataclass(frozen=True)
class Citation:
    """A quoted sentence that supports a claim in the answer, marked [n] in the answer text."""

    n: int
    doc_id: str
    title: str
    quote: str
    start: int  # offsets of the quote in the source file
    end: int
    score: float
    outlet: str = ""
    published: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What every surface (CLI, page, API, eval) shows; typed records, rendered at each edge (qa_bot/render/)."""

    question: str
    answer: str  # markdown with [n] markers: the lead, what changed or disagrees, the quoted sentences
    found: bool
    citations: tuple[Citation, ...] = ()
    figures: tuple[Figure, ...] = ()  # the figures shown side by side (the answering group first)
    conflicts: tuple[Conflict, ...] = ()  # groups whose figures disagree, were updated or revised
    lead: Figure | None = None  # the figure (or name, kind "name") the answer leads with
    sources: tuple[Article, ...] = field(default=(), compare=False, repr=False)  # articles of figures/citations
    intent: QuestionIntent | None = field(default=None, compare=False)
    retrieved: tuple[str, ...] = field(default=(), compare=False)  # chunk ids, in rank order (for eval)
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # (stage, seconds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: question, answer, found, lead, citations, figures, conflicts (and retrieved chunk ids)."""
        from .render.json import answer_dict  # the JSON edge lives with the other renderers

        return answer_dict(self)
