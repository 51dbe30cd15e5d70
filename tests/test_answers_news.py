"""The failure classes of real news, on invented reports of one earthquake (tests/data/quake): scope, updates
over days, a revision inside one article, named answers, refusals and paraphrases. Real model, real parser."""

from __future__ import annotations

import pytest

from tests_support import first_figure  # noqa: F401  (tests/tests_support.py)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quake(tmp_path_factory, real_embedder):
    from conftest import DATA
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    settings = Settings(corpus=DATA / "quake", index_dir=tmp_path_factory.mktemp("quake-index"), progress=False)
    engine = Engine(settings, embedder=real_embedder)
    engine.index()
    return engine


def test_a_place_question_leads_with_the_figure_for_that_place(quake):
    a = quake.ask("How many people died in Northfield?")
    assert a.found
    assert first_figure(a.answer) in (212, 230)
    assert all(any("northfield" in s.lower() for s in f.scope) for f in a.figures if f.event == "dead")


def test_a_national_question_prefers_unscoped_figures_and_the_latest_update(quake):
    a = quake.ask("How many people have died in the earthquake?")
    assert a.found
    assert first_figure(a.answer) == 38  # 31 on 6 May was updated to 38 on 8 May
    kinds = {c.kind for c in a.conflicts}
    assert "update" in kinds
    update = next(c for c in a.conflicts if c.kind == "update")
    assert [f.value for f in update.figures][:2] == [31, 38]


def test_killed_and_injured_are_never_one_group(quake):
    a = quake.ask("How many people were injured?")
    assert a.found
    assert first_figure(a.answer) in (400, 1040)
    assert all(f.event == "injured" for f in a.figures)


def test_a_correction_inside_one_article_reads_as_a_revision(quake):
    a = quake.ask("What was the death toll in Eastvale?")
    assert a.found
    revision = [c for c in a.conflicts if c.kind == "revision"]
    assert revision and {2310, 1870} <= {f.value for f in revision[0].figures}


def test_paraphrases_of_displacement_are_compared(quake):
    a = quake.ask("How many people were forced from their homes?")
    assert a.found
    assert first_figure(a.answer) in (15000, 16000)
    values = {f.value for f in a.figures}
    assert {15000, 16000} <= values


def test_named_answers_come_from_entities_not_capitals(quake):
    a = quake.ask("Who is the union president?")
    assert a.found and a.lead is not None and a.lead.text == "Dan Reyes"
    b = quake.ask("Who led the government's emergency meeting?")
    assert b.found and b.lead is not None and "Varga" in b.lead.text


@pytest.mark.parametrize("question", ["How many ferries were cancelled?", "How many schools were closed?",
                                      "Who is the mayor of Lakeside?"])
def test_questions_the_reports_do_not_answer_are_refused(quake, question):
    a = quake.ask(question)
    assert not a.found, a.answer


def test_a_follow_up_about_another_event_answers_that_event(quake):
    a = quake.ask("And how many were injured?", history=["How many died?"])
    assert a.found and a.figures[0].value == 400 and "injured" in a.answer
    a = quake.ask("And how many were injured?", history=["How many died in Northfield?"])
    assert a.figures[0].value == 1040


def test_a_year_the_reports_do_not_cover_is_not_answered_with_another_years_figure(quake):
    for question in ("How many people died in 2019?", "How many people had died by 1 January 2099?"):
        a = quake.ask(question)
        assert not a.found and "none from" in a.answer
    assert quake.ask("How many people had died by 7 May 2024?").found


def test_who_is_a_name_answers_with_what_the_articles_say_it_is(quake):
    a = quake.ask("Who is Dan Reyes?")
    assert a.found and a.answer.startswith("**Union president Dan Reyes**")
    c = a.citations[0]
    assert "Union president Dan Reyes" in c.quote
    assert not quake.ask("Who is John Nobody?").found
