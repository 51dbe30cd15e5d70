"""Word classes read from language/data/*.yaml: event classes, modality cues, change verbs, reporting verbs."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def _load(name: str) -> Any:
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


@functools.cache
def _events() -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    """(class, words, counted) for every entry; entries that need a counted thing come first."""
    rows = [(entry.get("class", name), frozenset(entry["words"]), frozenset(entry.get("counted", ())))
            for name, entry in _load("events").items()]
    return tuple(sorted(rows, key=lambda r: not r[2]))


def event_class(lemma: str, counted: str = "") -> str:
    """The event class of a predicate lemma ("killed"/"death"/"toll" → "dead"), given what is counted when the
    class depends on it ("cut" + "job" → "jobs-lost"); a lemma in no class is its own class ("" stays "").
    Coordinated predicates ("kill or maim") get their classes joined: "dead+injured", a measure of its own."""
    lemma = " ".join(lemma.lower().split())
    if not lemma:
        return ""
    if " or " in lemma:
        classes = sorted({event_class(part, counted) for part in lemma.split(" or ")})
        return "+".join(classes)
    counted_words = set(counted.lower().split())
    for name, words, needs in _events():
        if lemma in words and (not needs or counted_words & needs):
            return name
    return lemma


@functools.cache
def event_classes() -> frozenset[str]:
    """Names of all event classes (for checking that a predicate was recognised)."""
    return frozenset(name for name, _, _ in _events())


@functools.cache
def event_dimension(event: str) -> str:
    """The dimension a "how much" question about this event class asks ("cost" → "money"), or ""."""
    return next((str(entry["dimension"]) for name, entry in _load("events").items()
                 if entry.get("class", name) == event and entry.get("dimension")), "")


def is_event_word(lemma: str, counted: str = "") -> bool:
    """Does the lemma belong to an event class (rather than standing for itself)?"""
    lemma = " ".join(lemma.lower().split())
    counted_words = set(counted.lower().split())
    return any(lemma in words and (not needs or counted_words & needs) for _, words, needs in _events())


@functools.cache
def _inverse(section: str) -> dict[str, str]:
    """word → modality for one section of modality.yaml."""
    return {w: mode for mode, words in _load("modality")[section].items() for w in words}


def auxiliary_modality(lemma: str) -> str:
    """Modality a modal auxiliary gives its verb: "would" → "planned", "might" → "possible", else ""."""
    return _inverse("auxiliaries").get(lemma.lower(), "")


def governor_modality(lemma: str) -> str:
    """Modality a governing verb gives its complement: "tell" (to evacuate) → "ordered", "fear" → "feared"."""
    return _inverse("governors").get(lemma.lower(), "")


def attribute_modality(lemma: str) -> str:
    """Modality of a modifier of the number or counted noun: "an estimated 300" → "estimated"."""
    return _inverse("attributes").get(lemma.lower(), "")


def change_of(lemma: str) -> str:
    """"rise", "fall" or "revised" when the verb says a value moved or was corrected, else ""."""
    data = _load("change")
    return next((kind for kind in ("rise", "fall", "revised") if lemma.lower() in data[kind]), "")


def is_level_verb(lemma: str) -> bool:
    """A verb that names the level a value stands at ("reached 12", "stood at 41", "put it at 38")."""
    return lemma.lower() in _load("change")["level"]


@functools.cache
def role_words(name: str) -> frozenset[str]:
    """One word class of roles.yaml: reporting, value_giving, linking, container, scope_preps, time_units,
    entity_scope_labels, entity_labels."""
    return frozenset(_load("roles")[name])



@functools.cache
def title_abbreviations() -> dict[str, str]:
    """Abbreviated titles of news style and their full words ("gov" → "governor"), from roles.yaml."""
    return {str(k): str(v) for k, v in _load("roles")["title_abbreviations"].items()}


@functools.cache
def size_words() -> dict[str, frozenset[str]]:
    """Size adjective of a question → the adjectives that say that size right after a length (roles.yaml)."""
    return {str(k): frozenset(v) for k, v in _load("roles")["size_words"].items()}
