"""The fixed evaluation questions: load and check `eval/questions.yaml` into frozen `Question` records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SettingsError
from ..settings import PROJECT_DIR

DEFAULT_QUESTIONS = PROJECT_DIR / "eval" / "questions.yaml"
KINDS = ("single_figure", "two_units", "disagree", "over_time", "scoped", "name", "date", "follow_up",
         "unanswerable")

Alternatives = tuple[str, ...]  # any one of these counts


@dataclass(frozen=True)
class Question:
    """One evaluation question with what a correct answer must show."""

    id: str
    kind: str
    question: str
    history: tuple[str, ...] = ()
    figures: tuple[Alternatives, ...] = ()  # each entry must be present (one of its alternatives)
    text: tuple[Alternatives, ...] = ()
    supporting: tuple[str, ...] = ()  # doc_ids holding the answer
    conflict: bool = False  # must a conflict be shown
    conflict_values: tuple[str, ...] = ()  # figures the shown conflict must hold
    answerable: bool = True
    scope: str = ""  # what a scoped figure is restricted to ("the Navy divers among the crew"); kind scoped only


def _alternatives(entries: Any, where: str) -> tuple[Alternatives, ...]:
    """[a, [b, c]] → ((a,), (b, c)); numbers become strings."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise SettingsError(f"{where} must be a list; write it as [..] in the questions file.")
    out = []
    for entry in entries:
        alts = entry if isinstance(entry, list) else [entry]
        if not alts or any(not isinstance(a, (str, int, float)) or str(a).strip() == "" for a in alts):
            raise SettingsError(f"{where} has an empty or non-text entry {entry!r}; fix the questions file.")
        out.append(tuple(str(a) for a in alts))
    return tuple(out)


def question_from_dict(raw: dict, corpus: Path | None = None) -> Question:
    """One checked Question from its YAML mapping (doc_ids checked against `corpus` when given)."""
    qid = str(raw.get("id", "")).strip()
    where = f"question {qid or '?'}"
    if not qid or not str(raw.get("question", "")).strip():
        raise SettingsError(f"{where} needs an id and a question; fix the questions file.")
    unknown = set(raw) - {"id", "kind", "question", "history", "figures", "text", "supporting", "conflict",
                          "conflict_values", "answerable", "scope"}
    if unknown:
        raise SettingsError(f"{where} has unknown field(s) {', '.join(sorted(unknown))}; fix the questions file.")
    kind = raw.get("kind", "")
    if kind not in KINDS:
        raise SettingsError(f"{where} has kind {kind!r}; use one of {', '.join(KINDS)}.")
    answerable = bool(raw.get("answerable", True))
    q = Question(
        id=qid, kind=kind, question=str(raw["question"]).strip(),
        history=tuple(str(h) for h in raw.get("history") or ()),
        figures=_alternatives(raw.get("figures"), f"{where}: figures"),
        text=_alternatives(raw.get("text"), f"{where}: text"),
        supporting=tuple(str(d) for d in raw.get("supporting") or ()),
        conflict=bool(raw.get("conflict", False)),
        conflict_values=tuple(str(v) for v in raw.get("conflict_values") or ()),
        answerable=answerable,
        scope=str(raw.get("scope") or "").strip(),
    )
    if answerable and not (q.figures or q.text):
        raise SettingsError(f"{where} is answerable but expects no figure and no text; add one.")
    if answerable and not q.supporting:
        raise SettingsError(f"{where} is answerable but names no supporting file; add its doc_ids.")
    if (q.kind == "scoped") != bool(q.scope):
        raise SettingsError(f"{where}: a scoped question needs a `scope` saying what its figure is restricted to, "
                            "and only scoped questions take one; fix the questions file.")
    if q.kind == "scoped" and not q.figures:
        raise SettingsError(f"{where} is scoped but expects no figure; add `figures`.")
    if not answerable and (q.figures or q.text or q.supporting or q.conflict):
        raise SettingsError(f"{where} is unanswerable, so it cannot expect figures, text, files or a conflict.")
    if corpus is not None:
        missing = [d for d in q.supporting if not (corpus / d).is_file()]
        if missing:
            raise SettingsError(f"{where} names file(s) not in {corpus}: {', '.join(missing)}.")
    return q


def load_questions(path: Path = DEFAULT_QUESTIONS, corpus: Path | None = None) -> list[Question]:
    """All questions of a YAML file, in file order; ids must be unique."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"The questions file {path} does not exist; pass --questions with its path.") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"The questions file {path} is not valid YAML ({exc}); fix it.") from None
    if not isinstance(raw, list) or not raw:
        raise SettingsError(f"The questions file {path} must be a non-empty list of questions.")
    questions = [question_from_dict(item if isinstance(item, dict) else {}, corpus) for item in raw]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise SettingsError(f"The question id {q.id!r} appears twice in {path}; make ids unique.")
        seen.add(q.id)
    return questions
