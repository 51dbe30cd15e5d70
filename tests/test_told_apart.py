"""What reports tell in other words than the question's (invented reports, real model and parser): a date of a
verb the question does not use, the asked thing counted under another verb, an implicative verb ("forced to"),
a dateline's agency, and currencies by their names."""

from __future__ import annotations

import pytest

from tests_support import first_figure

pytestmark = pytest.mark.slow

REPORTS = {
    "treaty.txt": "Parliament ratifies mine treaty\n\nLONDON, July 31 (Reuters) -- On July 10, under pressure from "
                  "campaigners, the House of Commons rushed through a bill ratifying the treaty. The ban took "
                  "effect on March 1 in the countries that signed it. Military representatives of 33 countries "
                  "opened a four-day conference in Vienna on Tuesday to discuss clearing the mines.\n",
    "balloon.txt": "Balloonists rescued off Hawaii\n\nHONOLULU, Dec. 27 (AP) -- The three balloonists were forced to "
                   "ditch their balloon off Hawaii on Dec. 25 after the winds turned. A coast guard helicopter "
                   "picked them up within an hour.\n",
    "budget.txt": "Thailand budgets for mine clearing\n\nBANGKOK, Oct. 25 (Xinhua) -- Thailand will spend 800 "
                  "million baht (21 million U.S. dollars) on clearing mines along its borders, the defense "
                  "ministry said. About 400 protesters occupied the headquarters of the insurance firm AXA.\n",
    "sources.csv": "file,title,outlet,published\ntreaty.txt,Parliament ratifies mine treaty,Reuters,1998-07-31\n"
                   "balloon.txt,Balloonists rescued off Hawaii,AP,1998-12-27\n"
                   "budget.txt,Thailand budgets for mine clearing,Xinhua,1998-10-25\n",
}


@pytest.fixture(scope="module")
def told(tmp_path_factory, real_embedder):
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    corpus = tmp_path_factory.mktemp("told-corpus")
    for name, text in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    engine = Engine(Settings(corpus=corpus, index_dir=tmp_path_factory.mktemp("told-index"), progress=False),
                    embedder=real_embedder)
    engine.index()
    return engine


def test_a_date_told_with_another_verb_answers_when_nothing_else_does(told):
    a = told.ask("When did the House of Commons push through the bill ratifying the treaty?")
    assert a.found and "July 10" in a.answer.split("\n")[0]


def test_the_asked_thing_counted_under_another_verb_answers(told):
    a = told.ask("How many countries sent military representatives to the Vienna conference?")
    assert a.found and first_figure(a.answer) == 33


def test_forced_to_says_it_happened(told):
    a = told.ask("On what day did the balloonists come down in the sea off Hawaii?")
    assert a.found and "Dec. 25" in a.answer.split("\n")[0]


def test_a_sum_in_a_named_currency_is_money(told):
    a = told.ask("How much will Thailand spend on clearing mines?")
    assert a.found and "800 million baht" in a.answer.split("\n")[0]
    assert (a.figures[0].value, a.figures[0].unit, a.figures[0].dimension) == (800_000_000, "THB", "money")


def test_the_agency_of_a_dateline_is_no_answer(told):
    a = told.ask("Which news agency reported the mine clearing plan of Thailand?")
    assert "Xinhua" not in a.answer.split("\n")[0]
