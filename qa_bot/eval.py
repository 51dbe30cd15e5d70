"""`qa-bot eval` / `python -m qa_bot.eval`: fixed questions, baselines and benchmarks in one run and one report."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from .errors import QaBotError, SettingsError
from .records import Answer
from .settings import PROJECT_DIR, Settings

log = logging.getLogger(__name__)

DEFAULT_OUT = PROJECT_DIR / "eval" / "results"
DEFAULT_FLOORS = PROJECT_DIR / "eval" / "floors.json"
WARM_UP = "How many people were evacuated?"


def parser() -> argparse.ArgumentParser:
    """The eval command's arguments."""
    from .evaluation.questions import DEFAULT_QUESTIONS
    from .evaluation.systems import SYSTEMS

    p = argparse.ArgumentParser(prog="qa-bot eval", description=__doc__)
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="questions YAML file")
    p.add_argument("--corpus", type=Path, help="corpus folder the questions are about (default: the shipped one)")
    p.add_argument("--index", type=Path, dest="index_dir",
                   help="index folder to use (default: a fresh one in a temporary folder, so every run measures "
                        "the current code from scratch)")
    p.add_argument("--k", type=int, default=5, help="chunks counted for retrieval recall@k (default 5)")
    p.add_argument("--systems", default=",".join(SYSTEMS),
                   help=f"comma-separated systems to compare (default: {','.join(SYSTEMS)})")
    p.add_argument("--rgb", type=Path, help="RGB counterfactual file, e.g. ../shared/benchmarks/rgb/en_fact_dev.jsonl")
    p.add_argument("--ramdocs", type=Path, help="RAMDocs file, e.g. ../shared/benchmarks/ramdocs/RAMDocs_test.jsonl")
    p.add_argument("--duc", type=Path, help="DUC 2007 clusters folder, e.g. ../shared/benchmarks/duc2007: each cluster "
                                           "with questions in --duc-questions is indexed and asked by every system")
    p.add_argument("--duc-questions", type=Path, default=None,
                   help="folder of <CLUSTER>.yaml question files and holdout.txt (default: eval/duc2007)")
    p.add_argument("--include-holdout", action="store_true",
                   help="also run the held-out clusters listed in holdout.txt (never while tuning qa-bot)")
    p.add_argument("--limit", type=int, help="items per benchmark (an evenly spaced fixed subset; "
                                             "default: all of RGB, 50 of RAMDocs)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for report.md, results.json, chart.png")
    p.add_argument("--check-floors", action="store_true", help="exit 1 when a qa-bot metric is below its floor")
    p.add_argument("--floors", type=Path, default=DEFAULT_FLOORS, help="floors file (JSON)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _ask(system, question: str, history: Sequence[str]) -> tuple[Answer, float]:
    """One timed answer; a library error becomes an unanswered Answer so the run goes on (and is scored)."""
    t0 = time.perf_counter()
    try:
        answer = system.ask(question, history=tuple(history))
    except QaBotError as exc:
        log.warning("%s failed on %r: %s", system.name, question, exc)
        answer = Answer(question=question, answer=f"error: {exc}", found=False)
    return answer, time.perf_counter() - t0


def run(args: argparse.Namespace) -> tuple[dict, list[str]]:
    """Run everything asked for; returns the results and the floor failures (empty unless --check-floors)."""
    if args.index_dir is not None:
        return _run(args, args.index_dir)
    with tempfile.TemporaryDirectory(prefix="qa-bot-eval-index-") as tmp:
        return _run(args, Path(tmp))


def _run(args: argparse.Namespace, index_dir: Path) -> tuple[dict, list[str]]:
    from tqdm import tqdm

    from .ingest.articles import decode
    from .engine import Engine
    from .evaluation import benchmarks as bm
    from .evaluation.metrics import score_question
    from .evaluation.questions import load_questions
    from .evaluation.corpora import DEFAULT_DUC_QUESTIONS, load_corpora
    from .evaluation.report import build_results, chart, check_floors, corpora_markdown, markdown, write_json
    from .evaluation.strict import with_strict
    from .evaluation.systems import build_systems

    settings = Settings.from_env(corpus=args.corpus, index_dir=index_dir, progress=False)
    questions = load_questions(args.questions, settings.corpus)
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    if args.k < 1:
        raise SettingsError(f"--k is {args.k}; use 1 or more.")
    engine = Engine(settings)
    report = engine.index()
    for warning in report.skipped:
        log.warning("%s", warning)
    log.info("index: %s", report.summary())
    # Citations are checked against the files themselves, decoded as ingest decodes them.
    sources = {a.doc_id: decode(Path(a.path).read_bytes())[0] for a in engine.articles()}
    systems = build_systems(names, engine)
    for system in systems:  # load models and caches before anything is timed
        _ask(system, WARM_UP, ())

    clusters, skipped = ([], [])
    if args.duc:
        clusters, skipped = load_corpora(args.duc, args.duc_questions or DEFAULT_DUC_QUESTIONS,
                                         args.include_holdout)
    rgb = bm.rgb_items(args.rgb, args.limit) if args.rgb else []
    ramdocs = bm.ramdocs_items(args.ramdocs, args.limit or bm.DEFAULT_RAMDOCS_LIMIT) if args.ramdocs else []
    total = (len(questions) + sum(len(c.questions) for c in clusters)) * len(systems) + len(rgb) + len(ramdocs)
    bar = tqdm(total=total, desc="eval", unit="q", disable=args.no_progress, file=sys.stderr)

    scores: dict[str, list] = {s.name: [] for s in systems}
    for q in questions:
        for system in systems:  # interleaved, so every system meets the same machine load
            answer, seconds = _ask(system, q.question, q.history)
            score = score_question(q, answer, sources, system.name, seconds, args.k)
            scores[system.name].append(with_strict(score, q, answer))
            bar.update()

    corpora = {}
    with tempfile.TemporaryDirectory(prefix="qa-bot-eval-duc-") as tmp:
        for cluster in clusters:
            corpora[cluster.name] = _run_corpus(cluster, settings, engine.embedder, names, Path(tmp), args.k,
                                                bar.update)

    benchmarks = {}
    with tempfile.TemporaryDirectory(prefix="qa-bot-eval-") as tmp:
        for name, items, strict, path, description in (
                ("RGB counterfactual", rgb, False, args.rgb,
                 "Each item: its correct, answer-swapped and noise passages as one small corpus. accuracy = the "
                 "true answer is in the answer (RGB's check); side_by_side = the true and the swapped answer are "
                 "both shown with citations (cited quote or conflict figure)."),
                ("RAMDocs", ramdocs, True, args.ramdocs,
                 "Each item: its correct, misinformation and noise documents as one small corpus. accuracy = "
                 "every gold answer in the answer and no wrong answer anywhere in it (RAMDocs' definition); "
                 "gold_without_wrong_in_lead allows wrong answers only in the side-by-side table; side_by_side = "
                 "gold and wrong answers both shown with citations.")):
            if not items:
                continue
            rows = bm.run_items(items, settings, Path(tmp) / name.split()[0].lower(), strict,
                                embedder=engine.embedder, tick=bar.update)
            benchmarks[name] = {"path": str(path), "description": description, "summary": bm.summarize(rows),
                                "items": [asdict(r) for r in rows]}
    bar.close()

    meta = {"questions": len(questions), "unanswerable": sum(not q.answerable for q in questions),
            "corpus": str(settings.corpus.relative_to(PROJECT_DIR) if settings.corpus.is_relative_to(PROJECT_DIR)
                          else settings.corpus),
            "model": settings.model, "top_k": settings.top_k, "k": args.k, "systems": names}
    if args.duc:
        meta["duc"] = {"path": str(args.duc), "clusters": list(corpora), "held_out_skipped": skipped}
    results = build_results(scores, meta, benchmarks, corpora)
    args.out.mkdir(parents=True, exist_ok=True)
    chart(results, args.out / "chart.png")
    write_json(results, args.out / "results.json")
    (args.out / "report.md").write_text(markdown(results, "chart.png"), encoding="utf-8")
    if corpora:  # the DUC table also on its own, to compare runs without the shipped-corpus report around it
        write_json({"meta": meta, "corpora": corpora}, args.out / "duc2007.json")
        (args.out / "duc2007.md").write_text("# qa-bot on the DUC 2007 clusters\n"
                                             + "\n".join(corpora_markdown(corpora, meta)) + "\n", encoding="utf-8")

    failures: list[str] = []
    if args.check_floors:
        try:
            floors = json.loads(args.floors.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SettingsError(f"Cannot read the floors file {args.floors} ({exc}); fix it or pass --floors.") from None
        system = floors.get("system", "qa-bot")
        if system not in results["systems"]:
            raise SettingsError(f"The floors are for {system!r}, which this run did not evaluate; add it to --systems.")
        failures = check_floors(results["systems"][system]["overall"], floors)
    return results, failures


def _run_corpus(cluster, settings: Settings, embedder, names: Sequence[str], workdir: Path, k: int,
                tick) -> dict:
    """Index one cluster in its own folder under workdir, ask its questions with every system (interleaved) and
    score them; the corpus's block of results.json."""
    from .ingest.articles import decode
    from .engine import Engine
    from .evaluation.metrics import score_question
    from .evaluation.report import systems_block
    from .evaluation.strict import with_strict
    from .evaluation.systems import build_systems

    corpus_settings = settings.with_(corpus=cluster.corpus, index_dir=workdir / cluster.name, progress=False)
    engine = Engine(corpus_settings, embedder=embedder)  # one embedding model for the whole run
    t0 = time.perf_counter()
    report = engine.index()
    index_seconds = time.perf_counter() - t0
    log.info("%s: %s", cluster.name, report.summary())
    sources = {a.doc_id: decode(Path(a.path).read_bytes())[0] for a in engine.articles()}
    systems = build_systems(names, engine)
    for system in systems:
        _ask(system, WARM_UP, ())
    scores: dict[str, list] = {s.name: [] for s in systems}
    for q in cluster.questions:
        for system in systems:
            answer, seconds = _ask(system, q.question, q.history)
            score = score_question(q, answer, sources, system.name, seconds, k)
            scores[system.name].append(with_strict(score, q, answer))
            tick()
    return {"path": str(cluster.corpus), "articles": len(sources), "questions": len(cluster.questions),
            "unanswerable": sum(not q.answerable for q in cluster.questions),
            "index_seconds": round(index_seconds, 2),
            # No answer texts: they quote the benchmark's articles, which must not be copied into the project.
            "systems": systems_block(scores, keep_answers=False)}


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation, print the markdown report; 1 when a floor is broken, 2 on a usage error."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        results, failures = run(args)
    except QaBotError as exc:
        print(f"qa-bot eval: {exc}", file=sys.stderr)
        return 2
    print((args.out / "report.md").read_text(encoding="utf-8"))
    print(f"Wrote {args.out / 'report.md'}, {args.out / 'results.json'} and {args.out / 'chart.png'}"
          + (f" (and the DUC table alone: {args.out / 'duc2007.md'}, {args.out / 'duc2007.json'})." if args.duc
             else "."))
    if failures:
        print("Metric floors broken:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    if args.check_floors:
        print(f"All floors in {args.floors} hold.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
