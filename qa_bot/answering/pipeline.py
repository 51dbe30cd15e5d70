"""One question's walk: evidence → figure report or named answer → composed Answer (or a normal 'not found')."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Collection, Sequence

import numpy as np

from ..records import Answer, Conflict, Hit, QuestionIntent, Sentence
from ..search.view import IndexView, same_event
from ..settings import Settings
from .compose import compose, not_found
from ..language.lexicon import event_class, is_event_word
from .evidence import Scored, is_relevant, score_sentences, select, sentence_lemmas
from .named import ALSO, LABELS, described, named_answer
from .prefilter import answering_rows, docs_key, families_within, figures_within, places_within, scope_mask
from .report import Candidate, candidates, figure_date, figure_report, group_note, scope_name, without_places


ANCHORED_COVERAGE = 0.75
FIGURE_TYPES = ("count", "amount", "date")  # answer types read from the figure frames (with the measure phrase)


def answer_shape(view: IndexView, intent: QuestionIntent):
    """Does a sentence hold something of the asked kind: a figure of the right kind, or an entity?"""
    # a person is often tagged an organisation by the small model ("Ashleigh Barty": ORG): those count too
    labels = (*LABELS.get(intent.answer_type, ()), *ALSO.get(intent.answer_type, ()))

    def shape(s: Sentence) -> bool:
        key = (s.doc_id, s.start)
        if intent.answer_type in ("count", "amount"):
            return any(f.kind == "number" for f in view.sentence_figures.get(key, ()))
        if intent.answer_type == "date" and any(f.kind == "date" for f in view.sentence_figures.get(key, ())):
            return True
        return any(e.label in labels for e in view.entities.get(key, ()))
    return shape

def tells_event(evidence: Scored, intent: QuestionIntent) -> bool:
    """Does the sentence name the asked event (its lemma, or a word of its event class)? A date question is only
    answered by a sentence about that event."""
    if not intent.predicate:
        return True
    lemmas = sentence_lemmas(evidence.sentence)
    return intent.predicate in lemmas or bool(intent.event) and any(
        event_class(w) == intent.event for w in lemmas if is_event_word(w))


OWNER_REACH = 40  # characters between a person's name and a figure of theirs ("Mark O. Barton, 44,")


def owner_of(view: IndexView):
    """The person a figure belongs to: the PERSON entity of its sentence nearest before it (within OWNER_REACH
    characters), else the nearest after it, else ""."""
    def owner(f) -> str:
        people = [e for e in view.entities.get((f.doc_id, f.sentence_start), ()) if e.label == "PERSON"]
        before = [e for e in people if e.end <= f.start and f.start - e.end <= OWNER_REACH]
        if before:
            return max(before, key=lambda e: e.end).text
        after = [e for e in people if e.start >= f.end and e.start - f.end <= OWNER_REACH]
        return min(after, key=lambda e: e.start).text if after else ""
    return owner


def outside_pin(pin: str, figures: Sequence, articles) -> str:
    """Why no figure answers a question pinned to a year the answering figures are not from ("How many died in
    2019?" of reports from 2024: the latest 2024 figure is no answer), or "" when one may. Figures of unknown
    date could be from any time, so they never rule the question out."""
    if not pin[:1].isdigit() or not figures:
        return ""
    dates = [figure_date(f, articles) for f in figures]
    if not all(dates) or any(d[:4] == pin[:4] for d in dates):
        return ""
    first, last = min(dates), max(dates)
    span = first if first == last else f"{first} to {last}"
    return f"The figures on this are from {span}, none from {pin}."


def figure_candidates(intent: QuestionIntent, view: IndexView, doc_id: str, qvec: np.ndarray, mvec: np.ndarray,
                      doc_ids: Collection[str] | None, encode: Callable[[list[str]], np.ndarray] | None = None,
                      prefilter: bool = True, told: bool = False) -> tuple[list[Candidate], dict[str, str]]:
    """The figures that answer, among those of the articles on doc_id's event (and in doc_ids), with the source
    families of those articles. What does not depend on the question's words (the event's articles, their
    places and families) is computed once per loaded index and event; figures of the wrong type, modality or
    event class are dropped by a numpy mask before candidates() looks at each one (prefilter=False: every figure
    goes through candidates(), for the test that both give the same)."""
    gen = view.generation
    table = view.figure_table()
    scope, in_scope = view.memo(("event", doc_id), lambda: _event(view, doc_id))
    docs = in_scope if doc_ids is None else in_scope & table.doc_mask(doc_ids)
    key = docs_key(docs)
    # common_places decides each name on its own: the figures' places once per event, the question's apart
    places = view.memo(("places", key), lambda: places_within(table, docs))
    common = view.memo(("common", scope, key), lambda: view.common_places(scope, places))  # scope: a frozenset
    extra = {scope_name(x) for x in intent.scope} - places
    if extra:  # one name at a time, memoized too: common_places makes a set of the event's articles per call
        common = common | {n for n in extra
                           if view.memo(("common", scope, n), lambda n=n: view.common_places(scope, {n}))}
    asked = intent
    if intent.scope and all(scope_name(x) in common for x in intent.scope):
        asked = replace(intent, scope=())  # "in Castrel" of a corpus on the Castrel floods restricts nothing
    within = view.memo(("figures", key), lambda: figures_within(table, docs))  # the event's figures, once
    rows = within.rows
    if prefilter:
        rows = answering_rows(table, asked, within)  # read by the codes that pass: linear in the rows kept
        if asked.scope and asked.dimension != "age":  # candidates() checks no scope for an age
            rows = rows[scope_mask(table, asked.scope, view.in_articles, rows)]  # (on the fewer rows left)
    allowed = rows.tolist()
    rows = view.figure_sentence_rows[allowed] if allowed else np.zeros(0, dtype=np.int64)
    sims = gen.sentence_vectors[rows] @ qvec if len(rows) else np.zeros(0)
    local = [without_places(gen.figures[i], common) for i in allowed]
    # the people and organisations the question names, other than the event's own places, its scope (matched
    # apart, places within it included) and the source it asks the figure from, are what the figure must be
    # about ("Kevin Uliassi's flight")
    # (a nationality says where, in a word the articles may not use: "the Canadian jobless rate" is given as "the
    # unemployment rate in Canada", so it is no name a figure must repeat)
    named = tuple(n for n in intent.names if scope_name(n) not in common and n != intent.source
                  and n not in intent.scope and n not in intent.incidental)
    cands = candidates(asked, mvec, qvec, local, gen.measure_vectors, sims,
                       [view.figure_contexts[i] for i in allowed], allowed, view.sentences_naming,
                       view.similar_words(encode) if encode is not None else None, owner_of(view), named, told)
    return cands, view.memo(("families", key), lambda: families_within(table, docs))


def _event(view: IndexView, doc_id: str) -> tuple[frozenset[str], np.ndarray]:
    """The articles on doc_id's event (same_event), as a set and as a mask over the figure table's articles."""
    scope = frozenset(same_event(view, doc_id))  # hashable: articles on one event share what is memoized
    return scope, view.figure_table().doc_mask(scope)


def event_article(scored: Sequence[Scored], intent: QuestionIntent, view: IndexView) -> str:
    """The article whose event the figures are taken from: the best sentence's, unless the question pins a
    period and a lower sentence gives a figure of the asked event for that period ("revenue in Q1 2021" beside a
    closer sentence on Q1 2023's revenue: two quarters' reports need not read alike)."""
    pin = intent.time_pin
    if pin[:1].isdigit():
        for sc in scored:
            for f in view.sentence_figures.get((sc.sentence.doc_id, sc.sentence.start), ()):
                if f.kind == "number" and (not intent.event or f.event == intent.event) \
                        and figure_date(f, view.articles)[:len(pin)] == pin:
                    return f.doc_id
    return scored[0].sentence.doc_id


def answer_question(intent: QuestionIntent, view: IndexView, hits: Sequence[Hit], qvec: np.ndarray,
                    mvec: np.ndarray, doc_ids: Collection[str] | None, settings: Settings,
                    encode: Callable[[list[str]], np.ndarray] | None = None) -> Answer:
    """evidence → figure report or named answer → composed Answer (or a normal 'not found' answer)."""
    gen = view.generation
    retrieved = [h.chunk.id for h in hits]
    scored = score_sentences(intent, qvec, hits, gen.sentences, gen.sentence_vectors, view.sentence_index,
                             view.weights, answer_shape(view, intent), doc_ids)
    closest = scored[0] if scored else None
    if closest is None:
        return not_found(intent, retrieved, None, view.articles)
    lead, agreeing, figures, conflicts = None, (), (), ()
    chosen: list[Scored] = []

    def from_figures(told: bool = False):
        """(lead, agreeing, figures, conflicts) from the event's figures; told: the last resort's looser match."""
        similar = view.similar_words(encode) if encode is not None else None
        cands, families = figure_candidates(intent, view, event_article(scored, intent, view), qvec, mvec, doc_ids,
                                            encode, told=told)
        report = figure_report(intent, cands, gen.measure_vectors, view.articles, (), similar, families)
        return report.lead, report.agreeing, report.figures, report.conflicts

    if intent.answer_type in FIGURE_TYPES:
        lead, agreeing, figures, conflicts = from_figures()
        outside = outside_pin(intent.time_pin, figures, view.articles)
        if outside:
            return not_found(intent, retrieved, closest, view.articles, outside)
    if intent.asks == "identity":  # "Who is Dan Reyes?": what the articles say the name is
        named = described(intent, scored, view.entities, view.articles)
        if named is not None:
            lead, agreeing, chosen = named.lead, (named.lead,), list(named.support[:1])
    if lead is None and intent.answer_type in ("person", "place", "organisation", "date", "name"):
        rows = view.sentence_index

        def similarity(a: Sentence, b: Sentence) -> float:
            return float(gen.sentence_vectors[rows[(a.doc_id, a.n)]] @ gen.sentence_vectors[rows[(b.doc_id, b.n)]])

        named = named_answer(intent, scored, view.entities, view.articles, similarity)
        if named is not None and intent.answer_type == "date" and not tells_event(named.support[0], intent):
            named = None  # "when was Smirnov appointed" is not answered by the day he wrote on Telegram
        # a name next to every word of the question answers it even when the sentence is about more
        # ("Union president Dan Reyes said the workers would help": similarity 0.22, all words present)
        # the name is quoted from its best sentence that speaks to the question: the one that gave it the most
        # points may be a bare "the movie's director Bryan Singer", where another says "directed ... 'Pretty Woman'"
        speaks = None if named is None else next(
            (x for x in named.support if is_relevant(x, intent, settings)),
            named.support[0] if named.anchored and named.support[0].coverage >= ANCHORED_COVERAGE else None)
        if speaks is not None:
            lead, agreeing = named.lead, (named.lead,)
            chosen = [speaks]
            if named.rivals:
                figs = (named.lead, *named.rivals)
                figures = figs
                conflicts = (Conflict(measure=intent.predicate or "answer", figures=figs, kind="conflict",
                                      note=group_note(figs, "conflict", view.articles, {})),)
    if lead is None and intent.answer_type in ("date", "count"):
        # the last resort: the reports tell the event in other words than the question's
        retold = from_figures(told=True)
        if retold[0] is not None and not outside_pin(intent.time_pin, retold[2], view.articles):
            lead, agreeing, figures, conflicts = retold
    if lead is None:
        # a question for a name of no known kind ("which actor") falls back to the sentences that answer it
        if intent.answer_type not in ("other", "name") or not is_relevant(closest, intent, settings):
            return not_found(intent, retrieved, closest, view.articles)
    if lead is not None and lead.kind != "name":
        # quote the sentence that gives the lead first, then the best evidence
        lead_sentence = next((x for x in scored if x.sentence.doc_id == lead.doc_id
                              and x.sentence.start == lead.sentence_start), None)
        row = view.sentence_row(lead.doc_id, lead.sentence_start) if lead_sentence is None else None
        if row is not None:  # a figure found among all the event's figures, in a sentence retrieval did not bring
            sim = float(gen.sentence_vectors[row] @ qvec)
            lead_sentence = Scored(gen.sentences[row], sim, 0.0, sim)
        chosen = [lead_sentence] if lead_sentence else []
    if lead is not None:
        # a figure or a name is quoted from the sentences that give it and the figures shown beside it, never
        # from sentences that are only near the question
        own = [f for c in conflicts if lead in c.figures for f in c.figures]  # the lead's group
        giving = {(f.doc_id, f.sentence_start) for f in (*agreeing, *own)}
        rest = [x for x in scored if (x.sentence.doc_id, x.sentence.start) in giving and x not in chosen]
        if lead.kind in ("name", "date"):
            # a name's or a date's evidence is read in sentences: the best ones are quoted too, so a reader sees what other
            # reports say even where no rival name was recognised
            rest += [x for x in select(scored, settings) if x not in chosen and x not in rest]
    else:
        rest = [x for x in select(scored, settings) if x not in chosen]
    chosen = (chosen + rest)[:settings.max_sentences]
    body = None
    problem = ""
    if settings.answerer == "llm":
        from ..llm import llm_body

        body, problem = llm_body(intent.question, chosen, view.articles, settings)
    ans = compose(intent, chosen, view.articles, figures, conflicts, retrieved, lead, agreeing, body)
    if problem:
        ans = replace(ans, answer=f"_{problem}_\n\n{ans.answer}")
    return ans
