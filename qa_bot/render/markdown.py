"""The markdown edge: an Answer or the disputes list for a terminal or a markdown viewer — text, figures side by
side, sources with their quotes and offsets."""

from __future__ import annotations

import textwrap
from typing import Mapping

from ..answering.compose import md_escape
from ..answering.disputes import sides as group_sides, source_label
from ..language.units import format_amount
from ..records import Answer, Article, Disputes, Figure

_ESCAPES = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "(": "\\(", ")": "\\)",
                          "`": "\\`", "*": "\\*", "_": "\\_", "\\": "\\\\", "!": "\\!", "#": "\\#",
                          "\n": " ", "\r": " "})
KIND_MARK = {"conflict": "⚠", "update": "↗", "revision": "✎"}


def escape_cell(text: str) -> str:
    """Article text as inert markdown: no table breaks, no HTML, no links or images."""
    return text.translate(_ESCAPES)


def _source(f: Figure, articles: Mapping[str, Article]) -> str:
    a = articles.get(f.doc_id)
    name = source_label(f.doc_id, articles)  # outlet, else the title cut at a word
    date = (a.published if a and a.published else "undated")
    out = f"{name}, {date}"
    if f.as_of and (not a or f.as_of != a.published):
        out += f" (as of {f.as_of})"
    return out


def figures_table(answer: Answer) -> str:
    """Markdown table of the answer's figures, each group that changed or disagrees marked; "" when none."""
    if not answer.figures:
        return ""
    articles = {a.doc_id: a for a in answer.sources}
    group_of: dict[tuple[str, int], tuple[int, str]] = {}
    for n, c in enumerate(answer.conflicts, 1):
        for f in c.figures:
            group_of[(f.doc_id, f.start)] = (n, c.kind)
    rows = ["| | Figure | Normalized | Measure | Source | Said by | Quote |", "|---|---|---|---|---|---|---|"]
    for f in answer.figures:
        n, kind = group_of.get((f.doc_id, f.start), (0, ""))
        mark = f"{KIND_MARK[kind]} {n}" if n else ""
        normal = f.text if f.kind == "name" else format_amount(f.value, f.unit, f.low, f.high, f.qualifier)
        cells = [mark, f.text, normal, f.measure, _source(f, articles), f.said_by, f.quote]
        rows.append("| " + " | ".join(escape_cell(c) if i else c for i, c in enumerate(cells)) + " |")
    return "\n".join(rows)


def group_lines(answer: Answer) -> str:
    """Each group that changed or disagrees, numbered as in the table, one short line per value: value, measure,
    sources, date."""
    articles = {a.doc_id: a for a in answer.sources}
    out = []
    for n, c in enumerate(answer.conflicts, 1):
        out.append(f"{KIND_MARK.get(c.kind, '')} {n} {escape_cell(c.measure or 'figure')} ({c.kind}):")
        for s in group_sides(c.figures, articles):
            names = ", ".join(s.sources[:3]) + (f" +{len(s.sources) - 3}" if len(s.sources) > 3 else "")
            out.append(f"- {escape_cell(s.value)} {escape_cell(s.measure)} — {escape_cell(names)} — "
                       f"{s.date or 'undated'}")
    return "\n".join(out)


def answer_markdown(answer: Answer) -> str:
    """The whole answer as markdown: text, the figures table, then one line per value of each group."""
    table = figures_table(answer)
    groups = group_lines(answer)
    return answer.answer + ("\n\n" + table if table else "") + ("\n\n" + groups if groups else "")


def answer_text(answer: Answer) -> str:
    """For a terminal: the markdown answer, then the numbered sources with file offsets."""
    out = [answer_markdown(answer)]
    if answer.citations:
        out.append("\nSources:")
        for c in answer.citations:
            meta = ", ".join(x for x in (c.outlet, c.published) if x)
            out.append(f"  [{c.n}] {c.doc_id} chars {c.start}-{c.end}: {c.title}" + (f" ({meta})" if meta else ""))
            out.append(textwrap.indent(textwrap.fill(f"“{c.quote}”", 100), "      "))
    return "\n".join(out)


def answer_document(answer: Answer) -> str:
    """The answer as a markdown file: question, answer, the figures side by side, then each citation with its
    article, outlet, date, file, character offsets and quote."""
    out = [f"# {escape_cell(answer.question)}", "", answer.answer.strip()]
    table = figures_table(answer)
    if table:
        out += ["", "## Figures side by side", "", table]
    groups = group_lines(answer)
    if groups:
        out += ["", groups]
    if answer.citations:
        out += ["", "## Sources", ""]
        for c in answer.citations:
            meta = ", ".join(escape_cell(x) for x in (c.outlet, c.published) if x)
            out.append(f"{c.n}. **{escape_cell(c.title)}**" + (f" — {meta}" if meta else "")
                       + f" (`{c.doc_id}`, characters {c.start}–{c.end})")
            out.append(f"   > {escape_cell(c.quote)}")
    return "\n".join(out) + "\n"


def disputes_markdown(disputes: Disputes) -> str:
    """The disputes list as a markdown file: per group its summary line and its figures side by side."""
    articles = {a.doc_id: a for a in disputes.sources}
    out = ["# What the sources disagree about", "",
           f"{len(disputes.items)} figure group(s) where sources disagree, were updated or revised; most "
           "consequential first (independent sources × relative spread of the values)."]
    for n, d in enumerate(disputes.items, 1):
        c = d.conflict
        out += ["", f"## {n}. {escape_cell(c.measure or 'figure')} — {c.kind} {KIND_MARK.get(c.kind, '')}".rstrip(),
                "", md_escape(d.summary), "",
                "| Figure | Measure | Source | As of | Said by | Quote | File, characters |",
                "|---|---|---|---|---|---|---|"]
        for f in c.figures:
            a = articles.get(f.doc_id)
            s, e = a.source_span(f.sentence_start, f.sentence_end) if a else (f.sentence_start, f.sentence_end)
            title = f" — {a.title}" if a and a.outlet and a.title else ""
            cells = [f.text, f.measure, _source(f, articles) + title, f.as_of, f.said_by, f.quote,
                     f"{f.doc_id} {s}–{e}"]
            out.append("| " + " | ".join(escape_cell(x) for x in cells) + " |")
    return "\n".join(out) + "\n"


def disputes_text(disputes: Disputes, top: int | None = None) -> str:
    """For a terminal: each dispute's summary line, then its figures with source, quote and file offsets."""
    articles = {a.doc_id: a for a in disputes.sources}
    items = disputes.items[:top] if top else disputes.items
    out = [f"{len(disputes.items)} figure group(s) where sources disagree, were updated or revised "
           f"(most consequential first{f'; the first {len(items)} shown' if len(items) < len(disputes.items) else ''}):"]
    for n, d in enumerate(items, 1):
        out.append(f"\n{n}. [{d.conflict.kind}] {d.summary}")
        for f in d.conflict.figures:
            a = articles.get(f.doc_id)
            s, e = a.source_span(f.sentence_start, f.sentence_end) if a else (f.sentence_start, f.sentence_end)
            who = f", {f.said_by}" if f.said_by else ""
            out.append(f"   - {f.text} — {_source(f, articles)}{who} — {f.doc_id} chars {s}-{e}")
            out.append(textwrap.indent(textwrap.fill(f"“{f.quote}”", 100), "       "))
    return "\n".join(out)
