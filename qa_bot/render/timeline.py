"""The timeline edge: a small chart of a group's values by date, one marker per source, as PNG bytes."""

from __future__ import annotations

import datetime
import io
import math
from typing import Mapping, Sequence

from ..records import Article, Figure

MARKERS = "osD^vP*Xph"


def _day(iso: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(iso)
    except ValueError:
        return None


def _date_of(f: Figure, articles: Mapping[str, Article]) -> datetime.date | None:
    a = articles.get(f.doc_id)
    return _day(f.as_of or (a.published if a else ""))


def has_timeline(figures: Sequence[Figure], articles: Mapping[str, Article]) -> bool:
    """Do the figures carry at least two different dates (so a chart by date says something)?"""
    return len({d for d in (_date_of(f, articles) for f in figures) if d is not None}) > 1


def timeline_png(figures: Sequence[Figure], articles: Mapping[str, Article], title: str = "",
                 width: float = 6.4, height: float = 2.6) -> bytes | None:
    """Value by date, one marker (and colour) per source, the interval a wording allows as a bar ("several
    thousand" spans 2,000–9,999); same-day disagreement shows as spread on one day. None without two dates."""
    if not has_timeline(figures, articles):
        return None
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure as Canvas  # no pyplot: no global state, safe in server threads

    fig = Canvas(figsize=(width, height), dpi=100)
    ax = fig.add_subplot()
    by_source: dict[str, list[tuple[datetime.date, Figure]]] = {}
    for f in figures:
        d = _date_of(f, articles)
        if d is None or not math.isfinite(f.value):
            continue
        a = articles.get(f.doc_id)
        name = (a.outlet or a.title[:30]) if a else f.doc_id
        by_source.setdefault(name, []).append((d, f))
    for i, (name, points) in enumerate(sorted(by_source.items())):
        xs = [d for d, _ in points]
        ys = [f.value for _, f in points]
        lo = [max(0.0, f.value - f.low) if math.isfinite(f.low) else 0.0 for _, f in points]
        hi = [max(0.0, f.high - f.value) if math.isfinite(f.high) else 0.0 for _, f in points]
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt=MARKERS[i % len(MARKERS)], capsize=3, markersize=7,
                    label=name[:24], alpha=0.85)
    locator = AutoDateLocator(minticks=2, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.4g}")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title[:70], fontsize=10)
    unit = next((f.unit for f in figures if f.unit), "")
    if unit:
        ax.set_ylabel(unit, fontsize=8)
    # legend beside the plot, fixed place: loc="best" and tight_layout cost ~0.5 s a chart
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.subplots_adjust(left=0.13, right=0.70, top=0.86 if title else 0.95, bottom=0.2)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
