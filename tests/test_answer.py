"""Answer composition rules, without a model: what counts as answering, what leads, what is escaped."""

from qa_bot.answering import answer as A
from qa_bot.records import Figure, Sentence


def _fig(text, value, measure, *, low=None, high=None, unit="", dimension="count", kind="number", start=0):
    return Figure(value=value, unit=unit, text=text, qualifier="", measure=measure, doc_id="a.txt", quote="q",
                  start=start, end=start + len(text), sentence_start=0, sentence_end=1,
                  low=value if low is None else low, high=value if high is None else high,
                  dimension=dimension, kind=kind)


def _same(a, b):
    return a.measure == b.measure


def test_lead_cluster_keeps_agreeing_figures_of_the_same_measure_only():
    tanks = _fig("29", 29, "tanks lost")
    troops = _fig("up to 1,350", 1350, "troops lost", low=0, high=1350, start=40)
    assert A.lead_cluster(tanks, [troops, tanks], _same) == [tanks]  # intervals overlap; tanks are not troops
    left = _fig("121,000", 121000, "people left", low=120500, high=121500)
    more = _fig("more than 120,000", 120000, "people left", low=120000, high=1e12, start=50)
    told = _fig("180,000", 180000, "people told to evacuate", low=175000, high=185000, start=90)
    assert A.lead_cluster(left, [left, more, told], _same) == [left, more]
    assert A.lead_cluster(None, [left, more], _same) == []


def test_the_lead_is_the_best_supported_figure_of_the_answering_measure_unless_the_question_pins_a_time():
    early = _fig("34", 34, "death toll")
    late = _fig("41", 41, "death toll", start=60)
    homes = _fig("450", 450, "homes destroyed", start=90)
    table = [homes, late, early]  # figures_for_question lists best-supported (latest) first within a measure
    assert A.best_supported("How many people died?", early, table, _same) == late
    assert A.best_supported("How many had died according to the first reports?", early, table, _same) == early
    assert A.best_supported("How many people died?", None, table, _same) is None


def test_a_number_question_needs_a_figure_near_the_words_it_asks_about():
    s = Sentence("a.txt", 0, 0, 80, "Smirnov said 12 civilians had been killed in the Kursk region on Monday.")
    killed = _fig("12", 12, "civilians killed", start=13)
    assert A.answer_figure("How many civilians were killed?", s, [killed]) == killed
    assert A.answer_figure("How many people live in the Kursk region in total?", s, [killed]) is None


def test_the_figure_nearest_the_asked_words_answers():
    s = Sentence("a.txt", 0, 0, 90, "Smirnov said 12 civilians had been killed and 121 others had been wounded.")
    killed, wounded = _fig("12", 12, "civilians killed", start=13), _fig("121", 121, "others wounded", start=46)
    assert A.answer_figure("How many were wounded?", s, [killed, wounded]) == wounded


def test_a_when_question_needs_a_date_figure():
    s = Sentence("a.txt", 0, 0, 60, "The game was released on March 3, 2017 in Japan.")
    date = _fig("March 3, 2017", 736391, "game released", kind="date", unit="date", dimension="date", start=25)
    count = _fig("3", 3, "game released", start=31)
    assert A.answer_figure("When was the game released?", s, [date]) == date
    assert A.answer_figure("When was the game released?", s, [count]) is None


def test_names_of_the_question_must_appear_near_the_answer():
    assert A.question_names("Who is the governor of the Bryansk region?") == ["Bryansk"]
    assert A.missing_names("Who is the governor of the Bryansk region?", "The Belgorod governor said") == ["Bryansk"]
    assert A.missing_names("When was Marvel's Spider-Man released?", "Spider-Man came out in 2018") == []
    assert A.question_names("What was Tesla's revenue in Q1 on Monday?") == ["Tesla"]


def test_follow_up_questions_borrow_the_previous_question_and_focus_on_their_new_words():
    query, focus = A.retrieval_query("And in Belgorod?", ["How many people were evacuated?"])
    assert query == "How many people were evacuated? And in Belgorod?" and focus == ["belgorod"]
    assert A.retrieval_query("Who is the acting governor of Kursk?", ["How many left?"]) == (
        "Who is the acting governor of Kursk?", [])


def test_article_text_is_escaped_so_it_cannot_become_markup():
    out = A.md_escape("<script>alert(1)</script> [x](javascript:alert(1)) *bold* `code`")
    assert "<script>" not in out and "[x](" not in out and "*bold*" not in out
    assert out.replace("\\", "") == "<script>alert(1)</script> [x](javascript:alert(1)) *bold* `code`"


def test_rare_words_weigh_more_in_coverage():
    weights = A.WordWeights.from_sentences([Sentence("a", i, 0, 1, t) for i, t in enumerate(
        ["Kursk region news", "Kursk region again", "Kursk people live here"])])
    assert weights.idf("live") > weights.idf("kursk")
    assert A.coverage(["kursk", "live"], "Kursk was shelled", weights) < 0.5


def test_the_counted_thing_decides_between_figures_of_one_sentence():
    text = "Smirnov said 12 civilians had been killed and 121 others, including 10 children, had been wounded."
    s = Sentence("a.txt", 0, 0, len(text), text)
    killed = _fig("12", 12, "civilians killed", start=text.index("12 "))
    wounded = _fig("121", 121, "civilians wounded", start=text.index("121"))
    children = _fig("10", 10, "children", start=text.index("10 "))
    figs = [killed, wounded, children]
    assert A.answer_figure("How many children were wounded?", s, figs) == children
    assert A.answer_figure("How many civilians were wounded?", s, figs) == wounded
    assert A.answer_figure("How many civilians were killed?", s, figs) == killed
