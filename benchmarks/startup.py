"""Serving start-up over an existing index, as scale.py's serving child measures it: from the interpreter's start
to the first answer (import, the up-to-date check every `qa-bot ask` makes, open the index, load the models,
answer one question), with its CPU time and peak RSS. Run it several times: one process is one measurement.

    .venv/bin/python benchmarks/startup.py --workdir /tmp/qa-bot-scale --chunks 10000 [--as-built] [--upgrade]

--as-built serves the index folder found in index-CHUNKS as it is, even when the settings' folder key or the
index-time code have moved since it was built (otherwise the up-to-date check would rebuild it: 20 minutes at
10,000 chunks). Nothing here is a pass/fail test.
"""

from __future__ import annotations

import time

STARTED = time.time()

import argparse  # after the clock: it measures the imports too
import json
import resource
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Start serving once and print the start-up time and peak RSS as one JSON line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workdir", type=Path, required=True, help="scale.py's work folder (news-N, index-N)")
    p.add_argument("--chunks", type=int, default=10000, help="which size of that folder")
    p.add_argument("--as-built", action="store_true", help="serve the index as built, whatever the folder key")
    p.add_argument("--upgrade", action="store_true",
                   help="write that index's look-ups, figure table and files.json again with this code, then stop")
    p.add_argument("--parts", action="store_true",
                   help="instead: time the index's parts one after the other (CPU s and RSS growth of each)")
    args = p.parse_args(argv)
    corpus, index = args.workdir / f"news-{args.chunks}", args.workdir / f"index-{args.chunks}"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale import questions_for

    import qa_bot.engine
    from qa_bot.settings import Settings

    if args.as_built:
        built = next(index.glob("qa_*/current.json"))
        key, pipeline = built.parent.name[3:], json.loads(built.read_text())["pipeline"]
        Settings.index_key = property(lambda self: key)  # type: ignore[assignment,method-assign]
        qa_bot.engine.pipeline_fingerprint = lambda: pipeline
    engine = qa_bot.engine.Engine(Settings(corpus=corpus, index_dir=index, progress=False))
    if args.upgrade:
        return _upgrade(engine)
    if args.parts:
        return _parts(engine)
    t0, c0 = time.time(), time.process_time()
    report = engine.index()  # the up-to-date check every `qa-bot ask` makes
    t1, c1 = time.time(), time.process_time()
    engine.ask(questions_for(corpus, 1)[0])
    t2, c2 = time.time(), time.process_time()
    print(json.dumps({"startup_s": round(t2 - STARTED, 3), "cpu_s": round(c2, 3), "imports_s": round(t0 - STARTED, 3),
                      "check_s": round(t1 - t0, 3), "check_cpu_s": round(c1 - c0, 3),
                      "first_answer_s": round(t2 - t1, 3), "first_answer_cpu_s": round(c2 - c1, 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "rebuilt": bool(report.added or report.updated or report.removed or report.repaired)}))
    return 0


def _parts(engine) -> int:
    """CPU seconds and RSS growth (MB, from /proc: current, not peak) of each step that reads the index, in order."""
    import numpy as np

    from qa_bot.search import store
    from qa_bot.search.view import build_view

    def rss() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20

    out, state = {}, {}

    def step(name, fn):
        c0, r0 = time.process_time(), rss()
        state[name] = fn()
        out[name] = {"cpu_s": round(time.process_time() - c0, 3), "rss_mb": round(rss() - r0, 1)}

    settings = engine.settings
    step("import chromadb", lambda: __import__("chromadb"))
    step("load_generation", lambda: store.load_generation(settings))
    gen = state["load_generation"]
    step("load_bm25", lambda: store.load_bm25(gen))
    step("chroma collection count", lambda: store.collection(settings, gen.collection).count())
    step("build_view", lambda: build_view(gen, 0.0, store.collection(settings, gen.collection), state["load_bm25"]))
    view = state["build_view"]
    step("figure table", view.figure_table)
    query = np.asarray(gen.chunk_vectors[0], dtype=np.float32).tolist()
    step("first Chroma query (HNSW load)", lambda: view.store.query(query_embeddings=[query], n_results=10))
    step("second Chroma query", lambda: view.store.query(query_embeddings=[query], n_results=10))
    step("first BM25 query", lambda: view.bm25.bm25.get_scores(["flood", "evacu"]))
    print(json.dumps({"chunks": len(gen.chunks), "sentences": len(gen.sentences), "figures": len(gen.figures),
                      "parts": out, "rss_mb": round(rss())}))
    return 0


def _upgrade(engine) -> int:
    """Write the live generation's look-ups (lookups/, keys/), figure table and corpus stamps (files.json) again with
    this code, records as they are: an index built before these files changed serves as a fresh build would."""
    import shutil

    from qa_bot.engine import UPLOADS
    from qa_bot.ingest.articles import read_corpus
    from qa_bot.search import store
    from qa_bot.search.lookups import KEYS, LOOKUPS, TABLE, write_figure_table, write_lookups

    gen = store.load_generation(engine.settings)
    for name in (LOOKUPS, KEYS, TABLE):
        shutil.rmtree(gen.folder / name, ignore_errors=True)
    write_lookups(gen.folder, gen.articles, gen.sentences, gen.chunks, gen.figures, gen.entities, gen.chunk_vectors)
    write_figure_table(gen.folder, gen.articles, gen.sentences, gen.figures)
    ingested = read_corpus(engine.settings.corpus, ((engine.uploads_dir, f"{UPLOADS}/"),))
    assert [a.sha256 for a in ingested.articles] == [a.sha256 for a in gen.articles], "the corpus has changed"
    store.write_stamps(gen.folder, ingested.stamps)
    print(json.dumps({"upgraded": str(gen.folder), "files": sorted(p.name for p in gen.folder.iterdir())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
