"""The Gradio chat page: conversation, clickable citations, side-by-side figures, uploads and the /ask API."""

from __future__ import annotations

import datetime
import html
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any, Callable, Sequence

from .ingest.articles import read_corpus
from .engine import Engine
from .errors import QaBotError, QuestionError, SettingsError
from .answering.disputes import sides as group_sides
from .records import Answer, Article, ArticleEntry, Citation
from .render.csv import answer_csv, disputes_csv
from .render.html import (UNKNOWN_OUTLET, KIND_HEAD, disputes_html, esc, open_href, outlets_known,
                          timeline_img, unknown_outlet_note)
from .render.markdown import answer_document, disputes_markdown
from .settings import Settings, check_port  # also switches Gradio analytics off before gradio is imported
from .exports import Exports, remove_on_sigterm
from .guard import Guard
from .search.store import check_writable

import gradio as gr  # noqa: E402  (after qa_bot.settings has set GRADIO_ANALYTICS_ENABLED=False)
from starlette.middleware import Middleware  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = (
    "How many people were evacuated?",
    "How many settlements are under Ukrainian control?",
    "How far did Ukrainian troops advance?",
    "What did Putin say about negotiations?",
)
EXPORTS = (("md", "Markdown"), ("csv", "CSV"), ("json", "JSON"))
GENERIC_ERROR = "Something went wrong on the server; the details are in its log. Try again, or ask another question."
NOT_TEXT = 'The question must be text (a string), not {kind}. Send e.g. "How many people were evacuated?"'
NO_MATCH = "No indexed article matches the filters; widen them under “Articles and search filters”."
REPLACED = "Some characters of the question were not valid text; they were replaced with \ufffd."
MAX_ARTICLE_CHARS = 300_000  # longer articles are shown as a window around the quote, to keep the page light

# Characters that start markdown links, images, code, HTML, math or autolinks; escaped so article text stays text.
_MD_SPECIAL = re.compile(r"([\\`\[\]()!$<>{}@~|])")
_MARKER = re.compile(r"(?<!\\)\[(\d{1,3})\](?!\()")  # [n], not an escaped \[n\] or a link
# Lone UTF-16 surrogates: JSON lets a browser or client send "\udcff", Python decodes it into a str no encoder
# (tokenizer, JSON reply, log file) accepts, and bytes decoded with errors="surrogateescape" look the same.
_SURROGATE = re.compile("[\ud800-\udfff]")

CSS = """
.qa-cite { text-decoration: none; font-weight: 600; }
.qa-cards { display: flex; flex-direction: column; gap: 6px; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px; }
.qa-card a.qa-open { font-weight: 600; }
.qa-quote a.qa-open, table.qa-figures td:last-child a.qa-open { font-weight: normal; color: inherit;
  text-decoration: none; }
.qa-quote a.qa-open:hover, table.qa-figures td:last-child a.qa-open:hover { text-decoration: underline; }
.qa-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-quote { margin: 4px 0 0 0; padding-left: 8px; border-left: 3px solid var(--border-color-accent); }
table.qa-figures { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.qa-figures th, table.qa-figures td { border: 1px solid var(--border-color-primary); padding: 3px 6px;
  vertical-align: top; text-align: left; }
table.qa-figures td:nth-child(2) { white-space: nowrap; }
table.qa-figures td:nth-child(4) { overflow-wrap: anywhere; max-width: 12em; }
tr.qa-conflict td { background: rgba(255, 170, 0, 0.14); }
.qa-flag { color: #b45309; font-weight: 600; }
.qa-article { max-height: 70vh; overflow: auto; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: 8px 12px; }
.qa-article-text { white-space: pre-wrap; line-height: 1.5; }
mark.qa-hl { background: #fde047; color: #111; padding: 1px 0; }
mark.qa-hl strong { text-decoration: underline; }
table.qa-articles { border-collapse: collapse; width: 100%; font-size: 0.9em; }
table.qa-articles td, table.qa-articles th { padding: 2px 6px; border-bottom: 1px solid var(--border-color-primary);
  text-align: left; }
tr.qa-excluded td { opacity: 0.45; }
.qa-problem { color: #b45309; font-weight: 600; }
#qa-status .qa-starting { border: 1px solid var(--border-color-accent); border-radius: 6px; padding: 8px 12px; }
#qa-status .qa-failed { border-color: #b91c1c; color: #b91c1c; }
#qa-status progress { width: 100%; height: 8px; }
.qa-dispute { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px;
  margin: 0 0 8px 0; }
.qa-dispute summary { cursor: pointer; }
.qa-dispute .qa-rank { font-weight: 600; }
ul.qa-sides { margin: 4px 0 6px 1.2em; padding: 0; }
li.qa-disagrees { color: #b45309; }
img.qa-timeline { display: block; max-width: 100%; margin: 4px 0; background: #fff; border-radius: 4px; }
.qa-source .qa-title { font-size: 0.92em; }
.qa-disputes-list table.qa-figures td:nth-child(4) { white-space: nowrap; }
.qa-downloads { align-items: center; }
"""

# Runs in the browser once per page: any link to "#qa-open?..." (answer markers, source cards, figure rows,
# article list) asks the server for that article with the span highlighted, and scrolls the highlight into view.
VIEWER_JS = """
// Each article viewer (one per tab) registers itself; a link opens its article in the viewer of its own tab.
window.__qaViewers = (window.__qaViewers || []).filter(v => document.contains(v.element));
window.__qaViewers.push({element: element, props: props, server: server});
window.__qaOpen = async (d, s, e, fs, fe, from) => {
  const live = window.__qaViewers.filter(v => document.contains(v.element));
  const tab = from && from.closest ? from.closest('.qa-tab') : null;
  const v = (tab && live.slice().reverse().find(x => tab.contains(x.element))) || live[0];
  if (!v) return;
  let out;
  try { out = await v.server.open_article({doc_id: d, start: s, end: e, fig_start: fs, fig_end: fe}); }
  catch (err) { out = '<p class="qa-meta">Could not open the article; try again.</p>'; }
  v.props.value = out;
  const show = () => {
    const m = v.element.querySelector('mark.qa-hl');
    (m || v.element).scrollIntoView({block: 'center'});
  };
  setTimeout(show, 50);
};
if (!window.__qaOpenBound) {
  window.__qaOpenBound = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a[href*="#qa-open?"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const q = new URLSearchParams(a.getAttribute('href').split('#qa-open?')[1] || '');
    const n = (k) => { const v = q.get(k); return v === null || v === '' ? -1 : parseInt(v, 10); };
    window.__qaOpen(q.get('d') || '', n('s'), n('e'), n('fs'), n('fe'), a);
  }, true);
}
"""


def escape_markdown(text: str) -> str:
    """Article-derived text for a markdown component: HTML, links, images, code and autolinks render as text."""
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # GFM autolinks ("https://x", "www.x") would turn article text into links: break them with escapes.
    text = text.replace("://", "\\:\\//").replace("www.", "www\\.")
    return text


def text_span(article: Article, start: int, end: int) -> tuple[int, int]:
    """Map source-file offsets back to offsets in `article.text` (the inverse of Article.source_span)."""
    offsets = article.source_offsets
    if not offsets:
        return start, end
    s = bisect_left(offsets, start)
    e = bisect_left(offsets, end - 1) + 1 if end > start else s
    return min(s, len(article.text)), min(e, len(article.text))


def answer_markdown(answer: Answer) -> str:
    """The chat message: the answer's markdown (article text in it arrives escaped) with each [n] a link."""
    cites = {c.n: c for c in answer.citations}
    text = answer.answer.strip()
    # Defence in depth: no autolinks or mail links out of quoted text, even where the answer did not escape them.
    text = text.replace("://", ":\\//").replace("www.", "www\\.").replace("@", "\\@")

    def link(m: re.Match) -> str:
        c = cites.get(int(m.group(1)))
        if c is None:
            return m.group(0)
        href = esc(open_href(c.doc_id, c.start, c.end))
        return f'<a class="qa-cite" href="{href}" title="{esc(c.title)}">[{c.n}]</a>'

    return _MARKER.sub(link, text)


def _card(c: Citation) -> str:
    """One source card: title, outlet (when known), date and the quote, all opening the article at the quote;
    the file name is the tooltip."""
    meta = " · ".join(esc(x) for x in (c.outlet, c.published or "date unknown") if x)
    href = esc(open_href(c.doc_id, c.start, c.end))
    return (f'<div class="qa-card" data-n="{c.n}" data-doc="{esc(c.doc_id)}" title="{esc(c.doc_id)}">'
            f'<a class="qa-open" href="{href}">[{c.n}] {esc(c.title)}</a>'
            f'<div class="qa-meta">{meta}</div>'
            f'<blockquote class="qa-quote"><a class="qa-open" href="{href}">{esc(c.quote)}</a></blockquote></div>')


def _figure_key(f: dict[str, Any]) -> tuple:
    return (f.get("doc_id"), f.get("start"), f.get("text_start"), f.get("text"))


def _value_text(f: dict[str, Any]) -> str:
    value, unit = f.get("value"), f.get("unit", "")
    if f.get("kind") == "date" and f.get("as_of"):
        return str(f.get("text", ""))
    low, high = f.get("low"), f.get("high")
    if isinstance(value, (int, float)) and not float(value).is_integer() and low is not None and high is not None \
            and low < high:
        # "several thousand" → 2,000–9,999: the range says more than its midpoint (5,999.5)
        shown = f"{low:,.4g}–{high:,.4g}" if unit else f"{low:,.0f}–{high:,.0f}"
    elif isinstance(value, (int, float)):
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
    else:
        shown = str(value)
    return f"{shown} {unit}".strip()


ROW_FLAG = {"update": "↗ updated", "revision": "✎ revised", "conflict": "⚠ disagrees"}


def _figure_rows(figures: Sequence[dict[str, Any]], conflict: bool, kind: str = "conflict") -> list[str]:
    rows = []
    for f in figures:
        href = esc(open_href(str(f.get("doc_id", "")), f.get("start", -1), f.get("end", -1),
                             f.get("text_start", -1), f.get("text_end", -1)))
        # Outlet (when known) and title, the date under them; the file name is the tooltip.
        outlet = f'<strong class="qa-outlet">{esc(f["outlet"])}</strong><br>' if f.get("outlet") else ""
        source = (f'<span class="qa-source" title="{esc(f.get("doc_id", ""))}">{outlet}'
                  f'<span class="qa-title">{esc(f.get("title") or f.get("doc_id", ""))}</span></span><br>'
                  f'<span class="qa-meta">{esc(f.get("published") or "date unknown")}</span>')
        flag = f'<span class="qa-flag">{ROW_FLAG.get(kind, ROW_FLAG["conflict"])}</span><br>' if conflict else ""
        rows.append(
            f'<tr class="{"qa-conflict" if conflict else "qa-agree"}">'
            f'<td>{flag}<a class="qa-open" href="{href}">{esc(f.get("text", ""))}</a></td>'
            f'<td>{esc(_value_text(f))}</td><td>{esc(f.get("measure", ""))}</td><td>{source}</td>'
            f'<td>{esc(f.get("said_by", ""))}</td><td>{esc(f.get("as_of", ""))}</td>'
            f'<td><a class="qa-open" href="{href}">{esc(f.get("quote", ""))}</a></td></tr>')
    return rows


def group_head(conflict, articles: dict[str, Article]) -> str:
    """A group's heading: its kind and measure, then one short line per side (value, measure, sources, date)."""
    lines = "".join(
        f'<li class="{"qa-side qa-disagrees" if s.disagrees and conflict.kind != "revision" else "qa-side"}">'
        f'<strong>{esc(s.value)}</strong> '
        f'{esc(s.measure)} — {esc(", ".join(s.sources[:3]) + (f" +{len(s.sources) - 3}" if len(s.sources) > 3 else ""))}'
        f' — {esc(s.date or "undated")}</li>' for s in group_sides(conflict.figures, articles))
    return (f'<span class="qa-flag">{esc(KIND_HEAD.get(conflict.kind, conflict.kind))}:</span> '
            f'{esc(conflict.measure)}<ul class="qa-sides">{lines}</ul>')


def answer_timeline(answer: Answer) -> str:
    """The chart of the first group of the answer whose figures carry several dates, or ""."""
    articles = {a.doc_id: a for a in answer.sources}
    for c in answer.conflicts:
        if c.kind != "conflict" or len({f.as_of for f in c.figures}) > 1:
            img = timeline_img(c.figures, articles, c.measure)
            if img:
                return f'<h4>Timeline</h4>{img}'
    return ""


def figures_html(answer: Answer) -> str:
    """Side-by-side table of the answer's figures; disagreeing groups first, marked, each row opening its quote."""
    if not answer.figures:
        return ""
    view = answer.to_dict()  # the same JSON view the API returns, with titles, outlets and source offsets
    head = ("<tr><th>As written</th><th>Value</th><th>What is counted</th><th>Source</th>"
            "<th>Said by</th><th>As of</th><th>Quote</th></tr>")
    articles = {a.doc_id: a for a in answer.sources}
    parts, in_conflict = [], set()
    for conflict, c in zip(answer.conflicts, view["conflicts"]):
        figs = list(c.get("figures", ()))
        in_conflict.update(_figure_key(f) for f in figs)
        parts.append(f'<tr class="qa-group"><th colspan="7">{group_head(conflict, articles)}</th></tr>')
        parts += _figure_rows(figs, conflict=True, kind=conflict.kind)
    rest = [f for f in view["figures"] if _figure_key(f) not in in_conflict]
    if rest:
        if view["conflicts"]:
            parts.append('<tr class="qa-group"><th colspan="7">Other figures</th></tr>')
        parts += _figure_rows(rest, conflict=False)
    return (f'<h4>Figures side by side</h4><div style="overflow-x:auto"><table class="qa-figures"><thead>{head}</thead>'
            f'<tbody>{"".join(parts)}</tbody></table></div>{answer_timeline(answer)}')


def details_html(answer: Answer | None) -> str:
    """Everything under the chat for one answer: source cards, then the figures table."""
    if answer is None:
        return '<p class="qa-meta">Sources and figures of the latest answer appear here.</p>'
    if not answer.citations:
        return '<p class="qa-meta">No source in the searched articles answers this question.</p>'
    cards = "".join(_card(c) for c in answer.citations)
    note = unknown_outlet_note(list(answer.sources))
    return (f'<div class="qa-details"><h4>Sources</h4>{note}<div class="qa-cards">{cards}</div>'
            f'{figures_html(answer)}</div>')


def article_html(article: Article, start: int = -1, end: int = -1, fig_start: int = -1, fig_end: int = -1) -> str:
    """The article as text, with [start, end) (source-file offsets) highlighted in place and the figure in bold."""
    text = article.text
    s = e = fs = fe = -1
    if 0 <= start < end:
        s, e = text_span(article, start, end)
        if 0 <= fig_start < fig_end:
            fs, fe = text_span(article, fig_start, fig_end)
    lo, hi, clipped = 0, len(text), False
    if len(text) > MAX_ARTICLE_CHARS:
        centre = s if s >= 0 else 0
        lo = max(0, centre - MAX_ARTICLE_CHARS // 2)
        hi = min(len(text), lo + MAX_ARTICLE_CHARS)
        clipped = True
    if s >= 0:
        inner = esc(text[s:e])
        if s <= fs < fe <= e:
            inner = f"{esc(text[s:fs])}<strong>{esc(text[fs:fe])}</strong>{esc(text[fe:e])}"
        body = f'{esc(text[lo:s])}<mark class="qa-hl">{inner}</mark>{esc(text[e:hi])}'
    else:
        body = esc(text[lo:hi])
    meta = " · ".join(esc(x) for x in (article.outlet, article.published or "date unknown") if x)
    note = '<p class="qa-meta">(long article: showing the part around the quote)</p>' if clipped else ""
    return (f'<div class="qa-article" data-doc="{esc(article.doc_id)}"><h4 title="{esc(article.doc_id)}">'
            f'{esc(article.title)}</h4><div class="qa-meta">{meta}</div>{note}'
            f'<div class="qa-article-text">{body}</div></div>')


def _is_iso_date(value: str) -> bool:
    """YYYY-MM-DD and a real day (2024-02-30 is not)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_dates(date_from: str | None, date_to: str | None) -> tuple[str, str]:
    """The two filter dates, stripped, or SettingsError naming the one that is not YYYY-MM-DD."""
    date_from, date_to = (date_from or "").strip(), (date_to or "").strip()
    for label, value in (("From", date_from), ("To", date_to)):
        if value and not _is_iso_date(value):
            raise SettingsError(f"{label} date {value!r} is not a date; write it as YYYY-MM-DD, or leave it empty.")
    return date_from, date_to


def select_doc_ids(articles: Sequence[ArticleEntry], outlets: Sequence[str] = (), date_from: str = "",
                   date_to: str = "", chosen: Sequence[str] = ()) -> list[str] | None:
    """doc_ids passing the filters (None when no filter is set); articles without a date fail a date filter."""
    date_from, date_to = check_dates(date_from, date_to)
    if not (outlets or date_from or date_to or chosen):
        return None
    keep = []
    for a in articles:
        if outlets and (a.outlet or UNKNOWN_OUTLET) not in outlets:
            continue
        if (date_from or date_to) and not a.published:
            continue
        if date_from and a.published < date_from or date_to and a.published > date_to:
            continue
        if chosen and a.doc_id not in chosen:
            continue
        keep.append(a.doc_id)
    return keep


ARTICLES_LISTED = 300  # rows of the article list: an archive of thousands is narrowed with the filters


def articles_html(articles: Sequence[ArticleEntry], selected: Sequence[str] | None, problem: str = "",
                  most: int = ARTICLES_LISTED) -> str:
    """The indexed articles as a table; those the filters leave out are dimmed; `problem` (a bad filter) on top.
    At most `most` rows, those the filters keep first; a line says how to see the others."""
    chosen = None if selected is None else set(selected)
    n = len(articles) if chosen is None else len(chosen)
    rows = []
    known = outlets_known(articles)
    shown = list(articles) if chosen is None else \
        [a for a in articles if a.doc_id in chosen] + [a for a in articles if a.doc_id not in chosen]
    more = len(shown) - most
    for a in shown[:most]:
        out = chosen is not None and a.doc_id not in chosen
        outlet = f'<td>{esc(a.outlet)}</td>' if known else ""
        rows.append(f'<tr class="{"qa-excluded" if out else "qa-included"}" title="{esc(a.doc_id)}">'
                    f'<td><a class="qa-open" href="{esc(open_href(a.doc_id))}">{esc(a.title)}</a></td>'
                    f'{outlet}<td>{esc(a.published or "—")}</td></tr>')
    head = (f'<p class="qa-problem" role="alert">{esc(problem)}</p>' if problem else
            f'<p class="qa-meta qa-count">Searching {n:,} of {len(articles):,} indexed articles.</p>')
    columns = "<th>Title</th>" + ("<th>Outlet</th>" if known else "") + "<th>Date</th>"
    tail = (f'<p class="qa-meta qa-more">{more:,} more not listed: narrow the list with the outlet, date or '
            'article filters.</p>' if more > 0 else "")
    return (head + unknown_outlet_note(articles) +
            f'<table class="qa-articles"><thead><tr>{columns}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>' + tail)


def user_message(exc: Exception) -> str:
    """QaBotError messages go to the user as they are; anything else as a generic message, logged in full."""
    if isinstance(exc, QaBotError):
        return str(exc)
    log.error("unexpected error in the page: %s", exc, exc_info=exc)
    return GENERIC_ERROR


def _user_error(exc: Exception, endpoint: str = "ask") -> gr.Error:
    """For the API: the user message as a gr.Error (the client raises it). A refused question (any QaBotError) is
    the caller's mistake, not the server's: one INFO line, and Gradio prints no traceback for it."""
    message = user_message(exc)  # logs anything unexpected in full, once
    if isinstance(exc, QaBotError):
        log.info("%s API refused the request: %s", endpoint, message)
    return gr.Error(message, print_exception=False)


def clean_question(question: object) -> tuple[str, bool]:
    """The question as text with lone surrogates replaced by U+FFFD (and whether any were); None counts as empty,
    anything else that is not text is a QuestionError."""
    if question is None:
        return "", False
    if not isinstance(question, str):
        kind = ("true/false" if isinstance(question, bool) else "a number" if isinstance(question, (int, float))
                else "a list" if isinstance(question, (list, tuple)) else "an object" if isinstance(question, dict)
                else f"a {type(question).__name__}")
        raise QuestionError(NOT_TEXT.format(kind=kind))
    cleaned = _SURROGATE.sub("\ufffd", question)
    return cleaned, cleaned != question


def _offset(value: object) -> int:
    """A character offset sent by the page script; anything that is not a whole number (a hand-edited link:
    "abc", 1.5, null, a list) is -1: the article opens without a highlight instead of failing."""
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
        return int(value)
    return -1


def open_article_html(engine: Engine, startup: "Startup", ref: object) -> str:
    """HTML of one article with the span of `ref` ({doc_id, start, end, fig_start, fig_end}) highlighted, or one
    sentence saying why it cannot be shown."""
    doc_id = str(ref.get("doc_id", "")) if isinstance(ref, dict) else ""
    if not startup.finished:
        return '<p class="qa-meta">The index is still being built; open the article again in a moment.</p>'
    try:
        spans = [_offset(ref.get(k, -1)) for k in ("start", "end", "fig_start", "fig_end")] \
            if isinstance(ref, dict) else [-1] * 4
        return article_html(engine.article(doc_id), *spans)
    except QaBotError as exc:
        return f'<p class="qa-meta">{esc(exc)}</p>'
    except Exception:  # noqa: BLE001
        log.exception("could not open article %r", doc_id)
        return f'<p class="qa-meta">{esc(GENERIC_ERROR)}</p>'


class Startup:
    """Brings the index up to date and loads the model in a background thread, so the page is up at once;
    handlers wait for it (with progress) and the page shows what it is doing."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.error: Exception | None = None
        self.step, self.done_n, self.total_n = "reading the articles and loading the embedding model", 0, 0
        self.building = False  # True once the index reports progress: a first build, or articles changed
        self.t0 = time.perf_counter()
        self._finished = threading.Event()

    @classmethod
    def ready_now(cls, engine: Engine) -> "Startup":
        """For an engine that is already loaded (tests, embedding the page elsewhere)."""
        startup = cls(engine)
        startup._finished.set()
        return startup

    def start(self) -> "Startup":
        """Run warm_up in a daemon thread."""
        threading.Thread(target=self._run, name="qa-bot-startup", daemon=True).start()
        return self

    def _run(self) -> None:
        log.info("bringing the index up to date and loading the model, in the background: the page serves "
                 "meanwhile and shows the progress (a first start builds the whole index)")
        try:
            warm_up(self.engine, self._tick)
            log.info("ready: questions are answered at once now")
        except Exception as exc:  # noqa: BLE001 — kept, shown in the page and given to every question
            self.error = exc
            if isinstance(exc, QaBotError):
                log.error("qa-bot: the index could not be built: %s", exc)
            else:
                log.exception("the index could not be built")
        finally:
            self._finished.set()

    def _tick(self, done: int, total: int, what: str) -> None:
        self.step, self.done_n, self.total_n, self.building = what, done, total, True
        log.info("indexing: %s %d/%d", what, done, total)

    @property
    def finished(self) -> bool:
        """Start-up is over, successfully or not."""
        return self._finished.is_set()

    def describe(self) -> str:
        """One line for people: what start-up is doing now."""
        seconds = time.perf_counter() - self.t0
        if not self.building:
            return f"Starting: {self.step}… ({seconds:.0f} s)"
        count = f" {self.done_n:,} of {self.total_n:,}" if self.total_n else ""
        return (f"Building the search index (first start, or the articles changed): {self.step}{count}… "
                f"({seconds:.0f} s)")

    def status_html(self) -> str:
        """The banner above the chat while starting, or the failure; empty once ready."""
        if self.finished and self.error is None:
            return ""
        if self.error is not None:
            return (f'<div class="qa-starting qa-failed" role="alert">The index could not be built: '
                    f'{esc(user_message(self.error))}</div>')
        bar = (f'<progress max="{self.total_n}" value="{self.done_n}"></progress>' if self.total_n
               else "<progress></progress>")  # no count yet: a moving bar
        return (f'<div class="qa-starting" role="status">{esc(self.describe())}{bar}'
                '<div class="qa-meta">You can ask now: the answer comes as soon as the index is ready.</div></div>')

    def wait(self, progress: Callable[..., None] | None = None, timeout: float | None = None) -> None:
        """Block until start-up is over (or `timeout` seconds), reporting its steps to a gr.Progress;
        re-raise its failure for the user."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        while not self._finished.wait(0.25):
            if progress is not None:
                progress((self.done_n, self.total_n or None), desc=self.describe(), unit="")
            if deadline is not None and time.perf_counter() >= deadline:
                return
        if self.error is not None:
            raise self.error


def build_app(engine: Engine, examples: Sequence[str] = EXAMPLES, startup: Startup | None = None) -> gr.Blocks:
    """The page and its /ask API endpoint over one Engine; `startup` (default: already loaded) is what the
    handlers wait for while the index is built in the background."""
    startup = startup or Startup.ready_now(engine)
    exports = Exports()  # downloads of this page: tempdir/qa-bot-exports-<pid>/page-*, newest files kept
    cache: dict[str, Any] = {}

    def filter_ids(outlets, date_from, date_to, chosen) -> list[str] | None:
        return select_doc_ids(engine.catalog(), outlets or (), date_from, date_to, chosen or ())

    def respond(question, chat, asked, outlets, date_from, date_to, chosen):
        """One chat turn: ask with the earlier questions as history and the filters as doc_ids.
        While the index is still being built, the question shows in the chat with the build's progress.
        A problem becomes one toast and leaves the conversation, the typed question and the details as they were
        (raising gr.Error here would put an "Error" badge over each of those outputs)."""
        t0 = time.perf_counter()
        chat, waited = list(chat or []), False
        try:
            question, replaced = clean_question(question)
            question = engine.check_question(question)  # before any waiting: a typo needs no index
            check_dates(date_from, date_to)
            shown = {"role": "user", "content": escape_markdown(question)}
            waited = not startup.finished
            while not startup.finished:
                note = f"_{escape_markdown(startup.describe())} The answer follows when the index is ready._"
                yield ("", chat + [shown, {"role": "assistant", "content": note}]) + (gr.skip(),) * 5
                startup.wait(timeout=1.0)
            startup.wait()
            doc_ids = filter_ids(outlets, date_from, date_to, chosen)
            if doc_ids is not None and not doc_ids:
                raise SettingsError(NO_MATCH)
            answer = engine.ask(question, history=tuple(asked or ()), doc_ids=doc_ids)
        except Exception as exc:  # noqa: BLE001 — every failure becomes a readable message, never a traceback
            gr.Warning(user_message(exc))
            # Outputs unchanged; a question shown while waiting goes back to the box, the chat as it was.
            yield (question, chat) + (gr.skip(),) * 5 if waited else (gr.skip(),) * 7
            return
        if replaced:
            gr.Info(REPLACED)
        log.info("page answered %r in %.3f s", question[:80], time.perf_counter() - t0)
        chat += [shown, {"role": "assistant", "content": answer_markdown(answer)}]
        yield ("", chat, list(asked or []) + [question], details_html(answer)) + answer_downloads(answer)

    def answer_downloads(answer: Answer) -> tuple:
        """The answer as Markdown, CSV and JSON files for the three download buttons."""
        paths = exports.write("qa-bot-answer", {"md": answer_document(answer), "csv": answer_csv(answer),
                                                "json": json.dumps(answer.to_dict(), ensure_ascii=False, indent=2)})
        return tuple(gr.update(value=str(p), interactive=True) for p in paths)

    def show_disputes(outlets, date_from, date_to, chosen):
        """The disputes tab: every group of the (filtered) articles, and its three downloads."""
        if not startup.finished:
            note = ('<p class="qa-meta qa-dcount">The index is still being built; the disputes appear when it is '
                    "ready (open this tab again).</p>")
            return (note,) + (gr.skip(),) * 3
        try:
            startup.wait()
            doc_ids = filter_ids(outlets, date_from, date_to, chosen)
            if doc_ids is not None and not doc_ids:
                raise SettingsError(NO_MATCH)
            found = engine.disputes(doc_ids)
        except Exception as exc:  # noqa: BLE001 — said in the tab, never a traceback
            return (f'<p class="qa-problem" role="alert">{esc(user_message(exc))}</p>',) + (gr.skip(),) * 3
        key = id(found)
        if cache.get("key") != key:  # the list (and its timelines) is drawn once per index generation
            cache.update(key=key, found=found, html=disputes_html(found), paths=[])
        if not cache["paths"] or not all(p.exists() for p in cache["paths"]):  # new, or pruned by later answers
            cache["paths"] = exports.write("qa-bot-disputes", {
                "md": disputes_markdown(found), "csv": disputes_csv(found),
                "json": json.dumps(found.to_dict(), ensure_ascii=False, indent=2)})
        return (cache["html"],) + tuple(gr.update(value=str(p), interactive=True) for p in cache["paths"])

    def disputes_api() -> dict:
        """Every figure group of the corpus whose sources disagree, were updated or revised (Disputes.to_dict())."""
        try:
            startup.wait()
            return engine.disputes().to_dict()
        except Exception as exc:  # noqa: BLE001
            raise _user_error(exc, "disputes") from None

    def ask(question: str) -> dict:
        """Answer a question over all indexed articles; returns Answer.to_dict()."""
        try:
            question, _ = clean_question(question)
            startup.wait()
            return engine.ask(question).to_dict()
        except Exception as exc:  # noqa: BLE001
            raise _user_error(exc, "ask") from None

    def open_article(ref: dict) -> str:
        """HTML of one article with the cited span highlighted (called by the page script with one dict)."""
        return open_article_html(engine, startup, ref)

    def refresh(outlets, date_from, date_to, chosen):
        """Article list and filter choices, from what is indexed now; a bad date is said once, in the list."""
        arts = engine.catalog()
        try:
            ids, problem = select_doc_ids(arts, outlets or (), date_from, date_to, chosen or ()), ""
        except QaBotError as exc:
            ids, problem = None, str(exc)
        outlet_choices = sorted({a.outlet or UNKNOWN_OUTLET for a in arts})
        doc_choices = [(f"{a.title} ({a.doc_id})", a.doc_id) for a in arts]
        return (articles_html(arts, ids, problem),
                gr.update(choices=outlet_choices, value=[o for o in outlets or () if o in outlet_choices]),
                gr.update(choices=doc_choices, value=[d for d in chosen or () if d in {a.doc_id for a in arts}]))

    def page_state(outlets, date_from, date_to, chosen):
        """On load and on each timer tick: the start-up banner until the index is ready, then the article list."""
        if not startup.finished:
            return (gr.update(value=startup.status_html(), visible=True), gr.Timer(active=True),
                    '<p class="qa-meta">The list of articles appears when the index is ready.</p>',
                    gr.skip(), gr.skip())
        if startup.error is not None:
            return (gr.update(value=startup.status_html(), visible=True), gr.Timer(active=False),
                    gr.skip(), gr.skip(), gr.skip())
        return (gr.update(value="", visible=False), gr.Timer(active=False)) + refresh(outlets, date_from, date_to,
                                                                                      chosen)

    def filters_changed(outlets, date_from, date_to, chosen):
        """Refresh the article list when a filter changes (nothing to show until the index is ready)."""
        if not startup.finished or startup.error is not None:
            return gr.skip()
        return refresh(outlets, date_from, date_to, chosen)

    def upload(files, outlets, date_from, date_to, chosen, progress=gr.Progress()):
        """Index uploaded files incrementally, with progress; report what was added and what was rejected."""
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", f)) for f in files or []]
        if not paths:
            return ("Choose one or more .txt, .md or .html files first.",) + (gr.skip(),) * 4

        def tick(done: int, total: int, what: str) -> None:
            progress((done, max(total, 1)), desc=f"Indexing {what}"[:120])

        try:
            startup.wait(progress)
            report, rejected = engine.add_files(paths, progress=tick)
        except Exception as exc:  # noqa: BLE001 — said in the status line, the chosen files stay
            return (f"Not added — {escape_markdown(user_message(exc))}",) + (gr.skip(),) * 4
        return (upload_status(report, rejected), None) + refresh(outlets, date_from, date_to, chosen)

    with gr.Blocks(title="qa-bot — cited answers over news articles", analytics_enabled=False) as demo:
        asked = gr.State([])
        gr.Markdown("## qa-bot\nAsk about the news articles; every claim is cited, and figures that sources "
                    "report differently are shown side by side.")
        status = gr.HTML(startup.status_html(), elem_id="qa-status", visible=not startup.finished)
        timer = gr.Timer(1.0, active=not startup.finished)
        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("Ask", id="ask", elem_id="qa-tab-ask", elem_classes=["qa-tab"]):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Conversation", height=480, elem_id="qa-chat", sanitize_html=True,
                                          latex_delimiters=[], feedback_options=None, buttons=["copy"])
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask a question and press Enter", show_label=False,
                                             elem_id="qa-question", scale=5, autofocus=True, max_lines=4)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                        gr.Markdown("Try an example:")
                        with gr.Row():
                            example_buttons = [gr.Button(q, size="sm", elem_classes=["qa-example"]) for q in examples]
                        clear = gr.Button("New conversation", size="sm")
                    with gr.Column(scale=2):
                        gr.HTML('<p class="qa-meta">Click a [n] marker, a source or a figure to read the '
                                         'article with the quote highlighted.</p>', elem_id="qa-viewer",
                                         js_on_load=VIEWER_JS, server_functions=[open_article])
                        with gr.Accordion("Articles and search filters", open=False, elem_id="qa-filters"):
                            outlets = gr.CheckboxGroup(label="Outlets (none ticked = all)", choices=[],
                                                       elem_id="qa-outlets")
                            with gr.Row():
                                date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD",
                                                       elem_id="qa-from")
                                date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="qa-to")
                            chosen = gr.Dropdown(label="Only these articles", choices=[], multiselect=True,
                                                 elem_id="qa-chosen")
                            article_list = gr.HTML(elem_id="qa-articles")
                        with gr.Accordion("Add articles", open=False, elem_id="qa-upload"):
                            files = gr.File(label="Upload .txt, .md or .html files", file_count="multiple",
                                            elem_id="qa-files")
                            add = gr.Button("Add to the index", elem_id="qa-add")
                            status_line = gr.Markdown(elem_id="qa-upload-status")
                details = gr.HTML(details_html(None), elem_id="qa-details")  # full width: the figures table
                with gr.Row(elem_classes=["qa-downloads"]):
                    answer_files = [gr.DownloadButton(f"Download the answer as {label}", size="sm",
                                                      interactive=False, elem_id=f"qa-answer-{ext}")
                                    for ext, label in EXPORTS]
            with gr.Tab("Disputes", id="disputes", elem_id="qa-tab-disputes", elem_classes=["qa-tab"]) as dtab:
                with gr.Row():
                    with gr.Column(scale=3):
                        gr.Markdown("What the sources disagree about: every figure group (one measure, one "
                                    "place) whose sources disagree, were updated or revised, across the articles "
                                    "(the search filters apply).")
                        with gr.Row(elem_classes=["qa-downloads"]):
                            dispute_files = [gr.DownloadButton(f"Download as {label}", size="sm",
                                                               interactive=False, elem_id=f"qa-disputes-{ext}")
                                             for ext, label in EXPORTS]
                            reload = gr.Button("Refresh", size="sm", elem_id="qa-disputes-refresh")
                        disputes_view = gr.HTML('<p class="qa-meta">Loading…</p>', elem_id="qa-disputes")
                    with gr.Column(scale=2):
                        gr.HTML('<p class="qa-meta">Click a figure or a quote to read the article with the quote '
                                'highlighted.</p>', elem_id="qa-dviewer", js_on_load=VIEWER_JS,
                                server_functions=[open_article])

        filters = [outlets, date_from, date_to, chosen]
        turn = dict(fn=respond, outputs=[box, chat, asked, details] + answer_files, concurrency_id="engine",
                    concurrency_limit=1, api_visibility="private", show_progress_on=[chat])
        box.submit(inputs=[box, chat, asked] + filters, **turn)
        send.click(inputs=[box, chat, asked] + filters, **turn)
        for b in example_buttons:
            b.click(inputs=[b, chat, asked] + filters, **turn)
        clear.click(lambda: ([], [], details_html(None)) + (gr.update(value=None, interactive=False),) * 3,
                    outputs=[chat, asked, details] + answer_files, api_visibility="private")
        listing = dict(fn=show_disputes, inputs=filters, outputs=[disputes_view] + dispute_files,
                       api_visibility="private", show_progress_on=[disputes_view], concurrency_id="engine",
                       concurrency_limit=1)
        dtab.select(**listing)
        reload.click(**listing)
        refresh_outputs = [article_list, outlets, chosen]
        quiet = dict(fn=filters_changed, inputs=filters, outputs=refresh_outputs, api_visibility="private",
                     show_progress="hidden")
        for comp in (outlets, chosen):
            comp.input(**quiet)  # .input, not .change: refresh itself sets these, and must not trigger itself
        for comp in (date_from, date_to):
            comp.blur(**quiet)
            comp.submit(**quiet)
        # its own slot: questions are answered from the current index while an upload builds the next one
        add.click(upload, inputs=[files] + filters, outputs=[status_line, files] + refresh_outputs,
                  concurrency_id="upload", concurrency_limit=1, api_visibility="private",
                  show_progress_on=[status_line])
        state = dict(fn=page_state, inputs=filters, outputs=[status, timer] + refresh_outputs,
                     api_visibility="private", show_progress="hidden", concurrency_limit=None)
        demo.load(**state)
        timer.tick(**state)
        gr.api(ask, api_name="ask", concurrency_id="engine", concurrency_limit=1)
        gr.api(disputes_api, api_name="disputes", concurrency_id="engine", concurrency_limit=1)
    closing = demo.close

    def close(*args, **kwargs):  # the page's download files go with it
        try:
            return closing(*args, **kwargs)
        finally:
            exports.close()

    demo.close = close
    demo.exports = exports  # for tests and embedders: where the download files are
    return demo


def upload_status(report, rejected: Sequence[str]) -> str:
    """The status line after an upload: what was added, what replaced an earlier upload of the same name,
    what was already there, what was rejected and why."""
    lines = []
    if report.added:
        lines.append(f"Added {len(report.added)} article(s), {report.chunks} chunk(s) in the index, in "
                     f"{report.seconds:.1f} s: " + ", ".join(escape_markdown(d) for d in report.added)
                     + ". They are searchable now.")
    if report.updated:
        lines.append(f"Replaced {len(report.updated)} article(s) of the same name with the new file(s): "
                     + ", ".join(escape_markdown(d) for d in report.updated) + ". The new text is searchable now.")
    if report.unchanged:
        lines.append("Already indexed, unchanged: " + ", ".join(escape_markdown(d) for d in report.unchanged))
    lines += [f"Rejected — {escape_markdown(why)}" for why in rejected]
    lines += [f"Warning — {escape_markdown(why)}" for why in report.skipped]
    return "\n\n".join(lines) or "Nothing was added."


def _theme() -> gr.themes.Base:
    """Gradio's default look with system fonts, so the page fetches no font from the internet."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """"user:password" → (user, password); None or "" → no login."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise SettingsError("The login must be given as USER:PASSWORD (with --auth or QA_BOT_AUTH).")
    return user, password


def launch_app(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860,
               auth: tuple[str, str] | None = None, block: bool = True) -> gr.Blocks:
    """Start the server (blocking unless block=False); loopback by default, optional login."""
    demo.queue(default_concurrency_limit=1)
    try:
        demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                    share=False, show_error=False, quiet=not block, inbrowser=False, ssr_mode=False,
                    max_file_size="20mb", app_kwargs={"middleware": [Middleware(Guard)]},
                    theme=_theme(), css=CSS, footer_links=["api"], pwa=False, mcp_server=False)
    except OSError as exc:
        if not _bindable(host):
            raise SettingsError(f"Cannot serve on {host}: it is not an address of this machine. Pass --host "
                                "127.0.0.1 (this machine only) or 0.0.0.0 (every interface).") from exc
        raise SettingsError(f"Cannot serve on {host}:{port} ({exc}); choose another --port.") from exc
    return demo


def check_host(host: str) -> None:
    """An IP address or a host name, or a SettingsError saying the host is invalid (before anything starts)."""
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    if re.fullmatch(r"[\d.]+", host) or not re.fullmatch(rf"{label}(?:\.{label})*", host) or len(host) > 253:
        raise SettingsError(f"--host {host!r} is not a valid address; use an IP address such as 127.0.0.1 "
                            "(this machine only) or 0.0.0.0 (every interface), or a host name.")


def _bindable(host: str) -> bool:
    """Can a socket be bound to host on some free port?"""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family) as s:
            s.bind((host, 0))
        return True
    except OSError:
        return False


def warm_up(engine: Engine, progress: Callable[[int, int, str], None] | None = None) -> Engine:
    """Bring the engine's index up to date and load the model, so the first question is quick."""
    t0 = time.perf_counter()
    report = engine.index(progress or (lambda done, total, what: log.info("indexing: %s %d/%d", what, done, total)))
    for warning in report.skipped:  # files skipped or repaired, said once each
        log.warning("%s", warning)
    log.info("index ready: %d added, %d updated, %d unchanged, %d chunks in %.1f s",
             len(report.added), len(report.updated), len(report.unchanged), report.chunks, report.seconds)
    engine.ask(EXAMPLES[0])  # warms the embedding model and retrievers
    import matplotlib.figure  # noqa: F401  — timelines draw with it; importing it takes 1-3 s, once, here
    log.info("engine loaded in %.1f s", time.perf_counter() - t0)
    return engine


def serve(settings: Settings, host: str | None = "127.0.0.1", port: int | None = 7860,
          auth: str | tuple[str, str] | None = None, block: bool = True) -> gr.Blocks:
    """Serve the chat page until interrupted (behind `qa-bot serve` and app.py). The page is up at once: the index
    is brought up to date in the background while the page shows the progress, and questions wait for it.
    None means the default: 127.0.0.1, port 7860, and no login (the CLI and app.py read QA_BOT_AUTH)."""
    host, port = host or "127.0.0.1", 7860 if port is None else port
    check_host(host)
    check_port(port)
    login = parse_auth(auth) if isinstance(auth, str) or auth is None else tuple(auth)
    if login is None and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s without a login: anyone who can reach it can read and add articles", host)
    # Mistakes in the flags stop here, each with its message, before anything is served.
    read_corpus(settings.corpus)
    check_writable(settings.index_dir)
    log.info("articles: %s; index: %s", settings.corpus, settings.index_dir)
    engine = Engine(settings)
    startup = Startup(engine)
    demo = build_app(engine, startup=startup)
    remove_on_sigterm()  # a stopped server leaves no download files behind (exit and close remove them too)
    startup.start()
    return launch_app(demo, host=host, port=port, auth=login, block=block)
