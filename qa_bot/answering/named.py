"""Named answers: for who / where / which-organisation / when questions, the entity of the asked type that the
best evidence sentences give (spaCy's entities, stored at index time), never one the question itself names."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Mapping, NamedTuple, Sequence

from ..ingest.articles import dateline_credit
from ..language.lexicon import role_words, title_abbreviations
from ..language.words import DATE_FIT, date_fits, is_agent_noun
from ..records import Article, Entity, Figure, QuestionIntent
from .evidence import Scored, sentence_lemmas
from .report import norm_name

LABELS = {"person": ("PERSON",), "organisation": ("ORG",), "place": ("GPE", "LOC", "FAC"), "date": ("DATE",),
          "name": ("PERSON", "ORG")}  # "which actor / team won": a person or an organisation, by its role
# "Who announced it?" is often answered by an organisation: it competes, a little behind a person.
ALSO = {"person": ("ORG", "NORP", "NAME"), "organisation": ("NAME",), "place": ("NAME",), "name": ("NAME", "NORP")}  # NAME: a proper noun
# phrase the entity recogniser left without a type (frames._unlabelled_names)
ACTOR_ROLES = frozenset({"nsubj", "nsubjpass", "agent", "appos", "attr", "conj"})  # dependency roles of a doer
TITLE_WINDOW = 6  # words before a name where English news puts its title ("Union president Dan Reyes",
# "Minister of Employment and Solidarity Martine Aubry")
APPOSITION_WINDOW = 7  # words after it for an apposition ("Dan Reyes, the union's president,")
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")  # a quote mark after a word is no part of it
_ABBREVIATED = re.compile(r"\b([A-Za-z]{2,5})\.")


TITLE_BONUS = 0.25
ROLE_BONUS = 0.1  # a name in the role the question asks (the doer for "who won") over one in the other role
FULL_COVERAGE = 0.99  # a sentence with every word of the question is looked at wherever it ranks
SAME_SAYING_MIN = 0.8  # sentence cosine of two wordings of one statement (names aside)
RIVAL_SPAN = 0.2  # a rival name's sentence scores at most this far below the lead's
DOER_ROLES = ("nsubj", "agent")
TIED_TYPES = ("person", "organisation", "name")  # answers that are doers or title bearers, not places or dates
PARALLEL_MIN = 0.55  # sentence cosine above which two sentences say the same thing of different names
# (measured: two reports of one race's winner 0.61; a winner's sentence and an unrelated one about the loser 0.15)


class _Mention(NamedTuple):
    """One mention of a candidate name in an evidence sentence, with the points it earned."""

    ent: Entity
    scored: Scored
    points: float
    anchored: bool  # beside the question's words ("Union president Dan Reyes")
    tied: bool  # an argument of the asked verb, or the bearer of the asked title

    @property
    def acts(self) -> bool:
        """Does the name do something in its sentence: tied to the asked verb or title, or another verb's doer?"""
        return self.tied or self.ent.role in DOER_ROLES


@dataclass(frozen=True)
class NamedAnswer:
    """The name to lead with, as a figure of kind "name", the evidence that gives it, and rival names that
    other sources give in the same place (a conflict: "Northwind bought it" vs "Harbor Capital bought it")."""

    lead: Figure
    support: tuple[Scored, ...]
    rivals: tuple[Figure, ...] = ()
    anchored: bool = False  # the name stands next to the question's words ("Union president Dan Reyes")


def _full(words: set[str]) -> set[str]:
    """The words with the full forms of abbreviated titles added ("gov" → governor)."""
    short = title_abbreviations()
    return words | {short[w] for w in words if w in short}


def _title_words(entity: Entity, text: str, offset: int) -> set[str]:
    """Lower-case words of the title right before a name, or of its apposition right after it."""
    s, e = entity.start - offset, entity.end - offset
    # "Gov. Paul Cellucci", "Rear Adm. Richard Larrabee": the period of an abbreviated title ends no phrase
    head = _ABBREVIATED.sub(lambda m: m.group(1) if m.group(1).lower() in title_abbreviations() else m.group(0),
                            text[:max(s, 0)])
    before = _WORD.findall(re.split(r"[,.;:!?“”\"()]", head)[-1])[-TITLE_WINDOW:]
    after = _WORD.findall(re.split(r"[.;:!?“”\"()]", text[max(e, 0):].lstrip(" ,"))[0].split(",")[0])
    after = after[:APPOSITION_WINDOW]
    return _full({w.lower() for w in before} | {w.lower() for w in after})


def _about_words(entity: Entity, text: str, offset: int) -> set[str]:
    """Lower-case words of what the sentence says the name is, found by the parse at index time ("his first
    wife, Ana Lind" → his, first, wife)."""
    if entity.about_end <= entity.about_start:
        return set()
    return _full({w.lower() for w in _WORD.findall(text[entity.about_start - offset:entity.about_end - offset])})


def _near_words(entity: Entity, text: str, offset: int) -> set[str]:
    """Lower-case words just before and after the entity in its sentence: where titles and appositions sit."""
    s, e = entity.start - offset, entity.end - offset
    before = _WORD.findall(text[:max(s, 0)])[-TITLE_WINDOW:]
    after = _WORD.findall(text[max(e, 0):])[:APPOSITION_WINDOW]
    return _full({w.lower() for w in before + after})


def same_name(a: str, b: str) -> bool:
    """'Dan Reyes' ~ 'Reyes' ~ 'Mr. Reyes': the last words agree, or one name is contained in the other."""
    na, nb = norm_name(a).split(), norm_name(b).split()
    if not na or not nb:
        return False
    return na[-1] == nb[-1] or " ".join(na) in " ".join(nb) or " ".join(nb) in " ".join(na)


def is_asked(name: str, asked: str) -> bool:
    """Is this name the one the question names (so not its answer)? same_name ("Reyes" ~ "Dan Reyes", "Norvia" ~
    "the Norvian transport ministry"), except a first name before a surname the question gives alone: "Ana Lind"
    answers "Lind's first wife", another person of that family."""
    if not same_name(name, asked):
        return False
    n, a = norm_name(name).split(), norm_name(asked).split()
    return not (len(a) == 1 and len(n) >= 2 and n[-1] == a[0])  # a first name + the asked surname: a relative


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
    if intent.answer_type == "place" and set(intent.role) & role_words("kinds_of_states"):
        labels, extra = ("GPE",), ()  # "in which country": a country, not an ocean (LOC) or an airport (FAC)
    asked = [*intent.names, *intent.scope]
    doing = (intent.predicate, *intent.role)  # the asked verb and title: a name tied to one answers first
    words = set(intent.words)
    found: list[_Mention] = []
    # the best sentences, and any further one that holds every word of the question (a title beside a name:
    # "the Ukrainian military chief Oleksandr Syrskyi said ..." in a sentence about something else)
    role = set(intent.role)
    top = scored[0].sentence if scored else None
    # the best sentences; any sentence holding every word of the question or of the asked title; and, a little
    # further down, sentences that say what the best one says of another name ("Barty beat Pliskova to win the
    # title" beside "Halep beat Pliskova to win the title"): the rival answers a reader must see
    pool = [sc for k, sc in enumerate(scored) if k < look and sc.score >= min_score or k >= look
            and (sc.coverage >= FULL_COVERAGE or role and role <= sentence_lemmas(sc.sentence)
                 or k < 2 * look and similarity is not None and similarity(sc.sentence, top) >= SAME_SAYING_MIN)]
    for sc in pool:
        s = sc.sentence
        credit = dateline_credit(s.text)  # "(Xinhua)" of a dateline: who reported, not who did anything
        for ent in entities.get((s.doc_id, s.start), ()):
            if credit is not None and credit[0] <= ent.start - s.start < credit[1]:
                continue
            # a name modifying the asked kind of thing is of that kind whatever the recogniser called it: "the
            # Sudzhansky district" (tagged a person) answers "which district"
            typed = ent.role in ("compound", "amod", "nmod") and bool(ent.head_lemma) and ent.head_lemma in doing
            if ent.label not in labels and ent.label not in extra and not typed:
                continue
            if ent.text.islower() or all(w.lower().rstrip(".") in title_abbreviations() for w in ent.text.split()):
                continue  # English news capitalises names: a lower-case span is a tagging slip ("minivan"), and a
                # title alone is no name ("Cmdr" of "Lt. Cmdr. Frank Ann")
            if ent.label in extra and ent.role not in ACTOR_ROLES and intent.answer_type != "place":
                continue  # an organisation answers "who" only as an actor, not as a modifier ("Belgorod region");
                # a place is where something is done, whatever its role ("Russia was targeting Toretsk")
            if any(is_asked(ent.text, a) for a in asked) or norm_name(ent.text) in words:
                continue  # the question names it: it is what is asked about, not the answer
            bonus = 0.0
            if ent.head_lemma and ent.head_lemma in (intent.predicate, *words):
                bonus += 0.12  # "Reyes said" for "who said", the subject of the asked verb
            if ent.role in ("nsubj", "nsubjpass", "appos", "attr", "agent", "pobj") and ent.head_lemma == intent.predicate:
                bonus += 0.05
            near = _near_words(ent, s.text, s.start) & words
            bonus += 0.1 * min(len(near), 2)  # "Union president Dan Reyes" for "who is the union president"
            title = _title_words(ent, s.text, s.start) | _about_words(ent, s.text, s.start)
            titled = bool(len(words) >= 2 and words <= title or len(role) >= 2 and role <= title or (
                role and ent.head_lemma in role and ent.role in ("compound", "appos", "nmod", "poss")))
            if titled:
                bonus += TITLE_BONUS  # every word of the question, or of the asked title, is the name's title
                # ("military chief X", "Minister of Employment Martine Aubry"), or the name modifies the asked
                # noun itself ("the Anheuser-Busch brewery company" for "which company")
            if ent.label == "DATE":
                bonus += DATE_FIT * date_fits(ent.text, intent)
            if ent.label in extra:
                bonus -= 0.1
            if intent.asks:  # "who won": the winner is the subject of the sentence, the loser its object
                doer = ent.role in DOER_ROLES
                done_to = ent.role in ("dobj", "nsubjpass")
                bonus += ROLE_BONUS * ((doer - done_to) if intent.asks == "doer" else (done_to - doer))
            tied = titled or bool(ent.head_lemma) and (ent.head_lemma in doing or ent.role in ACTOR_ROLES and any(
                is_agent_noun(w, ent.head_lemma) for w in doing))  # "directed by X" for "who is the director"
            found.append(_Mention(ent, sc, sc.score + bonus, bool(near) or ent.head_lemma in words, tied))
    if not found:
        return None
    merged = _merged(found)  # one candidate per name (its spellings merged), supported by the articles giving it
    ranked = merged
    tie = intent.answer_type in TIED_TYPES and any(m.tied for m in found)
    if tie:
        # where a name is an argument of the asked verb or bears the asked title ("Donald Trump wins election",
        # "directed by Mara Quint", "director Bryan Singer"), a name only in sentences where it does nothing is
        # no answer, however near the question's words ("electoral votes between Trump and Biden"), and those
        # sentences do not rank the names that act; the doer of another verb may be the same answer in other
        # words ("Elena Brandt took the title"). Rivals may still be named anywhere ("winners: ..., Joe Burrow").
        ranked = _merged([m for m in found if m.acts])
    rep, acting = ranked[0]
    items = next((its for other, its in merged if same_name(other.text, rep.text)), acting)  # every mention of it
    # quoted where it acts, spelled in full as any report gives it ("Baker Mayfield" rather than "Mayfield")
    longest = max(acting, key=lambda m: len(m.ent.text))
    lead = replace(_as_figure(longest.ent, longest.scored.sentence, intent, articles), text=_fullest([*acting, *items]))
    support = tuple(dict.fromkeys(m.scored for m in sorted(acting, key=lambda m: -m.points)))
    lead_docs = {m.scored.sentence.doc_id for m in items}
    top = max(acting, key=lambda m: m.points)
    rivals = []
    for other, its in merged:
        if same_name(other.text, rep.text):
            continue
        for mention in its:
            ent, sc = mention.ent, mention.scored
            if sc.sentence.doc_id in lead_docs or sc.score < top.scored.score - RIVAL_SPAN:
                continue  # the loser named beside the winner, in the same report, is no rival answer
            # another report gives another name in the same role of a sentence that says the same thing:
            # "Okafor won the Lakeside Marathon" / "Brandt took the title at the Lakeside Marathon" (0.61);
            # the loser ("beat Millbrook United") is an object where the winner is a subject
            same_head = ent.head_lemma == top.ent.head_lemma and bool(ent.head_lemma)
            cosine = similarity(sc.sentence, top.scored.sentence) if similarity is not None else 0.0
            # (where names act, a mention that does nothing is the twin only of a lead mention in its role:
            # "winners: ..., Joe Burrow" beside "winners: ..., Baker Mayfield", not the "screenplay by" beside
            # "directed by")
            twin = max((similarity(sc.sentence, m.scored.sentence) for m in items
                        if not tie or mention.acts or m.ent.role == ent.role and m.ent.label == ent.label),
                       default=0.0) if similarity is not None else 0.0
            # one statement in two wordings with another name is a rival whatever role the parser gave the name
            # ("Ashleigh Barty" parsed as an apposition where "Simona Halep" is the subject)
            if other.label == rep.label and ent.role == top.ent.role and (same_head or cosine >= PARALLEL_MIN) \
                    or twin >= SAME_SAYING_MIN:
                rivals.append(replace(_as_figure(ent, sc.sentence, intent, articles), text=_fullest(its)))
                break
    return NamedAnswer(lead, support, tuple(rivals), anchored=any(m.anchored for m in acting))


def _fullest(mentions: Sequence[_Mention]) -> str:
    """The longest spelling of a name among its mentions, the first of equal length."""
    return max((m.ent.text for m in mentions), key=len)


def _merged(found: list[_Mention]) -> list[tuple[Entity, list[_Mention]]]:
    """(name, its mentions) per name, spellings merged whatever type the recogniser gave each mention, strongest
    first: the best mention's points and a little for each further article that gives the name."""
    merged: list[tuple[Entity, list[_Mention]]] = []
    for mention in sorted(found, key=lambda m: -m.points):
        for rep, mentions in merged:
            if same_name(rep.text, mention.ent.text):
                mentions.append(mention)
                break
        else:
            merged.append((mention.ent, [mention]))

    def strength(entry) -> float:
        docs = {m.scored.sentence.doc_id for m in entry[1]}
        return max(m.points for m in entry[1]) + 0.05 * math.log(len(docs))

    return sorted(merged, key=lambda m: -strength(m))


def described(intent: QuestionIntent, scored: Sequence[Scored], entities: Mapping[tuple[str, int], list[Entity]],
              articles: Mapping[str, Article]) -> NamedAnswer | None:
    """'Who is Dan Reyes?': the name of the question with what the best sentence that describes it says it is
    (its title, apposition or copula complement, found at index time: "Union president Dan Reyes"), the other
    describing sentences as support; None when no retrieved sentence describes the name."""
    if not intent.names:
        return None
    found: list[tuple[Entity, Scored]] = []
    for sc in scored:
        s = sc.sentence
        for ent in entities.get((s.doc_id, s.start), ()):
            if ent.about_end > ent.about_start and any(same_name(ent.text, n) for n in intent.names):
                found.append((ent, sc))
                break
    if not found:
        return None
    ent, sc = found[0]  # scored is best first
    art = articles[ent.doc_id]
    start, end = min(ent.start, ent.about_start), max(ent.end, ent.about_end)
    lead = replace(_as_figure(ent, sc.sentence, intent, articles), text=" ".join(art.text[start:end].split()),
                   start=start, end=end)
    return NamedAnswer(lead, tuple(dict.fromkeys(x for _, x in found)), anchored=True)
