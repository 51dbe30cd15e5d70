"""The figure report: which stored figure frames answer the question, their groups (one event, thing and
scope each), what changed over time or disagrees, and the figure to lead with."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

import numpy as np

from ..language.lexicon import change_of, event_classes, is_event_word, role_words, size_words
from ..language.units import overlaps, parse_iso, period_end
from ..language.words import DATE_FIT, date_fits, has_words, in_words, names_word
from ..records import Article, Conflict, Figure, QuestionIntent

# Cosines between "thing + event" phrases of all-MiniLM-L6-v2 (measured on news phrases): "people killed" vs
# "death toll" 0.55, "people displaced" vs "forced from their homes" 0.52, "jobs cut" vs "positions eliminated"
# 0.58, "people killed" vs "people injured" 0.62 (kept apart by their event classes, not by the cosine),
# "ferries cancelled" vs "rainfall measured" 0.12. A figure answers when its phrase is at least MATCH_MIN close,
# or its event class is the question's.
MATCH_MIN = 0.50
# Or, for a question whose event is in no class, a figure in a sentence that says the same thing: "people forced
# from homes" vs "people displaced" is only 0.40, but the sentence "About 15,000 people were displaced by the
# earthquake" is 0.46 to the question; "ferries cancelled" vs any figure of that corpus stays under 0.25.
WEAK_MATCH_MIN = 0.30
SENTENCE_MATCH_MIN = 0.40
TOLD_SENTENCE_MIN = 0.50  # the last resort: a sentence this close to the question tells the asked event
MEASUREMENTS = frozenset({"length", "area", "speed", "depth", "mass", "volume", "temperature", "duration"})
SAME_GROUP_MIN = 0.72  # two figures without a known event class report the same measure above this cosine
SCOPED_PENALTY = 0.15  # a question that names no place prefers figures that are not restricted to one
OUTLIER_SHARE = 0.5  # a lone figure under half the group's median does not lead it (a toll corrected down from
# 2,310 to 1,870 is 0.8 of it; "about 42 countries" of one bloc beside 120-135 signatories is 0.33)
MEASURED_BONUS = 0.1  # a measurement of the very thing a size question asks about, over one of something near it
SOURCE_BONUS = 0.15  # a figure said by the source the question names ("according to X") over others
WHOLE_REACH = 0.2  # figures this much less relevant than the best may still be the whole the question asks for
PIN_REACH = 0.25  # a group this much less relevant than the best may still lead when it has the asked time
MAX_TABLE = 24  # figures shown side by side at most
DONE = frozenset({"done", "estimated", ""})  # what a plain question ("how many were killed?") asks about


def is_event_class(event: str) -> bool:
    """Is this one of the event classes of language/data/events.yaml (not a bare lemma standing for itself)?"""
    return event in event_classes()


@dataclass(frozen=True)
class Candidate:
    """A figure that answers the question, with how well it does."""

    index: int  # row in the figures/measure vectors of the index
    figure: Figure
    relevance: float


@dataclass(frozen=True)
class FigureReport:
    """What the answer shows of figures: the lead, the group it belongs to, other groups, and conflicts."""

    lead: Figure | None
    agreeing: tuple[Figure, ...]  # the lead and every figure of its group whose interval overlaps it
    figures: tuple[Figure, ...]  # for the table: the lead's group first (by date), then other answering groups
    conflicts: tuple[Conflict, ...]  # groups whose figures were updated, revised or disagree


def norm_name(text: str) -> str:
    """A name for comparisons: lower case, no accents, article or possessive ("the Kursk region's" → "kursk
    region"; "Pogačar" ~ "Pogacar", as news written without accents spells it)."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    words = [w for w in text.lower().replace("’", "'").replace("'s", "").split() if w not in ("the", "a", "an")]
    return " ".join(words)


def scope_name(scope: str) -> str:
    """A scope as a group key: its capitalised words ("Krasnoyaruzhsky district" ~ "Krasnoyaruzhsky"; the
    lower-case words of a name are the kind of place, not which one), or all its words when none is."""
    proper = [w for w in scope.replace("’", "'").replace("'s", "").split() if w[:1].isupper() and w != "The"]
    return " ".join(proper).lower() if proper else norm_name(scope)


def without_places(figure: Figure, common: frozenset[str]) -> Figure:
    """The figure with the event's own places (view.common_places) taken out of its scope."""
    if not figure.scope or not common or not any(scope_name(x) in common for x in figure.scope):
        return figure
    return replace(figure, scope=tuple(x for x in figure.scope if scope_name(x) not in common))


@functools.lru_cache(maxsize=65536)
def name_words(text: str) -> frozenset[str]:
    """The words of norm_name(text), kept per text: scope_matches asks them for every figure and asked place."""
    return frozenset(norm_name(text).split())


@functools.lru_cache(maxsize=65536)
def scope_words(text: str) -> frozenset[str]:
    """The words of scope_name(text), kept per text."""
    return frozenset(scope_name(text).split())


NEAR = 0.5  # scope_matches: the figure's place lies within the asked one (a weaker match than naming it)
NAMED_NEARBY = 0.75  # scope_matches: the figure has no scope, but its sentence names the place
NAMED_BEFORE = 0.6  # scope_matches: the figure has no scope, and only the sentence before (or the title) names it


def scope_matches(asked: Sequence[str], figure: Figure, context: str = "",
                  naming: Callable[[str, Sequence[str]], Sequence[str]] | None = None) -> float:
    """Does the figure hold for the place or group the question names? Its scope must name it (a word in
    common: "Kursk" ~ "Kursk region"); a figure without scope counts when its sentence (or the one before)
    names it; a figure scoped to a smaller place counts when its article names that place beside the asked one
    ("the governor of the Belgorod region said people in the Krasnoyaruzhsky district were moved" makes a
    Krasnoyaruzhsky figure a Belgorod one: NEAR). `naming(doc_id, words)`: the article's sentences with all the
    words. 1 (or True) for a match, NAMED_NEARBY for an unscoped figure in a sentence naming it, NEAR for a place
    within, 0 (False) for none."""
    if not asked:
        return True
    have = frozenset().union(*(name_words(s) for s in figure.scope))
    context = context.lower()
    for place in asked:
        words = name_words(place)
        # every name word of the asked place: "Kursk" ~ "the Kursk region", but "East Germany" is not "Germany"
        if scope_words(place) <= have:
            return True
        if not figure.scope and context and has_words(context, words):
            return NAMED_NEARBY if has_words(figure.quote.lower(), words) else NAMED_BEFORE
        if figure.scope and naming is not None:
            own = figure.quote.lower()
            for s in figure.scope:
                # not its own sentence: "Eastvale with 1,900 dead, followed by Northfield with 230" lists siblings
                if any(t != own for t in naming(figure.doc_id, sorted(words | name_words(s)))):
                    return NEAR
    return False


OWN_SCOPE_BONUS = 0.05


def own_scope(asked: Sequence[str], figure: Figure) -> bool:
    """Is the asked place or group the figure's own scope (not only named in its sentence)? Every name word of
    the asked one, or the figure's is its short form ("Harbor" of "Harbor Bank": the first words agree; "Vale" is
    not "East Vale")."""
    have = frozenset().union(*(name_words(s) for s in figure.scope))
    if any(scope_words(place) <= have for place in asked):
        return True
    for s in figure.scope:
        short = scope_name(s).split()
        if short and any(scope_name(place).split()[:1] == short[:1] and scope_words(s) <= scope_words(place)
                         for place in asked):
            return True
    return False


def answers_type(intent: QuestionIntent, f: Figure) -> bool:
    """Is this figure of the kind the question asks for (a count, an amount of the asked dimension, a date)?"""
    if intent.answer_type == "date":
        return f.kind == "date"
    if f.kind != "number":
        return False
    if intent.dimension == "age" or f.counted == "age":
        return intent.dimension == "age" and f.counted == "age"
    if intent.unit:
        return f.unit == intent.unit or (f.dimension == intent.dimension and intent.dimension != "money")
    if intent.dimension and intent.dimension not in ("", "count"):
        return f.dimension == intent.dimension or ({intent.dimension, f.dimension} == {"length", "depth"})
    if intent.answer_type == "count":
        return f.dimension in ("count", "percent") if intent.dimension != "count" else f.dimension == "count"
    # "how much rain fell" asks a quantity of rain: "in 24 hours" is the time it took, not an answer
    return intent.answer_type == "amount" and f.dimension not in ("duration", "age")


def event_compatible(intent: QuestionIntent, f: Figure) -> bool | None:
    """True/False when both sides have a known event class (same class or not); None when undecided."""
    if intent.event and f.event and is_event_class(intent.event) and is_event_class(f.event):
        return intent.event == f.event
    return None


def candidates(intent: QuestionIntent, question_measure: np.ndarray, question_vector: np.ndarray,
               figures: Sequence[Figure], measure_vectors: np.ndarray, sentence_similarity: np.ndarray,
               contexts: Sequence[str], allowed: Sequence[int],
               naming: Callable[[str, Sequence[str]], Sequence[str]] | None = None,
               similar: Callable[[str, str], float] | None = None,
               owner: Callable[[Figure], str] | None = None, named: Sequence[str] = (),
               told: bool = False) -> list[Candidate]:
    """Figures (`figures[k]` is the index's figure `allowed[k]`) whose type, event, thing and scope fit the question, with their relevance:
    the cosine of their measure phrase with the question's, and of their sentence with the question. `named`:
    names of the question every answering figure's context (title, previous sentence, sentence) must mention.
    told: the last resort of a question nothing answered: a date of any verb, or a count of the asked thing, in a
    sentence close to the question."""
    del question_vector  # the sentence similarity arrives precomputed
    out: list[Candidate] = []
    if not allowed:
        return out
    rows = np.asarray(allowed)
    cos = measure_vectors[rows] @ question_measure
    sizes = asked_sizes(intent) if intent.dimension in MEASUREMENTS else frozenset()
    thing = intent.counted.split()[-1] if intent.counted else ""  # the asked thing's head noun
    for k, i in enumerate(allowed):
        f = figures[k]
        if not answers_type(intent, f) or f.modality not in DONE and f.modality != intent.modality:
            continue
        m = float(cos[k])
        if intent.dimension == "age":  # an age answers by whose it is, not by an event
            whose = owner(f) if owner is not None else ""
            if intent.names and not any(same_person(whose, n) for n in intent.names):
                continue
            at = f.start - f.sentence_start
            window = f.quote[max(0, at - AGE_REACH):at + AGE_REACH].lower()
            near = [w for w in intent.words if w != "old" and w in window]  # "the gunman, Mark O. Barton, 44,"
            right_after = f.quote[:at].rstrip(" ,(").lower()
            if any(right_after.endswith(norm_name(n).split()[-1]) for n in intent.names if norm_name(n)):
                near += ["name"] * 2  # "Leigh Ann Barton, 27," rather than her son's age later in the sentence
            out.append(Candidate(i, f, float(sentence_similarity[k]) + 0.3 * len(near) / max(len(intent.words), 1)))
            continue
        same_event = event_compatible(intent, f)
        if same_event is False:
            continue
        if change_of(f.predicate) in ("rise", "fall") and not any(change_of(w) for w in (intent.predicate,
                                                                                            *intent.words)):
            continue  # the size of a change ("rose 2,300, or 0.9 percent") is no answer to "what is the rate"
        if not all(mentions(contexts[k], f, n) for n in named):
            continue  # "How long did Uliassi's flight last" is not answered by a sentence about Piccard's
        if intent.group and not any(has_words(f.quote.lower(), (w,)) for w in intent.group):
            continue  # "the rate among young people under 25" is not answered by the national rate
        if intent.actor and f.actor and not same_actor(intent.actor, f.actor):
            continue  # "how many tanks has Russia lost" is not answered by "Ukraine has lost 29 tanks"
        place = scope_matches(intent.scope, f, contexts[k], naming)
        if not place:
            continue
        sim = float(sentence_similarity[k])
        same_thing = bool(thing) and bool(f.counted) and f.counted.split()[-1] == thing
        loose = same_event is None and m >= WEAK_MATCH_MIN and sim >= SENTENCE_MATCH_MIN
        # a measurement of the asked dimension ("how long is the bridge": a length) in a sentence on the question
        measured = same_event is None and intent.dimension in MEASUREMENTS and sim >= SENTENCE_MATCH_MIN
        # a bare count of the asked thing for the asked place ("China leads the list with some 110 million
        # mines" for "how many mines does China have in storage"): no verb to compare, the thing and place say it
        bare = same_event is None and not f.predicate and bool(intent.scope) and place is True and same_thing
        # the question's own verb when it is in no class: "were admitted to hospitals" ~ "hospitals have admitted 69"
        said_alike = same_event is None and bool(intent.predicate) and intent.predicate == f.predicate
        # the last resort for a count: the asked thing counted in a sentence about the question, whatever its verb
        # ("representatives of 33 countries opened a conference" for "how many countries sent representatives")
        counted_there = told and intent.answer_type == "count" and sim >= TOLD_SENTENCE_MIN and same_thing
        loose = loose or measured or bare or said_alike or counted_there
        if intent.answer_type != "date" and not (same_event or m >= MATCH_MIN or loose):
            continue
        # a date answers when its event is the asked one: "the attack that began on August 6" dates the attack
        # (its verb's subject), as does "attacked on August 6"
        dated = intent.answer_type == "date" and (
            intent.predicate in (f.predicate, f.counted.split()[-1] if f.counted else "")
            or bool(f.predicate) and f.predicate in intent.words)  # "when did the attack begin": began on ...
        # or, when told=True (the last resort: nothing else dated the event), its sentence is about the question and
        # the date is of one of its verbs: the reports tell the event in other words ("pushed through" / "rushed
        # through a bill", "set off" / "launched from Spain")
        date_there = told and intent.answer_type == "date" and bool(f.predicate) and sim >= TOLD_SENTENCE_MIN
        if intent.answer_type == "date" and not (same_event or m >= MATCH_MIN or dated or date_there):
            continue
        if intent.answer_type == "count" and not counted_compatible(intent.counted, f.counted, similar):
            continue
        if intent.answer_type == "count" and thing and not f.counted and not same_event \
                and not names_word(f.quote, thing):
            continue  # a number counting nothing named, of no asked event, in a sentence that never names the
            # asked thing counts something else ("12,000 Commit Suicide" for "how many cities")
        # the question's own predicate counts as its event when that is in no class ("were involved")
        same = same_event or said_alike
        rel = 0.5 * m + 0.5 * sim + (0.1 if same else 0.0) + (0.2 if dated else 0.0)
        if intent.answer_type == "date":
            rel += DATE_FIT * date_fits(f.text, intent)
        if intent.source and f.said_by:  # "according to Valery Gerasimov": his figure first
            rel += SOURCE_BONUS if same_actor(intent.source, f.said_by) else -SOURCE_BONUS / 2
        if intent.modality:  # "how many are waiting to be evacuated" asks the plan, not who left already
            rel += 0.2 if f.modality == intent.modality else -0.2
        if same_thing:
            # the asked thing; for a size, the thing measured ("the 25-mile stretch" for "how wide is the
            # stretch") says more than the words around it
            rel += 0.05 + (MEASURED_BONUS if intent.dimension in MEASUREMENTS else 0.0)
        if sizes and said_as_asked(f, sizes):
            rel += MEASURED_BONUS  # "180 feet tall" for "how tall": the size asked, not a distance near it
        if not intent.scope and f.scope or place in (NEAR, NAMED_BEFORE):
            rel -= SCOPED_PENALTY
        elif place == NAMED_NEARBY:  # "killed nine people at All-Tech and Momentum" is less sure than "at Momentum"
            rel -= SCOPED_PENALTY / 2
        elif intent.scope and f.scope:  # its own scope names the asked place: the surest match
            rel += SCOPED_PENALTY / 2
        out.append(Candidate(i, f, rel))
    out.sort(key=lambda c: -c.relevance)
    if intent.dimension == "depth" and any(said_deep(c.figure) for c in out):
        out = [c for c in out if said_deep(c.figure)]  # "how deep": not the distance from the coast
    if intent.dimension == "age" and out:
        # the ages of the person the best sentence is about; without a name, only the same age agrees
        top = owner(out[0].figure) if owner is not None else ""
        out = [c for c in out if (same_person(owner(c.figure), top) if top else c.figure.value == out[0].figure.value)]
    return out


DEPTH_WORDS = 3  # words before / after a length where a depth word says it is a depth ("in 116 feet of water")


def asked_sizes(intent: QuestionIntent) -> frozenset[str]:
    """The adjectives that say the size the question asks by ("how tall": tall, high), empty when it asks none."""
    sizes = size_words()
    return next((sizes[w] for w in intent.words if w in sizes), frozenset())


def said_as_asked(f: Figure, sizes: frozenset[str]) -> bool:
    """Is this length said in one of these sizes: "180 feet tall", "a 53-meter-high balloon" for "how tall" (the
    adjective right after the figure, joined by a space or a hyphen)?"""
    after = re.match(r"[\s-]*([a-z]+)", f.quote[f.end - f.sentence_start:].lower())
    return after is not None and after.group(1) in sizes


def said_deep(f: Figure) -> bool:
    """Is this length said as a depth: its unit is one of depth, or a depth word stands right before ("a depth
    of 35 meters") or after it ("116 feet of water", "120 feet below the surface")?"""
    if f.dimension == "depth":
        return True
    at, end = f.start - f.sentence_start, f.end - f.sentence_start
    before = re.findall(r"[\w-]+", f.quote[:at].lower())[-DEPTH_WORDS:]
    after = re.findall(r"[\w-]+", f.quote[end:].lower())[:DEPTH_WORDS]
    return bool(set(before) & role_words("depth_before") or set(after) & role_words("depth_after"))


AGE_REACH = 40  # characters around an age where the question's words say whose it is ("the gunman, Barton, 44")
SAME_THING_MIN = 0.75  # cosine of two counted nouns that name one thing: troops/soldiers 0.89, homes/houses 0.90,
# workers/employees 0.85, votes/ballots 0.78; different things stay below: soldiers/civilians 0.65,
# tanks/armored vehicles 0.60, children/people 0.51, tanks/personnel carriers 0.30


def counted_compatible(asked: str, counted: str, similar: Callable[[str, str], float] | None = None) -> bool:
    """May a count of `counted` answer a question counting `asked` (lemmas)? The same noun; a question in
    general words for people ("people") answered by any group of people; a question about a kind of people
    ("civilians", "residents") answered by people in general or by that kind, never by soldiers; a count of
    people in general never answers a question about children or soldiers; two other nouns must name one thing."""
    if not asked or not counted:
        return True
    a, c = asked.split()[-1], counted.split()[-1]
    if a == c:
        return True
    people, kinds = role_words("people_words"), role_words("kinds_of_people")
    if a in people:
        return True
    if c in people or c in kinds:
        return a in kinds
    states = role_words("kinds_of_states")
    if a in states and c in states:
        return True
    return similar is not None and similar(a, c) >= SAME_THING_MIN


def thing_of(counted: str) -> str:
    """What a figure counts, as a group key: "people" for people in general and the kinds of people that one count
    of residents or civilians covers, else the counted noun's head lemma ("" when nothing is counted)."""
    head = counted.split()[-1] if counted else ""
    if head in role_words("people_words") or head in role_words("kinds_of_people"):
        return "people"
    if head in role_words("kinds_of_states"):
        return "country"
    if head in role_words("container") or is_event_word(head):
        return ""  # "the death toll", "the number": the event counts, the noun says nothing of what
    return head


def split_by_thing(figures: Sequence[Figure], members: list[int],
                   similar: Callable[[str, str], float] | None = None) -> list[list[int]]:
    """Members of one bucket split by what they count: "215 troops injured" and "121 civilians injured" are two
    measures. Things whose nouns name one thing (SAME_THING_MIN: troops/soldiers) stay together; a figure that
    names no counted thing ("the toll rose to 38") joins the people it most often counts, else the largest part."""
    parts: dict[str, list[int]] = {}
    for k in members:
        parts.setdefault(thing_of(figures[k].counted), []).append(k)
    bare = parts.pop("", [])
    if similar is not None and len(parts) > 1:
        merged: dict[str, list[int]] = {}
        for thing, ks in sorted(parts.items(), key=lambda kv: -len(kv[1])):
            home = next((t for t in merged if "people" not in (t, thing) and similar(t, thing) >= SAME_THING_MIN),
                        None)
            merged.setdefault(home or thing, []).extend(ks)
        parts = merged
    if bare:
        home = "people" if "people" in parts else max(parts, key=lambda t: len(parts[t]), default="")
        parts.setdefault(home, []).extend(bare)
    return [sorted(ks) for ks in parts.values()]


def mentions(context: str, figure: Figure, name: str) -> bool:
    """Does the figure's context (lower case), scope, actor or source name this (the last word of the name:
    "Kevin Uliassi" ~ "Uliassi"; or another of its capitalised words: "Ammar Serhal" ~ "Ammar", "TLC
    Manufacturing" ~ "TLC's board", as a report calls them once it has named them)?"""
    # the last word with letters: "Breitling Orbiter 3" ~ "the Orbiter", "Kevin Uliassi" ~ "Uliassi"
    normal = norm_name(name).split()
    numeral = normal[-1] if len(normal) > 1 and (normal[-1].isdigit() or _ROMAN.fullmatch(normal[-1])) else ""
    words = [w for w in (normal[:-1] if numeral else normal) if any(c.isalpha() for c in w)]
    if not words:
        return True
    last = words[-1:]
    if numeral:
        # "Breitling Orbiter 3" / "Orbiter II": the number tells it from "Orbiter 2", so a context that numbers
        # the name otherwise is about another one
        value = int(numeral) if numeral.isdigit() else _from_roman(numeral)
        other = re.search(rf"(?<!\w){re.escape(last[0])}\s+([0-9]+|[ivx]+)(?!\w)", context)
        if other is not None and other.group(1) not in (str(value), _roman(value) if value < 40 else ""):
            return False
    proper = [w for w in (norm_name(x) for x in name.split() if x[:1].isupper()) if len(w) > 2
              and w.isalpha() and not _ROMAN.fullmatch(w)]  # not an initial, not a numeral
    keys = list(dict.fromkeys([*last, *proper]))
    return any(has_words(context, [k]) for k in keys) or any(
        has_words(norm_name(x), [k]) for x in (*figure.scope, figure.actor, figure.said_by) for k in keys)


_ROMAN = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")  # i .. xxxix: the numbers of names ("Orbiter II")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _from_roman(text: str) -> int:
    """Value of a lower-case Roman numeral ("iv" → 4)."""
    values = [_ROMAN_VALUES[c] for c in text]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0]))


def _roman(n: int) -> str:
    """Lower-case Roman numeral of a small number (3 → "iii")."""
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def same_actor(a: str, b: str) -> bool:
    """Do two names stand for one actor? One is part of the other or they share a capitalised word ("Russia" ~
    "Russia's defence ministry", "Valery Gerasimov" ~ "Gerasimov"); "Russia" and "Ukraine" do not."""
    na, nb = norm_name(a), norm_name(b)
    if not na or not nb:
        return False
    if in_words(na.split(), nb.split()) or in_words(nb.split(), na.split()):
        return True
    proper = lambda text: {w.lower() for w in text.split() if w[:1].isupper() and w not in ("The", "A")}  # noqa: E731
    return bool(proper(a) & proper(b))


def same_person(a: str, b: str) -> bool:
    """'Leigh Ann Barton' ~ 'Barton' ~ 'Mark O. Barton' is not enough: the full shorter name must be in the longer,
    or both last words agree when one of them is a single word."""
    na, nb = norm_name(a).split(), norm_name(b).split()
    if not na or not nb:
        return False
    short, long_ = sorted((na, nb), key=len)
    return in_words(short, long_) if len(short) > 1 else short[-1] == long_[-1]


def group_key(f: Figure) -> tuple:
    """What must be equal for two figures to report one measure: kind, dimension (and currency), scope, and
    the event class when the parser knows it ("" otherwise: then the measure phrases decide)."""
    event = f.event if is_event_class(f.event) else ""
    if f.counted == "age":
        event = "age"  # ages of different people never meet: figure_report keeps one owner's
    if f.kind == "date":
        event = f.predicate
    return (f.kind, f.dimension, f.unit if f.dimension == "money" else "",
            frozenset(scope_name(x) for x in f.scope), event, f.modality if f.modality not in DONE else "")


def group_rows(figures: Sequence[Figure], rows: Sequence[int], measure_vectors: np.ndarray,
               similar: Callable[[str, str], float] | None = None) -> list[list[int]]:
    """Positions (into `figures`) in groups of one measure: same group_key, same counted thing (split_by_thing),
    and for figures whose event is unknown, measure phrases at least SAME_GROUP_MIN close (single link).
    Bucketing first keeps it near-linear."""
    buckets: dict[tuple, list[int]] = {}
    for k, f in enumerate(figures):
        buckets.setdefault(group_key(f), []).append(k)
    out: list[list[int]] = []
    for key, bucket in buckets.items():
        for members in (split_by_thing(figures, bucket, similar) if key[0] == "number" else [bucket]):
            if key[4] or len(members) == 1:
                out.append(members)
                continue
            # an event in no class is only known by its predicate: "1,000 troops were involved" and "Ukraine has
            # lost up to 1,350 troops" are two measures however alike their phrases
            by_predicate: dict[str, list[int]] = {}
            for k in members:
                by_predicate.setdefault(figures[k].predicate, []).append(k)
            for predicate, part in by_predicate.items():
                if not predicate and key[1] in MEASUREMENTS and figures[part[0]].counted:
                    # a measurement with no verb is known by what it measures: "200 hours of flying experience"
                    # and "300 hours of flight experience" (split_by_thing kept one thing in `members`)
                    out.append(part)
                    continue
                out.extend(_linked(part, [rows[k] for k in part], measure_vectors))
    return out


def _linked(members: list[int], rows: list[int], measure_vectors: np.ndarray) -> list[list[int]]:
    """Members in single-link groups of measure phrases at least SAME_GROUP_MIN close."""
    vecs = measure_vectors[rows]
    sims = vecs @ vecs.T
    parent = list(range(len(members)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(len(members)):
        for b in np.nonzero(sims[a, a + 1:] >= SAME_GROUP_MIN)[0]:
            ra, rb = find(a), find(a + 1 + int(b))
            if ra != rb:
                parent[rb] = ra
    split: dict[int, list[int]] = {}
    for a, k in enumerate(members):
        split.setdefault(find(a), []).append(k)
    return list(split.values())


def group(cands: Sequence[Candidate], measure_vectors: np.ndarray,
          similar: Callable[[str, str], float] | None = None) -> list[list[Candidate]]:
    """Candidates split into groups of one measure (group_rows)."""
    parts = group_rows([c.figure for c in cands], [c.index for c in cands], measure_vectors, similar)
    return [[cands[k] for k in part] for part in parts]


def figure_date(figure: Figure, articles: Mapping[str, Article]) -> str:
    """The date a figure is reported for: its as-of date, else its article's published date, else ""."""
    if figure.as_of:  # nearly always: frames date every figure of a dated article
        return figure.as_of
    a = articles.get(figure.doc_id)  # (a record made from the index's columns: only when needed)
    return a.published if a else ""


def source_families(figures: Sequence[Figure]) -> dict[str, str]:
    """doc_id → a representative doc_id: an article that repeats another's figures (a rewrite) is one source.
    Two articles are one source when at least 3 of their figure values (to 4 significant digits) are shared and
    those are at least 60% of the smaller article's figures."""
    sigs: dict[str, set[str]] = {}
    for f in figures:
        sigs.setdefault(f.doc_id, set()).add(f"{f.dimension}|{f.unit}|{f.value:.4g}")
    docs = sorted(sigs)
    parent = {d: d for d in docs}

    def find(d: str) -> str:
        while parent[d] != d:
            d = parent[d]
        return d

    for a, b in _sharing_pairs(sigs):
        parent[find(b)] = find(a)
    return {d: find(d) for d in docs}


def _needed(size: int) -> int:
    """Shared values two articles need when the smaller has `size`: at least 3 and at least 60% of it."""
    return max(3, next(c for c in range(size + 1) if c >= 0.6 * size))


def _sharing_pairs(sigs: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs (a < b) of articles that share _needed(smaller) values, found without comparing every pair: a pair
    sharing t of the smaller article's n values shares one of its n - t + 1 rarest (prefix filtering, exact)."""
    freq: dict[str, int] = {}
    for values in sigs.values():
        for v in values:
            freq[v] = freq.get(v, 0) + 1
    postings: dict[str, list[str]] = {}
    for d, values in sigs.items():
        for v in values:
            postings.setdefault(v, []).append(d)
    pairs: set[tuple[str, str]] = set()
    for a, values in sigs.items():
        need = _needed(len(values))
        if need > len(values):
            continue
        prefix = sorted(values, key=lambda v: (freq[v], v))[:len(values) - need + 1]
        for v in prefix:
            for b in postings[v]:
                if b == a or len(sigs[b]) < len(values):
                    continue  # the pair is found from the smaller article's side
                pair = (a, b) if a < b else (b, a)
                if pair not in pairs and len(values & sigs[b]) >= need:
                    pairs.add(pair)
    return sorted(pairs)


def _overlap_matrix(figures: Sequence[Figure]) -> np.ndarray:
    """m[i, j]: do the intervals of figures i and j overlap (units.overlaps, vectorised: same arithmetic)?"""
    lo = np.array([f.low for f in figures], dtype=np.float64)
    hi = np.array([f.high for f in figures], dtype=np.float64)
    big = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1.0)
    tol = 1e-9 * np.maximum(big[:, None], big[None, :])
    return (lo[:, None] <= hi[None, :] + tol) & (lo[None, :] <= hi[:, None] + tol)


def agreeing(lead: Figure, figures: Sequence[Figure]) -> list[Figure]:
    """The lead and every figure whose interval overlaps it."""
    return [lead] + [f for f in figures if f is not lead and overlaps((f.low, f.high), (lead.low, lead.high))]


def group_kind(figures: Sequence[Figure], articles: Mapping[str, Article]) -> str:
    """agree | revision (one article corrects itself) | update (a later date, another value) | conflict
    (different values for the same date from different sources)."""
    # one report giving two values of one measure for one day, without correcting itself, is counting two
    # different things the parser could not tell apart: that says nothing about the sources.
    # Every remaining pair whose intervals do not overlap, as n × n matrices (a group may hold hundreds).
    docs = np.unique([f.doc_id for f in figures], return_inverse=True)[1]
    dates_text = [figure_date(f, articles) for f in figures]
    dates = np.unique(dates_text, return_inverse=True)[1]
    revised = np.array([f.change == "revised" for f in figures])
    same_doc = docs[:, None] == docs[None, :]
    same_date = dates[:, None] == dates[None, :]
    either_revised = revised[:, None] | revised[None, :]
    apart = np.triu(~_overlap_matrix(figures), 1) & ~(same_doc & same_date & ~either_revised)
    if not apart.any():
        return "agree"
    if (apart & same_doc & either_revised).any():
        return "revision"
    if (apart & ~same_doc & same_date).any():
        return "conflict"
    dated = np.array([bool(d) for d in dates_text])
    if not (apart & ~(dated[:, None] & dated[None, :])).any():
        return "update"
    return "conflict"


REPORT_LAG_DAYS = 45  # news and statistics of a period come out within weeks of its end (a month's jobless rate
# in the next month's last days: 31 days after a month's end, plus the day it takes to be written up)


def reported_after(date: str, pin: str) -> bool:
    """Was a figure dated `date` (ISO) reported within REPORT_LAG_DAYS after the period `pin` (a year, a month or a
    day, ISO) ended?"""
    day = parse_iso(date)
    try:
        end = period_end(*(int(x) for x in pin.split("-")[:3]))
    except ValueError:
        return False
    return day is not None and 0 < day.toordinal() - end.toordinal() <= REPORT_LAG_DAYS


def _pinned(figures: Sequence[Figure], pin: str, articles: Mapping[str, Article]) -> list[Figure]:
    """Figures for a time the question asks about: the earliest date, or the latest on or before a date."""
    dated = sorted(figures, key=lambda f: figure_date(f, articles))
    if pin == "earliest":
        first = next((figure_date(f, articles) for f in dated if figure_date(f, articles)), "")
        return [f for f in dated if figure_date(f, articles) == first] or list(figures)
    if pin and pin[0].isdigit():
        # the period itself; else what was reported just after it ("now stands at 11.2 percent" on 31 August is
        # July's rate: statistics and news of a period come out after it ends); else the latest before it
        within = [f for f in dated if figure_date(f, articles)[:len(pin)] == pin] or \
            [f for f in dated if reported_after(figure_date(f, articles), pin)]
        if within:
            return within
        before = [f for f in dated if figure_date(f, articles) and figure_date(f, articles)[:len(pin)] <= pin]
        if before:
            last = figure_date(before[-1], articles)[:len(pin)]
            return [f for f in before if figure_date(f, articles)[:len(pin)] == last]
    return list(figures)


def choose_lead(members: Sequence[Candidate], intent: QuestionIntent, articles: Mapping[str, Article],
                families: Mapping[str, str]) -> Figure:
    """The figure to lead with: for counts and amounts the latest well-supported one (a later figure updates an
    earlier one) unless the question pins a time; for dates the best-supported one."""
    figs = [c.figure for c in members]
    relevance = {id(c.figure): c.relevance for c in members}
    pool = _pinned(figs, intent.time_pin, articles) if intent.time_pin else figs
    if intent.scope:
        # figures whose own scope is the asked place ("four were dead at Harbor Bank") say more than one in a
        # sentence that only names it beside others ("killed nine at Pier Trust and Harbor Bank"), even if later
        own = [f for f in pool if own_scope(intent.scope, f)]
        pool = own or pool

    together = _overlap_matrix(pool)  # support(f) would compare every pair once per f: n² → once
    position = {id(f): i for i, f in enumerate(pool)}

    def support(f: Figure) -> int:
        row = together[position[id(f)]]
        return len({families.get(g.doc_id, g.doc_id) for g, near in zip(pool, row) if near or g is f})

    if intent.dimension == "age":  # whose age it is decides, not when it was reported
        return max(pool, key=lambda f: (relevance[id(f)], support(f)))
    if intent.whole:
        # "how many did he kill altogether": the parts (per office, per day) are smaller than the whole; among
        # the figures that answer about as well as the best, the largest said by more than one source if any
        best = max(relevance[id(f)] for f in pool)
        close = [f for f in pool if relevance[id(f)] >= best - WHOLE_REACH]
        backed = [f for f in close if support(f) > 1] or close
        return max(backed, key=lambda f: (f.low, support(f), relevance[id(f)]))

    def said_closer(lead: Figure) -> Figure:
        # a figure inside the lead's interval says it more precisely ("122" within "more than 120", "Sept. 5,
        # 1993" within "1993"): among those answering about as well as the lead, the best supported, narrowest
        width = lead.high - lead.low
        inside = [f for f in pool if f is not lead and lead.low <= f.low and f.high <= lead.high
                  and f.high - f.low < width and relevance[id(f)] >= relevance[id(lead)] - WHOLE_REACH]
        return max(inside, key=lambda f: (support(f), f.low - f.high, relevance[id(f)])) if inside else lead

    if intent.answer_type == "date" or not any(figure_date(f, articles) for f in pool):
        return said_closer(max(pool, key=lambda f: (support(f), relevance[id(f)])))
    # a figure one source gives far below what the group's reports agree on is a part (one region's, one bloc's
    # signatures) or a slip, not the latest word on the whole: it stays in the table, it does not lead
    sound = pool
    if not intent.time_pin and len(figs) >= 3:
        middle = float(np.median([f.value for f in figs]))
        sound = [f for f in pool if not (f.high < OUTLIER_SHARE * middle and support(f) == 1)] or pool
    latest = max(figure_date(f, articles) for f in sound)
    newest = [f for f in sound if figure_date(f, articles) == latest]
    # within one article, a corrected or risen figure is the later word ("then corrected it to 1,870"); between
    # reports of one day, the one that fits the question best (its thing: "121 civilians" for civilians)
    return said_closer(max(newest, key=lambda f: (support(f), f.change in ("revised", "rise", "fall"),
                                                  relevance[id(f)], f.start)))


def measure_words(figures: Sequence[Figure]) -> str:
    """The most common readable measure of a group ("people killed"); ties go to the first in date order, so the
    same corpus always reads the same."""
    measures = [f.measure for f in figures if f.measure]
    return max(dict.fromkeys(measures), key=measures.count) if measures else ""


def figure_report(intent: QuestionIntent, cands: Sequence[Candidate], measure_vectors: np.ndarray,
                  articles: Mapping[str, Article], all_figures: Sequence[Figure],
                  similar: Callable[[str, str], float] | None = None,
                  families: Mapping[str, str] | None = None) -> FigureReport:
    """Group the candidates, pick the answering group (most relevant, then best supported) and its lead.
    `similar`: cosine of two words, to tell counted things apart (split_by_thing); `families`:
    source_families(all_figures) when the caller has it already (computed once per loaded index)."""
    if not cands:
        return FigureReport(None, (), (), ())
    if families is None:
        families = source_families(all_figures)
    # the depths a "how deep" question keeps (said_deep) measure one thing, whatever verb each report used
    groups = [list(cands)] if intent.dimension == "depth" else group(cands, measure_vectors, similar)

    def group_score(g: list[Candidate]) -> float:
        sources = len({families.get(c.figure.doc_id, c.figure.doc_id) for c in g})
        # a group scoped to the asked place answers it more surely than more reports that only name it nearby
        # (one scoped report ~ three unscoped ones: 0.04 x log 3 = 0.044)
        own = bool(intent.scope) and any(own_scope(intent.scope, c.figure) for c in g)
        return max(c.relevance for c in g) + 0.04 * math.log(sources) + (OWN_SCOPE_BONUS if own else 0.0)

    scores = {id(g): group_score(g) for g in groups}  # read by every sort and cut below

    def score(g: list[Candidate]) -> float:
        return scores[id(g)]

    groups.sort(key=lambda g: -score(g))
    if intent.predicate and not is_event_class(intent.event):
        # an event in no class is known by its word alone: among groups that answer about as well, the one that
        # says it ("Four were in critical condition" for "how many of the wounded were in critical condition")
        first = score(groups[0])
        groups.sort(key=lambda g: not (score(g) >= first - PIN_REACH / 2
                                       and any(c.figure.predicate == intent.predicate for c in g)))
    pin = intent.time_pin
    if pin[:1].isdigit():
        # "the rate in 1995": among the groups that answer about as well, one that has a figure for that time
        top = score(groups[0])

        def timely(g: list[Candidate]) -> bool:
            return score(g) >= top - PIN_REACH and any(
                figure_date(c.figure, articles)[:len(pin)] == pin
                or reported_after(figure_date(c.figure, articles), pin) for c in g)
        groups.sort(key=lambda g: not timely(g))  # stable: the order by score holds within each side
    best = groups[0]
    lead = choose_lead(best, intent, articles, families)
    kept = [g for g in groups if score(g) >= score(best) - 0.15][:4]
    figures: list[Figure] = []
    conflicts: list[Conflict] = []
    for g in kept:
        figs = sorted((c.figure for c in g), key=lambda f: (figure_date(f, articles), f.doc_id, f.start))
        figures.extend(figs)
        kind = group_kind(figs, articles)
        if kind != "agree":
            conflicts.append(Conflict(measure=measure_words(figs), figures=tuple(figs), kind=kind,
                                      note=group_note(figs, kind, articles, families)))
    return FigureReport(lead, tuple(agreeing(lead, [c.figure for c in best])), tuple(figures[:MAX_TABLE]),
                        tuple(conflicts))


def source_name(doc_id: str, articles: Mapping[str, Article]) -> str:
    """How a note names an article: its outlet, else its title cut at a word, else its file name."""
    a = articles.get(doc_id)
    if a is None:
        return doc_id
    if a.outlet:
        return a.outlet
    title = a.title if len(a.title) <= 40 else a.title[:40].rsplit(" ", 1)[0] + "…"
    return title or doc_id


def group_note(figures: Sequence[Figure], kind: str, articles: Mapping[str, Article],
               families: Mapping[str, str]) -> str:
    """One line per value, in date order: "31 (Daily Ledger, 2024-05-06) → 38 (City Wire, 2024-05-08)";
    same-day disagreement joined by " vs "; a revision within one article says so."""
    del families
    steps: list[tuple[str, str]] = []  # (date, "value (sources, date)")
    seen: list[tuple[Figure, list[Figure]]] = []
    for f in figures:
        for lead, members in seen:
            same = f.text == lead.text if f.kind == "name" else overlaps((f.low, f.high), (lead.low, lead.high))
            if same and figure_date(f, articles) == figure_date(lead, articles):
                members.append(f)
                break
        else:
            seen.append((f, [f]))
    for lead, members in seen:
        names = list(dict.fromkeys(source_name(m.doc_id, articles) for m in members))
        date = figure_date(lead, articles) or "undated"
        who = next((m.said_by for m in members if m.said_by), "")
        label = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        steps.append((date, f"{lead.text} ({label}{'; ' + who if who else ''}, {date})"))
    if kind == "revision":
        return " → ".join(s for _, s in steps) + " — corrected in the same report"
    out = steps[0][1]
    for (d0, _), (d1, s) in zip(steps, steps[1:]):
        out += (" vs " if d1 == d0 else " → ") + s
    return out
