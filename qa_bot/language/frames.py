"""Figure frames at index time: each value of a sentence with what it counts, its event, modality, scope,
source and as-of date, read from the sentence's dependency parse; plus the sentence's named entities."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Sequence

from . import lexicon as L
from . import units as U
from .parse import content_lemmas, parse
from .values import DATE_PATTERNS, Spot, spot_values
from ..records import Article, Entity, Figure, Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

log = logging.getLogger(__name__)

_PRONOUNS = frozenset("it them they those these this that which he she we".split())
_ELLIPTIC = frozenset("other more one another".split())  # "12 others", "60,000 more": the noun is elsewhere
_NOUNS = ("NOUN", "PROPN")
_CLAUSE = ("ccomp", "xcomp", "advcl", "relcl", "acl", "conj", "parataxis", "csubj", "pcomp")
# named subjects that own a count ("Reyes received 870,000 votes"); a nationality adjective of the subject
# ("Russian authorities evacuated 180,000") names who acted, not whose the figure is
_OWNER_LABELS = ("PERSON", "ORG", "GPE")
_OPEN_QUOTE = re.compile(r"^\s*[\"“‘']")


@dataclass(frozen=True)
class Carry:
    """What one sentence passes to the next: the reporter (for "he said" and continued quotes) and the last
    counted thing (for "it"/"them" in "corrected it to 1,870")."""

    reporter: str = ""
    counted: str = ""
    predicate: str = ""
    in_quote: bool = False  # the sentence opened a quote it did not close


@dataclass
class _Frame:
    """The frame of one value while it is being read (mutable scratch; becomes a Figure)."""

    counted: str = ""
    counted_text: str = ""  # the counted noun as written, for the readable measure ("jobs", "people")
    predicate: str = ""
    modality: str = "done"
    change: str = ""
    scope: list[str] = field(default_factory=list)
    subgroups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the NORP part of scope ("Russian"), read before the noun
    owners: list[str] = field(default_factory=list)  # the part of scope that is the named subject ("Reyes")
    said_by: str = ""
    as_of: str = ""
    verb_text: str = ""  # how the predicate reads in the measure: "killed", "told to evacuate", "feared dead"
    delta: bool = False  # the figure is the size of a change ("rose by 5"), not the level
    argument: bool = True  # the value (or its noun) is an argument of its clause, not inside a modifier
    noun_i: int = -1  # token index of the counted noun in the sentence, -1 if none
    dimension: str = "count"  # of the value: an elliptic value only refers to a noun counted in its own dimension


# ---------------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------------


def article_frames(nlp: "Language", article: Article, sentences: Sequence[Sentence]) -> tuple[list[Figure],
                                                                                               list[Entity]]:
    """Figures (with frames) and named entities of one article, parsing its sentences with `nlp`."""
    figures, entities, _ = corpus_frames(nlp, [(article, sentences)])[0]
    return figures, entities


def corpus_frames(nlp: "Language", items: Sequence[tuple[Article, Sequence[Sentence]]],
                  batch_size: int = 64) -> list[tuple[list[Figure], list[Entity], list[Sentence]]]:
    """Frames, entities and the sentences with their content lemmas, for many articles, with ONE `nlp.pipe`
    pass over all their sentences."""
    docs = iter(parse(nlp, (s.text for _, sents in items for s in sents), batch_size))
    out = []
    for article, sentences in items:
        mine = [next(docs) for _ in sentences]
        figures, entities = frames_from_docs(article, sentences, mine)
        lemmatized = [replace(s, lemmas=" ".join(content_lemmas(d))) for s, d in zip(sentences, mine)]
        out.append((figures, entities, lemmatized))
    return out


DATELINE_LAG_DAYS = 7  # a dateline's day is at most this long before the day the report was published
_MONTH_DAY = dict(DATE_PATTERNS)["mdy"]  # "June 27", as figures' dates are read


def dated_by_dateline(article: Article) -> Article:
    """The article with the day its dateline gives as the day it speaks from ("LYON, France, June 27 (Xinhua)
    --" in a report published on 28 June): "today", "on Monday" and its undated figures are that day's. Wire
    copy is often published the next day, or later in another time zone. Unchanged without such a dateline."""
    from ..ingest.articles import dateline

    line = dateline(article.text)
    day = _MONTH_DAY.search(line) if line and article.published else None
    if day is None:
        return article
    when = resolve_date(day.group(0), article.published)
    pub = U.parse_iso(article.published)
    seen = U.parse_iso(when) if when else None
    if seen is None or pub is None or not 0 < (pub - seen).days <= DATELINE_LAG_DAYS:
        return article
    return replace(article, published=when)


def frames_from_docs(article: Article, sentences: Sequence[Sentence],
                     docs: Sequence["Doc"]) -> tuple[list[Figure], list[Entity]]:
    """Frames and entities of an article whose sentences are already parsed (docs[i] ↔ sentences[i])."""
    article = dated_by_dateline(article)
    figures: list[Figure] = []
    entities: list[Entity] = []
    carry = Carry()
    for sentence, doc in zip(sentences, docs):
        try:
            figs, ents, carry = doc_frames(doc, article, sentence, carry)
        except Exception:  # noqa: BLE001 - one odd parse must not stop indexing; its values still count
            log.exception("frames failed in %s: %r", article.doc_id, sentence.text[:80])
            figs, ents, carry = _bare_figures(article, sentence), [], Carry()
        figures.extend(figs)
        entities.extend(ents)
    return figures, entities


def doc_frames(doc: "Doc", article: Article, sentence: Sentence,
               carry: Carry = Carry()) -> tuple[list[Figure], list[Entity], Carry]:
    """Figures and entities of one parsed sentence, and what it passes on to the next sentence."""
    pub = U.parse_iso(article.published)
    reporter = _sentence_reporter(doc, carry)
    continues_quote = carry.in_quote or bool(_OPEN_QUOTE.match(sentence.text)) and not reporter
    spots = spot_values(sentence.text, pub.year if pub else 0)
    figures: list[Figure] = []
    frames: list[_Frame] = []
    spans = [doc.char_span(s.start, s.end, alignment_mode="expand") for s in spots]
    for spot, span in zip(spots, spans):
        frame = _Frame()
        if span is not None:
            frame = _read_frame(doc, span, spot, frames, carry, [x for x in spans if x is not None and x != span],
                                article.published)
        if not frame.said_by:
            frame.said_by = carry.reporter if continues_quote else ""
        frame.as_of = frame.as_of or (pub.isoformat() if pub else "")
        frames.append(frame)
        figures.append(_figure(article, sentence, spot, frame))
    entities = [_entity(article, sentence, e) for e in doc.ents if e.label_ in L.role_words("entity_labels")]
    entities += [_entity(article, sentence, e) for e in _unlabelled_names(doc)]
    last = next((f for f in reversed(frames) if f.counted), None)
    quotes = sentence.text.count("\"") + sentence.text.count("“") - sentence.text.count("”")
    new_carry = Carry(reporter=reporter or (carry.reporter if continues_quote else ""),
                      counted=last.counted if last else carry.counted,
                      predicate=last.predicate if last else carry.predicate,
                      in_quote=(quotes % 2 == 1) != carry.in_quote if quotes else carry.in_quote and not reporter)
    return figures, entities, new_carry


def measure_phrase(figure: Figure) -> str:
    """The text embedded to group figures: counted thing + predicate (+ modality), no scope, no numbers."""
    if figure.kind == "date":
        # a date's verb alone ("released") says little about what was released: add the sentence's opening words
        words = re.findall(r"[^\W\d_][\w'’-]*", figure.quote.replace(figure.text, " "))
        return f"{figure.measure} — {' '.join(words[:10])}".strip(" —")
    parts = [figure.counted] if figure.counted else []
    if figure.predicate and figure.predicate not in figure.counted.split():
        parts.append(figure.predicate)
    if figure.modality != "done":
        parts.append(figure.modality)
    if parts:
        return " ".join(parts)
    # no frame was read: the words around the figure still say something about it
    rel = figure.start - figure.sentence_start
    words = re.findall(r"[^\W\d_][\w'’-]*", figure.quote[max(0, rel - 40):rel + len(figure.text) + 40])
    return " ".join(words[-8:]) or figure.text


# ---------------------------------------------------------------------------------------------------------------
# Reading one value's frame
# ---------------------------------------------------------------------------------------------------------------


def _read_frame(doc: "Doc", span: "Span", spot: Spot, before: list[_Frame], carry: Carry,
                others: list["Span"], published: str) -> _Frame:
    frame = _Frame(dimension=spot.dimension)
    root = _value_root(span)
    role = root
    while role.dep_ == "conj" and role.head.like_num:  # "between 300 and 400 people": the first conjunct's role
        role = role.head
    cn, via, gov = _counted_token(role, span, spot)
    anaphor = cn is not None and cn.lower_ in _PRONOUNS  # "put it at 38": the same measure, scope included
    if cn is not None and (anaphor or cn.lemma_.lower() in _ELLIPTIC):
        frame.noun_i = cn.i  # "121 others, including 10 children": the children are part of these
        cn = None  # "corrected it to", "12 others": the counted thing is said elsewhere
    # "Eastvale with 1,900 dead": the number modifies an event adjective, which is the item of the list
    adjective = (root.head if cn is None and root.dep_ == "nummod" and root.head.pos_ == "ADJ"
                 and root.head not in span else None)
    listed = _with_item(root) or (cn is not None and _with_item(cn)) or (
        adjective is not None and _with_item(adjective))  # "Eastvale with 1,900"
    clause = gov if gov is not None else _clause_verb(cn if cn is not None else role)  # for source and date
    # a count inside a prepositional modifier is no argument of the clause's verb: "killed nine people [in two
    # offices]" kills people, not offices; it gets no predicate from that verb
    embedded = (cn is not None and cn.dep_ == "pobj" and cn.head.lower_ not in ("of", "with") and via == "nummod"
                and cn.head.dep_ != "agent")  # "signed by 133 countries": the agent is the doer
    frame.argument = not embedded and spot.kind != "date"
    if listed:
        gov = None  # "followed by Eastvale with 1,900": the list's verb is not the count's event
    elif gov is None and not embedded:
        gov = clause
    if spot.kind == "date":
        pass
    elif cn is not None and _is_age(cn, root, span):
        frame.counted = frame.counted_text = "age"
    elif cn is None and _is_age(root.head, root, span):
        frame.counted = frame.counted_text = "age"
    antecedent = (_antecedent(before, carry, spot) if cn is None and spot.kind != "date" and not frame.counted
                  else None)
    if frame.counted:
        pass
    elif cn is not None:
        frame.counted, frame.counted_text = _noun_phrase(cn), _noun_phrase(cn, lemmas=False)
        frame.noun_i = cn.i
    elif antecedent:
        frame.counted, frame.counted_text = antecedent

    # change: "rose to 38" (the new level), "rose by 7" (the size of the change), "rose from 31" (the old value)
    kind = L.change_of(gov.lemma_) if gov is not None else ""
    level = via in ("to", "at", "from", "level") and gov is not None and (
        bool(kind) or L.is_level_verb(gov.lemma_) or gov.lemma_.lower() in L.role_words("value_giving"))
    up_down = _up_down_from(root, gov)
    if via == "from" and (kind in ("rise", "fall", "revised") or up_down):
        frame.change = "previous"
    elif up_down and via != "from":  # "61.2 percent, up from 55%": the level after a rise
        frame.change = up_down
    elif kind and via in ("by", "dobj", "npadvmod"):
        frame.change, frame.delta = kind, True
    elif kind and level:
        frame.change = kind

    # predicate: the change itself, an event noun in the counted thing, or the clause's event verb
    pred_tok = None
    event_noun = next((w for w in frame.counted.split() if L.is_event_word(w, frame.counted)), "")
    measured = cn if cn is not None else (_level_subject(gov, span) if gov is not None and level else None)
    if not event_noun and measured is not None:
        # "the jobless rate rose to 12.5 percent": an adjective of an event class says what the rate measures
        event_noun = next((_lemma(c) for c in measured.lefts if c.dep_ == "amod" and L.is_event_word(_lemma(c))), "")
    if event_noun and cn is not None:
        # "492 deaths and injuries": one count of both events, as "killed or injured" is
        other = next((c.lemma_.lower() for c in cn.children if c.dep_ == "conj" and L.is_event_word(c.lemma_.lower())
                      and L.event_class(c.lemma_.lower()) != L.event_class(event_noun)), "")
        event_noun = f"{event_noun} or {other}" if other else event_noun
    elaborated = _elaborated(cn, before)  # "12 people dead: nine people in ..., plus two children"
    # a gapped clause: "nine people have died and 62 others [were] injured" — the participle is the count's verb
    # ("and another 500,000 [were] injured": the number itself stands for what it counts)
    noun = cn if cn is not None else (doc[frame.noun_i] if frame.noun_i >= 0 else root)
    gapped = _acl_verb(noun) if noun.dep_ == "conj" and noun.head.pos_ in ("VERB", "AUX") else None
    postposed = next((c for c in cn.rights if c.dep_ == "amod" and c.pos_ in ("ADJ", "VERB")),
                     None) if cn is not None else None  # "left 12 people dead"
    if frame.counted == "age":
        pass
    elif frame.delta:
        pred_tok = gov
    elif event_noun:
        frame.predicate = event_noun
    elif postposed is not None:
        pred_tok = postposed
    elif adjective is not None:
        pred_tok = adjective
    elif elaborated is not None:
        frame.predicate, frame.verb_text = elaborated.predicate, elaborated.verb_text
    elif embedded or level or gov is None:
        # (a count inside a prepositional modifier has only its own verb: "resulted in 122 countries [signing]
        # the treaty", "with 121 countries [putting] their signatures")
        pred_tok = _acl_verb(cn)
    elif gapped is not None:
        pred_tok = gapped
    else:
        pred_tok = _content_predicate(gov, cn)
    governor = None
    if pred_tok is not None and not frame.predicate:
        pred_tok, governor = _through_governors(pred_tok)
        frame.predicate = event_lemma(pred_tok)
        frame.verb_text = _verb_text(pred_tok, governor)
        partners = shared_object_verbs(pred_tok)  # "killed or maimed 1,000 people": both events at once
        if partners:
            frame.verb_text = " or ".join(t.text.lower() for t in sorted([pred_tok, *partners], key=lambda t: t.i))
    if pred_tok is not None and pred_tok.pos_ == "ADJ" and pred_tok.dep_ in ("acomp", "amod", "oprd") \
            and not frame.counted:
        # "unemployment is as high as 19.2 percent", "a contract worth $2 billion", "taking a bribe worth half a
        # million dollars": the adjective says how much; the noun it is said of is what is measured
        head = pred_tok.head
        subject = (_subject(head) if pred_tok.dep_ == "acomp" else head if pred_tok.dep_ == "amod"
                   else next((c for c in head.children if c.dep_ == "dobj"), None))
        if subject is not None and subject.pos_ == "NOUN":
            frame.counted, frame.counted_text = _noun_phrase(subject), _noun_phrase(subject, lemmas=False)
            if spot.dimension in ("count", "percent", "money"):  # a level of it; "300 meters long" stays "long"
                frame.predicate, frame.verb_text = _lemma(subject), subject.text.lower()
    if not frame.predicate and antecedent:
        frame.predicate = _antecedent_predicate(before, carry)
    if not frame.predicate and frame.counted and spot.kind != "date" and level:
        frame.predicate = frame.counted.split()[-1]  # "revenue rose to $6.3 billion": the level of revenue
    # a date or a measurement belongs to the subject of its verb: "OpenAI was founded in Dec. 2015", "troops
    # advanced 7.5 miles" (a count or an amount of money never does: "Barton lost $105,000" counts no Barton)
    if not frame.counted and (spot.kind == "date" or spot.dimension not in ("count", "percent", "money")):
        subject = _subject(pred_tok if pred_tok is not None else gov)
        if subject is not None and subject.pos_ != "PRON":
            frame.counted, frame.counted_text = _noun_phrase(subject), _noun_phrase(subject, lemmas=False)

    if governor is not None:
        frame.modality = L.governor_modality(governor.lemma_)
    else:
        frame.modality = _modality(pred_tok, gov, cn, span) or (
            _estimate_modality(gov) if gov is not None and via in ("at", "to", "dobj", "level") else "done")
    frame.scope, frame.subgroups, frame.groups, frame.owners = _scope(doc, span, root, cn if adjective is None
                                                                      else adjective, pred_tok, gov, others)
    if anaphor and not frame.scope:
        prev = next((f for f in reversed(before) if f.counted), None)
        frame.scope = list(prev.scope) if prev is not None else []
    reporting, frame.said_by = _said_by(gov if gov is not None else (pred_tok if pred_tok is not None else clause),
                                        via, doc)
    if frame.said_by.lower() in _PRONOUNS:
        frame.said_by = carry.reporter
    if frame.modality not in ("planned", "possible"):  # a plan's date is its target; the figure is as of the report
        frame.as_of = _as_of(doc, span, {t for t in (root, cn, pred_tok, gov, clause) if t is not None}, reporting,
                             published, others)
    return frame


def shared_object_verbs(verb: "Token") -> list["Token"]:
    """Verbs joined to verb by "or" that share its object ("kill or injure 20,000 people"): either event may
    have happened to each, so the count is of both. ("shot and killed nine" stays a killing, "signed and
    ratified by 40" a ratification: "and" says each happened to all.)"""
    if verb.pos_ != "VERB":
        return []
    head = verb.head if verb.dep_ == "conj" and verb.head.pos_ == "VERB" else verb
    if not any(c.dep_ == "cc" and c.lower_ == "or" for c in head.children):
        return []
    group = [head, *(c for c in head.children if c.dep_ == "conj" and c.pos_ == "VERB")]
    objects = ("dobj", "nsubjpass")
    return [v for v in group if v.i != verb.i and not any(c.dep_ in objects for c in v.children)]


def _elaborated(noun: "Token | None", before: list[_Frame]) -> "_Frame | None":
    """The frame a noun in apposition or coordination elaborates: "12 people dead: [nine people] in ..., plus
    [two children]" — the nine and the two are dead too."""
    t = noun
    if t is not None and t.dep_ == "pobj" and t.head.lower_ in ("including", "among") and t.head.head.pos_ in (
            "NOUN", "PRON"):
        # "121 others, including 10 children, had been wounded": the children were wounded too
        return next((f for f in before if f.noun_i == t.head.head.i and f.predicate), None)
    while t is not None and t.dep_ in ("appos", "conj") and t.head.i != t.i:
        t = t.head
        prev = next((f for f in before if f.noun_i == t.i and f.predicate), None)
        if prev is not None:
            return prev
    return None


def _is_age(tok: "Token", root: "Token", span: "Span") -> bool:
    """"Debra Barton, 36," (a number in apposition to a person) and "the 44-year-old chemist" are ages."""
    if root.dep_ == "appos" and root.head.ent_type_ == "PERSON" and root.i == tok.i or (
            tok.i == root.head.i and root.dep_ == "appos" and tok.ent_type_ == "PERSON"):
        return True
    after = span.doc[span.end:span.end + 3]
    if any(t.lemma_.lower() == "year" for t in [*span, *after[:1]]) and any(t.lower_ == "old" for t in after):
        return True
    # "people aged 25 to 49", "aged from 25", "between the ages of 18 and 24": a bound of an age group
    before = [t for t in span.doc[max(0, span.start - 4):span.start]]
    while before and before[-1].lower_ in ("from", "between", "of", "the", "over", "under"):
        before.pop()
    return bool(before) and before[-1].lemma_.lower() in ("age", "aged")


def _up_down_from(root: "Token", gov: "Token | None") -> str:
    """"rise"/"fall" when the clause says "up from"/"down from" (an earlier value), else ""."""
    for tok in (root.head if root.dep_ == "pobj" else None, gov, root):
        if tok is None:
            continue
        if tok.lower_ in ("up", "down") and tok.dep_ == "advmod":
            adv = tok
        else:
            adv = next((c for c in tok.children if c.dep_ == "advmod" and c.lower_ in ("up", "down")), None)
        if adv is not None and any(c.dep_ == "prep" and c.lower_ == "from" for c in adv.children):
            return "rise" if adv.lower_ == "up" else "fall"
    return ""


def _with_item(tok: "Token") -> bool:
    """Is tok the object of "with" in a list ("Westbrook, with 4,100 deaths", "Eastvale with 1,900")?"""
    return tok.dep_ == "pobj" and tok.head.lower_ == "with"


def _value_root(span: "Span") -> "Token":
    """The token that stands for the value in the tree: the first number, climbed to its head inside the span
    ("$1.2 billion" → "billion", "7.5 miles" → "miles")."""
    tok = next((t for t in span if t.pos_ == "NUM" or t.like_num), span.root)
    while tok.head.i != tok.i and tok.head in span:
        tok = tok.head
    return tok


def _counted_token(root: "Token", span: "Span", spot: Spot) -> tuple["Token | None", str, "Token | None"]:
    """(the counted noun, how the value attaches: "nummod"/"of"/"to"/"at"/"from"/"by"/"dobj"/"level"/...,
    the verb the value hangs on when that is what tells the counted thing)."""
    partitive = _of_object(root)
    if partitive is not None and spot.kind != "date":  # "55% of voters", "dozens of villages", "12 of them"
        return partitive, "of", None
    head = root.head
    if spot.kind == "date":
        return None, "date", None
    if spot.dimension == "money":  # "$10.4 billion in revenue", "$3 million in damage": what the money is
        thing = _in_object(root)
        if thing is not None:
            return thing, "in", head if head.pos_ in ("VERB", "AUX") else None
    if root.dep_ in ("nummod", "quantmod", "amod", "compound", "nmod", "appos") and head.pos_ == "NOUN" \
            and head not in span:
        return _through_container(head), "nummod", None
    if root.dep_ == "pobj":
        prep = head.lower_
        target = head.head
        if target.dep_ == "advmod" and target.lower_ in ("up", "down") and target.head.pos_ in ("VERB", "AUX"):
            target = target.head  # "up from $900 million"
            prep = "from" if prep == "from" else prep
        if target.pos_ in ("VERB", "AUX"):
            if prep == "by" and not L.change_of(target.lemma_):
                return None, "agent", target  # "ratified by 101": the doers, said before
            if prep in ("to", "at", "from", "by"):
                return _level_subject(target, span), prep, target
            return None, prep, target
        if prep in ("of", "at") and target.pos_ == "NOUN":
            # "a toll of 41", "revenue of $6.3 billion", "estimated the damage at $1.2 billion"
            verb = target.head if target.dep_ in ("dobj", "nsubj", "nsubjpass") else None
            return _through_container(target), ("at" if verb is not None and prep == "at" else "of"), verb
        return None, prep, None
    if root.dep_ in ("dobj", "npadvmod") and head.pos_ in ("VERB", "AUX"):
        if L.change_of(head.lemma_) or L.is_level_verb(head.lemma_):
            return _level_subject(head, span), ("level" if L.is_level_verb(head.lemma_) and root.dep_ == "dobj"
                                          else root.dep_), head
        return None, "dobj", head
    if root.dep_ == "attr" and head.pos_ in ("VERB", "AUX"):  # "the toll was 41"
        subject = _subject(head)
        if subject is not None and subject.pos_ in _NOUNS:
            return _through_container(subject), "level", head
    return None, root.dep_, None


def _of_object(tok: "Token") -> "Token | None":
    """The object of an "of" right after the value: "55% of [voters]", "12 of [them]"."""
    for child in tok.rights:
        if child.dep_ == "prep" and child.lower_ == "of":
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.pos_ in ("NOUN", "PROPN", "PRON"):
                return _through_container(obj) if obj.pos_ == "NOUN" else obj
    return None


def _in_object(tok: "Token") -> "Token | None":
    """The common noun of an "in" right after a sum of money: "$2 billion in [sales]", "$3 million in [damage]"
    ("$450,000 in 1998" and "$5 million in Florida" say when and where, not what)."""
    for child in tok.rights:
        if child.dep_ == "prep" and child.lower_ == "in":
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.pos_ == "NOUN" and not obj.ent_type_ \
                    and obj.lemma_.lower() not in L.role_words("time_units"):
                return _through_container(obj)
    return None


def _through_container(noun: "Token") -> "Token":
    """"the number of people killed" counts people: step from a container noun to the object of its "of"."""
    if noun.lemma_.lower() in L.role_words("container"):
        obj = _of_object(noun)
        # "the unemployment rate of France": a name after "of" says whose or where (a scope), not what is
        # counted; a plural name is a group of people ("the number of Americans killed")
        if obj is not None and (obj.pos_ != "PROPN" or obj.tag_ == "NNPS"):
            return obj
    return noun


def _level_subject(verb: "Token", span: "Span | None" = None) -> "Token | None":
    """What a change or level verb is about: its object ("put [the toll] at", "corrected [it] to") or subject
    ("[the toll] rose to", "[damage] was estimated at"); shared subjects of conjoined verbs count."""
    for dep in ("dobj", "nsubjpass", "nsubj"):
        tok = next((c for c in verb.children if c.dep_ == dep and not c.like_num and (span is None or c not in span)),
                   None)
        if tok is not None and not (dep == "nsubj" and verb.lemma_.lower() in L.role_words("value_giving")
                                    and any(c.dep_ == "dobj" for c in verb.children)):
            return _through_container(tok) if tok.pos_ == "NOUN" else tok
    if verb.dep_ in ("conj", "dep", "advcl", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        return _level_subject(verb.head, span)
    return None


def _subject(verb: "Token | None") -> "Token | None":
    """The subject of a verb (active or passive), or of the verb it is conjoined to."""
    if verb is None:
        return None
    tok = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if tok is None and verb.dep_ in ("conj", "xcomp") and verb.head.i != verb.i:
        return _subject(verb.head)
    return tok


def _clause_verb(tok: "Token") -> "Token | None":
    """The verb (or copula) of the clause that holds tok; an adjective predicate ("were missing") counts."""
    for a in tok.ancestors:
        if a.pos_ == "AUX" and a.dep_ in ("aux", "auxpass") and a.head.pos_ in ("VERB", "ADJ"):
            return a.head  # a subject hung on the auxiliary: "120 [were] missing"
        if a.pos_ in ("VERB", "AUX"):
            return a
        if a.pos_ == "ADJ" and a.dep_ in ("ROOT", "ccomp", "conj", "acomp"):
            return a
    return None


def _acl_verb(noun: "Token | None") -> "Token | None":
    """A verb that modifies the counted noun: "people [killed]", "people who [died]"."""
    if noun is None:
        return None
    nouns = [noun]
    if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lemma_.lower() in L.role_words("container"):
        nouns.append(noun.head.head)  # "the number of people [killed]": the participle may hang on "number"
    return next((c for n in nouns for c in n.children if c.dep_ in ("acl", "relcl") and c.pos_ in ("VERB", "ADJ")
                 and c.lemma_.lower() not in L.role_words("linking")), None)


def _content_predicate(verb: "Token", noun: "Token | None") -> "Token | None":
    """The event of a clause verb: itself, or for linking and reporting verbs what they link ("were [missing]",
    "were [dead]") or the verb modifying the counted noun."""
    lemma = verb.lemma_.lower()
    if L.governor_modality(lemma) and any(c.dep_ in ("xcomp", "oprd") for c in verb.children):
        return verb  # "told to evacuate", "feared dead": _through_governors takes it from here
    if lemma in L.role_words("linking") or verb.pos_ == "AUX":
        comp = next((c for c in verb.children if c.dep_ in ("acomp", "oprd") and c.pos_ in ("ADJ", "VERB")), None)
        if comp is None:  # "were under control", "are in hospital": the common noun of a prepositional predicate
            comp = next((o for c in verb.children if c.dep_ == "prep" for o in c.children
                         if o.dep_ == "pobj" and o.pos_ == "NOUN" and not o.ent_type_), None)
        return comp if comp is not None else _acl_verb(noun)
    if lemma in L.role_words("reporting"):
        modifier = _acl_verb(noun)
        # "police reported 41 people killed": the participle is what is reported; "hospitals have admitted 69
        # people that were injured": a full relative clause only describes the object of a verb that is the
        # event itself (a reporting verb takes a clause, not people, when it reports)
        if modifier is not None and modifier.dep_ == "relcl" and noun is not None and noun.head.i == verb.i \
                and noun.dep_ == "dobj" and not any(c.dep_ == "ccomp" for c in verb.children):
            return verb
        return modifier
    return verb


def _through_governors(verb: "Token") -> tuple["Token", "Token | None"]:
    """Step from a governing verb to its complement: "told [to evacuate]", "feared [dead]", "plan [to cut]";
    returns (the event token, the governing verb or None)."""
    governor = None
    tok = verb
    for _ in range(3):
        comp = next((c for c in tok.children if c.dep_ in ("xcomp", "oprd", "acomp") and c.pos_ in ("VERB", "ADJ")),
                    None)
        if comp is None or not (L.governor_modality(tok.lemma_) or tok.pos_ == "VERB"):
            break
        if L.governor_modality(tok.lemma_):
            governor = tok
        tok = comp
    return tok, governor


def _lemma(tok: "Token") -> str:
    """Lower-case lemma with a phrasal particle ("lay off", "go up") or the bare noun that makes one expression
    with the verb ("open fire", "take office", "make landfall")."""
    prt = next((c.lower_ for c in tok.children if c.dep_ == "prt"), "")
    lemma = tok.lemma_.lower()
    lacking = _lacking(tok)
    if lacking:
        return f"{lacking} {lemma}"  # "without a job", "out of work": the lack of it (unemployed, homeless)
    if not L.is_event_word(lemma) and L.is_event_word(tok.lower_):
        lemma = tok.lower_  # "were missing": the adjective, not the verb "miss"
    if not prt and tok.pos_ == "VERB" and not L.is_event_word(lemma):
        # a verb of no event whose object names one: "put their signatures on the treaty" is signing
        obj = next((c for c in tok.children if c.dep_ == "dobj" and c.pos_ == "NOUN"), None)
        if obj is not None and L.is_event_word(obj.lemma_.lower()):
            return obj.lemma_.lower()
    return f"{lemma} {prt or bare_object(tok)}".strip()


def _lacking(tok: "Token") -> str:
    """"without" or "out of" when the noun is the object of one of those ("remain without a job", "are out of
    work"), else ""."""
    if tok.dep_ != "pobj" or tok.pos_ != "NOUN":
        return ""
    prep = tok.head
    if prep.lower_ == "without":
        return "without"
    if prep.lower_ == "of" and prep.head.lower_ == "out":
        return "out of"
    return ""


def event_lemma(tok: "Token") -> str:
    """The event a verb names, as frames and questions read it: its lemma with a particle ("lay off"), the bare
    noun of one expression ("open fire") or the event noun it takes ("put their signatures" → signature), joined
    by "or" with the verbs that share its object ("kill or maim": a count of both)."""
    return " or ".join(_lemma(t) for t in sorted([tok, *shared_object_verbs(tok)], key=lambda t: t.i))


def bare_object(verb: "Token") -> str:
    """Lemma of a verb's object that is a lone singular common noun, no article or modifier: with the verb it
    names one event ("opened fire" is no "fired him", "took office" no "took 40 hostages"); "" otherwise."""
    if verb.pos_ != "VERB":
        return ""
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None or obj.tag_ != "NN" or obj.ent_type_ or any(True for _ in obj.children):
        return ""
    return obj.lemma_.lower()


def _verb_text(tok: "Token", governor: "Token | None") -> str:
    """How the predicate reads after the counted noun: "killed", "told to evacuate", "feared dead"."""
    word = tok.text.lower() if tok.tag_ in ("VBN", "VBD", "VBG", "JJ") or tok.pos_ == "ADJ" else tok.lemma_.lower()
    if governor is None:
        return word
    gov = governor.text.lower()
    return f"{gov} {word}" if tok.pos_ == "ADJ" else f"{gov} to {tok.lemma_.lower()}"


def _noun_phrase(noun: "Token", lemmas: bool = True) -> str:
    """Lemmas (or words) of a counted noun and its common-noun compounds: "death toll", "people"."""
    words = [*(c for c in noun.lefts if c.dep_ == "compound" and c.pos_ == "NOUN"), noun]
    return " ".join((w.lemma_ if lemmas else w.text).lower() for w in words)


def _antecedent(before: list[_Frame], carry: Carry, spot: Spot) -> tuple[str, str] | None:
    """(counted, as written) an elliptic value refers to: "121,000 have left" after "180,000 people ...";
    "injuring 13 others" after "killed nine people in two offices" refers to the people, not the offices."""
    prev = next((f for f in reversed(before) if f.counted and f.argument and f.counted != "age"
                 and (f.dimension == spot.dimension or spot.dimension == "percent" and f.dimension == "count")),
                None)  # "7.5 miles" never counts "settlements"; "52 percent" may be a share of "votes"
    if prev is not None:
        return prev.counted, prev.counted_text
    if carry.counted and spot.dimension == "count":
        return carry.counted, carry.counted
    return None


def _antecedent_predicate(before: list[_Frame], carry: Carry) -> str:
    prev = next((f for f in reversed(before) if f.counted and f.argument and f.counted != "age"), None)
    return prev.predicate if prev is not None else carry.predicate


def _modality(pred: "Token | None", gov: "Token | None", noun: "Token | None", span: "Span") -> str:
    """done / planned / possible from modal auxiliaries; estimated / planned from modifiers ("an estimated")."""
    for tok in (pred, gov):
        if tok is None:
            continue
        for c in tok.children:
            if c.dep_ == "aux" and L.auxiliary_modality(c.lower_):
                return L.auxiliary_modality(c.lower_)
        mode = L.governor_modality(tok.head.lemma_)
        # "told to evacuate" orders; "told Putin that 28 ..." only reports: a that-clause takes fear and estimates
        if tok.dep_ == "xcomp" and mode or tok.dep_ == "ccomp" and mode in ("feared", "estimated"):
            return mode
    mods = [c for t in (noun, *span) if t is not None for c in t.children if c.dep_ in ("amod", "advmod")]
    mods += [t for t in span]
    for m in mods:
        if L.attribute_modality(m.lower_):
            return L.attribute_modality(m.lower_)
    return ""


def _estimate_modality(verb: "Token") -> str:
    """"damage was estimated at €2.1 billion": a value given by an estimating verb is an estimate."""
    mode = L.governor_modality(verb.lemma_)
    return "estimated" if mode == "estimated" else "done"


# ---------------------------------------------------------------------------------------------------------------
# Scope, source, date
# ---------------------------------------------------------------------------------------------------------------


def _scope(doc: "Doc", span: "Span", root: "Token", noun: "Token | None", pred: "Token | None",
           gov: "Token | None", others: list["Span"]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Places, organisations and groups the value is restricted to, sub-groups ("12 of them were children"),
    which of the scope are nationalities or groups (NORP: "Russian settlements") and which own the count (the
    named subject: "Reyes received 870,000 votes")."""
    labels = L.role_words("entity_scope_labels")
    scope: list[str] = []
    owners: list[str] = []

    def add(text: str) -> None:
        text = _clean_entity(text)
        if text and not any(text in x or x in text for x in scope):
            scope.append(text)

    # "Westbrook, with 4,100 deaths, followed by Eastvale with 1,900": the name right before "with"
    for tok in (root, noun):
        if tok is not None and _with_item(tok):
            prev = tok.head.i - 1
            prev -= 1 if prev >= 0 and doc[prev].text == "," else 0
            ent = next((e for e in doc.ents if e.start <= prev < e.end and e.label_ in labels), None)
            if ent is None and tok.head.head.pos_ == "VERB":  # "China leads the list with 110 million"
                subject = next((c for c in tok.head.head.children if c.dep_ == "nsubj"), None)
                ent = next((e for e in doc.ents if subject is not None and e.start <= subject.i < e.end
                            and e.label_ in labels), None)
            if ent is not None:
                add(ent.text)
            elif prev >= 0 and doc[prev].pos_ == "PROPN":  # a name NER missed ("and Lakeside with 41")
                add(" ".join(t.text for t in doc[prev].subtree if t.pos_ == "PROPN" and t.i <= prev))
            return scope, [], [], []
    anchors = [t for t in (root, noun, pred) if t is not None]
    if gov is not None and gov.lemma_.lower() not in L.role_words("reporting"):
        anchors.append(gov)
    # "a gas explosion in Riverton injured 12 workers": where the event's common-noun subject happened
    owner = None
    verb = pred if pred is not None else gov
    if verb is not None and (noun if noun is not None else root).dep_ == "dobj":
        anchors += [c for c in verb.children if c.dep_ == "nsubj" and c.pos_ == "NOUN"]
        # "Reyes received 870,000 votes", "Acme will cut 1,200 jobs": a named subject owns the count
        if verb.lemma_.lower() not in L.role_words("reporting"):
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            owner = next((e for e in doc.ents if e.label_ in _OWNER_LABELS and subject is not None
                          and e.root.i in {t.i for t in subject.subtree} and _no_clause(e.root, subject)), None)
    if owner is not None:
        add(owner.text)
        owners.append(_clean_entity(owner.text))
    # fronted adjuncts of the first of two conjoined verbs hold for both: "In Northfield, 212 died and 40 were hurt"
    shared = [t.head for t in anchors if t.dep_ == "conj" and t.head.pos_ in ("VERB", "AUX")]
    blocked = {t.i for s in others for t in s} | {t.i for t in span}
    named = [(e.root, e.text) for e in doc.ents if e.label_ in labels]
    norp = {e.text for e in doc.ents if e.label_ == "NORP"}
    # a proper name modifying a place noun is a place whatever NER says: "the Krasnoyaruzhsky district"
    named += [(t.head, f"{t.text} {t.head.text}") for t in doc
              if t.pos_ == "PROPN" and t.dep_ == "compound" and t.head.pos_ == "NOUN" and t.ent_type_ not in labels]
    # and so is a proper name after a preposition of place ("in downtown Riverton") that NER calls a person or misses
    named += [(t, " ".join(c.text for c in [*t.lefts, t] if c.pos_ == "PROPN")) for t in doc
              if t.pos_ == "PROPN" and t.dep_ == "pobj" and t.head.lower_ in L.role_words("place_preps")
              and t.ent_type_ in ("", "PERSON")]
    for head, text in named:
        if any(t.i in blocked for t in head.subtree):
            continue  # the name holds another value ("Northfield with 230") or this one
        if _restricts(head, anchors, noun, root) or _restricts(head, shared, None, None, before=True):
            add(text)
    # "42 countries out of the 53 member states of the Organization of African Unity": a part of a named whole
    # holds where the whole does
    whole = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "out"), None) \
        if noun is not None else None
    if whole is not None:
        inside = {t.i for t in whole.subtree}
        for e in doc.ents:
            if e.label_ in labels and e.root.i in inside:
                add(e.text)
    subgroups: list[str] = []
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ == "be":  # "12 of them were children"
        attr = next((c for c in root.head.children if c.dep_ == "attr" and c.pos_ == "NOUN"), None)
        if attr is not None:
            subgroups.append(attr.lower_)
    return scope, subgroups, [x for x in scope if x in norp and x not in owners], owners


def _no_clause(tok: "Token", top: "Token") -> bool:
    """No clause boundary between tok and its ancestor top (a name in a relative clause is not the subject)."""
    t = tok
    while t.i != top.i and t.head.i != t.i:
        if t.dep_ in _CLAUSE or t.dep_ == "prep":
            return False
        t = t.head
    return True


def _restricts(tok: "Token", anchors: list["Token"], noun: "Token | None", root: "Token | None",
               before: bool = False) -> bool:
    """Is the name headed by tok inside a place-like prepositional modifier of an anchor ("killed [in
    Northfield]", "toll [from the floods in Castrel]"), or a modifier of the number or counted noun ("Kursk's 28
    settlements", "Ukrainian soldiers")? Never across a clause boundary."""
    if tok.dep_ in ("compound", "poss", "amod", "nmod", "npadvmod", "appos") and tok.head in (noun, root):
        return True
    preps = L.role_words("scope_preps")
    if tok.dep_ in ("poss", "amod"):
        return False  # "Ukraine's attack on the Kursk region", "in Ukrainian shelling": it modifies another noun
    t = tok
    while t.head.i != t.i:
        if t.dep_ in _CLAUSE and t.i != tok.i:
            return False
        if t.dep_ == "prep" and t.head in anchors:
            return t.lower_ in preps and (not before or t.i < t.head.i)
        if t.head in anchors:
            return False
        t = t.head
    return False


def _clean_entity(text: str) -> str:
    """"the Krasnoyaruzhsky district" → "Krasnoyaruzhsky district"; "Kursk's" → "Kursk"."""
    return re.sub(r"(?:['’]s)$", "", re.sub(r"^(?:the|The)\s+", "", text.strip()))


def _said_by(start: "Token | None", via: str, doc: "Doc") -> tuple["Token | None", str]:
    """(the reporting verb, who it attributes the value to): the subject of the reporting verb whose
    complement holds the value ("X said", "said X", "X told Y"), "according to X", or the subject of a
    value-giving verb ("officials put the toll at 38")."""
    if start is None:
        start = next((t for t in doc if t.dep_ == "ROOT"), None)
        if start is None:
            return None, ""
    tok = start
    if via in ("at", "to", "from") and tok.lemma_.lower() in L.role_words("value_giving"):
        # "officials put the toll at 38" (the subject), "damage was estimated at €2 billion by insurers" (the agent)
        giver = _agent(tok) or next((c for c in tok.children if c.dep_ == "nsubj"), None) or _level_giver(tok)
        if giver is not None:
            return tok, _speaker_text(giver)
    seen = 0
    while tok is not None and seen < 8:
        seen += 1
        found = _reporter_of(tok)
        if found is not None:
            return found
        if tok.head.i == tok.i:
            break
        tok = tok.head
    return None, ""


def _level_giver(verb: "Token") -> "Token | None":
    """The subject shared with the verb before: "officials put the toll at 2,310, then corrected it to 1,870"."""
    if verb.dep_ in ("conj", "dep") and verb.head.pos_ == "VERB":
        return next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
    return None


def _agent(verb: "Token") -> "Token | None":
    """The agent of a passive verb: "estimated ... [by the regional government]"."""
    agent = next((c for c in verb.children if c.dep_ == "agent"), None)
    return next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None


def _reporter_of(tok: "Token") -> tuple["Token", str] | None:
    """The reporter attached at tok: tok is a reporting verb with a subject or agent, or has an "according to"
    or a reporting parenthetical ("41, the Red Cross said,") among its children."""
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "according":
            obj = next((g for t in c.children if t.lower_ == "to" for g in t.children if g.dep_ == "pobj"), None)
            if obj is not None:
                return c, _speaker_text(obj)
    if tok.pos_ == "VERB" and tok.lemma_.lower() in L.role_words("reporting"):
        subject = next((c for c in tok.children if c.dep_ == "nsubj"), None) or _agent(tok)
        if subject is not None:
            return tok, _speaker_text(subject)
    for c in tok.children:
        if c.dep_ in ("parataxis", "advcl", "ccomp") and c.lemma_.lower() in L.role_words("reporting") \
                and c.i > tok.i:
            subject = next((s for s in c.children if s.dep_ == "nsubj"), None)
            if subject is not None:
                return c, _speaker_text(subject)
    return None


def _speaker_text(tok: "Token") -> str:
    """The subject's noun phrase trimmed to the name and title: "Union president Dan Reyes", "Red Cross";
    "the acting governor, Alexei Smirnov," → "Alexei Smirnov"."""
    if tok.pos_ == "PRON":
        return tok.text
    appos = next((c for c in tok.children if c.dep_ == "appos" and c.ent_type_ == "PERSON"), None)
    if appos is not None and tok.ent_type_ != "PERSON":
        tok = appos
    keep = {tok.i}
    for c in tok.lefts:
        if c.dep_ in ("compound", "amod", "nmod", "poss", "nummod") or c.dep_ == "det" and c.lower_ not in ("the", "a",
                                                                                                           "an"):
            keep.update(t.i for t in c.subtree)
    # the words right before the head only: "Ukraine.- Russian President Vladimir Putin" → from "Russian" on
    start = tok.i
    while start - 1 in keep and (tok.doc[start - 1].is_alpha or tok.doc[start - 1].text in ("-", "'s", "’s")):
        start -= 1
    keep = {i for i in keep if i >= start}
    for c in tok.rights:
        if c.dep_ == "prep" and c.lower_ in ("of", "for", "at", "in") and len(list(c.subtree)) <= 6:
            keep.update(t.i for t in c.subtree)
    doc = tok.doc
    lo, hi = min(keep), max(keep)
    words = [t for t in doc[lo:hi + 1] if t.dep_ not in ("punct",) or t.text in ("-", "'s", "’s")]
    text = " ".join(t.text for t in words)
    text = re.sub(r"\s+(['’]s)\b", r"\1", text).replace(" - ", "-")
    return re.sub(r"^(?:the|The|a|an)\s+", "", text)


def _sentence_reporter(doc: "Doc", carry: Carry) -> str:
    """Who the sentence as a whole is attributed to (for "He said" in the next sentence and continued quotes)."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return ""
    found = _reporter_of(root)
    if found is None:
        return ""
    name = found[1]
    if name.lower() in _PRONOUNS:
        return carry.reporter
    return name


def _as_of(doc: "Doc", span: "Span", clause: set["Token"], reporting: "Token | None", published: str,
           others: list["Span"] = ()) -> str:
    """The date the value refers to: a date attached to its clause ("on Sunday", "in March 1998"), else one
    attached to the reporting verb; resolved against the published date (an undated article's only dates that
    give their year: "in Q1 2021"); "" to fall back on the published date."""
    # a date inside another value's phrase is that value's ("up from 55% [four years ago]")
    other_roots = {_value_root(o).i for o in others}
    dates = [e for e in doc.ents if e.label_ in ("DATE", "TIME") and not any(t in span for t in e)
             and not _is_duration(e) and not any(a.i in other_roots for a in e.root.ancestors)
             and not (e.root.head.dep_ == "prep" and any(c.i in other_roots for c in e.root.head.children))]
    best = ""
    for e in dates:
        verb = _clause_verb(e.root)
        attached = verb in clause or any(a in clause for a in e.root.ancestors if a.pos_ != "VERB") and verb in clause
        if attached or e.root.head in clause:
            best = resolve_date(e.text, published)
            if best:
                return best
    if reporting is not None:
        for e in dates:
            if _clause_verb(e.root) == reporting:
                best = resolve_date(e.text, published)
                if best:
                    return best
    # "14 were killed as the storm crossed the coast on Monday": the date is the crossing's; the count is as of
    # the report (two reports of the same day that disagree are a conflict, not an update)
    return ""


def _is_duration(ent: "Span") -> bool:
    """"15 days", "a year", "44-year-old": a length of time or an age, not a date ("two days ago" is a date)."""
    if any(t.lower_ == "ago" for t in ent):
        return False
    units = L.role_words("time_units")
    return any(t.lemma_.lower() in units and any(c.like_num or c.lower_ in ("a", "an") or c.dep_ == "nummod"
                                                 for c in t.children) for t in ent)


# English words that say a date or a span is only near ("over two years ago", "nearly a month ago")
_APPROXIMATE = re.compile(r"^\s*(?:(?:more|less|fewer)\s+than|over|under|about|around|nearly|almost|some|roughly|"
                          r"approximately|just|only|at\s+least|at\s+most)\s+", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def resolve_date(text: str, published: str) -> str:
    """ISO date a date expression refers to, with the published date as the base ("on Sunday" → the Sunday
    before or on it, "in March 1998" → 1998-03-31); never after the published date; "" if not a date."""
    text = _APPROXIMATE.sub("", text)  # "over two years ago", "about a week ago": the date they come near to
    quarter = U.quarter_end(text)
    pub = U.parse_iso(published)
    if quarter is not None:
        return (min(quarter, pub) if pub else quarter).isoformat()
    year = re.search(r"\b(?:19|20)\d\d\b", text)
    if pub is None and year is None:
        return ""
    if pub is None:  # an undated article: a date with its year needs no base ("in March 2021")
        pub = dt.date(int(year.group(0)), 12, 31)
        published = pub.isoformat()
    parsed = _date_parser(published).get_date_data(text)
    when, period = parsed.date_obj, parsed.period
    if when is None or when.second or when.microsecond:  # "the 1990s" read as 1990 seconds ago: not a date
        return ""
    if not re.search(r"[^\W\d_]|\d{4}", text):  # "36" tagged DATE is an age; a date has a word or a year
        return ""
    day = when.date()
    if "ago" in text.lower().split():
        period = "day"  # "four years ago" is a point in time, not the whole year
    if period == "day" and (pub - day).days == 7 and "last" not in text.lower():
        day = pub  # "on Sunday" in a Sunday paper is that day, not a week before
    elif period == "week":
        day = day + dt.timedelta(days=6 - day.weekday())
    elif period == "month":
        day = U.period_end(day.year, day.month)
    elif period == "year":
        day = dt.date(day.year, 12, 31)
    return min(day, pub).isoformat()


@functools.lru_cache(maxsize=64)
def _date_parser(published: str):
    from dateparser.date import DateDataParser

    pub = U.parse_iso(published)
    base = dt.datetime(pub.year, pub.month, pub.day, 12, 0)
    return DateDataParser(languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                                      "RETURN_TIME_AS_PERIOD": False})


# ---------------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------------


def _measure(frame: _Frame) -> str:
    """A readable phrase from the frame: "people killed in Northfield", "people told to evacuate"."""
    words: list[str] = []
    counted = frame.counted_text or frame.counted
    if frame.delta:
        words = [f"{frame.change} in {counted}" if counted else frame.change]
    else:
        if counted:
            words.append(counted)
        if frame.predicate and frame.predicate not in frame.counted.split():
            words.append(frame.verb_text or frame.predicate)
    if frame.subgroups:
        words.append(f"({', '.join(frame.subgroups)})")
    places = [x for x in frame.scope if x not in frame.groups and x not in frame.owners]
    adjectives = [x for x in frame.scope if x in frame.groups]
    if adjectives and words:  # nationalities and groups read before the noun: "Russian settlements controlled"
        words[0] = f"{' '.join(adjectives)} {words[0]}"
    if frame.owners and words:
        words.append("by " + ", ".join(frame.owners))
    if places and words:
        words.append("in " + ", ".join(places))
    return " ".join(w for w in words if w)


def _figure(article: Article, sentence: Sentence, spot: Spot, frame: _Frame) -> Figure:
    text = sentence.text
    return Figure(
        value=spot.value, unit=spot.unit, text=text[spot.start:spot.end], qualifier=spot.qualifier,
        measure=_measure(frame), doc_id=article.doc_id, quote=text, start=sentence.start + spot.start,
        end=sentence.start + spot.end, sentence_start=sentence.start, sentence_end=sentence.end,
        said_by=frame.said_by, as_of=frame.as_of, low=U.finite(spot.low), high=U.finite(spot.high),
        dimension=spot.dimension, kind=spot.kind, counted=frame.counted, predicate=frame.predicate,
        event=L.event_class(frame.predicate, frame.counted), modality=frame.modality,
        scope=tuple(frame.scope + frame.subgroups), change=frame.change, actor=", ".join(frame.owners))


def _bare_figures(article: Article, sentence: Sentence) -> list[Figure]:
    """Values without a frame, for a sentence whose parse could not be read."""
    pub = U.parse_iso(article.published)
    return [_figure(article, sentence, s, _Frame(as_of=pub.isoformat() if pub else ""))
            for s in spot_values(sentence.text, pub.year if pub else 0)]


def _unlabelled_names(doc: "Doc") -> list["Span"]:
    """Proper-noun phrases the entity recogniser missed ("Granite Rovers won the cup"), labelled NAME: runs of
    PROPN tokens ending in the phrase's head, none of them inside a recognised entity."""
    from spacy.tokens import Span

    out = []
    for t in doc:
        if t.pos_ != "PROPN" or t.ent_type_ or t.dep_ in ("compound", "flat"):
            continue
        start = t.i
        while start > 0 and doc[start - 1].pos_ == "PROPN" and not doc[start - 1].ent_type_:
            start -= 1
        out.append(Span(doc, start, t.i + 1, label="NAME"))
    return out


def _entity(article: Article, sentence: Sentence, ent: "Span") -> Entity:
    head, role = ent.root.head, ent.root.dep_
    if role == "pobj" and head.dep_ == "agent" and head.head.i != head.i:
        head, role = head.head, "agent"  # "directed by Mara Quint": the doer of the verb, not an object of "by"
    about = _about(ent) if ent.label_ in ("PERSON", "ORG", "NAME") else None
    a0, a1 = (sentence.start + about[0], sentence.start + about[1]) if about else (0, 0)
    return Entity(text=ent.text, label=ent.label_, doc_id=article.doc_id, start=sentence.start + ent.start_char,
                  end=sentence.start + ent.end_char, sentence_start=sentence.start, role=role,
                  head_lemma="" if head.i == ent.root.i else head.lemma_.lower(), about_start=a0, about_end=a1)


def _about(ent: "Span") -> tuple[int, int] | None:
    """Character offsets (in the parsed sentence, as ent.start_char) of what the sentence says a name is: the
    common-noun title the name's head carries before it ("Union president Dan Reyes", "the coastal shipping firm
    Northwind"), its apposition ("Dan Reyes, the union's president,") or, for the subject of "be", the complement
    ("Reyes is the head of the union"). None when the sentence says nothing of the kind."""
    root = ent.root
    courtesy = L.role_words("courtesy_titles")

    def says(tokens) -> bool:  # a common noun, or a title the recogniser left out of every name ("Harbor Master")
        return any(t.pos_ == "NOUN" or t.pos_ == "PROPN" and not t.ent_type_ and t.lower_.rstrip(".") not in courtesy
                   for t in tokens)

    def span(tokens) -> tuple[int, int]:
        return min(t.idx for t in tokens), max(t.idx + len(t) for t in tokens)

    # title: modifiers of the name's head standing before the name ("Union president", "Acme Corp. chief executive")
    before = [t for c in root.lefts if c.i < ent.start and c.dep_ in ("compound", "amod", "nmod") for t in c.subtree]
    if before and says(before):
        return span(before)
    # the name in apposition to a noun before it: "the coastal shipping firm Northwind"
    if root.dep_ == "appos" and root.head.pos_ == "NOUN" and root.head.i < ent.start:
        tokens = [t for t in root.head.subtree if t.i < ent.start and not t.is_punct]
        if says(tokens):
            return span(tokens)
    # apposition: "Dan Reyes, the union's president" (its noun a common one: "Reyes, Nevada" is a place)
    for c in root.rights:
        if c.dep_ == "appos" and c.pos_ == "NOUN":
            return span(list(c.subtree))
    if root.dep_ == "nsubj" and root.head.lemma_ == "be":
        for c in root.head.rights:
            if c.dep_ == "attr" and c.pos_ == "NOUN":
                return span(list(c.subtree))
    return None

