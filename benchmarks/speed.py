"""Speed of indexing and answering, as ratios against baselines measured in the same run (machines are noisy).

    .venv/bin/python benchmarks/speed.py [--copies 4] [--questions 30]

- indexing: `Engine.index()` on N copies of the shipped corpus (everything: parse, frames, embedding of chunks,
  sentences and measures, BM25, Chroma writes), against the bare minimum any dense index must pay: stock
  `SentenceTransformer.encode` of the same chunk texts. Throughput ratio = baseline time / qa-bot time (≥ 1.0:
  qa-bot indexes at least as fast as stock encoding alone).
- re-indexing an unchanged corpus (hashing only) and after one changed file (reuses every other vector).
- answering: `Engine.ask()` per question (warm), against encode(question) + one Chroma query, the floor of any
  dense retriever over the same collection.
Prints a table; exits 0. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_bot.engine import Engine  # noqa: E402
from qa_bot.settings import DEFAULT_CORPUS, Settings  # noqa: E402
from qa_bot.search.vectors import load_embedder  # noqa: E402

QUESTIONS = ["How many people were evacuated?", "How many civilians were killed?", "How far did troops advance?",
             "Who is the acting governor of the Kursk region?", "What is the population of Kyiv?",
             "How much territory does Ukraine control?"]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of the shipped corpus to index")
    parser.add_argument("--questions", type=int, default=30, help="questions to time")
    args = parser.parse_args(argv)
    stock = load_embedder(Settings().model)  # sentence-transformers + PyTorch, as shipped
    stock.encode(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        for i in range(args.copies):
            shutil.copytree(DEFAULT_CORPUS, corpus / f"copy{i}")
            for f in (corpus / f"copy{i}").glob("*.txt"):  # distinct texts, so nothing is shared between copies
                f.write_text(f.read_text(encoding="utf-8") + f"\nCopy {i}.\n", encoding="utf-8")
        settings = Settings(corpus=corpus, index_dir=Path(tmp) / "index", progress=False)
        engine = Engine(settings)  # the configured backend (onnx by default)
        engine.embedder.encode(["warm up"])  # model load is not indexing, for either side
        engine.nlp("Warm up.")
        t_index = timed(engine.index)
        chunks = [c.text for c in engine._state().generation.chunks]
        t_encode = timed(lambda: stock.encode(chunks))
        embedder = engine.embedder
        t_noop = timed(engine.index)
        changed = next(corpus.glob("copy0/*.txt"))
        changed.write_text(changed.read_text(encoding="utf-8") + "\nA late correction: 7 more villages.\n",
                           encoding="utf-8")
        t_one = timed(engine.index)

        state = engine._state()
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.questions)]
        engine.ask(questions[0])
        ask_times = [timed(lambda q=q: engine.ask(q)) for q in questions]

        def bare(q: str) -> None:
            from qa_bot.search.hits import dense_ranking

            dense_ranking(state.store, embedder.encode([q])[0], settings.candidates, None)

        bare(questions[0])
        bare_times = [timed(lambda q=q: bare(q)) for q in questions]
    p50, bp50 = statistics.median(ask_times), statistics.median(bare_times)
    print(f"{args.copies} copies of the shipped corpus, {len(chunks)} chunks; {args.questions} questions\n")
    print("| measurement | qa-bot | baseline (same run) | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| index from scratch ({type(embedder).__name__}) | {t_index:.2f} s | stock ST encode of the chunks: "
          f"{t_encode:.2f} s | throughput {t_encode / t_index:.2f} |")
    print(f"| re-index, nothing changed | {t_noop:.3f} s | index from scratch | {t_noop / t_index:.3f} |")
    print(f"| re-index, one file changed | {t_one:.2f} s | index from scratch | {t_one / t_index:.2f} |")
    print(f"| answer p50 | {p50 * 1000:.1f} ms | encode + Chroma query: {bp50 * 1000:.1f} ms | {p50 / bp50:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
