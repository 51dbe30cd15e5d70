"""Warm questions against the floor of a dense retriever, each question asked once (distinct questions), with wall
and CPU time from the same run.

    .venv/bin/python benchmarks/warm.py [--tree DIR] [--index DIR]                          # shipped corpus
    .venv/bin/python benchmarks/warm.py [--tree DIR] --workdir /tmp/qa-bot-scale --chunks 10000 [--as-built]

Shipped corpus: the eval questions without history (eval/questions.yaml), after one warm-up question not among
them. --workdir: scale.py's questions over its index of that size (index-CHUNKS, news-CHUNKS; --as-built serves it
whatever its folder key, as startup.py does). Each `Engine.ask()` is followed by the floor, encode(question) + one
Chroma query, so both meet the same load; p50 of wall time and of CPU time (time.process_time: every thread of this
process, as `ask` embeds the question on a second thread while it is parsed; other processes on the machine move it
less than wall time). --tree: import qa_bot from another checkout (a "before" copy), so one
script measures both sides. Prints one JSON line; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Ask every question once, interleaved with the floor, and print the p50s and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tree", type=Path, default=HERE.parent, help="the checkout whose qa_bot is measured")
    p.add_argument("--index", type=Path, help="index folder for the shipped corpus (default: the settings')")
    p.add_argument("--workdir", type=Path, help="scale.py's work folder: serve its index of --chunks")
    p.add_argument("--chunks", type=int, default=10000)
    p.add_argument("--questions", type=int, default=40, help="scale.py's questions to ask")
    p.add_argument("--as-built", action="store_true", help="serve the scale index whatever its folder key")
    args = p.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    sys.path.insert(1, str(HERE))
    import qa_bot.engine
    from qa_bot.search.hits import dense_ranking
    from qa_bot.settings import Settings

    if args.workdir is not None:
        from scale import questions_for

        corpus, index = args.workdir / f"news-{args.chunks}", args.workdir / f"index-{args.chunks}"
        if args.as_built:
            built = next(index.glob("qa_*/current.json"))
            key, pipeline = built.parent.name[3:], json.loads(built.read_text())["pipeline"]
            Settings.index_key = property(lambda self: key)  # type: ignore[assignment,method-assign]
            qa_bot.engine.pipeline_fingerprint = lambda: pipeline
        settings = Settings(corpus=corpus, index_dir=index, progress=False)
        questions = questions_for(corpus, args.questions)
        warm_up = questions[0]
    else:
        from qa_bot.evaluation.questions import load_questions

        settings = Settings(progress=False) if args.index is None else Settings(index_dir=args.index, progress=False)
        questions = [q.question for q in load_questions() if not q.history]
        warm_up = "Warm up: what happened?"
    engine = qa_bot.engine.Engine(settings)
    engine.index()
    engine.ask(warm_up)
    state, embedder = engine._state(), engine.embedder

    def floor(q: str) -> None:
        dense_ranking(state.store, embedder.encode([q])[0], settings.candidates, None)

    floor(warm_up)
    wall: dict[str, list[float]] = {"ask": [], "floor": []}
    cpu: dict[str, list[float]] = {"ask": [], "floor": []}
    for q in questions:
        for name, fn in (("ask", engine.ask), ("floor", floor)):
            t, c = time.perf_counter(), time.process_time()
            fn(q)
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    w = {k: statistics.median(v) * 1e3 for k, v in wall.items()}
    c = {k: statistics.median(v) * 1e3 for k, v in cpu.items()}
    print(json.dumps({"questions": len(questions), "backend": type(embedder).__name__,
                      "wall_ask_ms": round(w["ask"], 2), "wall_floor_ms": round(w["floor"], 2),
                      "wall_ratio": round(w["ask"] / w["floor"], 2), "cpu_ask_ms": round(c["ask"], 2),
                      "cpu_floor_ms": round(c["floor"], 2), "cpu_ratio": round(c["ask"] / c["floor"], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
