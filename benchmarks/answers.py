"""Every eval question's whole answer (render/json answer_dict: text, lead, citations, figures, conflicts, retrieved)
as JSON lines, to compare two versions of the code byte for byte: a speed change must change no answer.

    .venv/bin/python benchmarks/answers.py --out /tmp/answers-after.jsonl [--tree DIR] [--duc DIR] [--workdir DIR]
    cmp /tmp/answers-before.jsonl /tmp/answers-after.jsonl

The shipped corpus's questions (eval/questions.yaml, with their history), then each DUC cluster's (--duc, as `qa-bot
eval --duc`), each corpus indexed under --workdir. The output quotes the benchmark's articles: keep it out of the
project. --tree: import qa_bot from another checkout (a "before" copy).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Answer every question and write one JSON line per answer."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--duc", type=Path, help="the DUC 2007 folder, as for `qa-bot eval --duc`")
    p.add_argument("--workdir", type=Path, help="where the corpora are indexed (default: a temporary folder)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    from qa_bot.engine import Engine
    from qa_bot.evaluation.corpora import DEFAULT_DUC_QUESTIONS, load_corpora
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.render.json import answer_dict
    from qa_bot.settings import Settings

    with tempfile.TemporaryDirectory(prefix="qa-bot-answers-") as tmp:
        work = args.workdir or Path(tmp)
        base = Settings(index_dir=work / "shipped", progress=False)
        sets = [(base, load_questions(corpus=base.corpus))]
        if args.duc:
            clusters, _ = load_corpora(args.duc, DEFAULT_DUC_QUESTIONS, False)
            sets += [(base.with_(corpus=c.corpus, index_dir=work / c.name), c.questions) for c in clusters]
        n = 0
        with open(args.out, "w", encoding="utf-8") as out:
            for settings, questions in sets:
                engine = Engine(settings)
                engine.index()
                for q in questions:
                    answer = engine.ask(q.question, history=tuple(q.history))
                    out.write(json.dumps(answer_dict(answer), sort_keys=True, ensure_ascii=False) + "\n")
                    n += 1
    print(f"{n} answers written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
