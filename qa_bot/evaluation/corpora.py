"""Question sets over other corpora (the DUC 2007 clusters): which clusters to run, which are held out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SettingsError
from ..settings import PROJECT_DIR
from .questions import Question, load_questions

DEFAULT_DUC_QUESTIONS = PROJECT_DIR / "eval" / "duc2007"
HOLDOUT_FILE = "holdout.txt"


@dataclass(frozen=True)
class CorpusQuestions:
    """One corpus folder (a cluster of articles) and the fixed questions written about it."""

    name: str
    corpus: Path
    questions: tuple[Question, ...]


def held_out(questions_dir: Path) -> frozenset[str]:
    """Cluster names listed in <questions_dir>/holdout.txt (one a line, # comments); empty when there is none."""
    path = Path(questions_dir) / HOLDOUT_FILE
    if not path.is_file():
        return frozenset()
    names = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(n for n in names if n)


def load_corpora(corpora_dir: Path, questions_dir: Path = DEFAULT_DUC_QUESTIONS,
                 include_holdout: bool = False) -> tuple[list[CorpusQuestions], list[str]]:
    """The clusters to evaluate, in name order: each <questions_dir>/<NAME>.yaml with its folder <corpora_dir>/<NAME>
    (supporting files checked); held-out clusters are left out unless include_holdout. Returns them and the names
    of the held-out clusters that were skipped."""
    corpora_dir, questions_dir = Path(corpora_dir), Path(questions_dir)
    if not corpora_dir.is_dir():
        raise SettingsError(f"The corpora folder {corpora_dir} does not exist; pass the DUC 2007 folder, e.g. "
                            "--duc ../shared/benchmarks/duc2007.")
    files = sorted(questions_dir.glob("*.yaml"))
    if not files:
        raise SettingsError(f"No questions files (*.yaml) in {questions_dir}; pass --duc-questions.")
    holdout = held_out(questions_dir)
    chosen, skipped = [], []
    for path in files:
        name = path.stem
        if name in holdout and not include_holdout:
            skipped.append(name)
            continue
        corpus = corpora_dir / name
        if not corpus.is_dir():
            raise SettingsError(f"{path} is about the cluster {name}, but {corpus} does not exist; check --duc.")
        chosen.append(CorpusQuestions(name, corpus, tuple(load_questions(path, corpus))))
    return chosen, skipped
