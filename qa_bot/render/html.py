"""The HTML edge: the disputes list, timelines and source labels for the page (no gradio here; ui.py wires it)."""

from __future__ import annotations

import base64
import html
from typing import Mapping, Sequence
from urllib.parse import quote

from ..records import Article, ArticleEntry, Dispute, Disputes, Figure
from .timeline import has_timeline, timeline_png

UNKNOWN_OUTLET = "(outlet unknown)"
KIND_HEAD = {"update": "↗ Updated over time", "revision": "✎ Revised", "conflict": "⚠ Sources disagree"}
MAX_TIMELINES = 6  # charts drawn for the first groups with several dates (each costs ~0.1-0.5 s to draw)


def esc(text: object) -> str:
    """HTML-escape anything (quotes included) for use in markup we build."""
    return html.escape(str(text), quote=True)


def open_href(doc_id: str, start: int = -1, end: int = -1, fig_start: int = -1, fig_end: int = -1) -> str:
    """Link target the page script turns into "open this article with [start, end) highlighted"."""
    href = f"#qa-open?d={quote(doc_id, safe='')}&s={int(start)}&e={int(end)}"
    if fig_start >= 0:
        href += f"&fs={int(fig_start)}&fe={int(fig_end)}"
    return href


def outlets_known(articles: Sequence[Article | ArticleEntry]) -> bool:
    """Does any of these articles name its outlet (a manifest was given)?"""
    return any(a.outlet for a in articles)


def unknown_outlet_note(articles: Sequence[Article | ArticleEntry]) -> str:
    """Said once above a list whose articles name no outlet (rather than '(outlet unknown)' on every row)."""
    if not articles or outlets_known(articles):
        return ""
    return ('<p class="qa-meta qa-no-outlet">Outlets unknown: these articles come without a manifest '
            "(sources.csv with file, title, outlet, published); sources are named by their titles.</p>")


def source_cell(article: Article | None, doc_id: str, date: str = "") -> str:
    """Outlet (if known) and title, the date under them; the file name is the tooltip."""
    if article is None:
        return f'<span title="{esc(doc_id)}">{esc(doc_id.rsplit("/", 1)[-1])}</span>'
    outlet = f'<strong class="qa-outlet">{esc(article.outlet)}</strong><br>' if article.outlet else ""
    shown_date = date or article.published or "date unknown"
    return (f'<span class="qa-source" title="{esc(doc_id)}">{outlet}<span class="qa-title">{esc(article.title)}'
            f'</span></span><br><span class="qa-meta">{esc(shown_date)}</span>')


def timeline_img(figures: Sequence[Figure], articles: Mapping[str, Article], title: str = "") -> str:
    """The group's values by date as an inline PNG (no file, no request), or "" when it has fewer than two dates."""
    if not has_timeline(figures, articles):
        return ""
    png = timeline_png(figures, articles, title)
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    alt = f"Values of {title or 'this figure'} by date, one marker per source"
    return f'<img class="qa-timeline" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def _figure_row(f: Figure, articles: Mapping[str, Article]) -> str:
    a = articles.get(f.doc_id)
    s, e = a.source_span(f.sentence_start, f.sentence_end) if a else (f.sentence_start, f.sentence_end)
    fs, fe = a.source_span(f.start, f.end) if a else (f.start, f.end)
    href = esc(open_href(f.doc_id, s, e, fs, fe))
    return (f'<tr class="qa-dfigure" data-doc="{esc(f.doc_id)}"><td><a class="qa-open" href="{href}">{esc(f.text)}</a></td>'
            f'<td>{esc(f.measure)}</td><td>{source_cell(a, f.doc_id)}</td><td>{esc(f.as_of)}</td>'
            f'<td>{esc(f.said_by)}</td><td><a class="qa-open" href="{href}">{esc(f.quote)}</a></td></tr>')


def dispute_html(n: int, d: Dispute, articles: Mapping[str, Article], chart: bool) -> str:
    """One group: kind and measure, the summary line, one line per side, the timeline, the figures table."""
    c = d.conflict
    sides = "".join(
        f'<li class="{"qa-side qa-disagrees" if s.disagrees and c.kind != "revision" else "qa-side"}">'
        f'<strong>{esc(s.value)}</strong> '
        f'{esc(s.measure)} — {esc(", ".join(s.sources[:3]) + (f" +{len(s.sources) - 3}" if len(s.sources) > 3 else ""))}'
        f' — {esc(s.date or "undated")}</li>' for s in d.sides)
    img = timeline_img(c.figures, articles, c.measure) if chart else ""
    head = ("<tr><th>As written</th><th>What is counted</th><th>Source</th><th>As of</th><th>Said by</th>"
            "<th>Quote</th></tr>")
    rows = "".join(_figure_row(f, articles) for f in c.figures)
    return (f'<details class="qa-dispute" data-rank="{n}" data-kind="{esc(c.kind)}" {"open" if n <= 3 else ""}>'
            f'<summary><span class="qa-rank">{n}.</span> <span class="qa-flag">{esc(KIND_HEAD.get(c.kind, c.kind))}'
            f'</span> <span class="qa-summary">{esc(d.summary)}</span></summary>'
            f'<ul class="qa-sides">{sides}</ul>{img}'
            f'<div style="overflow-x:auto"><table class="qa-figures">'
            f'<thead>{head}</thead><tbody>{rows}</tbody></table></div></details>')


def disputes_html(disputes: Disputes, max_timelines: int = MAX_TIMELINES) -> str:
    """The disputes tab: a count, the outlet note (once), then every group, the first ones open with a timeline."""
    articles = {a.doc_id: a for a in disputes.sources}
    if not disputes.items:
        return ('<p class="qa-meta qa-dcount">No figure group of these articles disagrees, was updated or '
                "revised.</p>")
    parts = [f'<p class="qa-meta qa-dcount">{len(disputes.items)} figure group(s) where sources disagree, were '
             "updated or revised — most consequential first (independent sources × relative spread of the "
             "values). Click a figure or quote to read it in its article.</p>",
             unknown_outlet_note(list(disputes.sources))]
    charts = 0
    for n, d in enumerate(disputes.items, 1):
        chart = d.dated and charts < max_timelines
        charts += chart
        parts.append(dispute_html(n, d, articles, chart))
    return f'<div class="qa-disputes-list">{"".join(parts)}</div>'
