"""The CSV edge: one row per figure (of an answer or of the disputes list), for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping

from ..records import Answer, Disputes
from .json import figure_dict

COLUMNS = ("group", "kind", "group_measure", "text", "value", "unit", "low", "high", "qualifier", "measure",
           "as_of", "outlet", "title", "published", "doc_id", "said_by", "quote", "start", "end", "text_start",
           "text_end")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula in a spreadsheet: quote it


def _cell(value: Any) -> Any:
    """Article text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _write(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: _cell(row.get(k, "")) for k in COLUMNS})
    return out.getvalue()


def answer_csv(answer: Answer) -> str:
    """The answer's figures, one row each; `group` numbers the groups that changed or disagree (as the table)."""
    articles = {a.doc_id: a for a in answer.sources}
    group_of = {(f.doc_id, f.start): (n, c.kind, c.measure) for n, c in enumerate(answer.conflicts, 1)
                for f in c.figures}
    rows = []
    for f in answer.figures:
        n, kind, measure = group_of.get((f.doc_id, f.start), ("", "", ""))
        rows.append({**figure_dict(f, articles), "group": n, "kind": kind, "group_measure": measure})
    return _write(rows)


def disputes_csv(disputes: Disputes) -> str:
    """Every figure of every dispute, one row each; `group` is the dispute's rank."""
    articles = {a.doc_id: a for a in disputes.sources}
    return _write({**figure_dict(f, articles), "group": n, "kind": d.conflict.kind, "group_measure": d.conflict.measure}
                  for n, d in enumerate(disputes.items, 1) for f in d.conflict.figures)
