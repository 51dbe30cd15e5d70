"""The question, parsed once into a QuestionIntent: what kind of answer, about which event and thing, where, when."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Sequence

from ..records import QuestionIntent
from . import units as U
from .lexicon import (auxiliary_modality, change_of, event_class, event_classes, event_dimension, governor_modality,
                      is_event_word, role_words)
from .frames import event_lemma
from .parse import content_lemmas

_DATA = Path(__file__).with_name("data") / "question.yaml"
_SCOPE_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG", "NORP"})
_NAME_LABELS = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP", "EVENT", "WORK_OF_ART", "PRODUCT"})
# prepositions that restrict a figure to a place or group ("in Belgorod", "among the wounded")
_SCOPE_PREPOSITIONS = frozenset({"in", "from", "at", "among", "inside", "within", "across", "near", "outside"})
# verbs that only say an event took place; their subject is the event ("the shooting happened")
_LIGHT_VERBS = frozenset({"happen", "occur", "begin", "start", "end", "finish", "unfold", "erupt"})
_PRONOUNS = frozenset({"it", "they", "them", "there", "that", "those", "these", "he", "she", "his", "her", "its",
                       "their"})


@functools.cache
def _vocabulary() -> dict:
    import yaml

    return yaml.safe_load(_DATA.read_text(encoding="utf-8"))


def _date_iso(text: str, base: str = "") -> str:
    """An ISO date (or year-month, or year) for a date phrase of a question, "" when it names none."""
    m = re.fullmatch(r"(?:in\s+)?((?:19|20)\d\d)", text.strip())
    if m:
        return m.group(1)
    quarter = U.quarter_end(text)
    if quarter is not None:
        return quarter.strftime("%Y-%m")  # "Q1 2021": figures of a quarter are dated its last day
    import dateparser

    settings = {"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}
    found = dateparser.parse(text, languages=["en"], settings=settings)
    if found is None:
        # "at the end of 1997", "early 1998": a part of a year dateparser does not read; its end or start month
        # (the English words for the two ends of a period), else the year
        year = re.search(r"\b(?:19|20)\d\d\b", text)
        if year is None:
            return ""
        words = set(re.findall(r"[a-z]+", text.lower()))
        if words & {"end", "late", "close"}:
            return f"{year.group(0)}-12"
        if words & {"beginning", "start", "early", "outset"}:
            return f"{year.group(0)}-01"
        return year.group(0)
    if not re.search(r"\d{1,2}(st|nd|rd|th)?\b(?!\d)", re.sub(r"(19|20)\d\d", "", text)):
        return found.strftime("%Y-%m")  # "November 1998" names a month, not its first day
    return found.date().isoformat()


def is_follow_up(doc) -> bool:
    """Does the question lean on the conversation ("And in Belgorod?", "Who said it?")?"""
    first = doc[0].lower_ if len(doc) else ""
    return first in ("and", "or", "but", "also", "so", "then") or any(t.lower_ in _PRONOUNS for t in doc) or \
        first in ("what", "how") and len(doc) > 1 and doc[1].lower_ == "about"


def _answer_type(doc) -> tuple[str, str]:
    """(answer type, dimension asked) from the wh-word and what follows it."""
    vocab = _vocabulary()
    words = [t.lower_ for t in doc]
    if words[:1] == ["how"] and len(words) > 1 and words[1] in ("did", "has", "have", "does", "do", "had") and any(
            t.lemma_.lower() in vocab["change"] or change_of(t.lemma_) in ("rise", "fall") for t in doc):
        # "How did the death toll change between August 7 and 12?": the figures over time answer it
        return ("amount", "percent") if "%" in words or "percent" in words or "rate" in words else ("count", "count")
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == "how" and nxt in vocab["how_adjective"]:
            dim = vocab["how_adjective"][nxt]
            if nxt == "long":
                # "how long is the bridge" asks a length; "how long did it close / last / take" a duration
                root = next((t for t in doc if t.dep_ == "ROOT"), None)
                copula = root is not None and root.lemma_ == "be"
                # "how long were they in the air / was he in prison": being somewhere, or a person being
                # anything, lasts; only a thing is long
                subject = next((c for c in root.children if c.dep_ == "nsubj"), None) if copula else None
                lasting = copula and (any(c.dep_ == "prep" for c in root.children) or subject is not None and (
                    subject.pos_ == "PRON" and subject.lower_ != "it"
                    or any(x.ent_type_ == "PERSON" for x in subject.subtree)))
                dim = "length" if copula and not lasting else "duration"
            if nxt in ("high", "low"):
                # "how high was unemployment / the jobless rate": the level of a figure noun is that figure's
                # kind; only a thing is high in meters ("how high was the balloon")
                subject = next((c for t in doc if t.dep_ == "ROOT" for c in t.children
                                if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "NOUN"), None)
                kind = vocab["what_noun"].get(subject.lemma_.lower(), "") if subject is not None else ""
                if kind in ("percent", "count"):
                    return ("count", "count") if kind == "count" else ("amount", "percent")
                if kind == "amount":
                    return "amount", ""
            if dim == "count":
                return "count", "count"
            if dim == "age":
                return "count", "age"
            if dim == "amount":
                after = doc[i + 2] if i + 2 < len(doc) else None
                if after is not None and U.currency_code(after.lower_):
                    return "amount", "money"
                if after is not None and after.lemma_.lower() in ("money", "cost", "damage", "fund", "aid"):
                    return "amount", "money"
                return "amount", ""
            return "amount", dim
        if w in ("when",):
            return "date", "date"
        if w in ("who", "whom", "whose"):
            return "person", ""
        if w == "where":
            return "place", ""
        if w in ("what", "which") and nxt:
            # "what percentage", "which country", "what year"; "what was the death toll" → the noun decides
            nouns = [t for t in doc[i + 1:] if t.pos_ in ("NOUN", "PROPN")]
            # the head of the first noun phrase decides: "the death toll" → toll, "the unemployment rate" → rate,
            # "France's jobless rate" → rate (a possessor says whose, not what)
            owner = doc[i].head
            if doc[i].dep_ == "det" and owner.dep_ == "poss" and owner.pos_ == "NOUN":
                # "which country's ratification brought it into force": the owner is what is asked
                kind = vocab["what_noun"].get(owner.lemma_.lower(), "")
                return (kind, "") if kind in ("place", "organisation", "person") else ("name", "")
            head = nouns[0] if nouns else None
            while head is not None and head.dep_ in ("compound", "poss") and head.head.pos_ in ("NOUN", "PROPN"):
                head = head.head
            if head is not None and head.lemma_.lower() == "name":
                # "what was the name of the woman / the company": the kind of what is named, a person by default
                of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
                obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
                kind = vocab["what_noun"].get(obj.lemma_.lower(), "") if obj is not None else ""
                return (kind, "") if kind in ("place", "organisation", "person") else ("person", "")
            for t in [head] if head is not None else []:
                if True:
                    kind = vocab["what_noun"].get(t.lemma_.lower(), "")
                    if kind in ("place", "organisation", "person", "date"):
                        return kind, "date" if kind == "date" else ""
                    if kind == "percent":
                        return "amount", "percent"
                    if kind in ("count", "amount"):
                        return kind, "count" if kind == "count" else ""
                    if kind in ("length", "speed", "mass", "area"):
                        return "amount", kind  # "at what altitude", "what was the distance"
                    if is_event_word(t.lemma_.lower()):
                        # "what was Tesla's revenue", "what were the losses": an event noun is a figure
                        return "amount", event_dimension(event_class(t.lemma_.lower()))
                    break
            # "which actor won", "what team took the title": one of a kind of named things, its kind unknown
            # to the question words (a person, a team, a company): any name in the doer's place answers
            if head is not None and (nouns[0].i == i + 1 or doc[i].head.i == head.i) and (w == "which" or head.dep_ in ("nsubj", "nsubjpass")
                                                         and head.head.lemma_ != "be"):
                return "name", ""
            return "other", ""
    if "%" in words or "percent" in words:
        return "amount", "percent"
    return "other", ""


def _modified_noun(tok):
    """The noun a name modifies, through compounds and modifiers ("Krasnoyaruzhsky" → "district")."""
    while tok.dep_ in ("compound", "amod", "nmod", "poss") and tok.head is not tok:
        tok = tok.head
    return tok


def _names_a_thing(ent) -> bool:
    """Is the name part of the name of the asked verb's object ("ratified the Ottawa convention", "signed the
    Kyoto protocol")? It says which thing, not where the figure is from, and reports call the thing by its common
    noun ("the treaty"). The object must not be a kind of place ("visited the Kursk region")."""
    head = ent.root.head
    return ent.root.dep_ == "compound" and head.dep_ == "dobj" and head.pos_ == "NOUN" \
        and _vocabulary()["what_noun"].get(head.lemma_.lower()) != "place"


def _scope(doc, answer_type: str) -> tuple[str, ...]:
    """Places, organisations and groups the question restricts to: its GPE/LOC/FAC/ORG/NORP entities, and
    proper nouns after 'in/from/at' that the small model leaves untagged."""
    out: list[str] = []
    for e in doc.ents:
        # places restrict wherever they stand; an organisation or group only in a phrase like "in the EU",
        # not as the subject ("How much money did Barton lose?" asks about Barton, it is no scope)
        # (the small model often tags a place as a person or leaves "in" without a head: "And in Belgorod?")
        # ("from the Krasnoyaruzhsky district": the name modifies the object of the preposition)
        head = _modified_noun(e.root)
        in_phrase = head.dep_ == "pobj" and head.head.lower_ in _SCOPE_PREPOSITIONS
        if _names_a_thing(e):
            continue
        if e.label_ in ("GPE", "LOC", "FAC") or (e.label_ in _NAME_LABELS and in_phrase):
            out.append(e.text.removeprefix("the ").removesuffix("'s"))
    for e in doc.ents:  # "how many Navy divers": a named modifier of the counted noun restricts it
        if e.label_ in ("ORG", "NORP") and e.root.dep_ == "compound" and any(
                c.lower_ in ("many", "much") for c in e.root.head.children):
            out.append(e.text.removeprefix("the "))
    for t in doc:
        if t.dep_ == "pobj" and t.head.lower_ in _SCOPE_PREPOSITIONS and t.pos_ == "PROPN" \
                and not any(t.idx >= e.start_char and t.idx < e.end_char for e in doc.ents):
            out.append(" ".join(x.text for x in t.subtree if x.pos_ in ("PROPN", "NOUN", "ADJ")))
    return tuple(dict.fromkeys(x.strip() for x in out if x.strip()))


def _unlabelled_names(doc) -> tuple[str, ...]:
    """Proper-noun phrases the entity recogniser missed ("the Breitling Orbiter 3 balloon"), with a number right
    after them that is part of the name ("Orbiter 3", "Apollo 13"), as frames read them in the articles."""
    out = []
    t = 1  # the first word is capitalised as the start of the question, whatever it is
    while t < len(doc):
        if doc[t].pos_ == "PROPN" and not doc[t].ent_type_:
            start = t
            while t < len(doc) and doc[t].pos_ == "PROPN" and not doc[t].ent_type_:
                t += 1
            if t < len(doc) and doc[t].like_num and doc[t].text[:1].isdigit():
                t += 1
            out.append(doc[start:t].text)
        t += 1
    return tuple(out)


def _names_only(doc) -> tuple[str, ...]:
    """The names of a question that says nothing but names ("What about Northfield?", "And Eastvale?")."""
    names = [e for e in doc.ents if e.label_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY",
                                                   "PERCENT")]
    inside = {i for e in names for i in range(e.start, e.end)}
    rest = [t for t in doc if t.i not in inside and not (t.is_stop or t.is_punct)]
    return tuple(e.text.removeprefix("the ") for e in names) if names and not rest else ()


def _asks_identity(doc) -> bool:
    """'Who is Dan Reyes?', 'What is Northwind?', 'What does Dan Reyes do?': the question names someone and asks
    nothing else (its answer is what the articles say the name is: a title, an apposition)."""
    wh = doc[0].lower_ if len(doc) else ""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    return wh in ("who", "what") and root is not None and root.lemma_ in ("be", "do") and bool(_names_only(doc))


def _incidental(doc) -> tuple[str, ...]:
    """Names that set the scene rather than say what the figure is about: nationalities (NORP), names inside
    an adverbial clause of time ("when the ministers met in Oslo before the summit") and place names in the name
    of the asked verb's object ("the Ottawa convention")."""
    out = []
    for e in doc.ents:
        clause = next((a for a in e.root.ancestors if a.dep_ == "advcl"), None)
        if e.label_ == "NORP" or _names_a_thing(e) or clause is not None and any(
                c.dep_ == "advmod" and c.lower_ in ("when", "while", "before", "after", "as") or
                c.dep_ == "mark" for c in clause.children):
            out.append(e.text)
    return tuple(out)


def _complement_verb(verb):
    """The verb of the clause a verb reports or governs ("say [it repelled]", "said [were evacuated]"), or None."""
    return next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")), None)


def _of_pronoun(doc) -> bool:
    """'How many of them / of those were children': a part of what the last question counted."""
    return any(t.lower_ in _PRONOUNS and t.dep_ == "pobj" and t.head.lower_ == "of" for t in doc)


def _group(doc) -> tuple[str, ...]:
    """Words of a group of people the question restricts its figure to: the object of "among" ("the jobless rate
    among young people under 25" → young, under 25), of "for" after a figure noun ("the rate for women"; "pay for the
    house" is a purpose), and an age bound after a noun ("under 25", "over 65"). The general word for people is
    left out: the kind (young, women, 25) says which group."""
    people = role_words("people_words")
    figure_nouns = role_words("container")
    out: list[str] = []
    places = _vocabulary()["what_noun"]
    for e in doc.ents:  # "how many Nordic nations": the nationality of the counted thing is a group of it
        thing = e.root.head
        # (but of a place within a country, "how many French cities", it says which country they are in: the
        # reports' place, "cities throughout the country", not a word they must repeat)
        within = places.get(thing.lemma_.lower()) == "place" and thing.lemma_.lower() != "country"
        if e.label_ == "NORP" and e.root.dep_ in ("amod", "compound") and not within and any(
                c.lower_ in ("many", "much") for c in thing.children):
            out.append(e.text.lower())
    for t in doc:
        if t.dep_ != "pobj" or t.head.dep_ != "prep":
            continue
        prep, owner = t.head.lower_, t.head.head
        if t.pos_ == "NOUN" and (prep == "among" or prep == "for" and owner.lemma_.lower() in figure_nouns):
            out += [x.lower_ for x in t.subtree if x.pos_ in ("ADJ", "NOUN", "NUM") and x.lemma_.lower() not in people]
        elif t.pos_ == "NUM" and prep in ("under", "over") and owner.pos_ == "NOUN":
            out.append(f"{prep} {t.lower_}")  # the bound with its number: "under 25", never "December 25"
    return tuple(dict.fromkeys(out))


def _time_pin(doc, counted: str = "") -> str:
    vocab = _vocabulary()
    for e in doc.ents:
        # only a date with its year can pin a question: "on Sunday" means a different day in every article
        if e.label_ == "DATE" and re.search(r"\b(1[89]|20)\d\d\b", e.text):
            iso = _date_iso(e.text)
            if iso:
                return iso
    # a word of order pins the time only where it says when the figure was given: an adverb of the verb ("was
    # first reported", "now stands") or an adjective of the figure asked for ("the initial toll", "the latest
    # count"); "his first wife", "the cup final" and "last won" pin nothing
    figure_nouns = {k for k, v in vocab["what_noun"].items() if v in ("count", "amount", "percent")}
    if counted:
        figure_nouns.add(counted.split()[-1])
    for t in doc:
        w = t.lower_
        if w not in vocab["earliest"] and w not in vocab["latest"]:
            continue
        adverb = t.dep_ in ("advmod", "npadvmod") and t.head.pos_ in ("VERB", "AUX")
        # "according to the first reports", "initial estimates said": the report that gave the figure
        of_figure = t.dep_ in ("amod", "advmod") and (t.head.lemma_.lower() in figure_nouns
                                                      or t.head.lemma_.lower() in role_words("reporting"))
        if adverb or of_figure:
            return "earliest" if w in vocab["earliest"] else "latest"
    return ""


def _do_support_verb(doc) -> tuple | None:
    """(the word, the word after it) where a question with do-support has its main verb: after "did" and its
    subject only the bare verb can come ("When did Barton open fire?", "Why did the company lay off workers?").
    None without do-support."""
    aux = next((t for t in doc if t.dep_ == "aux" and t.lemma_.lower() == "do"), None)
    if aux is None:
        return None
    subject = next((t for t in doc if t.dep_ in ("nsubj", "nsubjpass") and t.i > aux.i
                    and t.left_edge.i == aux.i + 1), None)
    if subject is None:
        return None
    slot = subject.right_edge.i + 1
    while slot < len(doc) and doc[slot].pos_ == "ADV":  # "did Barton first open fire"
        slot += 1
    if slot >= len(doc) or doc[slot].like_num or doc[slot].is_punct:
        return None
    return doc[slot], (doc[slot + 1] if slot + 1 < len(doc) else None)


def _misread_verb(doc) -> tuple | None:
    """(verb, the noun after it) where the small parser read the main verb of a do-support question as a modifier
    of the next noun ("open" as an adjective of "fire", or as an adjective whose object is "fire"); None where
    the tree has it as a verb (then the tree is right)."""
    slot = _do_support_verb(doc)
    if slot is None or slot[1] is None:
        return None
    word, after = slot
    if after.pos_ != "NOUN" or not (word.head.i == after.i or after.head.i == word.i):
        return None
    if word.pos_ in ("ADJ", "NOUN") or word.pos_ == "VERB" and word.dep_ in ("amod", "compound"):
        return word, after
    return None


def repair_bare_verb(doc) -> None:
    """The verb after "did" and its subject is in its bare form, so it is its own lemma: the tagger reads some as
    a past tense ("did the company lay off" → "lie off"). Set on the question's Doc once, before anything reads it."""
    slot = _do_support_verb(doc)
    if slot is not None and slot[0].pos_ == "VERB" and slot[0].tag_ != "VB" and slot[0].is_lower:
        slot[0].lemma_ = slot[0].lower_


def _predicate_and_counted(doc) -> tuple[str, str]:
    """Lemma of the event the question is about, and the thing counted ("people" in "how many people...")."""
    counted = ""
    for t in doc:
        if t.lower_ in ("many", "much") and t.head.pos_ in ("NOUN", "PROPN") and t.head.i > t.i:
            head = t.head
            # a named modifier says whose, not what: "Navy divers" count divers (of the Navy: a scope)
            counted = " ".join(x.lemma_.lower() for x in head.lefts if x.dep_ == "compound" and not x.ent_type_) \
                + " " + head.lemma_.lower()
            counted = counted.strip()
            info = U.unit_info(head.lower_)
            of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            obj = next((c for c in of.children if c.dep_ == "pobj" and c.pos_ == "NOUN"), None) \
                if of is not None and info is not None and info.dimension != "count" else None
            if obj is not None:  # "how many hours of flying experience": hours measure the experience
                counted = " ".join([x.lemma_.lower() for x in obj.lefts if x.dep_ in ("compound", "amod")
                                    and x.pos_ in ("NOUN", "VERB", "ADJ") and not x.ent_type_] + [obj.lemma_.lower()])
            break
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    thing = next((t.head for t in doc if t.lower_ in ("many", "much") and t.head.pos_ in ("NOUN", "PROPN")
                  and t.head.i > t.i), None)
    if thing is not None and thing.dep_ in ("nsubj", "nsubjpass", "dobj") and thing.head.pos_ == "VERB":
        root = thing.head  # "how many civilians had been killed ..., the day after the attack began?": killed
        # "How many attacks did Russia say it repelled?": the reported clause holds the event, as the clause a
        # governor takes does ("were told to evacuate"); the object of another verb is its own ("how much money
        # would Thailand need to clear its mines": the money is needed, as frames read "would need 800 million")
        # (and "had the governor said ...", where the parser made the auxiliary the main verb)
        said = _complement_verb(root) if root.lemma_.lower() in ("be", "have", "do") or root.lemma_.lower() in \
            role_words("reporting") or governor_modality(root.lemma_) else None
        root = said if said is not None else root
    reporting = role_words("reporting")
    wh = _wh_word(doc)
    asked = (_wh_noun(doc, wh) or wh) if wh is not None else None
    while root is not None and root.lemma_.lower() in reporting and (said := _complement_verb(root)) is not None \
            and not (asked is not None and asked.dep_ == "nsubj" and asked.head.i == root.i):
        root = said  # "how many civilians had the governor said were evacuated": what was said is the event
        # (but "which official said ...": the one who said it is asked)
    # a linking verb with nothing after it but places ("how high can the jobless rate get in some
    # neighbourhoods"), unlike "were in critical condition" (be) or "remained in shelters" (its subject is counted)
    bare_link = root is not None and root.lemma_.lower() in role_words("linking") \
        and root.lemma_.lower() not in ("be", "have") and not any(
            c.dep_ in ("attr", "acomp", "dobj") or thing is not None and c.i == thing.i for c in root.children)
    if root is not None and (root.lemma_.lower() in _LIGHT_VERBS or bare_link):
        # "When did the shooting happen?", "When did the attack begin?", "how high can the jobless rate get":
        # the subject names the event
        subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "NOUN"), None)
        root = subject if subject is not None else root
    predicate = ""
    misread = _misread_verb(doc)
    if misread is not None:  # "open fire" as frames read "opened fire" (bare_object: a lone singular noun)
        verb, noun = misread
        bare = noun.tag_ == "NN" and not noun.ent_type_ and not any(
            c.dep_ in ("det", "amod", "compound", "nummod", "poss") and c.i != verb.i for c in noun.children)
        return (f"{verb.lower_} {noun.lemma_.lower()}" if bare else verb.lower_), counted
    linking = role_words("linking")
    # ("are out of work": the object of "of" under "out")
    state = next((o for p in root.children if p.dep_ == "prep" for o in (*p.children, *(
        x for c in p.children if c.dep_ == "prep" for x in c.children)) if o.dep_ == "pobj" and o.pos_ == "NOUN"),
        None) if root is not None and root.lemma_.lower() in linking \
        and not any(c.dep_ in ("attr", "acomp", "dobj") for c in root.children) else None
    if state is not None:
        # "how many of the wounded were in critical condition": the state is what is counted into ("out of work",
        # "without a job": the lack is the state, as frames read it)
        predicate = event_lemma(state)
    elif root is not None and root.pos_ == "VERB" and root.lemma_.lower() not in ("be", "do", "have"):
        predicate = event_lemma(root)  # "open fire", "put their signatures", "killed or maimed": as frames read verbs
    elif root is not None and root.pos_ == "NOUN":
        predicate = root.lemma_.lower()
    else:
        # "What was the death toll?" / "When did the balloon land?": the last content noun or verb says it
        cands = [t for t in doc if t.pos_ in ("VERB", "NOUN") and t.lemma_.lower() not in ("be", "do", "have")
                 and t.lemma_.lower() != counted.split(" ")[-1:][0] if counted]
        cands = cands or [t for t in doc if t.pos_ in ("VERB", "NOUN") and t.lemma_.lower() not in ("be", "do", "have")]
        for t in cands:
            if t.dep_ in ("nsubj", "nsubjpass", "attr", "dobj", "ROOT", "acomp", "xcomp", "ccomp", "relcl"):
                predicate = t.lemma_.lower()
                comp = [x.lemma_.lower() for x in t.lefts if x.dep_ in ("compound", "amod")]
                if comp and event_class(comp[-1]) in event_classes():
                    predicate = comp[-1]  # "death toll" → death, "jobless rate" → jobless: the modifier names the event
                break
    if not predicate and counted:
        predicate = counted.split(" ")[-1]
    return predicate, counted


_MEASURED = frozenset({"length", "area", "mass", "volume", "depth", "speed"})  # dimensions of a thing's size


def _measured_thing(doc) -> str:
    """The thing a "how wide / long / deep ... is X" question measures: the subject of its copula ("the bridge"),
    "" when the question has another verb ("how far did the troops advance")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_.lower() != "be":
        return ""
    subject = next((c for c in root.children if c.dep_ == "nsubj" and c.pos_ == "NOUN"), None)
    return subject.lemma_.lower() if subject is not None else ""


_ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


def _entity_of(doc, tok) -> str:
    """The named entity (person, organisation, place, group) a token belongs to, "" when none."""
    ent = next((e for e in doc.ents if e.start <= tok.i < e.end and e.label_ in _ACTOR_LABELS), None)
    return ent.text.removeprefix("the ").removesuffix("'s") if ent is not None else ""


def _actor_and_source(doc) -> tuple[str, str]:
    """(actor, source): the named subject of the question's event ("how many tanks has [Russia] lost", "how much
    did [Barton] lose") and whom the figure is asked from ("according to [Valery Gerasimov]", "how many attacks
    did [Russia] say it repelled")."""
    reporting = role_words("reporting")
    source = ""
    for t in doc:
        if t.lower_ == "according":
            to = next((c for c in t.children if c.lower_ == "to"), None)
            obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
            # "according to Valery Gerasimov", "according to the Kremlin's figures"
            source = next((name for x in (obj.subtree if obj is not None else ()) if (name := _entity_of(doc, x))), "")
    actor = ""
    for verb in (t for t in doc if t.pos_ == "VERB"):
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        name = _entity_of(doc, subject) if subject is not None else ""
        counted = next((t.head for t in doc if t.lower_ in ("many", "much") and t.head.pos_ == "NOUN"), None)
        if not name and subject is not None and subject.pos_ == "NOUN" and subject.dep_ == "nsubj" \
                and verb.lemma_.lower() not in reporting and counted is not None and counted.i < subject.i:
            # "how many divers did the state police send": the doer of a counted object owns the count
            name = " ".join(x.text for x in subject.subtree if x.dep_ in ("compound", "amod") or x.i == subject.i)
        if not name:
            continue
        if verb.lemma_.lower() in reporting:
            source = source or name
        elif verb.dep_ != "relcl":
            actor = actor or name
    return actor, source


def _role(doc) -> tuple[str, ...]:
    """The title a who/which question asks the holder of: "Who was France's minister of employment" → (minister,
    employment), "Which Angolan official said ..." → (official,), "Who is the union president?" → (union,
    president): the noun (after which/what, or the subject or complement of "be") with its common-noun
    modifiers and the common noun of its "of"."""
    wh = _wh_word(doc)
    if wh is None:
        return ()
    noun = _wh_noun(doc, wh)
    if noun is None and wh.head.lemma_ == "be":
        noun = next((c for c in wh.head.children if c.dep_ in ("attr", "nsubj") and c.pos_ == "NOUN"), None)
    if noun is None:
        return ()
    of = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    obj = next((c for c in of.children if c.dep_ == "pobj" and c.pos_ == "NOUN"), None) if of is not None else None
    if noun.lemma_.lower() == "name" and obj is not None:
        noun, obj = obj, None  # "the name of Lind's first wife": the title asked is "first wife"
    words = [c.lemma_.lower() for c in noun.lefts if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "ADJ")
             and c.ent_type_ in ("", "ORDINAL")]  # "first wife": an ordinal is part of the title
    words.append(noun.lemma_.lower())
    if obj is not None:
        words.append(obj.lemma_.lower())
    return tuple(dict.fromkeys(words))


def _wh_word(doc):
    """The question's wh-pronoun or determiner (who, what, which), or None."""
    return next((t for t in doc if t.tag_ in ("WP", "WDT")), None)


def _wh_noun(doc, wh):
    """The noun a which/what question asks for ("Which Angolan official said ...": official), also where the small
    parser attached the wh-word elsewhere: the noun of the words right after it, up to the first word that is no
    part of a noun phrase; None when no noun follows."""
    if wh.dep_ == "det" and wh.head.pos_ == "NOUN":
        return wh.head
    if wh.lower_ not in ("which", "what"):
        return None
    noun = None
    for t in doc[wh.i + 1:]:
        if t.pos_ == "NOUN":
            noun = t
        elif t.pos_ not in ("ADJ", "PROPN") and not (t.pos_ == "PUNCT" and t.text == "-"):
            break
    return noun


def _asks(doc) -> str:
    """Which part of the event a who/what question asks for: the doer ("Who won the final?") or the one it was
    done to ("Whom did she beat?", "Who was killed?"); "" when the wh-word is not an argument of a verb."""
    wh = next((t for t in doc if t.tag_ in ("WP", "WDT") or t.lower_ in ("who", "whom")), None)
    if wh is None:
        return ""
    arg = _wh_noun(doc, wh) or wh  # "which company bought it": the noun is the argument
    if arg.head.pos_ != "VERB" or arg.head.lemma_ == "be":
        return ""
    return {"nsubj": "doer", "dobj": "undergoer", "nsubjpass": "undergoer"}.get(arg.dep_, "")


def _unit(doc) -> tuple[str, str]:
    """(dimension, normalized unit) when the question asks in a unit ("how many square kilometers", "how many
    miles") or a currency. A unit elsewhere is no answer unit ("attacks ... in the previous 24 hours")."""
    for t in doc:
        if t.lower_ in ("many", "much") and t.head.i > t.i:
            head = t.head
            words = [x.text for x in head.lefts if x.dep_ in ("amod", "compound") and x.i > t.i] + [head.text]
            for text in (" ".join(words), head.text):
                info = U.unit_info(text)
                if info is not None and head.lower_ not in ("m", "in"):
                    return info.dimension, info.normal
    for t in doc:
        code = U.currency_code(t.text)
        if code:
            return "money", code
    return "", ""


_TIME_PREPOSITIONS = frozenset({"after", "before", "since", "during", "until", "till"})  # English prepositions that
# only place an event in time


def measure_text(doc, scope: Sequence[str]) -> str:
    """The phrase embedded to compare the question with figures' measure phrases: the question's own words
    for the thing and the event ("people forced from their homes"), without question words, auxiliaries,
    determiners, dates and the place it is restricted to (the scope is matched apart)."""
    skip = set()
    for e in doc.ents:
        if e.label_ == "DATE" or any(e.text.removeprefix("the ") == s for s in scope):
            skip.update(range(e.start, e.end))
            head = _modified_noun(e.root)
            if head.dep_ == "pobj" and head.head.dep_ == "prep":  # the whole "from the Kursk region"
                skip.update(t.i for t in head.head.subtree)
    for t in doc:
        if t.lemma_.lower() == "accord" or t.lower_ == "according":  # "according to Valery Gerasimov": the source
            skip.update(x.i for x in t.subtree)
        if t.dep_ == "ROOT" and t.lemma_.lower() in role_words("reporting") and any(
                c.dep_ in ("ccomp", "xcomp") for c in t.children):  # "did Russia say [it repelled]": the reporter
            skip.add(t.i)
            skip.update(x.i for c in t.children if c.dep_ in ("nsubj", "nsubjpass") for x in c.subtree)
    for t in doc:  # "[a year after the shootings]": a phrase of time says when, not what is counted
        if t.dep_ == "prep" and t.lower_ in _TIME_PREPOSITIONS:
            skip.update(x.i for x in t.subtree)
    for t in doc:  # "how many [of the wounded] were in critical condition": the whole they are part of is no measure
        # (but "how much of the prize money": the money is what is measured)
        if t.lower_ == "many":
            skip.update(x.i for c in t.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.subtree)
        if t.lower_ in ("many", "much") and t.i > 0 and doc[t.i - 1].lower_ == "how":
            # "[About] how many", "[roughly] how much": how near the answer may be is no part of the measure
            # (the small parser often makes "About" the root, so the words are read by their place and kind)
            skip.update(x.i for x in doc[:t.i - 1] if x.pos_ in ("ADV", "ADP", "SCONJ") and x.tag_ != "WRB")
    for t in doc:  # the thing counted always stays ("how many [Ukrainian attacks] did Russia say ...")
        if t.lower_ in ("many", "much") and t.head.i > t.i and t.head.pos_ in ("NOUN", "PROPN"):
            skip.difference_update(x.i for x in t.head.subtree if x.i <= t.head.i)
    keep = [t.text for t in doc if t.i not in skip and not t.is_punct and t.tag_ not in ("WDT", "WP", "WP$", "WRB")
            and t.dep_ not in ("aux", "auxpass", "det", "poss") and t.lower_ not in ("many", "much")
            and not (t.dep_ == "cc" and t.i == 0)  # "And how many were injured?": the link to the last question
            and t.pos_ != "PRON" and not (t.lemma_ == "be" and t.dep_ == "ROOT")]
    return " ".join(keep)


def _modality(doc) -> str:
    """What kind of figure the question asks about when it is not what happened: a governing verb with the event as
    its complement ("waiting to be evacuated", "told to leave") or a modal auxiliary ("will be cut")."""
    for t in doc:
        kind = governor_modality(t.lemma_)
        if kind and any(c.dep_ in ("xcomp", "ccomp") and c.pos_ in ("VERB", "AUX") for c in t.children):
            return kind
    for t in doc:
        if t.dep_ == "aux" and auxiliary_modality(t.lemma_):
            return auxiliary_modality(t.lemma_)
    return ""


def parse_question(nlp, question: str, history: Sequence[str] = (), previous=None) -> QuestionIntent:
    """Parse the question (and, for a follow-up, borrow the words of the previous question) into an intent.
    previous(text): the previous question's Doc, when the caller kept it (else it is parsed again with nlp)."""
    doc = nlp(question)
    repair_bare_verb(doc)
    measure = ""
    follow = bool(history) and (len(content_lemmas(doc)) <= 2 or is_follow_up(doc))
    answer_type, dimension = _answer_type(doc)
    predicate, counted = _predicate_and_counted(doc)
    scope = _scope(doc, answer_type)
    words = content_lemmas(doc)
    query = question
    group = _group(doc) if answer_type in ("count", "amount") else ()
    if follow:
        prev = (previous or nlp)(history[-1])
        repair_bare_verb(prev)
        p_type, p_dim = _answer_type(prev)
        if answer_type == "other":
            answer_type, dimension = p_type, p_dim
        p_pred, p_counted = _predicate_and_counted(prev)
        p_scope = _scope(prev, p_type)
        part = _of_pronoun(doc)
        if not scope:
            named = _names_only(doc)  # "What about Northfield?": the name alone is where the last question goes
            scope = named or p_scope
            inherited = () if named else scope
        else:
            inherited = ()
        # A follow-up with an event of its own ("And how many were injured?") asks about that event, only where the
        # last question was ("injured in Northfield"); one without ("And in Eastvale?", "Who said so?", "How many of
        # them ...") asks the last question again, restricted or turned to its source.
        own = bool(predicate) and predicate not in {t.lemma_.lower() for t in doc if t.lower_ in _PRONOUNS} \
            and predicate not in role_words("reporting") and not part
        if own:
            query = " ".join([question, *inherited])
            words = list(dict.fromkeys(words + [w for x in inherited for w in x.lower().split()]))
        else:
            # "And in Eastvale?" after "How many died in Northfield?": search the event, not the old place
            query = f"{measure_text(prev, p_scope)} {question}" if scope and not inherited \
                else f"{history[-1]} {question}"
            if part and predicate:
                # "how many of them were children": of the last question's wounded, the children are counted
                predicate, counted = p_pred or predicate, predicate
            else:
                predicate, counted = p_pred or predicate, counted or p_counted
            old_places = {w for x in p_scope for w in x.lower().split()} if scope != inherited else set()
            words = list(dict.fromkeys([w for w in content_lemmas(prev) if w not in old_places] + words))
        scoped = {w for x in scope for w in x.lower().split()}
        if not [t for t in doc if not (t.is_stop or t.is_punct or t.lower_ in scoped)]:
            measure = measure_text(prev, p_scope)  # "And in Belgorod?" measures what was asked
    unit_dim, unit = _unit(doc)
    if unit_dim and dimension in ("", "count"):
        dimension = unit_dim
    if answer_type == "amount" and dimension in _MEASURED and not counted:
        counted = _measured_thing(doc)  # "how wide is the stretch of border": the stretch is what is measured
    event = event_class(predicate, counted) if predicate else ""
    if answer_type == "amount" and not dimension:
        dimension = event_dimension(event)  # "how much did it cost to build": a sum of money
    names = tuple(e.text for e in doc.ents if e.label_ in _NAME_LABELS) + _unlabelled_names(doc)
    actor, source = _actor_and_source(doc) if answer_type in ("count", "amount") else ("", "")
    return QuestionIntent(
        question=question, query=query, answer_type=answer_type, predicate=predicate,
        event=event, counted=counted, scope=scope, time_pin=_time_pin(doc, counted),
        dimension=dimension, unit=unit, words=tuple(words), names=names,
        incidental=_incidental(doc),
        measure=measure or measure_text(doc, scope) or " ".join(words), modality=_modality(doc), actor=actor,
        source=source, whole=any(t.lower_ in _vocabulary()["whole"] or t.lower_ == "all" and t.i > 0
                                 and doc[t.i - 1].lower_ == "in" for t in doc),  # "in all"
        role=_role(doc) if answer_type in ("person", "organisation", "name", "place") else (),
        asks="identity" if _asks_identity(doc) else
        _asks(doc) if answer_type in ("person", "organisation", "place", "name") else "",
        group=group if answer_type in ("count", "amount") else ())
