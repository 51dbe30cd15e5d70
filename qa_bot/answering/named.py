"""Named answers: for who / where / which-organisation / when questions, the entity of the asked type that the
best evidence sentences give (spaCy's entities, stored at index time), never one the question itself names."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..records import Article, Entity, Figure, QuestionIntent
from .evidence import Scored
from .report import norm_name

LABELS = {"person": ("PERSON",), "organisation": ("ORG",), "place": ("GPE", "LOC", "FAC"), "date": ("DATE",)}
# "Who announced it?" is often answered by an organisation: it competes, a little behind a person.
ALSO = {"person": ("ORG", "NORP")}
TITLE_WINDOW = 4  # words before a name where English news puts its title ("Union president Dan Reyes")
APPOSITION_WINDOW = 7  # words after it for an apposition ("Dan Reyes, the union's president,")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


RIVAL_SPAN = 0.15  # a rival name scores at most this far below the lead
PARALLEL_MIN = 0.75  # sentence cosine above which two sentences say the same thing of different names


@dataclass(frozen=True)
class NamedAnswer:
    """The name to lead with, as a figure of kind "name", the evidence that gives it, and rival names that
    other sources give in the same place (a conflict: "Northwind bought it" vs "Harbor Capital bought it")."""

    lead: Figure
    support: tuple[Scored, ...]
    rivals: tuple[Figure, ...] = ()
    anchored: bool = False  # the name stands next to the question's words ("Union president Dan Reyes")


def _near_words(entity: Entity, text: str, offset: int) -> set[str]:
    """Lower-case words just before and after the entity in its sentence: where titles and appositions sit."""
    s, e = entity.start - offset, entity.end - offset
    before = _WORD.findall(text[:max(s, 0)])[-TITLE_WINDOW:]
    after = _WORD.findall(text[max(e, 0):])[:APPOSITION_WINDOW]
    return {w.lower() for w in before + after}


def same_name(a: str, b: str) -> bool:
    """'Dan Reyes' ~ 'Reyes' ~ 'Mr. Reyes': the last words agree, or one name is contained in the other."""
    na, nb = norm_name(a).split(), norm_name(b).split()
    if not na or not nb:
        return False
    return na[-1] == nb[-1] or " ".join(na) in " ".join(nb) or " ".join(nb) in " ".join(na)


def _as_figure(ent: Entity, sentence, intent: QuestionIntent, articles: Mapping[str, Article]) -> Figure:
    art = articles.get(ent.doc_id)
    return Figure(value=0.0, unit="", text=ent.text, qualifier="", measure=intent.predicate or "",
                  doc_id=ent.doc_id, quote=sentence.text, start=ent.start, end=ent.end,
                  sentence_start=ent.sentence_start, sentence_end=sentence.end, as_of=art.published if art else "",
                  dimension="name", kind="name")


def named_answer(intent: QuestionIntent, scored: Sequence[Scored], entities: Mapping[tuple[str, int], list[Entity]],
                 articles: Mapping[str, Article], similarity=None, look: int = 8,
                 min_score: float = 0.3) -> NamedAnswer | None:
    """The best-supported entity of the asked type in the top `look` evidence sentences, or None."""
    labels = LABELS.get(intent.answer_type)
    if not labels:
        return None
    extra = ALSO.get(intent.answer_type, ())
    asked = [*intent.names, *intent.scope]
    words = set(intent.words)
    found: list[tuple[Entity, Scored, float, bool]] = []
    for sc in scored[:look]:
        if sc.score < min_score:
            break
        s = sc.sentence
        for ent in entities.get((s.doc_id, s.start), ()):
            if ent.label not in labels and ent.label not in extra:
                continue
            if any(same_name(ent.text, a) for a in asked) or norm_name(ent.text) in words:
                continue  # the question names it: it is what is asked about, not the answer
            bonus = 0.0
            if ent.head_lemma and ent.head_lemma in (intent.predicate, *words):
                bonus += 0.12  # "Reyes said" for "who said", the subject of the asked verb
            if ent.role in ("nsubj", "nsubjpass", "appos", "attr", "agent", "pobj") and ent.head_lemma == intent.predicate:
                bonus += 0.05
            near = _near_words(ent, s.text, s.start) & words
            bonus += 0.1 * min(len(near), 2)  # "Union president Dan Reyes" for "who is the union president"
            if ent.label in extra:
                bonus -= 0.1
            found.append((ent, sc, sc.score + bonus, bool(near) or ent.head_lemma in words))
    if not found:
        return None
    # one candidate per name (its spellings merged), supported by the articles that give it
    merged: list[tuple[Entity, list[tuple[Entity, Scored, float, bool]]]] = []
    for item in sorted(found, key=lambda x: -x[2]):
        for rep, items in merged:
            if rep.label == item[0].label and same_name(rep.text, item[0].text):
                items.append(item)
                break
        else:
            merged.append((item[0], [item]))

    def strength(entry) -> float:
        rep, items = entry
        docs = {it[1].sentence.doc_id for it in items}
        return max(it[2] for it in items) + 0.05 * math.log(len(docs))

    merged.sort(key=lambda m: -strength(m))
    rep, items = merged[0]
    longest = max(items, key=lambda it: len(it[0].text))  # "Dan Reyes" rather than "Reyes"
    lead = _as_figure(longest[0], longest[1].sentence, intent, articles)
    support = tuple(dict.fromkeys(it[1] for it in sorted(items, key=lambda x: -x[2])))
    lead_docs = {it[1].sentence.doc_id for it in items}
    top = max(items, key=lambda it: it[2])
    rivals = []
    for other, its in merged[1:]:
        if strength((other, its)) < strength((rep, items)) - RIVAL_SPAN or other.label != rep.label:
            continue
        for ent, sc, _, _ in its:
            if sc.sentence.doc_id in lead_docs:
                continue  # the loser named beside the winner, in the same report, is no rival answer
            same_role = ent.role == top[0].role and ent.head_lemma == top[0].head_lemma and ent.head_lemma
            parallel = similarity is not None and similarity(sc.sentence, top[1].sentence) >= PARALLEL_MIN
            if same_role or parallel:
                rivals.append(_as_figure(ent, sc.sentence, intent, articles))
                break
    return NamedAnswer(lead, support, tuple(rivals), anchored=any(it[3] for it in items))
