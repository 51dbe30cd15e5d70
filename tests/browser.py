"""Helpers for the page tests: a deterministic fake Engine, a page server on a free port, and Debian's Chromium."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence
from urllib.parse import urlparse

from conftest import free_port  # noqa: F401  (also used as B.free_port)
from qa_bot.answering.compose import md_escape
from qa_bot.engine import IndexReport
from qa_bot.errors import CorpusError, QuestionError
from qa_bot.records import Answer, Article, ArticleEntry, Citation, Conflict, Figure

DATA = Path(__file__).resolve().parent / "data" / "page"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b")
_STOP = frozenset("the a an of to in and or how many much what did was were is are be by for on at".split())


def _read(path: Path, doc_id: str, meta: dict[str, dict[str, str]]) -> Article:
    """A tiny reader: first line (or <title>) as title, markup stripped from .html with an offset map."""
    raw = path.read_text(encoding="utf-8")
    offsets: tuple[int, ...] = ()
    text = raw
    if path.suffix in (".html", ".htm"):
        chars, offs, i = [], [], 0
        body = raw.find("<body")
        i = body if body >= 0 else 0
        while i < len(raw):
            if raw[i] == "<":
                i = raw.find(">", i) + 1 or len(raw)
                continue
            chars.append(raw[i])
            offs.append(i)
            i += 1
        text, offsets = "".join(chars), tuple(offs) + (len(raw),)
    m = meta.get(doc_id, {})
    title = m.get("title") or text.strip().splitlines()[0].lstrip("# ")
    return Article(doc_id=doc_id, path=str(path), title=title, text=text,
                   sha256=hashlib.sha256(raw.encode()).hexdigest(), outlet=m.get("outlet", ""),
                   published=m.get("published", ""), url=m.get("url", ""), source_offsets=offsets)


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    for m in re.finditer(r"[^\n.!?]+[.!?]?", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        if e - s > 10:
            yield s, e


@dataclass
class FakeEngine:
    """Engine stand-in: word-overlap retrieval, quotes the best sentences, reports the numbers in them."""

    corpus: Path
    uploads: Path
    docs: dict[str, Article] = field(default_factory=dict)
    calls: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index()

    def index(self, progress=None) -> IndexReport:
        """Read every article of the corpus and the uploads folder."""
        meta = {}
        if (self.corpus / "sources.csv").exists():
            with open(self.corpus / "sources.csv", encoding="utf-8") as fh:
                meta = {row["file"]: row for row in csv.DictReader(fh)}
        for folder in (self.corpus, self.uploads):
            for p in sorted(folder.rglob("*")):
                if p.suffix in (".txt", ".md", ".html"):
                    doc_id = p.relative_to(self.corpus).as_posix() if folder == self.corpus else f"uploads/{p.name}"
                    self.docs[doc_id] = _read(p, doc_id, meta)
        return IndexReport(added=tuple(self.docs), chunks=len(self.docs))

    def articles(self) -> list[Article]:
        """All articles by doc_id."""
        return [self.docs[k] for k in sorted(self.docs)]

    def catalog(self) -> list[ArticleEntry]:
        """What the article list shows of each, by doc_id."""
        return [ArticleEntry(a.doc_id, a.title, a.outlet, a.published) for a in self.articles()]

    def article(self, doc_id: str) -> Article:
        """One article."""
        if doc_id not in self.docs:
            raise CorpusError(f"No indexed article is called {doc_id!r}.")
        return self.docs[doc_id]

    def add_files(self, paths: Sequence[Path], progress=None):
        """Copy and read uploads; reject empty files and other types."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        added, rejected = [], []
        for i, p in enumerate(paths):
            p = Path(p)
            if p.suffix not in (".txt", ".md", ".html"):
                rejected.append(f"{p.name}: only .txt, .md and .html files can be added")
            elif not p.read_bytes().strip():
                rejected.append(f"{p.name}: the file is empty")
            else:
                shutil.copy(p, self.uploads / p.name)
                added.append(f"uploads/{p.name}")
            if progress:
                progress(i + 1, len(paths), p.name)
        self.index()
        return IndexReport(added=tuple(added), chunks=len(added)), rejected

    def check_question(self, question: object) -> str:
        """The question, stripped, or QuestionError (as Engine.check_question)."""
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("The question is empty; type a question.")
        return " ".join(question.split())

    def ask(self, question: str, history: Sequence[str] = (), doc_ids=None) -> Answer:
        """Quote the (up to) three sentences sharing most words with the question (and the last question)."""
        question = self.check_question(question)
        self.calls.append((question, tuple(history), None if doc_ids is None else tuple(doc_ids)))
        words = set(_WORD.findall(" ".join([question, *history[-1:]]).lower())) - _STOP
        scored = []
        for a in self.articles():
            if doc_ids is not None and a.doc_id not in doc_ids:
                continue
            for s, e in _sentences(a.text):
                overlap = len(words & set(_WORD.findall(a.text[s:e].lower())))
                stems = sum(1 for w in words if len(w) > 5 and w[:6] in a.text[s:e].lower())
                if overlap + stems >= 2:
                    scored.append((overlap + stems, a, s, e))
        scored.sort(key=lambda t: -t[0])
        if not scored:
            return Answer(question=question, answer="The articles do not say.", found=False)
        cites, figures, parts = [], [], []
        for n, (score, a, s, e) in enumerate(scored[:3], start=1):
            fs, fe = a.source_span(s, e)
            cites.append(Citation(n=n, doc_id=a.doc_id, title=a.title, quote=a.text[s:e], start=fs, end=fe,
                                  score=score / 10, outlet=a.outlet, published=a.published, url=a.url))
            parts.append(f"- {md_escape(a.text[s:e])} [{n}]")
            for m in _NUMBER.finditer(a.text, s, e):
                value = float(m.group().replace(",", ""))
                figures.append(Figure(value=value, unit="", text=m.group(), qualifier="", measure="people evacuated",
                                      doc_id=a.doc_id, quote=a.text[s:e], start=m.start(), end=m.end(),
                                      sentence_start=s, sentence_end=e, as_of=a.published, low=value, high=value))
        conflicts = []
        if len({f.value for f in figures}) > 1:
            conflicts.append(Conflict(measure="people evacuated", figures=tuple(figures),
                                      note=" vs ".join(sorted({f.text for f in figures}))))
        return Answer(question=question, answer="\n".join(parts), found=True, citations=tuple(cites),
                      figures=tuple(figures), conflicts=tuple(conflicts))


class GatedEngine(FakeEngine):
    """A FakeEngine whose index build reports progress and then waits for `release` (or fails with `fail`),
    to show the page while the index is still being built."""

    def __init__(self, corpus: Path, uploads: Path, fail: Exception | None = None):
        self.release = threading.Event()
        self.fail = fail
        self.started = False
        super().__init__(corpus, uploads)
        self.started = True

    def index(self, progress=None) -> IndexReport:
        """At start-up: report 'embedding sentences 64 of 174', wait for release, then read the corpus."""
        if self.started:
            if progress:
                progress(64, 174, "embedding sentences")
            self.release.wait(60)
            if self.fail is not None:
                raise self.fail
        return super().index(progress)


@contextlib.contextmanager
def running_page(engine, startup=None) -> Iterator[str]:
    """Serve the page for `engine` on a free loopback port in this process; yields its URL.
    With a `ui.Startup`, the page starts before the engine is ready, as `serve` does."""
    from qa_bot import ui

    port = free_port()
    demo = ui.launch_app(ui.build_app(engine, startup=startup), host="127.0.0.1", port=port, block=False)
    if startup is not None:
        startup.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, headless, with every non-loopback host unresolvable."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page with everything it did that a test may want to check afterwards."""

    page: object
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests to anything but the loopback host (data: and blob: URLs are local)."""
        return [u for u in self.requests
                if urlparse(u).scheme in ("http", "https", "ws", "wss")
                and urlparse(u).hostname not in ("127.0.0.1", "localhost")]


def open_page(browser, url: str) -> Watched:
    """A new page at `url` (load event, then the question box), recording dialogs and requests."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    w = Watched(page)
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: w.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and w.console_errors.append(m.text))
    page.goto(url, wait_until="load")
    page.locator("#qa-question textarea").wait_for(state="visible", timeout=30_000)
    return w


def ask_in_page(page, question: str, timeout: float = 30.0) -> float:
    """Type a question, press Enter, wait until its answer is shown; returns the seconds from Enter to answer."""
    bots = page.locator("#qa-chat .message.bot")
    before = bots.count()
    page.locator("#qa-question textarea").fill(question)
    t0 = time.perf_counter()
    page.locator("#qa-question textarea").press("Enter")
    # Done when a new bot message has rendered its text (Gradio shows "Loading content" while it renders).
    page.wait_for_function("""n => {
        const bots = document.querySelectorAll('#qa-chat .message.bot');
        if (bots.length <= n) return false;
        const t = bots[bots.length - 1].innerText;
        return t.trim().length > 0 && !t.includes('Loading content');
    }""", arg=before, timeout=timeout * 1000)
    return time.perf_counter() - t0


def toasts(page) -> list[str]:
    """The text of every toast on the page (Gradio groups toasts of one level into one, counting them)."""
    return page.locator(".toast-body").all_inner_texts()


def error_badges(page) -> int:
    """How many components show Gradio's red "Error" status badge (what a raised gr.Error puts on outputs)."""
    return page.locator(".wrap span.error").count()


def set_question_json(page, json_text: str) -> None:
    """Put the string a JSON text decodes to in the question box: JSON can carry lone surrogates ("\\udcff")
    that Playwright's own channel (UTF-8) cannot."""
    page.evaluate("""v => {
        const t = document.querySelector('#qa-question textarea');
        t.value = JSON.parse(v);
        t.dispatchEvent(new Event('input', {bubbles: true}));
    }""", json_text)
