"""The eval report: a markdown page, a JSON file and a PNG chart of qa-bot against the baselines."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping, Sequence

from .metrics import HIGHER_IS_BETTER, METRICS, QuestionScore, aggregate

LABELS = {
    "recall@k": "retrieval recall@{k} (supporting files)",
    "mrr": "retrieval MRR",
    "figure_acc": "figure accuracy (answer text or figures)",
    "figure_acc_text": "figure accuracy (answer text only)",
    "text_acc": "text accuracy",
    "citation_precision": "citation precision (offsets exact, supports claim, on topic)",
    "conflict_recall": "conflict recall",
    "conflict_precision": "conflict precision",
    "refusal_acc": "refusal accuracy (unanswerable → found=false)",
    "answer_rate": "answer rate (answerable → found=true)",
    "strict_acc": "strict accuracy (first figure / lead name right, conflict in a one-measure group)",
    "latency_p50": "latency p50 (ms)",
    "latency_p95": "latency p95 (ms)",
}
CHART_METRICS = ("recall@k", "mrr", "figure_acc", "text_acc", "citation_precision", "conflict_recall",
                 "conflict_precision", "refusal_acc", "answer_rate", "strict_acc")


def fmt(metric: str, value: float | None) -> str:
    """A metric value for a table: ms for latency, three decimals otherwise, – when not applicable."""
    if value is None:
        return "–"
    return f"{value * 1000:.1f}" if metric.startswith("latency") else f"{value:.3f}"


def build_results(scores: Mapping[str, Sequence[QuestionScore]], meta: Mapping[str, Any],
                  benchmarks: Mapping[str, Any], corpora: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the run measured, JSON-safe: overall and per-kind metrics per system, per-question scores, and
    the same for each other corpus (a DUC cluster) that was run."""
    return {"meta": dict(meta), "systems": systems_block(scores), "benchmarks": dict(benchmarks),
            "corpora": dict(corpora or {})}


def systems_block(scores: Mapping[str, Sequence[QuestionScore]], keep_answers: bool = True) -> dict[str, Any]:
    """Per system: overall and per-kind metrics and the per-question scores (answers kept for qa-bot only, and
    not at all without keep_answers: answers quote their corpus, and a benchmark's articles stay out of the
    repository)."""
    systems = {}
    for name, rows in scores.items():
        by_kind: dict[str, list[QuestionScore]] = defaultdict(list)
        for s in rows:
            by_kind[s.kind].append(s)
        systems[name] = {
            "overall": aggregate(rows),
            "by_kind": {kind: aggregate(r) for kind, r in sorted(by_kind.items())},
            # Full answers for qa-bot (to read its misses); the baselines' answers would only bloat the file.
            "questions": [dict(asdict(s), answer=s.answer if keep_answers and name == "qa-bot" else "")
                          for s in rows],
        }
    return systems


def markdown(results: Mapping[str, Any], chart_name: str | None) -> str:
    """The human report: settings, the comparison table, per-kind numbers, benchmarks and misses."""
    meta, systems = results["meta"], results["systems"]
    k = meta.get("k", "k")
    names = list(systems)
    out = ["# qa-bot evaluation", "",
           f"{meta['questions']} fixed questions on `{meta['corpus']}` ({meta['unanswerable']} unanswerable), "
           f"model `{meta['model']}`, top_k {meta['top_k']}, recall@{k}. Latency is measured per question in this "
           f"run after one warm-up question per system; every other number is deterministic.", ""]
    out += ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for m in METRICS:
        label = LABELS[m].format(k=k)
        out.append(f"| {label} | " + " | ".join(fmt(m, systems[n]["overall"][m]) for n in names) + " |")
    if chart_name:
        out += ["", f"![qa-bot vs baselines]({chart_name})"]
    if "qa-bot" in systems:
        kinds = systems["qa-bot"]["by_kind"]
        cols = ("recall@k", "mrr", "figure_acc", "text_acc", "citation_precision", "conflict_recall", "refusal_acc")
        out += ["", "## qa-bot by kind of question", "",
                "| kind | n | " + " | ".join(c.replace("@k", f"@{k}") for c in cols) + " |",
                "|---|---:|" + "---:|" * len(cols)]
        counts = defaultdict(int)
        for q in systems["qa-bot"]["questions"]:
            counts[q["kind"]] += 1
        for kind, agg in kinds.items():
            out.append(f"| {kind} | {counts[kind]} | " + " | ".join(fmt(c, agg[c]) for c in cols) + " |")
    out += corpora_markdown(results.get("corpora", {}), results["meta"])
    for name, bench in results["benchmarks"].items():
        out += ["", f"## {name}", "", bench["description"], "", "| number | value |", "|---|---:|"]
        for key, value in bench["summary"].items():
            shown = str(value) if isinstance(value, int) else fmt(key, value)
            out.append(f"| {key} | {shown} |")
        misses = [s for s in bench["items"] if not s["correct"]]
        if misses:
            out += ["", f"Misses ({len(misses)}): " + ", ".join(s["id"] for s in misses[:40])
                    + (" …" if len(misses) > 40 else "")]
    out += ["", "## Misses (qa-bot)", ""]
    any_miss = False
    for q in systems.get("qa-bot", {}).get("questions", []):
        if q["misses"]:
            any_miss = True
            out.append(f"- **{q['id']}** ({q['kind']}): " + "; ".join(q["misses"]))
    if not any_miss:
        out.append("None.")
    return "\n".join(out) + "\n"


CORPUS_COLUMNS = ("recall@k", "mrr", "figure_acc", "text_acc", "citation_precision", "conflict_recall",
                  "conflict_precision", "refusal_acc", "strict_acc", "latency_p50")


def corpora_markdown(corpora: Mapping[str, Any], meta: Mapping[str, Any]) -> list[str]:
    """The per-corpus table (rows: corpus × system, plus all corpora pooled), qa-bot's strict accuracy by kind and
    its strict misses; [] when no other corpus was run."""
    if not corpora:
        return []
    k = meta.get("k", "k")
    duc = meta.get("duc", {})
    names = list(next(iter(corpora.values()))["systems"])
    heads = [LABELS[c].split(" (")[0].format(k=k) if c != "strict_acc" else "**strict accuracy**"
             for c in CORPUS_COLUMNS]
    out = ["", "## Other corpora: DUC 2007 clusters", "",
           f"Each cluster of `{duc.get('path', '')}` indexed on its own (in a temporary folder) and asked its fixed "
           f"questions (`eval/duc2007/<cluster>.yaml`) by every system in this run. Strict accuracy: the first "
           f"figure of the answer text (with its unit) or the lead sentence's name/date must be the expected one, "
           f"an unanswerable question must be refused, and a conflict question must show the conflicting values "
           f"in a group of one kind of quantity."
           + (f" Held out, not run: {', '.join(duc['held_out_skipped'])}." if duc.get("held_out_skipped") else ""),
           "", "| corpus | system | n | " + " | ".join(heads) + " |", "|---|---|---:|" + "---:|" * len(CORPUS_COLUMNS)]
    pooled: dict[str, list[dict]] = defaultdict(list)
    for corpus, block in corpora.items():
        for name in names:
            system = block["systems"][name]
            pooled[name] += system["questions"]
            out.append(f"| {corpus} | {name} | {block['questions']} | "
                       + " | ".join(fmt(c, system["overall"][c]) for c in CORPUS_COLUMNS) + " |")
    for name in names:
        agg = aggregate([QuestionScore(**{**q, "misses": tuple(q["misses"])}) for q in pooled[name]])
        out.append(f"| all | {name} | {len(pooled[name])} | " + " | ".join(fmt(c, agg[c]) for c in CORPUS_COLUMNS)
                   + " |")
    if "qa-bot" in pooled:
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for q in pooled["qa-bot"]:
            by_kind[q["kind"]].append(q)
        out += ["", "qa-bot, strict accuracy by kind (all clusters): " + ", ".join(
            f"{kind} {sum(bool(q['strict']) for q in rows)}/{len(rows)}" for kind, rows in sorted(by_kind.items()))]
        out += ["", "### Strict misses (qa-bot)", ""]
        for corpus, block in corpora.items():
            for q in block["systems"]["qa-bot"]["questions"]:
                if not q["strict"]:
                    why = next((m[len("strict: "):] for m in q["misses"] if m.startswith("strict: ")), "")
                    out.append(f"- {corpus} **{q['id']}** ({q['kind']}): {why}")
    return out


def write_json(results: Mapping[str, Any], path: Path) -> None:
    """results.json, keys sorted so runs diff cleanly."""
    path.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def chart(results: Mapping[str, Any], path: Path) -> None:
    """Grouped bars per metric (one bar per system) and a latency panel, written as PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = results["systems"]
    names = list(systems)
    k = results["meta"].get("k", "k")
    fig, (ax, ax_lat) = plt.subplots(1, 2, figsize=(15, 5.5), gridspec_kw={"width_ratios": [5, 1.4]})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        vals = [systems[name]["overall"][m] for m in CHART_METRICS]
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(CHART_METRICS))]
        ax.bar(xs, [v or 0.0 for v in vals], width, label=name)
    ax.set_xticks(range(len(CHART_METRICS)))
    ax.set_xticklabels([m.replace("@k", f"@{k}").replace("_", "\n") for m in CHART_METRICS], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (higher is better)")
    ax.set_title(f"qa-bot vs baselines on {results['meta']['questions']} fixed questions")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    for i, name in enumerate(names):
        vals = [(systems[name]["overall"][m] or 0.0) * 1000 for m in ("latency_p50", "latency_p95")]
        ax_lat.bar([j + (i - (len(names) - 1) / 2) * width for j in range(2)], vals, width, label=name)
    ax_lat.set_xticks(range(2))
    ax_lat.set_xticklabels(["p50", "p95"])
    ax_lat.set_ylabel("latency per question (ms, lower is better)")
    ax_lat.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})  # no version/date stamp: same bytes for same numbers
    plt.close(fig)


def check_floors(overall: Mapping[str, float | None], floors: Mapping[str, Any]) -> list[str]:
    """One message per metric that breaks its floor ("min") or ceiling ("max"); [] when all pass."""
    failures = []
    for metric, floor in floors.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < floor:
            failures.append(f"{metric} is {fmt(metric, value)}, below its floor {floor}")
    for metric, ceiling in floors.get("max", {}).items():
        value = overall.get(metric)
        if value is not None and value > ceiling:
            failures.append(f"{metric} is {fmt(metric, value)} ms, above its ceiling {ceiling * 1000:.0f} ms")
    unknown = [m for part in ("min", "max") for m in floors.get(part, {}) if m not in HIGHER_IS_BETTER]
    failures += [f"unknown metric {m!r} in the floors file" for m in unknown]
    return failures
