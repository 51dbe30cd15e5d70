"""Compose the Answer: the lead (figure or name) with every source that agrees, what changed or disagrees, and
the quoted sentences with [n] citations. Markup is minimal markdown; tables are drawn by the renderers."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from ..records import Answer, Article, Citation, Conflict, Figure, QuestionIntent
from .evidence import Scored, citation_for
from .report import figure_date


MAX_LEAD_MARKERS = 6  # [n] markers after the lead; the count of agreeing articles names the rest


def md_escape(text: str) -> str:
    """Article text as literal markdown: no links, HTML, emphasis or code can come out of it."""
    return re.sub(r"([\\`*_\[\]<>#|!~])", r"\\\1", " ".join(text.split()))


def source_label(article: Article) -> str:
    """'Title (Outlet, 2024-08-12)' with whatever is known."""
    extra = ", ".join(x for x in (article.outlet, article.published) if x)
    return f"{article.title} ({extra})" if extra else article.title


def _cite(citations: list[Citation], f: Figure, articles: Mapping[str, Article]) -> int:
    """The [n] of the sentence holding a figure, adding a citation when it is not quoted yet."""
    known = next((c.n for c in citations if c.doc_id == f.doc_id and c.quote == f.quote), None)
    if known is None:
        known = len(citations) + 1
        citations.append(citation_for(known, articles[f.doc_id], f.sentence_start, f.sentence_end, f.quote, 0.0))
    return known


def _shown(f: Figure) -> str:
    return f.text[0].lower() + f.text[1:] if f.qualifier and f.text else f.text  # "Some 121,000" → "some 121,000"


def lead_line(lead: Figure, agreeing: Sequence[Figure], markers: Sequence[int],
              articles: Mapping[str, Article]) -> str:
    """'**38** people killed — 2 articles agree, as of 2024-05-08 [1][2]' (the figure first, so it is read first)."""
    docs = sorted({f.doc_id for f in agreeing})
    agree = f"{len(docs)} articles agree" if len(docs) > 1 else "1 article"
    date = figure_date(lead, articles)
    when = f", as of {date}" if date and lead.kind == "number" else ""
    marks = "".join(f"[{n}]" for n in sorted(set(markers)))
    measure = f" {md_escape(lead.measure)}" if lead.kind == "number" and lead.measure else ""
    return f"**{md_escape(_shown(lead))}**{measure} — {agree}{when} {marks}".rstrip()


def change_line(conflict: Conflict, articles: Mapping[str, Article]) -> str:
    """One short line on what a group shows beyond the lead: an update, a revision or a disagreement — the chain
    of values by date with their sources, long chains cut in the middle (disputes.summary)."""
    from .disputes import sides, summary

    head = {"update": "Updated over time", "revision": "Revised", "conflict": "The sources disagree"}[conflict.kind]
    if conflict.figures and conflict.figures[0].kind == "name":
        return f"**{head}**: {md_escape(conflict.note)}"
    return f"**{head}** — {md_escape(summary(conflict.measure, conflict.kind, sides(conflict.figures, articles)))}"


def compose(intent: QuestionIntent, chosen: Sequence[Scored], articles: Mapping[str, Article],
            figures: Sequence[Figure], conflicts: Sequence[Conflict], retrieved: Sequence[str],
            lead: Figure | None = None, agreeing: Sequence[Figure] = (), body: str | None = None) -> Answer:
    """The answer: the lead with every agreeing source cited, the change/disagreement lines, then one quoted
    sentence per line with its [n] marker (or `body`, an LLM's text citing the same [n])."""
    citations = [citation_for(i, articles[s.sentence.doc_id], s.sentence.start, s.sentence.end, s.sentence.text,
                              s.score) for i, s in enumerate(chosen, 1)]
    lines = []
    if lead is not None:
        # every agreeing article is counted; the first few (one per article) are cited, so the line stays readable
        first: dict[str, Figure] = {}
        for f in agreeing or [lead]:
            first.setdefault(f.doc_id, f)
        cited = [lead] + [f for f in first.values() if f is not lead]
        markers = [_cite(citations, f, articles) for f in cited[:MAX_LEAD_MARKERS]]
        lines.append(lead_line(lead, agreeing or [lead], markers, articles) + "\n")
    for c in conflicts:
        lines.append(change_line(c, articles) + "\n")
    if body:
        lines.append(body)
    else:
        lines.append("From the articles:\n")
        lines.extend(f"- {md_escape(c.quote)} [{c.n}]" for c in citations[:len(chosen)])
    used = {c.doc_id for c in citations} | {f.doc_id for f in figures}
    return Answer(question=intent.question, answer="\n".join(lines), found=True, citations=tuple(citations),
                  figures=tuple(figures), conflicts=tuple(conflicts), lead=lead,
                  sources=tuple(articles[d] for d in sorted(used) if d in articles), intent=intent,
                  retrieved=tuple(retrieved))


def not_found(intent: QuestionIntent, retrieved: Sequence[str], closest: Scored | None,
              articles: Mapping[str, Article], why: str = "") -> Answer:
    """'The articles do not answer this' — a normal answer, with the nearest sentence named but not cited."""
    # `qa-bot ask` and `qa-bot disputes` bring the index up to date with the corpus folder before answering, so
    # a file added there is searched by the next question; the page takes new articles through its upload box.
    text = ("The indexed articles do not answer this question. Try other words, or add articles that cover it: "
            "put them in the corpus folder and ask again with the same --corpus, or upload them on the page.")
    if why:
        text += f" {why}"
    if closest is not None:
        text += (f"\n\nThe closest sentence found ({md_escape(source_label(articles[closest.sentence.doc_id]))}) "
                 f"was not close enough to quote as an answer: “{md_escape(closest.sentence.text[:200])}”")
    return Answer(question=intent.question, answer=text, found=False, intent=intent, retrieved=tuple(retrieved))
