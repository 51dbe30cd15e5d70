"""Strict scoring on hand-made Answers: the first figure or the lead name decides, as a reader would score."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_bot.errors import SettingsError
from qa_bot.evaluation.corpora import DEFAULT_DUC_QUESTIONS, held_out, load_corpora
from qa_bot.evaluation.metrics import aggregate, figure_in_text, parse_expected, score_question, text_in
from qa_bot.evaluation.questions import Question
from qa_bot.evaluation.report import systems_block
from qa_bot.evaluation.strict import (coherent, first_figure, lead_sentence, parse_strict, plain_text, strict_score,
                                      with_strict)
from qa_bot.records import Answer, Conflict, Figure


def answer(text: str, found: bool = True, conflicts: tuple = ()) -> Answer:
    return Answer(question="q", answer=text, found=found, conflicts=conflicts)


def figure(value: float, text: str, unit: str = "", dimension: str = "count") -> Figure:
    return Figure(value=value, unit=unit, text=text, qualifier="", measure="", doc_id="a.txt", quote="", start=0,
                  end=0, sentence_start=0, sentence_end=0, low=value, high=value, dimension=dimension)


WOUNDED = Question(id="wounded", kind="disagree", question="How many people were hurt?",
                   figures=(("13", "thirteen"),), supporting=("a.txt",), conflict=True, conflict_values=("12", "13"))
DEAD = Question(id="dead", kind="scoped", question="How many were killed in the offices?",
                figures=(("9", "nine"),), supporting=("a.txt",), scope="the two offices")
COST = Question(id="cost", kind="single_figure", question="What did the search cost?",
                figures=(("$287,402", "$287,000"),), supporting=("a.txt",))
DEPTH = Question(id="depth", kind="single_figure", question="How deep was the wreck?",
                 figures=(("120 feet",),), supporting=("a.txt",))
RATE = Question(id="rate", kind="over_time", question="What is the jobless rate?",
                figures=(("10.6%",),), supporting=("a.txt",))
DISTANCE = Question(id="dist", kind="two_units", question="How far off the coast?",
                    figures=(("7.5 miles",),), supporting=("a.txt",))
WHO = Question(id="who", kind="name", question="Who headed the investigation?", text=(("Pearce",),),
               supporting=("a.txt",))
WHEN = Question(id="when", kind="date", question="When did it crash?", text=(("July 16",),), supporting=("a.txt",))
TAIL = Question(id="tail", kind="unanswerable", question="What was the tail number?", answerable=False)


# ---------------------------------------------------------------- reading the answer text

def test_plain_text_drops_markers_emphasis_bullets_and_table_pipes():
    md = "**some 121,000** people left [1][2]\n\n- Quote \\(here\\) [3]\n\n| a | b |\n|---|---|\n| 5 | x |"
    assert plain_text(md) == "some 121,000 people left\n\nQuote (here)\n\na b\n5 x"


def test_a_line_pointing_at_the_table_is_not_read_as_the_answer():
    md = "**The sources disagree** on 1 figure(s); see the table below.\n\nFrom the articles:\n\n- 11.2 percent [1]"
    assert first_figure(md) == (11.2, "%")
    assert lead_sentence(md) == "11.2 percent"


def test_lead_sentence_skips_a_label_line_and_stops_at_the_first_sentence():
    md = "From the articles:\n\n- Robert Pearce heads the inquiry. He said more. [1]\n- Other. [2]"
    assert lead_sentence(md) == "Robert Pearce heads the inquiry."
    # an initial or a title is no sentence end
    assert lead_sentence("**Jimmy W. Mercer** is the chief. He said so.") == "Jimmy W. Mercer is the chief."
    assert lead_sentence("Mr. Smith and Dr. Jones met. Then left.") == "Mr. Smith and Dr. Jones met."


@pytest.mark.parametrize("text, value", [
    ("**some 121,000** people [1]", 121000), ("thirteen were wounded", 13), ("$287,402 in two days", 287402),
    ("On July 16, 1999, nine people died", 9), ("at 8:38 p.m. 13 people", 13), ("the 35th president's son, 38,", 38),
    ("one of the instructors said 300 hours", 300), ("In 1993, 2 people", 2), ("10.6 percent in December", 10.6),
    ("**2.945 million** job seekers", 2945000),
])
def test_first_figure_skips_dates_times_ordinals_and_parses_words_commas_scales(text, value):
    assert first_figure(text)[0] == pytest.approx(value)


def test_first_figure_reads_the_unit_before_or_after_the_number():
    assert first_figure("It cost $287,402.") == (287402, "$")
    assert first_figure("about 120 feet of water") == (120, "ft")
    assert first_figure("11.5 percent") == (11.5, "%")
    assert first_figure("no figure here") is None


def test_parse_strict_knows_dollars_feet_and_the_eval_units():
    assert (parse_strict("$287,402").value, parse_strict("$287,402").unit) == (287402, "$")
    assert parse_strict("120 feet").unit == "ft"
    assert parse_strict("7.5 miles").unit == "mi"
    assert (parse_strict("thirteen").value, parse_strict("thirteen").unit) == (13, "")


# ---------------------------------------------------------------- figures

def test_first_figure_right_passes_and_a_later_right_figure_does_not_save_a_wrong_lead():
    groups = (Conflict(measure="", figures=(figure(13, "13"), figure(12, "12"),), note=""),)
    assert strict_score(WOUNDED, answer("**13** people wounded [1]\n\n- 12 were hurt [2]", conflicts=groups)).correct
    wrong = strict_score(WOUNDED, answer("**12** people wounded [1]\n\n- 13 were hurt [2]", conflicts=groups))
    assert not wrong.correct and "first figure 12" in wrong.why


def test_number_words_count_for_digits():
    assert strict_score(DEAD, answer("Barton killed nine people in the two offices. [1]")).correct
    assert not strict_score(DEAD, answer("Barton killed 12 people, nine of them in the offices. [1]")).correct


def test_scope_is_judged_by_the_lead_figure():
    assert not strict_score(DEAD, answer("**13** dead, including Barton [1]")).correct


def test_an_expected_unit_must_be_written_with_the_number():
    assert strict_score(COST, answer("The search cost **$287,402** in two days. [1]")).correct
    assert strict_score(COST, answer("Kennedy Search Costs $287,000 [1]")).correct
    assert not strict_score(COST, answer("The Coast Guard used **287,402** gallons [1]")).correct
    assert strict_score(RATE, answer("**10.6 percent** at the end of December [1]")).correct
    assert not strict_score(RATE, answer("**10.6** million jobless [1]")).correct
    assert not strict_score(DEPTH, answer("about 120 miles away [1]")).correct


def test_a_conversion_of_the_expected_unit_counts():
    assert strict_score(DISTANCE, answer("some **12 kilometers** (7.5 miles) [1]")).correct
    assert strict_score(DEPTH, answer("in 36.6 meters of water [1]")).correct
    assert not strict_score(DISTANCE, answer("some **15 kilometers** [1]")).correct


def test_a_refusal_is_wrong_for_an_answerable_question_even_when_it_quotes_the_figure():
    refusal = answer("The indexed articles do not answer this. The closest sentence: “13 were hurt”", found=False)
    assert strict_score(WOUNDED, refusal).why == "refused"


# ---------------------------------------------------------------- conflicts

def test_a_conflict_question_needs_a_group_holding_every_conflict_value():
    text = "**13** people wounded [1]"
    assert not strict_score(WOUNDED, answer(text)).correct
    only_13 = (Conflict(measure="", figures=(figure(13, "13"), figure(14, "14"),), note=""),)
    assert "no one-measure conflict group" in strict_score(WOUNDED, answer(text, conflicts=only_13)).why
    both = (Conflict(measure="", figures=(figure(13, "13 wounded"), figure(12, "12 injured"),), note=""),)
    assert strict_score(WOUNDED, answer(text, conflicts=both)).correct


def test_a_group_mixing_kinds_of_quantity_does_not_count():
    mixed = Conflict(measure="", figures=(figure(13, "13"), figure(12, "12"), figure(1999, "July 16, 1999", dimension="date"),), note="")
    assert not coherent({"figures": [f.to_dict() for f in mixed.figures]})
    assert not strict_score(WOUNDED, answer("**13** people wounded [1]", conflicts=(mixed,))).correct
    assert coherent({"figures": [figure(7, "7 miles", "km", "length").to_dict(), figure(11, "11 km", "km", "length").to_dict()]})


# ---------------------------------------------------------------- names, dates, unanswerable

def test_a_name_must_be_in_the_lead_sentence():
    assert strict_score(WHO, answer("**Robert Pearce** — NTSB regional director [1]")).correct
    assert strict_score(WHO, answer("From the articles:\n\n- Robert Pearce, who heads the inquiry, said so. [1]")).correct
    late = answer("From the articles:\n\n- The NTSB said it would take months. Pearce agreed. [1]")
    assert not strict_score(WHO, late).correct


def test_a_date_must_be_in_the_lead_sentence():
    assert strict_score(WHEN, answer("The plane crashed on July 16, 1999. [1]")).correct
    assert not strict_score(WHEN, answer("The report came out on July 6, 2000. The crash was on July 16. [1]")).correct
    assert not strict_score(WHEN, answer("The report came out on July 6, 2000. [1]\n- The crash: July 16. [2]")).correct


def test_unanswerable_is_right_only_when_found_is_false():
    assert strict_score(TAIL, answer("The indexed articles do not answer this question.", found=False)).correct
    assert not strict_score(TAIL, answer("**N9253N** [1]")).correct


def test_with_strict_adds_the_verdict_and_the_reason_and_aggregate_reports_strict_accuracy():
    good = with_strict(score_question(DEAD, answer("nine died [1]"), {}, "qa-bot", 0.01, 5), DEAD,
                       answer("nine died [1]"))
    bad = with_strict(score_question(DEAD, answer("12 died [1]"), {}, "qa-bot", 0.01, 5), DEAD, answer("12 died [1]"))
    refused = with_strict(score_question(TAIL, answer("no", found=False), {}, "qa-bot", 0.01, 5), TAIL,
                          answer("no", found=False))
    assert (good.strict, bad.strict, refused.strict) == (True, False, True)
    assert any(m.startswith("strict: first figure 12") for m in bad.misses)
    assert aggregate([good, bad, refused])["strict_acc"] == pytest.approx(2 / 3)
    assert aggregate([score_question(DEAD, answer("x"), {}, "s", 0.0, 5)])["strict_acc"] is None


# ---------------------------------------------------------------- the DUC question files

DUC = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "duc2007"


def test_held_out_clusters_are_skipped_unless_asked_for(tmp_path):
    questions, corpora = tmp_path / "q", tmp_path / "c"
    for name in ("A1", "B2"):
        (corpora / name).mkdir(parents=True)
        (corpora / name / "f.txt").write_text("Nine died.")
        questions.mkdir(exist_ok=True)
        (questions / f"{name}.yaml").write_text('- {id: x, kind: name, question: "Q?", text: [y], supporting: [f.txt]}\n')
    (questions / "holdout.txt").write_text("# held out\nB2\n")
    chosen, skipped = load_corpora(corpora, questions)
    assert [c.name for c in chosen] == ["A1"] and skipped == ["B2"]
    chosen, skipped = load_corpora(corpora, questions, include_holdout=True)
    assert [c.name for c in chosen] == ["A1", "B2"] and skipped == []
    (corpora / "A1" / "f.txt").unlink()
    with pytest.raises(SettingsError, match="not in"):
        load_corpora(corpora, questions)


@pytest.mark.skipif(not DUC.is_dir(), reason="the DUC 2007 benchmark folder is not next to the project")
def test_duc_questions_meet_the_counts_and_their_answers_are_in_the_articles():
    chosen, skipped = load_corpora(DUC, DEFAULT_DUC_QUESTIONS, include_holdout=True)
    assert held_out(DEFAULT_DUC_QUESTIONS) == {"D0742J"} and len(chosen) == 5
    questions = [q for c in chosen for q in c.questions]
    assert len(questions) >= 60
    assert sum(q.conflict for q in questions) >= 15
    assert sum(q.kind == "scoped" for q in questions) >= 10
    assert sum(q.kind in ("name", "date") for q in questions) >= 10
    assert sum(not q.answerable for q in questions) >= 10
    _answers_are_in_the_articles(chosen)


@pytest.mark.skipif(not DUC.is_dir(), reason="the DUC 2007 benchmark folder is not next to the project")
def test_the_second_duc_questions_are_new_and_their_answers_are_in_the_articles():
    second = DEFAULT_DUC_QUESTIONS.parent / "duc2007-second"
    chosen, skipped = load_corpora(DUC, second)
    assert [c.name for c in chosen] == ["D0715D", "D0719E", "D0740I", "D0741I"] and skipped == []
    first = {q.question for c in load_corpora(DUC, DEFAULT_DUC_QUESTIONS)[0] for q in c.questions}
    questions = [q for c in chosen for q in c.questions]
    assert len(questions) == 48 and not first & {q.question for q in questions}
    assert len({q.id for q in questions}) == 48
    _answers_are_in_the_articles(chosen)


def _answers_are_in_the_articles(chosen) -> None:
    for cluster in chosen:
        texts = {p.name: p.read_text(encoding="utf-8") for p in cluster.corpus.glob("*.txt")}
        for q in cluster.questions:
            assert len(q.supporting) <= 7, q.id
            for alts in q.figures[:1]:
                assert any(figure_in_text(parse_expected(a), texts[d]) for a in alts for d in q.supporting), q.id
            for alts in q.text:
                assert any(text_in(a, texts[d]) for a in alts for d in q.supporting), q.id
            for v in q.conflict_values:
                assert any(figure_in_text(parse_expected(v), t) for t in texts.values()), (q.id, v)


def test_a_corpus_block_keeps_no_answer_text_because_answers_quote_the_benchmark_articles():
    scored = with_strict(score_question(DEAD, answer("nine died [1]"), {}, "qa-bot", 0.01, 5), DEAD,
                         answer("nine died [1]"))
    assert systems_block({"qa-bot": [scored]})["qa-bot"]["questions"][0]["answer"] == "nine died [1]"
    block = systems_block({"qa-bot": [scored]}, keep_answers=False)["qa-bot"]
    assert block["questions"][0]["answer"] == "" and block["overall"]["strict_acc"] == 1.0
