"""What a figure counts, who said it and when: word-level heuristics over one sentence, no parser, no model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Sequence

from .units import WEEKDAYS, parse_iso, weekday_before

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
# verbs that take "to" + a verb ("told to evacuate", "forced to flee"); after any other verb "to" is a preposition
# ("evacuated to shelters"), where the measure phrase ends
INFINITIVE_TAKERS = DIRECTIVE | PENDING | frozenset("forced force allowed allow able unable managed manage trying "
                                                    "tried try want wants wanted need needs needed going decided "
                "agreed refused hoped hope continue continued began begin started start failed fail "
                "likely unlikely set".split())
# verbs that say a figure changed, not what it counts: "the death toll has risen to 41" counts deaths
CHANGE_VERBS = frozenset("rise rises rose risen rising climb climbs climbed reach reaches reached increase increases "
                         "increased grow grows grew grown jump jumps jumped soar soared surge surged fall falls fell "
                         "fallen drop drops dropped decline declined stand stands stood total totals totaled "
                         "totalled amount amounted hit hits".split())
_PARTICIPLES = {"hold": "held", "take": "taken", "lose": "lost", "win": "won", "make": "made", "give": "given",
                "send": "sent", "keep": "kept", "leave": "left", "find": "found", "shoot": "shot", "hit": "hit",
                "build": "built", "sell": "sold", "buy": "bought", "spend": "spent", "pay": "paid",
                "bring": "brought", "catch": "caught", "fight": "fought", "lead": "led", "meet": "met",
                "get": "got", "see": "seen", "steal": "stolen", "strike": "struck", "run": "run", "put": "put",
                "cut": "cut", "set": "set", "hurt": "hurt", "shut": "shut", "spread": "spread", "draw": "drawn",
                "eat": "eaten", "sink": "sunk", "flee": "fled", "seek": "sought", "teach": "taught",
                "feed": "fed", "house": "housed", "have": "had", "do": "done", "go": "gone", "come": "come",
                "become": "become", "begin": "begun", "know": "known", "grow": "grown", "throw": "thrown",
                "write": "written", "choose": "chosen", "drive": "driven", "fly": "flown", "hide": "hidden",
                "sweep": "swept", "wear": "worn", "die": "died"}
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


# of the change verbs, those that name the level reached, not a change by an amount ("reached 12", "stood at 41")
LEVEL_VERBS = frozenset("reach reaches reached total totals totaled totalled stand stands stood amount amounted "
                        "hit hits".split())


def is_present_verb(tokens: Sequence[Token], i: int) -> bool:
    """A present-tense verb before its object: "Ukraine controls", "they now control", "Acme employs"."""
    w = tokens[i].low
    if not w.isalpha() or len(w) < 3 or w in DETS or w in PREPS or w in CONJ or w in AUX:
        return False
    if w.endswith("s") and not re.search(r"(?:ss|us|is|ics|ness|ws)$", w) and i > 0 and (
            tokens[i - 1].text[0].isupper() or is_content(tokens[i - 1])
            or tokens[i - 1].low in ("and", "which", "that", "who")):
        return True
    return i > 0 and (tokens[i - 1].low in PRONOUNS or tokens[i - 1].low in ("now", "still", "already", "also"))


def participle(verb: str) -> str:
    """The past participle of a verb as written before its object, so the measure reads "<noun> <participle>":
    "control"/"controls" → "controlled", "holds" → "held", "seize" → "seized"; -ed and -ing forms unchanged."""
    w = verb.lower()
    if w.endswith(("ed", "ing")) or (w in _IRREGULAR_VERBS and not w.endswith("s") and w not in _PARTICIPLES):
        return verb  # already a past form: "killed", "held", "lost"
    base = w
    if w not in _PARTICIPLES:
        if re.search(r"(?:ss|sh|ch|x|z)es$", w):
            base = w[:-2]
        elif w.endswith("ies") and len(w) > 4:
            base = w[:-3] + "y"
        elif w.endswith("s") and not w.endswith("ss"):
            base = w[:-1]
    if base in _PARTICIPLES:
        return _PARTICIPLES[base]
    if base.endswith("e"):
        return base + "d"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ied"
    # one vowel before a final l doubles it ("controlled", "patrolled"); so does a one-syllable CVC ("banned")
    if re.search(r"[^aeiou][aeiou]l$", base) or re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", base):
        return base + base[-1] + "ed"
    return base + "ed"


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


# ---------------------------------------------------------------------------------------------------------------
# Attribution
# ---------------------------------------------------------------------------------------------------------------

_SAY = (r"(?:said|says|say|told|tells|reported|reports|announced|announces|added|adds|wrote|writes|stated|states|"
        r"claimed|claims|confirmed|confirms|noted|notes|informed|estimated|estimates|insisted|revealed|reveals|"
        r"briefed|explained|warned|informed)")
# upper-case letters of the Latin, Greek and Cyrillic scripts, so "Élodie Brun" and "Ørsted" are names too
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽΑ-ΩА-ЯЁ"
_NAME = (r"(?:(?:[" + _UP + r"]\.|[" + _UP + r"][\w’'-]*)(?:\s+(?:[" + _UP + r"]\.|[" + _UP + r"][\w’'-]*|de|van|"
         r"von|al|bin|of\s+the|of))*)")
_TITLE = r"(?:(?:the\s+)?(?:[a-z][\w-]*\s+){0,4}?)"
_ACCORDING = re.compile(r"\baccording\s+to\s+((?:the\s+)?" + _NAME + r"(?:\s+[a-z]+){0,2}?)(?=[,.;]|\s+(?:news|"
                        r"agency|newspaper|ministry)|$)|\baccording\s+to\s+((?:the\s+)?" + _NAME + ")")
_POSTPOSED = re.compile(r",\s*((?:the\s+)?[^,]{2,80}?,\s*" + _NAME + r"|" + _NAME + r"|(?:he|she|they))\s*,?\s+"
                        + _SAY + r"\b")
_SUBJECT_SAY = re.compile(r"(?:^|[.;:\"“”]\s*|,\s*|\bthat\s+|\band\s+)((?:[Tt]he\s+)?(?:[^\W\d_][\w’'-]*\s+){0,5}?"
                          r"(?:[" + _UP + r"][\w’'.-]*|[a-z]+)(?:\s*,\s*" + _NAME + r"\s*,)?)\s+(?:also\s+|later\s+|"
                          r"previously\s+|had\s+|has\s+|have\s+|then\s+|finally\s+)?" + _SAY + r"\b")
_BAD_SUBJECT = frozenset("it this that which who there what was were is are has had have".split())
_NAME_ONLY = re.compile(_NAME)


def _clean_speaker(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip(" ,\"“”'")
    s = re.sub(r"^(?:and|but|while|that|as|so|then|also|meanwhile,?)\s+", "", s, flags=re.I)
    return s.strip(" ,")


_INITIAL = re.compile(r"^\W*((?:[Tt]he\s+)?[^,.;:]{3,70},\s*" + _NAME + r"|" + _NAME + r"(?:,\s*[^,]{3,80},)?),?\s+"
                      r"(?:also\s+|later\s+|previously\s+|then\s+|finally\s+|on\s+\w+\s+)?" + _SAY + r"\b")


# "the interior ministry put it at 38", "police estimated the number at 300": the subject gives the figure
_PUT_AT = re.compile(r"(?:^|[,;:]\s*|\b(?:while|whereas|but|and|although|though)\s+)((?:[Tt]he\s+)?"
                     r"(?:[^\W\d_][\w’'-]*\s+){0,4}?[^\W\d_][\w’'-]*)\s+(?:put|puts|placed|places|estimated|"
                     r"estimates|gave|gives|set|sets)\s+(?:it|them|the\s+(?:[a-z]+\s+){0,2}?(?:figure|number|toll|"
                     r"total|count|tally|cost|damage|bill)(?:\s+of\s+[^\W\d_]+)?)\s+at\b")
# "Damage was estimated at €2.1 billion by the regional government": the agent of a passive speech verb
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|be)\s+(?:" + _SAY + r"|put|given|set|placed|estimated)\b(?:[^;.]|\.(?=\d)){0,60}?"
                      r"\bby\s+((?:the\s+)?(?:[^\W\d_][\w’'-]*\s+){0,4}?[^\W\d_][\w’'-]*)\s*(?=[,.;]|$)")
# where one sentence holds two sources: "41, the Red Cross said, while the interior ministry put it at 38"
_CLAUSE_BREAK = re.compile(r";\s+|,?\s+\b(?:while|whereas|but|although|though)\b\s+")


def find_speaker(sentence: str) -> str:
    """Who the sentence attributes its content to ("Smirnov", "the Defence Ministry", "he"), "" if nobody."""
    m = _INITIAL.search(sentence)
    if m and len(m.group(1).split()) <= 14:
        cand = _clean_speaker(m.group(1))
        first = cand.split()[0].lower() if cand.split() else ""
        if first not in _BAD_SUBJECT and first not in ("he", "she", "they", "we", "i") or "," not in cand:
            name = _NAME_ONLY.match(cand)
            if "," in cand and name and name.end() < len(cand) and cand[0].isupper() and \
                    not cand.lower().startswith("the "):
                # "Andrey Miskov, the head of ...," → "Andrey Miskov"; "Kursk’s governor, Alexei Smirnov" → the
                # name after the comma (a possessive is not the speaker)
                cand = name.group(0) if not re.search(r"['’]s$", name.group(0)) else cand.rsplit(",", 1)[-1].strip()
            return cand
    m = _ACCORDING.search(sentence)
    if m:
        return _clean_speaker(m.group(1) or m.group(2) or "")
    m = _POSTPOSED.search(sentence)
    if m and m.end() >= len(sentence.rstrip(" .!?\"”")) - 12:
        return _clean_speaker(m.group(1))
    best = ""
    for m in _SUBJECT_SAY.finditer(sentence):
        cand = _clean_speaker(m.group(1))
        words = cand.split()
        if not words or words[-1].lower() in _BAD_SUBJECT or words[0].lower() in _BAD_SUBJECT:
            continue
        # a speaker is a name, a pronoun, or a group ("Russian authorities"): trim leading lower-case clutter
        # before a capitalized name ("week, Smirnov" → "Smirnov")
        caps = [i for i, w in enumerate(words) if w[0].isupper()]
        if caps and words[0][0].islower() and words[0].lower() not in ("the",):
            first = caps[0]
            if not any(w[0].islower() for w in words[first:] if w not in ("of", "the", ",")):
                cand = " ".join(words[first:])
        if len(cand.split()) > 7:
            cand = " ".join(cand.split()[-4:])
        best = cand
        break
    if not best:
        m = _PASSIVE.search(sentence)
        if m:
            return _clean_speaker(m.group(1))
        m = _PUT_AT.search(sentence)
        if m and m.group(1).split()[0].lower() not in _BAD_SUBJECT | PRONOUNS:
            best = _clean_speaker(m.group(1))
    return best


def attribute(sentences: Sequence[str], index: int) -> str:
    """Speaker for sentence `index`, looking at the previous sentence too; a bare "he" is resolved only when
    the previous two sentences name exactly one speaker."""
    speaker = find_speaker(sentences[index])
    if speaker.lower() in ("he", "she", "they", "the"):
        # the nearest earlier sentence that names a speaker with a capitalized name, within two sentences
        for j in range(index - 1, max(-1, index - 3), -1):
            s = find_speaker(sentences[j])
            if s and s.lower() not in ("he", "she", "they") and any(w[0].isupper() for w in s.split()[1:] or
                                                                     s.split()):
                return s
        return ""
    if speaker:
        return speaker
    if index > 0 and re.search(r"[:]\s*$", sentences[index - 1].strip()):
        return find_speaker(sentences[index - 1])
    return ""


def clause_span(sentence: str, pos: int) -> tuple[int, int]:
    """Offsets of the clause of `sentence` that holds offset `pos` (clauses end at ";" and at "while", "but" ...)."""
    start = 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.start() >= pos:
            return start, m.start()
        start = m.end()
    return start, len(sentence)


def attribute_figure(sentences: Sequence[str], index: int, pos: int) -> str:
    """Speaker of the figure at offset `pos` of sentence `index`: its own clause's speaker when the sentence
    has several clauses ("41, the Red Cross said, while the ministry put it at 38": 38 is the ministry's),
    else the sentence's (see `attribute`)."""
    sentence = sentences[index]
    start, end = clause_span(sentence, pos)
    if (start, end) != (0, len(sentence)):
        speaker = find_speaker(sentence[start:end])
        if speaker and speaker.lower() not in PRONOUNS and speaker.lower() != "the":
            return speaker
    return attribute(sentences, index)


# ---------------------------------------------------------------------------------------------------------------
# As-of date
# ---------------------------------------------------------------------------------------------------------------

_WEEKDAY_RE = re.compile(r"\b(last\s+|on\s+|this\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:'s|’s)?\b")


def as_of(sentence: str, published: str) -> str:
    """The date a figure refers to: the published date, moved back to "on Monday" when that weekday is within
    the previous 7 days; "" when the published date is unknown."""
    pub = parse_iso(published)
    if pub is None:
        return ""
    m = _WEEKDAY_RE.search(sentence)
    if not m:
        return pub.isoformat()
    day: dt.date = weekday_before(pub, WEEKDAYS[m.group(2).lower()], last=bool(m.group(1) and
                                                                           m.group(1).strip() == "last"))
    return day.isoformat()
