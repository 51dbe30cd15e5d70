"""The JSON edge: an Answer or the disputes list as a JSON-safe dict (the API, `--json`, the page's data)."""

from __future__ import annotations

from typing import Any, Mapping

from ..records import Answer, Article, Conflict, Dispute, Disputes, Figure


def figure_dict(figure: Figure, articles: Mapping[str, Article]) -> dict[str, Any]:
    """One figure with its article's title, outlet and date; offsets point into the source file."""
    return figure.to_dict(articles.get(figure.doc_id))


def conflict_dict(conflict: Conflict, articles: Mapping[str, Article]) -> dict[str, Any]:
    """A group whose figures disagree, were updated or revised: measure, kind, note, figures by date."""
    return {"measure": conflict.measure, "kind": conflict.kind, "note": conflict.note,
            "figures": [figure_dict(f, articles) for f in conflict.figures]}


def answer_dict(answer: Answer) -> dict[str, Any]:
    """question, answer (markdown with [n]), found, lead, citations, figures, conflicts, retrieved."""
    articles = {a.doc_id: a for a in answer.sources}
    lead = answer.lead
    return {
        "question": answer.question,
        "answer": answer.answer,
        "found": answer.found,
        "lead": figure_dict(lead, articles) if lead is not None else None,
        "citations": [c.to_dict() for c in answer.citations],
        "figures": [figure_dict(f, articles) for f in answer.figures],
        "conflicts": [conflict_dict(c, articles) for c in answer.conflicts],
        "retrieved": list(answer.retrieved),
    }


def dispute_dict(n: int, dispute: Dispute, articles: Mapping[str, Article]) -> dict[str, Any]:
    """One dispute: rank, measure, kind, summary, one line per side, and its figures as in Answer.to_dict()."""
    c = dispute.conflict
    return {"rank": n, "measure": c.measure, "kind": c.kind, "summary": dispute.summary, "note": c.note,
            "score": dispute.score, "sources": dispute.sources, "spread": dispute.spread,
            "dates": sorted({s.date for s in dispute.sides if s.date}),
            "sides": [{"value": s.value, "measure": s.measure, "sources": list(s.sources), "date": s.date,
                       "disagrees": s.disagrees, "figures": len(s.figures)} for s in dispute.sides],
            "figures": [figure_dict(f, articles) for f in c.figures]}


def disputes_dict(disputes: Disputes) -> dict[str, Any]:
    """count and the disputes, most consequential first."""
    articles = {a.doc_id: a for a in disputes.sources}
    return {"count": len(disputes.items),
            "disputes": [dispute_dict(n, d, articles) for n, d in enumerate(disputes.items, 1)]}
