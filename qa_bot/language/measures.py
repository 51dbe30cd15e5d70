"""SHIM for the old answering/ code only (answer.py, conflicts.py, names.py, engine._same_measure): word-level
keys of measure phrases. Index time no longer uses it (language/frames.py reads the parse); delete it with the
old answering code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence


# Letters in any script ("Zürich", "Zoë", "Łódź"): [^\W\d_] is a Unicode letter; apostrophes and hyphens inside
WORD_RE = re.compile(r"[^\W\d_](?:(?:[^\W\d_]|['’-])*[^\W\d_])?|\d[\w,.]*\w|\d|[^\w\s]")

PREPS = frozenset("of in on at to from by for with into onto across along near over under about after before since "
                  "during through within without between among against toward towards per via than as including "
                  "like amid despite around up out off down upon behind beyond inside outside".split())
DETS = frozenset("the a an this that these those its their his her our my your some any each every all both no "
                 "another other such most many much few several only just nearly almost roughly total "
                 "astounding whopping staggering estimated additional further".split())
AUX = frozenset("be is are was were been being have has had having do does did will would shall should can could "
                "may might must 's ’s".split())
ADVERBS = frozenset("already now also still reportedly so far recently then just allegedly officially yet not never "
                    "ever even previously initially later further currently approximately reportedly apparently "
                    "since finally again altogether overall respectively more".split())
CONJ = frozenset("and or but while whereas although though because that which who whom whose where when if nor "
                 "so".split())
PRONOUNS = frozenset("he she it they we i you them him us me".split())
SPEECH = frozenset("say says said saying tell tells told telling report reports reported reporting announce "
                   "announces announced add adds added note notes noted write writes wrote written state states "
                   "stated claim claims claimed confirm confirms confirmed insist insisted estimate estimates "
                   "estimated inform informed informs show shows showed shown according quoted cited "
                   "believe believes believed".split())
DIRECTIVE = frozenset("tell told telling advise advised ordered order orders urge urged instructed instruct asked "
                      "ask plan planned plans planning scheduled schedule expected expect expects due set "
                      "intended intend aims aim called mandatory ordering".split())
PENDING = frozenset("wait waiting waits awaiting await awaits remain remaining remained".split())
NEGATION = frozenset("not no never without".split())
IRREGULAR = {
    "left": "leave", "fled": "leave", "flee": "leave", "fleeing": "leave", "flees": "leave", "told": "tell", "sent": "send", "held": "hold", "lost": "lose",
    "won": "win", "made": "make", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall", "grew": "grow", "grown": "grow",
    "paid": "pay", "sold": "sell", "bought": "buy", "spent": "spend", "seen": "see", "saw": "see",
    "became": "become", "began": "begin", "begun": "begin", "brought": "bring", "built": "build",
    "caught": "catch", "chose": "choose", "chosen": "choose", "drove": "drive", "driven": "drive",
    "fought": "fight", "found": "found", "flew": "fly", "flown": "fly", "got": "get", "gotten": "get",
    "went": "go", "gone": "go", "hid": "hide", "hidden": "hide", "kept": "keep", "knew": "know",
    "known": "know", "led": "lead", "met": "meet", "ran": "run", "shot": "shoot", "struck": "strike",
    "stood": "stand", "stole": "steal", "stolen": "steal", "swept": "sweep", "threw": "throw",
    "thrown": "throw", "woke": "wake", "wore": "wear", "worn": "wear", "wrote": "write", "written": "write",
    "dying": "die", "hurt": "hurt", "hit": "hit", "cut": "cut", "put": "put", "shut": "shut", "set": "set",
    "spread": "spread", "drew": "draw", "drawn": "draw", "ate": "eat", "eaten": "eat", "sank": "sink",
    "sunk": "sink", "bore": "bear", "borne": "bear", "born": "bear", "slain": "slay", "slew": "slay",
    "dead": "kill", "death": "kill", "deaths": "kill", "die": "kill", "died": "kill", "dies": "kill",
    "fatalities": "kill", "fatality": "kill", "fatal": "kill", "killed": "kill", "killing": "kill",
    "kills": "kill", "toll": "kill",
    "injured": "injure", "injuries": "injure", "injury": "injure", "wounded": "injure", "wounds": "injure",
    "wounding": "injure", "injuring": "injure", "hurts": "injure",
}
# irregular forms that count as verbs even without an -ed/-ing ending
_IRREGULAR_VERBS = frozenset(k for k, v in IRREGULAR.items() if k not in ("death", "deaths", "toll", "fatalities",
                                                                      "fatality", "fatal", "dead", "injuries",
                                                                      "injury", "wounds", "hurts"))
_NOT_VERBS = frozenset("hundred need speed seed bed red shed feed breed creed sled steed during nothing something "
                       "everything anything thing king spring morning evening building including according ring "
                       "string ceiling meeting briefing funding training ongoing wing bring sing sibling darling "
                       "anointed united limited kindred hatred sacred wicked naked rugged beloved aged ed "
                       "following upcoming outstanding remaining notwithstanding pending ping".split())
_EVENT_NOUN_SUFFIX = re.compile(r"(?:ations?|ions?|ures?|als?|ments?)$")
_EVENT_NOUNS = frozenset({"death", "deaths", "toll", "fatalities", "injuries", "injury", "wounds", "dead",
                          "casualties", "arrests", "losses", "loss", "sales", "revenue", "revenues", "profit",
                          "profits", "turnout", "votes", "growth", "exodus", "departures", "attendance"})


@dataclass(frozen=True)
class Token:
    """A word or punctuation mark with its offsets in the sentence."""

    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        """Lower-case text with typographic apostrophes straightened."""
        return self.text.lower().replace("’", "'")


@dataclass(frozen=True)
class MeasureKey:
    """A measure phrase taken apart for grouping: mode, event stems, noun stems, scoping place."""

    mode: str  # "", "planned" (told/advised/planned to), "pending" (waiting to), "negated"
    events: frozenset[str]
    nouns: frozenset[str]
    place: frozenset[str]


def tokenize(text: str) -> list[Token]:
    """Words, numbers and punctuation with offsets."""
    return [Token(m.group(0), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def stem(word: str) -> str:
    """A crude stem shared by the forms of one verb or its noun: evacuated/evacuate/evacuation → "evacuat"."""
    w = word.lower().replace("’", "'")
    w = IRREGULAR.get(w, w)
    for suffix in ("ations", "ation", "ions", "ion", "ies", "ing", "ied", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + ("at" if suffix.startswith("ation") else "")
            break
    w = w.rstrip("e") if len(w) > 3 else w
    w = w[:-1] if w.endswith("y") and len(w) > 4 else w
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


def is_verbish(tokens: Sequence[Token], i: int) -> bool:
    """Heuristic: the word at i is a verb form (-ed, -ing, an irregular past, or right after to/an auxiliary)."""
    t = tokens[i]
    w = t.low
    if not w[0].isalpha() or w in _NOT_VERBS or w in PREPS or w in DETS or w in CONJ or w in PRONOUNS:
        return False
    if t.text[0].isupper() and i > 0:
        return False
    if w in _IRREGULAR_VERBS:
        return True
    if (w.endswith("ed") and len(w) > 4) or (w.endswith("ing") and len(w) > 5):
        return True
    if i > 0 and (tokens[i - 1].low in AUX or tokens[i - 1].low in ("to", "not")) and w not in AUX:
        return True
    return False


def is_content(t: Token) -> bool:
    """A word that can be part of a noun phrase."""
    w = t.low
    return (w[0].isalpha() and w not in PREPS and w not in DETS and w not in AUX and w not in CONJ
            and w not in PRONOUNS and w not in ADVERBS)


def measure_key(measure: str) -> MeasureKey:
    """Take a measure phrase apart: "people told to evacuate" → mode planned, events {evacuat}, nouns {peopl}."""
    tokens = tokenize(measure)
    mode = ""
    events: set[str] = set()
    nouns: set[str] = set()
    place: set[str] = set()
    in_place = False
    predicate = False  # "settlements under control": the noun after "under" is the event (control)
    for i, t in enumerate(tokens):
        w = t.low
        if not w[0].isalpha():
            continue
        if predicate and is_content(t) and not t.text[0].isupper():
            events.add(stem(w))
            predicate = False
            continue
        if w == "under" and i > 0:
            predicate = True
            continue
        if w in ("from", "in", "by", "at", "near"):
            in_place = True
            continue
        if in_place and t.text[0].isupper() and len(w) > 1:
            place.add(w)
            continue
        in_place = False
        if w in NEGATION:
            mode = "negated"
        elif w in PENDING:
            mode = mode or "pending"
        elif w in DIRECTIVE and (i + 1 < len(tokens) and (tokens[i + 1].low == "to" or is_content(tokens[i + 1]))):
            mode = mode or "planned"
        elif w in AUX or w in PREPS or w in DETS or w in CONJ or w in SPEECH:
            continue
        elif w in IRREGULAR and IRREGULAR[w] in ("kill", "injure"):
            events.add(stem(IRREGULAR[w]))
        elif is_verbish(tokens, i) or _EVENT_NOUN_SUFFIX.search(w) and len(w) > 6:
            events.add(stem(w))
        elif w in _EVENT_NOUNS:
            events.add(stem(w))
        else:
            nouns.add(stem(w))
    return MeasureKey(mode, frozenset(events), frozenset(nouns), frozenset(place))


def find_speaker(sentence: str) -> str:
    """Deprecated: speakers are read from the parse at index time (Figure.said_by); returns ""."""
    return ""
