"""RGB counterfactual items: does qa-bot show the true and the swapped answer side by side with citations?

Each item becomes a small corpus (one file per passage: positive, positive_wrong, negative); the question is
asked through qa_bot.ask and the item counts as found when one entry of `conflicts` holds a figure matching
the true answer and one matching the swapped answer, each with its doc_id and quote. Name items ("Who acquired
Instagram?") count the same way: their conflict holds name figures (kind "name", text = the name as written).

    python benchmarks/rgb_conflicts.py --data /work/shared/benchmarks/rgb/en_fact_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_bot.language.values import spot_figures  # noqa: E402


def kind_of(item: dict) -> str:
    """'date', 'number' or 'name' from the shape of the answer."""
    answer = item["answer"]
    if isinstance(answer, list):
        return "date"
    if spot_figures(str(answer), ""):  # "Toy Story 4" holds a digit but no figure: a name
        return "number"
    return "name"


def variants(answer) -> list[str]:
    """All spellings of an answer (RGB gives date answers as a list of lists of spellings)."""
    if isinstance(answer, list):
        flat: list[str] = []
        for a in answer:
            flat.extend(a if isinstance(a, list) else [a])
        return flat
    return [str(answer)]


def values_of(texts: list[str]) -> set[tuple[str, float, float]]:
    """Normalized (unit, low, high) of the figures in some answer spellings."""
    out = set()
    for t in texts:
        for s in spot_figures(t, ""):
            out.add((s[3], s[7], s[8]))
    return out


def matches(fig: dict, texts: list[str], vals: set) -> bool:
    """A figure dict stands for an answer when its text holds a spelling or its interval lies inside the answer's."""
    low = fig["text"].lower()
    if any(t.lower() in low or low in t.lower() for t in texts if len(low) >= 3):
        return True
    return any(fig["unit"] == u and lo - 1e-9 <= fig["low"] and fig["high"] <= hi + 1e-9 for u, lo, hi in vals)


def run(data: Path, limit: int | None, only: set[str]) -> int:
    """Run the benchmark, print per-kind fractions and misses; exit code 0."""
    from qa_bot import ask
    from qa_bot.settings import Settings

    items = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit:
        items = items[:limit]
    results: dict[str, list[tuple[int, bool, str]]] = {"number": [], "date": [], "name": []}
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="rgb-") as tmp:
        for item in items:
            kind = kind_of(item)
            if only and kind not in only:
                continue
            corpus = Path(tmp) / f"item{item['id']}" / "corpus"
            index = Path(tmp) / f"item{item['id']}" / "index"
            corpus.mkdir(parents=True)
            n = 0
            for field in ("positive", "positive_wrong", "negative"):
                for passage in item.get(field, []):
                    (corpus / f"{n:03d}_{field}.txt").write_text(passage, encoding="utf-8")
                    n += 1
            settings = Settings.from_env(corpus=corpus, index_dir=index, progress=False)
            answer = ask(item["query"], settings=settings).to_dict()
            true_texts, fake_texts = variants(item["answer"]), variants(item["fakeanswer"])
            true_vals, fake_vals = values_of(true_texts), values_of(fake_texts)
            found = False
            for c in answer["conflicts"]:
                figs = [f for f in c["figures"] if f.get("doc_id") and f.get("quote")]
                if any(matches(f, true_texts, true_vals) for f in figs) and \
                        any(matches(f, fake_texts, fake_vals) for f in figs):
                    found = True
                    break
            shown = "; ".join(f"{f['text']} ({f['measure']})" for f in answer["figures"][:6])
            results[kind].append((item["id"], found, f"{item['query']!r} true={true_texts[0]!r} "
                                                      f"fake={item['fakeanswer']!r} | shown: {shown}"))
    print(f"RGB en_fact_dev: {data}  ({time.time() - t0:.0f} s)")
    for kind in ("number", "date", "name"):
        rows = results[kind]
        if not rows:
            continue
        hit = sum(1 for _, ok, _ in rows if ok)
        print(f"  {kind:6s}: {hit}/{len(rows)} = {hit / len(rows):.0%} shown side by side in conflicts")
    numeric = results["number"] + results["date"]
    if numeric:
        hit = sum(1 for _, ok, _ in numeric if ok)
        print(f"  numeric+date: {hit}/{len(numeric)} = {hit / len(numeric):.0%}")
    every = [r for rows in results.values() for r in rows]
    if every:
        hit = sum(1 for _, ok, _ in every if ok)
        print(f"  all kinds: {hit}/{len(every)} = {hit / len(every):.0%}")
    for kind in ("number", "date", "name"):
        misses = [(i, why) for i, ok, why in results[kind] if not ok]
        if misses:
            print(f"  misses ({kind}):")
            for i, why in misses:
                print(f"    #{i}: {why}")
    return 0


def main() -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="RGB en_fact_dev.jsonl")
    p.add_argument("--limit", type=int, default=None, help="only the first N items")
    p.add_argument("--kinds", default="number,date,name", help="comma-separated: number,date,name")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return run(args.data, args.limit, set(k for k in args.kinds.split(",") if k))


if __name__ == "__main__":
    raise SystemExit(main())
