"""qa-bot at 1,000 / 10,000 (/ 100,000) chunks of generated news: index time, serving start-up, warm latency,
peak memory and index size, each size in fresh processes.

    .venv/bin/python benchmarks/scale.py [--chunks 1000,10000] [--questions 40] [--workdir DIR]

For each size: benchmarks/newsgen.py writes a corpus (about CHUNKS_PER_ARTICLE chunks per article); a child
process indexes it from scratch (wall time, peak RSS); `du` gives the index size; another child process starts
serving as `qa-bot ask` or the page would (import, open the index, load the models, answer a first question: the
start-up time), then asks fixed questions about the generated events (warm p50/p95) and, in the same process,
times the floor of any dense retriever (encode the question + one Chroma query) for the ratio; its peak RSS is
the serving memory. 100,000 chunks is a long job (about an hour of indexing on two cores): pass it explicitly.
Prints a markdown table; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNKS_PER_ARTICLE = 3.4  # measured on newsgen output with the default chunk settings


def _child_index(corpus: Path, index: Path) -> dict:
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    t0 = time.perf_counter()
    report = Engine(Settings(corpus=corpus, index_dir=index, progress=False)).index()
    return {"seconds": time.perf_counter() - t0, "chunks": report.chunks,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def questions_for(corpus: Path, n: int) -> list[str]:
    """Fixed questions about events of the generated corpus (places read from its titles)."""
    with open(corpus / "sources.csv", encoding="utf-8") as fh:
        places = sorted({m.group(1) for row in csv.DictReader(fh) if (m := re.search(r" in (\w+):", row["title"]))})
    step = max(1, len(places) // 10)
    places = places[::step][:10]
    forms = ["How many people were killed in {}?", "How many people were evacuated in {}?",
             "How much damage was caused in {}?", "How many people were injured in {}?"]
    return [forms[i % len(forms)].format(places[i % len(places)]) for i in range(n)]


def _child_serve(corpus: Path, index: Path, n: int, started: float) -> dict:
    from qa_bot.engine import Engine
    from qa_bot.search.hits import dense_ranking
    from qa_bot.settings import Settings

    questions = questions_for(corpus, n)
    engine = Engine(Settings(corpus=corpus, index_dir=index, progress=False))
    engine.index()  # the up-to-date check every `qa-bot ask` makes
    engine.ask(questions[0])
    startup = time.time() - started
    state = engine._state()
    embedder = engine.embedder

    def bare(q: str) -> None:
        dense_ranking(state.store, embedder.encode([q])[0], engine.settings.candidates, None)

    bare(questions[0])
    asks, bares = [], []
    for q in questions:  # interleaved: both meet the same machine load
        t = time.perf_counter()
        engine.ask(q)
        asks.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare(q)
        bares.append(time.perf_counter() - t)
    asks.sort()
    return {"startup_s": startup, "p50_ms": statistics.median(asks) * 1e3,
            "p95_ms": asks[int(0.95 * (len(asks) - 1))] * 1e3, "bare_p50_ms": statistics.median(bares) * 1e3,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "backend": type(embedder).__name__}


def _run_child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, __file__, "--child", *args], env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    """Run every size and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", default="1000,10000", help="comma-separated target sizes in chunks")
    p.add_argument("--questions", type=int, default=40)
    p.add_argument("--workdir", type=Path, help="keep corpora and indexes here (default: a temporary folder)")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, corpus, index, *rest = args.child
        result = (_child_index(Path(corpus), Path(index)) if kind == "index"
                  else _child_serve(Path(corpus), Path(index), int(rest[0]), float(rest[1])))
        print(json.dumps(result))
        return 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from newsgen import generate

    with tempfile.TemporaryDirectory(prefix="qa-bot-scale-") as tmp:
        work = args.workdir or Path(tmp)
        rows = []
        for target in (int(x) for x in args.chunks.split(",")):
            corpus, index = work / f"news-{target}", work / f"index-{target}"
            if not corpus.exists():
                generate(corpus, max(1, round(target / CHUNKS_PER_ARTICLE)))
            record = work / f"index-{target}.json"
            if index.exists() and record.exists():  # --workdir reused: the index of an earlier run, as measured then
                built = json.loads(record.read_text())
            else:
                built = _run_child("index", str(corpus), str(index))
                record.write_text(json.dumps(built))
            served = _run_child("serve", str(corpus), str(index), str(args.questions), str(time.time()))
            rows.append((target, built, served, _du_mb(index)))
            print(f"{target}: {json.dumps([built, served])}", file=sys.stderr)
    print("| chunks | index from scratch | index peak RSS | index on disk | serving start-up | warm p50 / p95 | "
          "encode + Chroma p50 | ratio | serving peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target, built, served, size in rows:
        print(f"| {built['chunks']:,} | {built['seconds']:.1f} s | {built['peak_rss_mb']:.0f} MB | {size:.0f} MB | "
              f"{served['startup_s']:.2f} s | {served['p50_ms']:.1f} / {served['p95_ms']:.1f} ms | "
              f"{served['bare_p50_ms']:.1f} ms | {served['p50_ms'] / served['bare_p50_ms']:.2f} | "
              f"{served['peak_rss_mb']:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
