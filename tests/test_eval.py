"""Fast unit tests of the evaluation: question file, metric functions on hand-made Answers, benchmarks, report."""

from __future__ import annotations

import json

import pytest

from qa_bot.errors import SettingsError
from qa_bot.evaluation import benchmarks as bm
from qa_bot.evaluation.metrics import (aggregate, check_citations, claims_by_marker, expected_conflict_shown,
                                       false_conflicts, figure_in_figures, figure_in_text, is_conversion_only,
                                       numbers_in, parse_expected, percentile, recall_at_k, reciprocal_rank,
                                       score_question, supports)
from qa_bot.evaluation.questions import DEFAULT_QUESTIONS, Question, load_questions, question_from_dict
from qa_bot.evaluation.report import build_results, chart, check_floors, markdown
from qa_bot.evaluation.systems import split_sentences
from qa_bot.records import Answer, Citation, Conflict, Figure
from qa_bot.settings import DEFAULT_CORPUS

SOURCE = ("Smirnov said 180,000 people had been told to evacuate and that 121,000 have left already. "
          "Troops advanced some 7.5 miles (12 kilometers) into the territory.")
SOURCES = {"a.txt": SOURCE}


def cite(n: int, quote: str, doc_id: str = "a.txt", shift: int = 0) -> Citation:
    """A citation of `quote` at its true offsets in SOURCE (moved by `shift` to make them wrong)."""
    start = SOURCE.index(quote) + shift
    return Citation(n=n, doc_id=doc_id, title="A", quote=quote, start=start, end=start + len(quote), score=1.0)


def fig(value: float, unit: str = "", text: str = "", doc_id: str = "a.txt") -> Figure:
    """A figure as Answer.figures holds them."""
    return Figure(value=value, unit=unit, text=text or f"{value:g}", qualifier="", measure="", doc_id=doc_id,
                  quote="", start=0, end=0, sentence_start=0, sentence_end=0, low=value, high=value)


EVAC = Question(id="evac", kind="disagree", question="How many people were evacuated?",
                figures=(("180,000",), ("121,000",)), supporting=("a.txt", "b.txt"), conflict=True,
                conflict_values=("180,000", "121,000"))
ADVANCE = Question(id="adv", kind="two_units", question="How far did troops advance?",
                   figures=(("12 km",), ("7.5 miles",)), supporting=("a.txt",))
KYIV = Question(id="kyiv", kind="unanswerable", question="What is the population of Kyiv?", answerable=False)


# ---------------------------------------------------------------- the questions file

def test_shipped_questions_load_and_cover_every_kind():
    questions = load_questions(DEFAULT_QUESTIONS, DEFAULT_CORPUS)
    assert len(questions) >= 40
    assert sum(not q.answerable for q in questions) >= 8
    assert {q.kind for q in questions} >= {"single_figure", "two_units", "disagree", "over_time", "name", "date",
                                          "follow_up", "unanswerable"}
    assert any(q.history for q in questions)


def test_every_expected_figure_and_snippet_is_in_a_supporting_file():
    for q in load_questions(DEFAULT_QUESTIONS, DEFAULT_CORPUS):
        texts = [(DEFAULT_CORPUS / d).read_text(encoding="utf-8") for d in q.supporting]
        for alts in q.figures:
            assert any(figure_in_text(parse_expected(a), t) for a in alts for t in texts), (q.id, alts)
        for alts in q.text:
            assert any(a.casefold() in t.casefold() for a in alts for t in texts), (q.id, alts)
        for value in q.conflict_values:
            corpus_text = " ".join(p.read_text(encoding="utf-8") for p in DEFAULT_CORPUS.glob("*.txt"))
            assert figure_in_text(parse_expected(value), corpus_text), (q.id, value)


def test_unanswerable_question_with_expectations_is_rejected():
    with pytest.raises(SettingsError, match="unanswerable"):
        question_from_dict({"id": "x", "kind": "unanswerable", "question": "Q?", "answerable": False,
                            "figures": ["5"]})


def test_question_naming_a_missing_file_is_rejected(tmp_path):
    with pytest.raises(SettingsError, match="not in"):
        question_from_dict({"id": "x", "kind": "name", "question": "Q?", "text": ["a"], "supporting": ["no.txt"]},
                           corpus=tmp_path)


def test_duplicate_question_ids_are_rejected(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text('- {id: a, kind: name, question: "Q?", text: [x], supporting: [f]}\n' * 2)
    with pytest.raises(SettingsError, match="twice"):
        load_questions(path)


# ---------------------------------------------------------------- numbers and figures

def test_numbers_are_read_in_every_format():
    values = [n.value for n in numbers_in("121,000 and 220 000 and 7.5 and five and half a million and 1.2 million")]
    assert values == [121000, 220000, 7.5, 5, 500000, 1200000]


def test_a_number_inside_a_larger_number_does_not_count():
    assert not figure_in_text(parse_expected("121"), "121,000 people left")


def test_figure_with_unit_needs_that_unit_after_it():
    assert figure_in_text(parse_expected("12 km"), "some 7.5 miles (12 kilometers) deep")
    assert figure_in_text(parse_expected("600 miles"), "along the 600-mile front line")
    assert not figure_in_text(parse_expected("12 km"), "12 square kilometers")
    assert not figure_in_text(parse_expected("12 km"), "12 civilians")


def test_word_number_matches_digits_and_back():
    assert figure_in_text(parse_expected("five"), "5 civilians were killed")
    assert figure_in_text(parse_expected("5"), "five civilians were killed")


def test_unit_conversion_counts_as_the_expected_figure_in_figures():
    # 7.5 mi = 12.07 km: within 2% of the expected 12 km
    assert figure_in_figures(parse_expected("12 km"), [fig(12.07, "km", "7.5 miles").to_dict()])
    assert figure_in_figures(parse_expected("386 sq mi"), [fig(1000, "km2", "1,000 square kilometers").to_dict()])
    assert not figure_in_figures(parse_expected("40 km"), [fig(12.07, "km", "7.5 miles").to_dict()])


def test_counts_must_match_exactly_in_figures():
    assert not figure_in_figures(parse_expected("121,000"), [fig(120000, "", "more than 120,000").to_dict()])


# ---------------------------------------------------------------- retrieval

def test_recall_counts_supporting_files_among_first_k_chunks():
    retrieved = ["a.txt#0", "c.txt#1", "a.txt#2", "b.txt#0"]
    assert recall_at_k(retrieved, ["a.txt", "b.txt"], k=3) == 0.5
    assert recall_at_k(retrieved, ["a.txt", "b.txt"], k=4) == 1.0


def test_reciprocal_rank_is_one_over_first_supporting_rank():
    assert reciprocal_rank(["c.txt#0", "d.txt#0", "b.txt#3"], ["b.txt"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["c.txt#0"], ["b.txt"]) == 0.0


# ---------------------------------------------------------------- citations

def test_claims_are_the_text_before_each_marker():
    claims = claims_by_marker("From the articles:\n\n- First claim here. [1]\n- Second claim [2][3]\n| 12 | x [4] |")
    assert claims[1] == ["First claim here."]
    assert claims[2] == ["Second claim"] and claims[3] == ["Second claim"]
    assert claims[4] == ["x"]


def test_exact_citation_passes_every_check():
    quote = "Smirnov said 180,000 people had been told to evacuate and that 121,000 have left already."
    answer = Answer(question=EVAC.question, answer=f"- {quote} [1]", found=True, citations=(cite(1, quote),))
    [check] = check_citations(EVAC, answer, SOURCES)
    assert check.offsets_ok and check.supports_claim and check.on_topic and check.ok


def test_citation_whose_offsets_do_not_slice_its_quote_fails():
    quote = "Troops advanced some 7.5 miles (12 kilometers) into the territory."
    answer = Answer(question=ADVANCE.question, answer=f"{quote} [1]", found=True,
                    citations=(cite(1, quote, shift=1),))
    [check] = check_citations(ADVANCE, answer, SOURCES)
    assert not check.offsets_ok and not check.ok


def test_citation_attached_to_a_claim_it_does_not_back_fails():
    quote = "Troops advanced some 7.5 miles (12 kilometers) into the territory."
    answer = Answer(question=ADVANCE.question, answer="About 40,000 people were evacuated by bus. [1]", found=True,
                    citations=(cite(1, quote),))
    [check] = check_citations(ADVANCE, answer, SOURCES)
    assert check.offsets_ok and not check.supports_claim


def test_citation_from_an_unrelated_file_without_the_answer_is_off_topic():
    quote = "Troops advanced some 7.5 miles (12 kilometers) into the territory."
    question = Question(id="x", kind="name", question="Who is the governor?", text=(("Gladkov",),),
                        supporting=("b.txt",))
    answer = Answer(question=question.question, answer=f"{quote} [1]", found=True, citations=(cite(1, quote),))
    [check] = check_citations(question, answer, SOURCES)
    assert check.offsets_ok and check.supports_claim and not check.on_topic


def test_claim_with_a_number_missing_from_the_quote_is_not_supported():
    assert supports("Troops advanced 12 kilometers", "Troops advanced 12 kilometers into Russia.")
    assert not supports("Troops advanced 15 kilometers", "Troops advanced 12 kilometers into Russia.")


def test_lead_line_is_supported_by_a_quote_with_its_figure_despite_source_dates():
    lead = "**some 121,000** people evacuated or left — the best-supported figure, given by 4 articles, as of 2024-08-12"
    assert supports(lead, "More than 120,000 people have left their homes.")  # within 2%: agrees
    assert not supports(lead, "The total number of planned evacuations was 180,000.")
    assert not supports("**29** tanks lost — given by 1 article [1]", "Ukraine has lost up to 1,350 troops,")
    assert supports("**a sixth** population flee — given by 1 article", "prompting a sixth of its population to flee")


# ---------------------------------------------------------------- conflicts

def test_unit_conversion_is_not_a_conflict():
    assert is_conversion_only({"figures": [fig(12.07, "km", "7.5 miles").to_dict(), fig(12, "km", "12 kilometers").to_dict()]})
    assert not is_conversion_only({"figures": [fig(180000).to_dict(), fig(121000).to_dict()]})


def test_expected_conflict_is_found_when_it_holds_both_values():
    shown = Answer(question="q", answer="", found=True,
                   conflicts=(Conflict(measure="evacuated", figures=(fig(180000), fig(121000),), note=""),))
    partial = Answer(question="q", answer="", found=True,
                     conflicts=(Conflict(measure="evacuated", figures=(fig(180000), fig(11000),), note=""),))
    assert expected_conflict_shown(EVAC, shown)
    assert not expected_conflict_shown(EVAC, partial)


def test_conflict_between_a_figure_and_its_conversion_is_false():
    answer = Answer(question="q", answer="", found=True, conflicts=(
        Conflict(measure="advance", figures=(fig(12.07, "km", "7.5 miles"), fig(12, "km"),), note=""),))
    assert false_conflicts(ADVANCE, answer) == [0]


def test_conflict_over_agreeing_figures_of_the_question_is_false():
    answer = Answer(question="q", answer="", found=True, conflicts=(
        Conflict(measure="advance", figures=(fig(12, "km"), fig(40, "km"),), note=""),))
    assert false_conflicts(ADVANCE, answer) == [0]


def test_genuine_conflict_on_a_conflict_question_is_not_false():
    answer = Answer(question="q", answer="", found=True,
                    conflicts=(Conflict(measure="evacuated", figures=(fig(180000), fig(121000),), note=""),))
    assert false_conflicts(EVAC, answer) == []


# ---------------------------------------------------------------- one question, a whole run

def test_refusal_on_unanswerable_question_scores_as_refused():
    refused = score_question(KYIV, Answer(question=KYIV.question, answer="Not in the articles.", found=False),
                             SOURCES, "qa-bot", 0.01, k=5)
    answered = score_question(KYIV, Answer(question=KYIV.question, answer="3 million", found=True),
                              SOURCES, "qa-bot", 0.01, k=5)
    assert refused.refused is True and answered.refused is False
    assert refused.recall is None and "answered an unanswerable question" in answered.misses


def test_figure_accuracy_counts_text_and_figures_separately():
    answer = Answer(question=ADVANCE.question, answer="They advanced 12 kilometers [1]", found=True,
                    figures=(fig(12.07, "km", "7.5 miles"),), retrieved=("a.txt#0",))
    score = score_question(ADVANCE, answer, SOURCES, "qa-bot", 0.02, k=5)
    assert score.figure_acc == 1.0 and score.figure_acc_text == 0.5
    assert score.recall == 1.0 and score.rr == 1.0


def test_aggregate_micro_averages_citations_and_reports_latency_percentiles():
    quote = "Troops advanced some 7.5 miles (12 kilometers) into the territory."
    good = Answer(question=ADVANCE.question, answer=f"{quote} [1]", found=True, citations=(cite(1, quote),),
                  retrieved=("a.txt#0",))
    bad = Answer(question=ADVANCE.question, answer=f"{quote} [1] {quote} [2] {quote} [3]", found=True,
                 citations=(cite(1, quote, shift=2), cite(2, quote, shift=2), cite(3, quote, shift=2)),
                 retrieved=("b.txt#0",))
    scores = [score_question(ADVANCE, good, SOURCES, "s", 0.010, 5),
              score_question(ADVANCE, bad, SOURCES, "s", 0.030, 5),
              score_question(KYIV, Answer(question="q", answer="", found=False), SOURCES, "s", 0.020, 5)]
    overall = aggregate(scores)
    assert overall["citation_precision"] == pytest.approx(1 / 4)
    assert overall["recall@k"] == 0.5 and overall["refusal_acc"] == 1.0
    assert overall["latency_p50"] == pytest.approx(0.020)
    assert overall["conflict_precision"] is None


def test_percentile_interpolates_between_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([], 95) is None


# ---------------------------------------------------------------- benchmarks

def test_rgb_items_keep_alternatives_and_mark_dates_numeric(tmp_path):
    path = tmp_path / "rgb.jsonl"
    rows = [{"id": 1, "query": "Who acquired Instagram?", "answer": "Facebook", "fakeanswer": "Apple",
             "positive": ["Facebook bought it."], "positive_wrong": ["Apple bought it."], "negative": ["Noise."]},
            {"id": 2, "query": "When?", "answer": [["May 29 2020", "29 May 2020"]], "fakeanswer": "May 9, 2012",
             "positive": ["p"], "positive_wrong": ["w"], "negative": []}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    first, second = bm.rgb_items(path)
    assert first.gold == (("Facebook",),) and first.wrong == ("Apple",) and not first.numeric
    assert [p.label for p in first.passages] == ["positive", "positive_wrong", "negative"]
    assert second.gold == (("May 29 2020", "29 May 2020"),) and second.numeric


def test_benchmark_subset_is_evenly_spaced_and_fixed():
    assert bm.evenly_spaced(500, 5) == [0, 100, 200, 300, 400]
    assert bm.evenly_spaced(3, 10) == [0, 1, 2]


def test_corpus_file_names_do_not_reveal_labels(tmp_path):
    item = bm.Item("x", "q", (bm.Passage("a", "correct"), bm.Passage("b", "misinfo")), (("a",),), ("b",))
    bm.write_corpus(item, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc_00.txt", "doc_01.txt"]


def test_ramdocs_item_with_a_wrong_answer_anywhere_is_not_correct_but_is_side_by_side():
    item = bm.Item("r", "Who directed it?", (), (("Mahesh Bhatt",),), ("Raj Kapoor",))
    both = Answer(question="q", answer="- Mahesh Bhatt directed it. [1]\n- Raj Kapoor directed it. [2]", found=True,
                  citations=(Citation(1, "doc_00.txt", "", "Mahesh Bhatt directed it.", 0, 25, 1.0),
                             Citation(2, "doc_01.txt", "", "Raj Kapoor directed it.", 0, 23, 1.0)))
    score = bm.score_item(item, both, 0.1, strict=True)
    assert score.gold_present and not score.wrong_in_lead and score.wrong_in_answer and not score.correct
    assert score.side_by_side is True


def test_lead_is_the_first_cited_line_not_the_later_quotes():
    answer = Answer(question="q", answer="**Mahesh Bhatt** directed it [1]\n\nFrom the articles:\n\n"
                                         "- Mahesh Bhatt directed it. [1]\n- Raj Kapoor directed it. [2]", found=True)
    assert bm.lead_text(answer) == "**Mahesh Bhatt** directed it [1]"
    bullets = Answer(question="q", answer="From the articles:\n\n- A did it. [1]\n- B did it. [2]", found=True)
    assert bm.lead_text(bullets) == "- A did it. [1]"


def test_ramdocs_wrong_answer_only_in_side_by_side_table_is_allowed_in_the_lead_measure():
    item = bm.Item("r", "q", (), (("3,559 people",),), ("10,000 people",))
    answer = Answer(question="q", answer="There were 3,559 people. [1]\n\n| figure | source |\n|---|---|\n"
                                         "| 10,000 people | doc_01 [2] |", found=True)
    score = bm.score_item(item, answer, 0.1, strict=True)
    assert score.gold_present and not score.wrong_in_lead and score.wrong_in_answer and not score.correct


def test_rgb_answer_matching_ignores_case_and_punctuation():
    assert bm.mentions("played in TAMPA, Florida.", "Tampa, Florida")
    assert not bm.mentions("Tampax", "Tampa")


def test_date_answer_matches_in_either_day_month_order():
    assert bm.mentions("It was released on 1 November 2007 in Seoul.", "November 1, 2007")
    assert bm.mentions("released November 1, 2007", "1 November 2007")
    assert not bm.mentions("released November 11, 2007", "November 1, 2007")


# ---------------------------------------------------------------- report and floors

def test_floor_check_names_the_metric_below_its_floor():
    failures = check_floors({"recall@k": 0.8, "mrr": 0.9, "latency_p95": 0.5},
                            {"min": {"recall@k": 0.9, "mrr": 0.9}, "max": {"latency_p95": 1.0}})
    assert len(failures) == 1 and failures[0].startswith("recall@k")


def test_floor_check_fails_a_metric_that_was_not_measured():
    assert check_floors({"conflict_precision": None}, {"min": {"conflict_precision": 0.5}})


def test_report_and_chart_are_written_for_every_system(tmp_path):
    answer = Answer(question=ADVANCE.question, answer="12 kilometers", found=True, retrieved=("a.txt#0",))
    scores = {name: [score_question(ADVANCE, answer, SOURCES, name, 0.01, 5)] for name in ("qa-bot", "dense-only")}
    meta = {"questions": 1, "unanswerable": 0, "corpus": "c", "model": "m", "top_k": 8, "k": 5}
    results = build_results(scores, meta, {})
    text = markdown(results, "chart.png")
    assert "| metric | qa-bot | dense-only |" in text and "retrieval recall@5" in text
    chart(results, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_stock_sentence_split_keeps_offsets():
    text = "First one. Second “quoted.” Third\nFourth"
    assert [text[s:e] for s, e in split_sentences(text)] == ["First one.", "Second “quoted.”", "Third", "Fourth"]


# ---------------------------------------------------------------- the real run CI enforces

@pytest.mark.slow
def test_fixed_questions_meet_the_recorded_floors(tmp_path, capsys):
    from qa_bot.eval import main

    code = main(["--systems", "qa-bot", "--check-floors", "--no-progress", "--index", str(tmp_path / "index"),
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["meta"]["questions"] >= 40
    assert (tmp_path / "out" / "chart.png").exists() and (tmp_path / "out" / "report.md").exists()


def test_a_missing_index_for_the_stock_baseline_names_the_command_for_that_corpus(fake_engine):
    from qa_bot.errors import QaBotError
    from qa_bot.evaluation.systems import build_systems

    with pytest.raises(QaBotError) as err:
        build_systems(["llama-index"], fake_engine)
    message = str(err.value)
    assert f"--corpus {fake_engine.settings.corpus}" in message and "--index" in message
