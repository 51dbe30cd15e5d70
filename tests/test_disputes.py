"""The disputes list: groups that disagree, were updated or revised, ranked; summaries; exports; titles."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import qa_bot
from qa_bot.answering.disputes import find_disputes, rank
from qa_bot.cli import main
from qa_bot.errors import CorpusError, SettingsError
from qa_bot.ingest.articles import first_line_title
from qa_bot.records import Article, Disputes, Figure
from qa_bot.render.csv import disputes_csv
from qa_bot.render.html import disputes_html
from qa_bot.render.markdown import disputes_markdown
from qa_bot.render.timeline import timeline_png

DATA = Path(__file__).parent / "data"


def fig(value, doc, as_of, event="dead", change="", start=0, modality="done", quote=None, text=None):
    return Figure(value=value, unit="", text=text or f"{value:,.0f}", qualifier="", measure="death toll",
                  doc_id=doc, quote=quote or f"The toll is {value}.", start=start, end=start + 2,
                  sentence_start=start, sentence_end=start + 20, as_of=as_of, low=value, high=value,
                  counted="toll", predicate="die", event=event, modality=modality, change=change)


ARTICLES = {d: Article(doc_id=d, path=d, title=t, text="x" * 80, sha256=d, outlet=o, published=p)
            for d, t, o, p in (("a.txt", "Toll climbs", "Daily Ledger", "2024-05-06"),
                               ("b.txt", "Quake dead rise", "City Wire", "2024-05-08"),
                               ("c.txt", "Toll revised", "Evening Star", "2024-05-08"),
                               ("d.txt", "No outlet here", "", "2024-05-08"))}


def found(figures):
    vecs = np.ones((len(figures), 4), dtype=np.float32) / 2.0  # one measure phrase: event and scope decide
    items = find_disputes(figures, vecs, ARTICLES)
    used = sorted({f.doc_id for d in items for f in d.conflict.figures})
    return Disputes(tuple(items), tuple(ARTICLES[d] for d in used))


def test_an_update_and_a_same_day_disagreement_read_as_one_line():
    d = found([fig(31, "a.txt", "2024-05-06"), fig(38, "b.txt", "2024-05-08"), fig(35, "c.txt", "2024-05-08")])
    assert len(d) == 1
    assert d.items[0].summary == ("death toll: 31 (Daily Ledger, 6 May) → 38 (City Wire, 8 May); "
                                  "35 (Evening Star, 8 May) disagrees")
    assert [(s.value, s.disagrees) for s in d.items[0].sides] == [("31", False), ("38", False), ("35", True)]
    assert d.items[0].dated and d.items[0].sources == 3


def test_one_report_correcting_itself_is_listed_as_a_revision():
    d = found([fig(2310, "c.txt", "2024-05-08", start=0), fig(1870, "c.txt", "2024-05-08", change="revised",
                                                              start=30)])
    assert [x.conflict.kind for x in d] == ["revision"]
    assert d.items[0].summary == "death toll: 2,310 → 1,870 (Evening Star, 8 May), corrected in the same report"


def test_agreement_plans_and_other_measures_are_not_disputes():
    assert not found([fig(38, "a.txt", "2024-05-06"), fig(38, "b.txt", "2024-05-08")])  # same value
    assert not found([fig(38, "a.txt", "2024-05-06"), fig(500, "b.txt", "2024-05-08", modality="planned")])
    assert not found([fig(38, "a.txt", "2024-05-06"), fig(400, "b.txt", "2024-05-08", event="injured")])
    assert not found([fig(38, "a.txt", "2024-05-06", start=0), fig(40, "a.txt", "2024-05-06", start=30)])
    same = "30 miles northwest of the city and roughly five miles from the mall."
    assert not found([fig(30, d, "2024-05-08", quote=same, start=k) for d in ("b.txt", "c.txt") for k in (0, 9)]
                     + [fig(5, d, "2024-05-08", quote=same, start=20) for d in ("b.txt", "c.txt")])
    assert not found([fig(38, "a.txt", "2024-05-06"), fig(31, "b.txt", "2024-05-08", change="previous")])


def test_values_from_sentences_of_different_stories_are_not_a_dispute():
    figs = [fig(11, "a.txt", "2024-05-06", quote="The train crash killed 11."),
            fig(12, "b.txt", "2024-05-08", quote="Twelve were killed in that attack.")]
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    far, near = (lambda a, b: 0.3), (lambda a, b: 0.7)
    assert find_disputes(figs, vecs, ARTICLES, similarity=far) == []
    assert len(find_disputes(figs, vecs, ARTICLES, similarity=near)) == 1


def test_the_place_every_report_names_restricts_nothing():
    from dataclasses import replace

    arts = {d: replace(a, text=f"Floods in Castrel. {a.title}.") for d, a in ARTICLES.items()}
    figs = [replace(fig(31, "a.txt", "2024-05-06"), scope=("Castrel",)), fig(38, "b.txt", "2024-05-08")]
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    got = find_disputes(figs, vecs, arts)
    assert [d.summary for d in got] == ["death toll: 31 (Daily Ledger, 6 May) → 38 (City Wire, 8 May)"]
    assert find_disputes(figs, vecs, ARTICLES) == []  # where only one report names it, it is a narrower scope


def test_many_sources_far_apart_rank_before_two_close_ones():
    wide = [fig(v, d, "2024-05-08", event="displaced", start=i) for i, (v, d) in
            enumerate(((1000, "a.txt"), (2000, "b.txt"), (1500, "c.txt"), (1800, "d.txt")))]
    close = [fig(100, "a.txt", "2024-05-06", start=50), fig(110, "b.txt", "2024-05-08", start=50)]
    d = found(close + wide)
    assert [x.conflict.figures[0].event for x in d] == ["displaced", "dead"]
    assert d.items[0].score > d.items[1].score
    assert rank(d.items[1].conflict, {}) == pytest.approx(2 * (0.1 + 10 / 110))


def test_exports_hold_one_row_per_figure_and_parse():
    d = found([fig(31, "a.txt", "2024-05-06", quote="=HYPERLINK(\"x\") 31 dead"), fig(38, "d.txt", "2024-05-08")])
    rows = list(csv.DictReader(io.StringIO(disputes_csv(d))))
    assert len(rows) == 2 and rows[0]["outlet"] == "Daily Ledger" and rows[1]["title"] == "No outlet here"
    assert rows[0]["quote"].startswith("'=")  # a spreadsheet shows it, never runs it
    md = disputes_markdown(d)
    assert md.startswith("# What the sources disagree about") and "## 1. death toll — update" in md
    got = json.loads(json.dumps(d.to_dict()))
    assert got["count"] == 1 and got["disputes"][0]["figures"][0]["outlet"] == "Daily Ledger"
    first = d.items[0].conflict.figures[0]
    assert got["disputes"][0]["figures"][0] == first.to_dict(ARTICLES[first.doc_id])  # as in Answer.to_dict()


def test_answer_markdown_gives_one_short_line_per_value_of_a_group():
    from qa_bot.records import Answer, Conflict
    from qa_bot.render.markdown import answer_document

    figs = (fig(31, "a.txt", "2024-05-06"), fig(38, "b.txt", "2024-05-08"))
    a = Answer(question="How many died?", answer="**38** died [1]", found=True, figures=figs,
               conflicts=(Conflict(measure="death toll", figures=figs, note="31 → 38", kind="update"),),
               sources=(ARTICLES["a.txt"], ARTICLES["b.txt"]))
    md = answer_document(a)
    assert "↗ 1 death toll (update):\n- 31 death toll — Daily Ledger — 2024-05-06\n- 38 death toll — City Wire" in md
    assert "a.txt" not in md.split("## Sources")[0]  # sources by outlet, files only with the citations


def test_timeline_is_drawn_only_for_several_dates():
    png = timeline_png([fig(31, "a.txt", "2024-05-06"), fig(38, "b.txt", "2024-05-08")], ARTICLES, "death toll")
    assert png is not None and png.startswith(b"\x89PNG")
    assert timeline_png([fig(31, "b.txt", "2024-05-08"), fig(38, "c.txt", "2024-05-08")], ARTICLES) is None


def test_disputes_html_names_sources_by_outlet_and_title_and_escapes_article_text():
    d = found([fig(31, "a.txt", "2024-05-06", quote="<img src=x onerror=alert(1)> 31 dead"),
               fig(38, "b.txt", "2024-05-08")])
    page = disputes_html(d)
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "Daily Ledger" in page and "Toll climbs" in page and 'title="a.txt"' in page
    assert "outlet unknown" not in page.lower()
    none = Disputes(d.items, tuple(Article(doc_id=a.doc_id, path="", title=a.title, text="", sha256="")
                                   for a in d.sources))
    assert disputes_html(none).count("Outlets unknown") == 1  # said once, not on every row


def test_datelines_and_wire_slugs_are_not_titles():
    assert first_line_title("date 2024-08-12 kyiv, Ukraine.- Russian President Vladimir Putin said on Monday "
                            "that the incursion had failed. More text.") == \
        "Russian President Vladimir Putin said on Monday that the incursion had failed."
    assert first_line_title("VIENNA, Austria (AP) -- Delegates of 33 countries met. Then.") == \
        "Delegates of 33 countries met."
    assert first_line_title("BC-Quake-Toll\nQuake toll rises to 38\n\nBody.") == "Quake toll rises to 38"
    long = first_line_title("The scale of the incursion became clearer on Monday when Putin held a meeting with "
                            "local officials from the border regions as well as some of the security chiefs.")
    assert long.endswith("…") and len(long) <= 91 and not long[:-1].endswith(" ")
    assert first_line_title("# Harbor fire: residents return home\n") == "Harbor fire: residents return home"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"corpus": 12}, SettingsError, "corpus must be a folder path"),
    ({"corpus": "/no/such/folder"}, CorpusError, "does not exist"),
    ({"index_dir": ""}, SettingsError, "index_dir must be a folder path"),
    ({"settings": "fast"}, SettingsError, "settings must be a qa_bot.Settings"),
])
def test_disputes_arguments_are_checked_with_one_sentence(kwargs, error, message):
    with pytest.raises(error, match=message):
        qa_bot.disputes(**kwargs)


@pytest.mark.slow
def test_cli_lists_and_exports_the_disputes_of_a_corpus(tmp_path, capsys):
    corpus = tmp_path / "quake"
    shutil.copytree(DATA / "quake", corpus)
    base = ["--corpus", str(corpus), "--index", str(tmp_path / "ix"), "-q"]
    assert main(["disputes", "--json"] + base) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] >= 1 and listed["disputes"][0]["summary"].startswith(listed["disputes"][0]["measure"])
    assert main(["disputes", "--format", "csv"] + base) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == sum(len(d["figures"]) for d in listed["disputes"])
    assert main(["disputes"] + base) == 0
    assert listed["disputes"][0]["summary"] in capsys.readouterr().out
    assert main(["ask", "How many people died in the earthquake?", "--format", "md"] + base) == 0
    md = capsys.readouterr().out
    assert md.startswith("# How many people died") and "## Sources" in md and "characters" in md
    assert main(["ask", "How many people died in the earthquake?", "--format", "csv"] + base) == 0
    assert list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert qa_bot.disputes(corpus, tmp_path / "ix").to_dict() == listed
