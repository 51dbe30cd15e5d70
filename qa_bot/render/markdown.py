"""The markdown edge: an Answer for a terminal or a markdown viewer — the text, the figures side by side, sources."""

from __future__ import annotations

import textwrap
from typing import Mapping

from ..language.units import format_amount
from ..records import Answer, Article, Figure

_ESCAPES = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "(": "\\(", ")": "\\)",
                          "`": "\\`", "*": "\\*", "_": "\\_", "\\": "\\\\", "!": "\\!", "#": "\\#",
                          "\n": " ", "\r": " "})
KIND_MARK = {"conflict": "⚠", "update": "↗", "revision": "✎"}


def escape_cell(text: str) -> str:
    """Article text as inert markdown: no table breaks, no HTML, no links or images."""
    return text.translate(_ESCAPES)


def _source(f: Figure, articles: Mapping[str, Article]) -> str:
    a = articles.get(f.doc_id)
    name = (a.outlet or a.title) if a else f.doc_id
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


def answer_markdown(answer: Answer) -> str:
    """The whole answer as markdown: text, then the figures table."""
    table = figures_table(answer)
    return answer.answer + ("\n\n" + table if table else "")


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
