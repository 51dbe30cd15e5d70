"""The figure report on hand-made frames: groups by event and scope, updates, revisions, conflicts, the lead."""

from __future__ import annotations

import numpy as np

from qa_bot.answering.report import (Candidate, choose_lead, figure_report, group_kind, group_note,
                                     scope_matches, source_families)
from qa_bot.records import Article, Figure, QuestionIntent


def fig(value, doc, as_of, event="dead", scope=(), change="", start=0, text=None, low=None, high=None):
    return Figure(value=value, unit="", text=text or f"{value:,.0f}", qualifier="", measure="people killed",
                  doc_id=doc, quote=f"{value} people died.", start=start, end=start + 2, sentence_start=start,
                  sentence_end=start + 20, as_of=as_of, low=value if low is None else low,
                  high=value if high is None else high, counted="people", predicate="die", event=event,
                  scope=tuple(scope), change=change)


ARTICLES = {d: Article(doc_id=d, path=d, title=f"Title {d}", text="", sha256=d, outlet=o, published=p)
            for d, o, p in (("a", "Daily Ledger", "2024-05-06"), ("b", "City Wire", "2024-05-08"),
                            ("c", "Evening Star", "2024-05-08"))}
INTENT = QuestionIntent(question="How many people died?", query="How many people died?", answer_type="count",
                        predicate="die", event="dead", counted="people")


def test_a_later_different_figure_is_an_update_and_leads():
    figs = [fig(31, "a", "2024-05-06"), fig(38, "b", "2024-05-08")]
    assert group_kind(figs, ARTICLES) == "update"
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], INTENT, ARTICLES, source_families(figs))
    assert lead.value == 38
    note = group_note(figs, "update", ARTICLES, {})
    assert note.index("31") < note.index("→") < note.index("38") and "Daily Ledger" in note and "City Wire" in note


def test_same_day_different_values_from_two_sources_are_a_conflict():
    figs = [fig(38, "b", "2024-05-08"), fig(35, "c", "2024-05-08")]
    assert group_kind(figs, ARTICLES) == "conflict"
    assert " vs " in group_note(figs, "conflict", ARTICLES, {})


def test_one_article_correcting_itself_is_a_revision_and_the_correction_leads():
    figs = [fig(2310, "c", "2024-05-08", start=0), fig(1870, "c", "2024-05-08", change="revised", start=30)]
    assert group_kind(figs, ARTICLES) == "revision"
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], INTENT, ARTICLES, source_families(figs))
    assert lead.value == 1870


def test_overlapping_intervals_agree():
    figs = [fig(121000, "a", "2024-05-06", low=120500, high=121500),
            fig(120000, "b", "2024-05-08", low=120000, high=float("inf"), text="more than 120,000")]
    assert group_kind(figs, ARTICLES) == "agree"


def test_a_question_pinned_to_the_first_report_leads_with_the_earliest():
    figs = [fig(31, "a", "2024-05-06"), fig(38, "b", "2024-05-08")]
    pinned = QuestionIntent(**{**INTENT.__dict__, "time_pin": "earliest"})
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], pinned, ARTICLES, {})
    assert lead.value == 31


def test_scope_must_name_the_asked_place():
    assert scope_matches(("Northfield",), fig(212, "b", "", scope=("Northfield",)))
    assert not scope_matches(("Northfield",), fig(1900, "b", "", scope=("Eastvale",)))
    assert not scope_matches(("Northfield",), fig(38, "b", ""), context="38 people have died nationwide")
    assert scope_matches(("Northfield",), fig(38, "b", ""), context="in northfield, 38 people died")
    assert scope_matches((), fig(38, "b", "", scope=("Eastvale",)))


def test_scoped_and_unscoped_tolls_are_different_groups_and_deaths_never_group_with_injuries():
    figs = [fig(38, "b", "2024-05-08"), fig(212, "b", "2024-05-08", scope=("Northfield",), start=40),
            fig(400, "a", "2024-05-06", event="injured", start=80)]
    vecs = np.ones((3, 4), dtype=np.float32) / 2.0  # identical phrases: only event and scope can split them
    report = figure_report(INTENT, [Candidate(i, f, 0.6 - 0.1 * i) for i, f in enumerate(figs)], vecs, ARTICLES,
                           figs)
    assert report.lead.value == 38
    assert not report.conflicts  # 38 national, 212 in Northfield and 400 injured are three measures
