"""spaCy's attribute ruler (tag → part of speech, morphology, some lemmas) and rule lemmatizer, with what they
compute for a token kept by what it depends on: the ruler's one-token matches by the token attributes its patterns
read, every lemma by (word, part of speech, morphology)."""

from __future__ import annotations

import re
import threading

# The ruler's Matcher tries its 179 patterns at every token (0.34-0.40 ms for a 17-word question, about a tenth of
# the parse). 171 of them are one-token patterns reading only the lower-case form, tag, dependency label and
# whether the token is a space, so what they match at a token is a function of those four values, and of the form
# and the label only through the values the patterns name (132 forms: "i", "it", "'s"...; 16 labels) and one
# regular expression: the 55 eval questions make 85 distinct tokens in that sense. The 8 other patterns span two
# tokens ("gon na", "there were"): a text where one of them might match goes through the Matcher whole; otherwise
# a token met for the first time goes through it alone. The matches are handed to the ruler's own set_annotations
# in the Matcher's order, so nothing else changes.

READ = ("LOWER", "TAG", "DEP", "IS_SPACE")  # the token attributes the one-token patterns may read
KEPT = 20_000  # distinct tokens (as the patterns tell them apart) whose matches are kept


class QuickMatch:
    """The attribute ruler's `match` (sorted (attribute id, match id, start, end) tuples), the same list, with the
    one-token patterns' matches kept by token."""

    def __init__(self, ruler, size: int = KEPT):
        self.ruler = ruler
        self.full = ruler.match  # the ruler's own match, for texts where a longer pattern might apply
        self.size = size
        self.kept: dict[tuple, tuple] = {}
        self.lock = threading.Lock()
        # a longer pattern's tests, and the lower-case forms one of its tokens must have (None: no such token)
        self.longer = [(_anchor(alt), [_spec_test(spec) for spec in alt]) for p in ruler.patterns
                       for alt in p["patterns"] if len(alt) > 1]
        single = [alt[0] for p in ruler.patterns for alt in p["patterns"] if len(alt) == 1]
        self.lowers, self.lower_regexes = _named(single, "LOWER")
        self.deps, _ = _named(single, "DEP", regex=False)

    def __call__(self, doc):
        tokens = list(doc)
        if self._longer_may_match(tokens):
            return self.full(doc)
        out = []
        for i, t in enumerate(tokens):
            # what the one-token patterns can tell apart: a form or label no pattern names is as good as any
            # other ("Kursk" and "region" as nouns, "region" as a subject or an object: the same matches)
            lower, dep = t.lower_, t.dep_
            key = (lower if self.lowers is None or lower in self.lowers else None,
                   tuple(bool(r.search(lower)) for r in self.lower_regexes), t.tag,
                   dep if self.deps is None or dep in self.deps else None, t.is_space)
            found = self.kept.get(key)
            if found is None:  # this token alone through the Matcher: one-token patterns read no other token
                strings = self.ruler.vocab.strings
                found = tuple(sorted((int(strings[m_id]), m_id) for m_id, _, _ in
                                     self.ruler.matcher(doc[i:i + 1], allow_missing=True, as_spans=False)))
                with self.lock:
                    if len(self.kept) >= self.size:
                        self.kept.pop(next(iter(self.kept)))
                    self.kept[key] = found
            out.extend((attr_id, match_id, i, i + 1) for attr_id, match_id in found)
        out.sort()  # the ruler's order: by attribute id (later rules win), match id, start
        return out

    def _longer_may_match(self, tokens: list) -> bool:
        """Might a pattern of two or more tokens match somewhere? (Tests only what they can read for sure;
        anything else counts as a match, so a doubt goes through the Matcher.)"""
        n = len(tokens)
        lowers = {t.lower_ for t in tokens}
        for anchor, specs in self.longer:
            if anchor is not None and lowers.isdisjoint(anchor):
                continue  # "gon na" needs a token "gon": none here
            for i in range(n - len(specs) + 1):
                if all(test(tokens[i + k]) for k, test in enumerate(specs)):
                    return True
        return False


def _named(specs: list, attr: str, regex: bool = True) -> tuple[frozenset[str] | None, tuple]:
    """The values of `attr` that the token patterns name (as a string, or in an IN or NOT_IN list), and the regular
    expressions they test it with. A value named by none passes every NOT_IN test and fails every other one, so
    matches depend on it only through those. None: the patterns test it some other way, so every value counts."""
    named: set[str] = set()
    regexes = []
    for spec in specs:
        value = spec.get(attr)
        if value is None:
            continue
        if isinstance(value, str):
            named.add(value)
        elif isinstance(value, dict) and len(value) == 1 and set(value) <= {"IN", "NOT_IN"} \
                and all(isinstance(v, str) for v in next(iter(value.values()))):
            named.update(next(iter(value.values())))
        elif regex and isinstance(value, dict) and set(value) == {"REGEX"} and isinstance(value["REGEX"], str):
            regexes.append(re.compile(value["REGEX"]))
        else:
            return None, ()
    return frozenset(named), tuple(regexes)


def _anchor(specs: list) -> frozenset[str] | None:
    """The lower-case forms allowed by the first token pattern of `specs` that names them (a string or an IN
    list), or None."""
    for spec in specs:
        value = spec.get("LOWER")
        if isinstance(value, str):
            return frozenset((value,))
        if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
            return frozenset(value["IN"])
    return None


def _spec_test(spec: dict):
    """token → may this token pattern match it? Checks LOWER, TAG and DEP given as a string, an IN list or a
    REGEX; every other constraint is taken as met."""
    checks = []
    for key, value in spec.items():
        attr = {"LOWER": "lower_", "TAG": "tag_", "DEP": "dep_"}.get(key)
        if attr is None:
            continue
        if isinstance(value, str):
            checks.append(lambda t, a=attr, v=value: getattr(t, a) == v)
        elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
            checks.append(lambda t, a=attr, vs=frozenset(value["IN"]): getattr(t, a) in vs)
        elif isinstance(value, dict) and set(value) == {"REGEX"} and isinstance(value["REGEX"], str):
            checks.append(lambda t, a=attr, r=re.compile(value["REGEX"]): bool(r.search(getattr(t, a))))
    return lambda token: all(check(token) for check in checks)


class KeptLemmas:
    """The rule lemmatizer's lemmatize(token), kept by the key its own cache uses (word, part of speech,
    morphology: all it reads). Its cache holds only lemmas found through its tables; a word in its base form (a
    singular noun, an infinitive), a proper noun or punctuation is worked out again at every occurrence (0.1-0.3
    ms a question)."""

    def __init__(self, lemmatize, size: int = KEPT):
        self.lemmatize = lemmatize
        self.size = size
        self.kept: dict[tuple, list[str]] = {}
        self.lock = threading.Lock()

    def __call__(self, token) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        found = self.kept.get(key)
        if found is None:
            found = self.lemmatize(token)
            if token.pos_:  # without a part of speech it warns (W108) each time: left as it is
                with self.lock:
                    if len(self.kept) >= self.size:
                        self.kept.pop(next(iter(self.kept)))
                    self.kept[key] = found
        return found


class Words(list):
    """A table's list of words whose `in` is a set look-up: the same answers (the words are strings) in constant
    time. The rule lemmatizer asks `form in index` of lists of 3,775 to 57,528 words for every form its rules make
    (70 µs a word it has not met)."""

    def __init__(self, words: list[str]):
        super().__init__(words)
        self.set = frozenset(words)

    def __contains__(self, word: object) -> bool:
        return word in self.set


def _index_as_sets(lemmatizer) -> None:
    """The lemmatizer's lemma_index lists (read only by `in`) as Words; a table of anything but strings is left."""
    try:
        table = lemmatizer.lookups.get_table("lemma_index")
    except KeyError:
        return
    for key in list(table.keys()):
        words = table[key]
        if type(words) is list and all(isinstance(w, str) for w in words):
            table[key] = Words(words)


def quicken(nlp) -> bool:
    """Keep the rule lemmatizer's lemmas by token (its word lists looked up as sets), and give the pipeline's attribute ruler the kept matches when
    its patterns are all of the kind described above (one-token patterns reading READ only, no operators,
    annotating the matched token). Returns whether the ruler was given them."""
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", "") == "rule" and not isinstance(lemmatizer.lemmatize, KeptLemmas):
            _index_as_sets(lemmatizer)
            lemmatizer.lemmatize = KeptLemmas(lemmatizer.lemmatize)  # __call__ reads self.lemmatize(token)
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    if isinstance(ruler.match, QuickMatch):
        return True
    for p in ruler.patterns:
        for alt in p["patterns"]:
            for spec in alt:
                if not isinstance(spec, dict) or any(k not in READ for k in spec):
                    return False  # an operator ("OP"), an extension ("_"), another attribute
            if len(alt) == 1 and p.get("index", 0) not in (0, -1):
                return False
    ruler.match = QuickMatch(ruler)  # AttributeRuler.__call__ calls self.match(doc), then self.set_annotations
    return True
