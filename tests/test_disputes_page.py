"""The disputes tab, the timelines and the exports in Debian's Chromium, over the real engine and tests/data/quake."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/browser.py, without a tests package

import browser as B  # noqa: E402

from qa_bot.engine import Engine  # noqa: E402
from qa_bot.settings import Settings  # noqa: E402

QUAKE = Path(__file__).resolve().parent / "data" / "quake"
DOCS = Path(__file__).resolve().parent.parent / "docs"
TOLL = "How many people died in the earthquake?"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(B.CHROMIUM).exists(), reason="Debian chromium is not installed")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory, real_embedder) -> Engine:
    eng = Engine(Settings(corpus=QUAKE, index_dir=tmp_path_factory.mktemp("quake-index"), progress=False),
                 embedder=real_embedder)
    eng.index()
    return eng


@pytest.fixture(scope="module")
def url(engine):
    with B.running_page(engine) as u:
        yield u


@pytest.fixture
def page(url):
    with B.chromium() as browser:
        w = B.open_page(browser, url)
        yield w.page
        assert w.dialogs == [] and w.foreign_requests() == [], (w.dialogs, w.foreign_requests())


def _shot(page, name: str, element=None) -> None:
    """Refresh the docs copy of a screenshot (of the page, or of one element) when QA_BOT_SCREENSHOTS is set
    (e.g. to docs/)."""
    if os.environ.get("QA_BOT_SCREENSHOTS"):
        path = str(Path(os.environ["QA_BOT_SCREENSHOTS"]) / name)
        (element or page).screenshot(path=path, **({} if element else {"full_page": True}))


def _open_disputes(page):
    page.get_by_role("tab", name="Disputes").click()
    page.locator("#qa-disputes .qa-dispute").first.wait_for(timeout=30_000)
    return page.locator("#qa-disputes .qa-dispute")


def test_disputes_tab_lists_the_groups_and_a_figure_opens_its_quote(page, engine):
    found = engine.disputes()
    assert len(found) >= 1
    groups = _open_disputes(page)
    assert groups.count() == len(found)
    first = groups.first
    assert found.items[0].summary in " ".join(first.locator(".qa-summary").inner_text().split())
    assert "txt" not in first.locator("table.qa-figures tbody").inner_text()  # sources by outlet and title
    figure = found.items[0].conflict.figures[0]
    first.locator("table.qa-figures td:first-child a.qa-open").first.click()
    mark = page.locator("#qa-tab-disputes mark.qa-hl")
    mark.wait_for(timeout=10_000)
    assert " ".join(mark.inner_text().split()) == " ".join(figure.quote.split())
    assert mark.locator("strong").inner_text() == figure.text  # the figure itself, bold in its quote
    _shot(page, "disputes.png")


def test_a_group_with_several_dates_shows_its_timeline(page, engine):
    dated = [n for n, d in enumerate(engine.disputes().items) if d.dated]
    assert dated, "the quake corpus has a toll reported on three days"
    groups = _open_disputes(page)
    img = groups.nth(dated[0]).locator("img.qa-timeline")
    img.wait_for(timeout=10_000)
    assert page.evaluate("i => i.complete && i.naturalWidth > 200", img.element_handle())
    img.scroll_into_view_if_needed()
    _shot(page, "timeline.png", groups.nth(dated[0]))


def _download(page, button) -> bytes:
    with page.expect_download(timeout=15_000) as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_disputes_and_an_answer_export_as_markdown_csv_and_json(page, engine):
    found = engine.disputes()
    _open_disputes(page)
    page.locator("#qa-disputes-json:not([disabled])").wait_for(timeout=10_000)
    md = _download(page, page.locator("#qa-disputes-md")).decode("utf-8")
    assert md.startswith("# What the sources disagree about") and md.count("\n## ") == len(found)
    rows = list(csv.DictReader(io.StringIO(_download(page, page.locator("#qa-disputes-csv")).decode("utf-8-sig"))))
    assert len(rows) == sum(len(d.conflict.figures) for d in found)
    assert {"value", "outlet", "title", "doc_id", "quote", "start", "end"} <= set(rows[0])
    got = json.loads(_download(page, page.locator("#qa-disputes-json")))
    assert got == json.loads(json.dumps(found.to_dict()))

    page.get_by_role("tab", name="Ask").click()
    B.ask_in_page(page, TOLL)
    answer = engine.ask(TOLL)
    page.locator("#qa-answer-json:not([disabled])").wait_for(timeout=10_000)
    assert json.loads(_download(page, page.locator("#qa-answer-json"))) == json.loads(json.dumps(answer.to_dict()))
    rows = list(csv.DictReader(io.StringIO(_download(page, page.locator("#qa-answer-csv")).decode("utf-8-sig"))))
    assert len(rows) == len(answer.figures)
    md = _download(page, page.locator("#qa-answer-md")).decode("utf-8")
    assert md.startswith(f"# {TOLL}") and "## Sources" in md
    if any(c.kind != "conflict" for c in answer.conflicts):  # a group over several days: its chart too
        page.locator("#qa-details img.qa-timeline").wait_for(timeout=10_000)
    _shot(page, "answer-exports.png")


def test_disputes_api_returns_the_list(url, engine):
    from gradio_client import Client

    got = Client(url, verbose=False).predict(api_name="/disputes")
    assert got == json.loads(json.dumps(engine.disputes().to_dict()))
    assert got["count"] >= 1 and {"measure", "kind", "summary", "figures"} <= set(got["disputes"][0])
