"""External benchmarks: RGB counterfactual and RAMDocs items, each turned into a small corpus, indexed and asked."""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..engine import Engine
from ..errors import QaBotError, SettingsError
from ..records import Answer
from ..settings import Settings
from .metrics import percentile

log = logging.getLogger(__name__)

ANSWER_CHARS = 400  # of each answer kept in results.json, enough to see what went wrong
DEFAULT_RAMDOCS_LIMIT = 50  # of 500 items; an evenly spaced, fixed subset keeps a run to a few minutes


@dataclass(frozen=True)
class Passage:
    """One passage of a benchmark item and its label (correct, misinfo, noise, positive_wrong, ...)."""

    text: str
    label: str


@dataclass(frozen=True)
class Item:
    """One benchmark question: passages to index, answers that count, answers that are wrong."""

    id: str
    question: str
    passages: tuple[Passage, ...]
    gold: tuple[tuple[str, ...], ...]  # every group must be present; any alternative of a group counts
    wrong: tuple[str, ...]
    numeric: bool = False  # the gold answer is a number or a date


@dataclass(frozen=True)
class ItemScore:
    """How qa-bot did on one benchmark item."""

    id: str
    question: str
    correct: bool  # the benchmark's own definition
    gold_present: bool
    wrong_in_answer: bool  # a wrong answer anywhere in the answer text
    wrong_in_lead: bool  # a wrong answer in the lead (the text above any side-by-side figures table)
    side_by_side: bool | None  # gold and wrong answers both shown with citations (None without a wrong answer)
    found: bool
    numeric: bool
    seconds: float
    answer: str


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file, or SettingsError saying which file is wrong."""
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"The benchmark file {path} does not exist; pass the path of the .jsonl file.")
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise SettingsError(f"The benchmark file {path} is not JSON lines ({exc}).") from None


def evenly_spaced(n: int, limit: int | None) -> list[int]:
    """Indices of a fixed, evenly spaced subset of n items (all when limit is None or ≥ n)."""
    if limit is None or limit >= n:
        return list(range(n))
    return [i * n // limit for i in range(max(limit, 0))]


_NUMERIC = re.compile(r"\d")


def rgb_items(path: Path, limit: int | None = None) -> list[Item]:
    """RGB counterfactual items: correct, answer-swapped and noise passages; gold = `answer`, wrong = `fakeanswer`."""
    records = read_jsonl(path)
    items = []
    for i in evenly_spaced(len(records), limit):
        r = records[i]
        answer = r["answer"]
        groups = (tuple(tuple(str(a) for a in g) if isinstance(g, list) else (str(g),) for g in answer)
                  if isinstance(answer, list) else ((str(answer),),))
        passages = ([Passage(t, "positive") for t in r.get("positive", [])]
                    + [Passage(t, "positive_wrong") for t in r.get("positive_wrong", [])]
                    + [Passage(t, "negative") for t in r.get("negative", [])])
        fake = r.get("fakeanswer")
        wrong = tuple(str(f) for f in (fake if isinstance(fake, list) else [fake]) if f)
        items.append(Item(f"rgb-{r.get('id', i)}", r["query"], tuple(passages), groups, wrong,
                          numeric=any(_NUMERIC.search(a) for g in groups for a in g)))
    return items


def ramdocs_items(path: Path, limit: int | None = DEFAULT_RAMDOCS_LIMIT) -> list[Item]:
    """RAMDocs items: documents labelled correct / misinfo / noise; every gold answer must be given, no wrong one."""
    records = read_jsonl(path)
    items = []
    for i in evenly_spaced(len(records), limit):
        r = records[i]
        gold = tuple((str(g),) for g in r["gold_answers"])
        items.append(Item(f"ramdocs-{i}", r["question"],
                          tuple(Passage(d["text"], d.get("type", "")) for d in r["documents"]), gold,
                          tuple(dict.fromkeys(str(w) for w in r.get("wrong_answers", []))),
                          numeric=any(_NUMERIC.search(g[0]) for g in gold)))
    return items


def _norm(text: str) -> str:
    """Casefolded, accents and punctuation dropped, single spaces: '3,559 People.' → '3 559 people'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " " + " ".join(re.sub(r"[^\w]+", " ", text).split()) + " "


_MONTHS = ("january february march april may june july august september october november december").split()
_MDY = re.compile(r"^(%s)\s+(\d{1,2}),?\s+(\d{4})$" % "|".join(_MONTHS), re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})\s+(%s),?\s+(\d{4})$" % "|".join(_MONTHS), re.IGNORECASE)


def date_variants(phrase: str) -> list[str]:
    """'November 1, 2007' → also '1 November 2007' (and back): the same date in the other common order."""
    text = " ".join(phrase.split())
    if m := _MDY.match(text):
        return [text, f"{m.group(2)} {m.group(1)} {m.group(3)}"]
    if m := _DMY.match(text):
        return [text, f"{m.group(2)} {m.group(1)}, {m.group(3)}"]
    return [text]


def mentions(answer_text: str, phrase: str) -> bool:
    """The phrase stands in the text as whole words, ignoring case, accents, punctuation and day/month order."""
    text = _norm(answer_text)
    return any((p := _norm(v).strip()) and f" {p} " in text for v in date_variants(phrase))


def lead_text(answer: Answer) -> str:
    """What the answer presents as the answer: its first paragraph holding a citation marker, and of a bullet
    list only the first bullet (the side-by-side table and the other quotes come after it)."""
    for paragraph in re.split(r"\n\s*\n", answer.answer):
        if re.search(r"\[\d+\]", paragraph) and not paragraph.lstrip().startswith("|"):
            bullets = re.split(r"\n(?=\s*[-*] )", paragraph.strip())
            return bullets[0]
    return ""


def shown_with_citation(answer: Answer, phrase: str) -> bool:
    """The phrase is in a cited quote, or in a figure of a shown conflict (which carries its quote)."""
    if any(mentions(c.quote, phrase) for c in answer.citations):
        return True
    return any(mentions(str(f.get("text", "")) + " " + str(f.get("quote", "")), phrase)
               for c in answer.to_dict()["conflicts"] for f in c.get("figures", ()))


def score_item(item: Item, answer: Answer, seconds: float, strict: bool) -> ItemScore:
    """Score one item. strict (RAMDocs): correct needs every gold answer and no wrong answer in the answer;
    otherwise (RGB): correct needs the gold answer present."""
    gold = all(any(mentions(answer.answer, a) for a in group) for group in item.gold)
    wrong_any = any(mentions(answer.answer, w) for w in item.wrong)
    wrong_lead = any(mentions(lead_text(answer), w) for w in item.wrong)
    side = None
    if item.wrong:
        side = (all(any(shown_with_citation(answer, a) for a in group) for group in item.gold)
                and any(shown_with_citation(answer, w) for w in item.wrong))
    correct = gold and not wrong_any if strict else gold
    return ItemScore(item.id, item.question, correct, gold, wrong_any, wrong_lead, side, answer.found,
                     item.numeric, seconds, answer.answer[:ANSWER_CHARS])


def write_corpus(item: Item, folder: Path) -> None:
    """One file per passage, named by position only, so file names never reveal the label."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(item.passages):
        (folder / f"doc_{i:02d}.txt").write_text(p.text.strip() + "\n", encoding="utf-8")


def run_items(items: Sequence[Item], base: Settings, workdir: Path, strict: bool, embedder=None,
              tick: Callable[[], None] | None = None) -> list[ItemScore]:
    """Index each item as its own corpus under workdir and ask its question with qa-bot (hybrid)."""
    scores = []
    for item in items:
        root = workdir / item.id
        write_corpus(item, root / "corpus")
        settings = base.with_(corpus=root / "corpus", index_dir=root / "index", progress=False)
        engine = Engine(settings, embedder=embedder)
        try:
            engine.index()
            t0 = time.perf_counter()
            answer = engine.ask(item.question)
            seconds = time.perf_counter() - t0
        except QaBotError as exc:
            log.warning("%s: %s", item.id, exc)
            answer, seconds = Answer(question=item.question, answer=f"error: {exc}", found=False), 0.0
        scores.append(score_item(item, answer, seconds, strict))
        if tick:
            tick()
    return scores


def summarize(scores: Sequence[ItemScore]) -> dict[str, float | int | None]:
    """Benchmark numbers: accuracy as the benchmark defines it, plus our side-by-side measure."""
    def rate(values):
        values = list(values)
        return sum(values) / len(values) if values else None

    numeric = [s for s in scores if s.numeric]
    contested = [s for s in scores if s.side_by_side is not None]
    return {
        "items": len(scores),
        "accuracy": rate(s.correct for s in scores),
        "gold_present": rate(s.gold_present for s in scores),
        "wrong_in_answer": rate(s.wrong_in_answer for s in scores),
        "gold_without_wrong_in_lead": rate(s.gold_present and not s.wrong_in_lead for s in scores),
        "side_by_side": rate(bool(s.side_by_side) for s in contested),
        "side_by_side_items": len(contested),
        "numeric_items": len(numeric),
        "numeric_side_by_side": rate(bool(s.side_by_side) for s in numeric if s.side_by_side is not None),
        "found": rate(s.found for s in scores),
        "latency_p50": percentile([s.seconds for s in scores], 50),
        "latency_p95": percentile([s.seconds for s in scores], 95),
    }
