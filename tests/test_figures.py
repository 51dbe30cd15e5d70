"""Values of figures: numbers, units, qualifiers, intervals and dates spotted in article sentences."""

from pathlib import Path

import pytest

from qa_bot.ingest.sentences import split_sentences
from qa_bot.language.frames import article_frames, measure_phrase
from qa_bot.language.units import ordinal_to_iso
from qa_bot.records import Article

DATA = Path(__file__).parent / "data" / "figures"


def article(text: str, published: str = "2024-08-12", doc_id: str = "a.txt") -> Article:
    return Article(doc_id=doc_id, path=doc_id, title="t", text=text, sha256="x", published=published)


@pytest.fixture
def figures(nlp):
    def run(text: str, published: str = "2024-08-12"):
        a = article(text, published)
        return article_frames(nlp, a, split_sentences(a))[0]
    return run


@pytest.fixture
def by_text(figures):
    return lambda text, published="2024-08-12": {f.text: f for f in figures(text, published)}


def test_conversion_in_parentheses_is_one_figure_holding_both_texts(figures):
    figs = figures("Troops advanced some 7.5 miles (12 kilometers) into the region.")
    assert [f.text for f in figs] == ["some 7.5 miles (12 kilometers)"]
    f = figs[0]
    assert f.unit == "km" and f.dimension == "length" and f.qualifier == "about"
    assert f.low <= 12.0 <= f.high and f.low <= 12.07 <= f.high


def test_area_and_rainfall_conversions_are_one_figure(figures):
    texts = [f.text for f in figures("Ukraine controls 1,000 square kilometers (386 square miles) of territory. "
                                     "The storm dumped 310 millimetres (12.2 inches) of rain.")]
    assert texts == ["1,000 square kilometers (386 square miles)", "310 millimetres (12.2 inches)"]


def test_offsets_slice_the_figure_and_its_sentence_out_of_the_article(nlp):
    text = "Intro line.\nSmirnov said 180,000 people had been told to evacuate."
    a = article(text)
    f = article_frames(nlp, a, split_sentences(a))[0][0]
    assert text[f.start:f.end] == "180,000"
    assert text[f.sentence_start:f.sentence_end] == f.quote


@pytest.mark.parametrize("sentence,text,value", [
    ("Officials said 220 000 people were evacuated.", "220 000", 220_000),
    ("Officials said 1.2 million people were evacuated.", "1.2 million", 1_200_000),
    ("Officials said seven people were evacuated.", "seven", 7),
    ("A bribe worth half a million dollars was paid.", "half a million dollars", 500_000),
])
def test_formatting_variants_parse_to_a_value(by_text, sentence, text, value):
    f = by_text(sentence)[text]
    assert f.value == pytest.approx(value)


def test_vague_amounts_become_intervals(by_text):
    f = by_text("Smirnov said that several thousand civilians had been evacuated.")["several thousand"]
    assert (f.low, f.high) == (2000, 9999)
    f = by_text("Troops seized dozens of villages.")["dozens"]
    assert f.low == 24 and f.high == 99


def test_a_fraction_is_a_percentage(by_text):
    f = by_text("The attack prompted a sixth of its population to flee.")["a sixth"]
    assert f.unit == "%" and f.value == pytest.approx(16.67, abs=0.01)


def test_money_keeps_its_currency(by_text):
    figs = by_text("Insurers put damage at $1.2 billion; the agency said €900 million; the ministry said "
                   "10 million rubles.")
    assert figs["$1.2 billion"].unit == "USD" and figs["$1.2 billion"].value == pytest.approx(1.2e9)
    assert figs["€900 million"].unit == "EUR"
    assert figs["10 million rubles"].unit == "RUB"


def test_qualifiers_are_recorded(by_text):
    figs = by_text("More than 120,000 people have left and about 60,000 more are waiting to be evacuated.")
    assert figs["More than 120,000"].qualifier == "more than"
    assert figs["about 60,000"].qualifier == "about"


@pytest.mark.parametrize("sentence,iso", [
    ("The game was released on July 21, 2017 in Japan.", "2017-07-21"),
    ("The game was released on 1 December 2017 in Japan.", "2017-12-01"),
    ("The attack began on August 6, officials said.", "2024-08-06"),
])
def test_dates_are_figures_with_day_precision(figures, sentence, iso):
    (f,) = [f for f in figures(sentence) if f.kind == "date"]
    assert f.unit == "date" and f.low == f.high
    assert ordinal_to_iso(f.value) == iso


def test_month_and_year_date_covers_the_month(figures):
    (f,) = figures("OpenAI was founded in Dec. 2015 by a group of researchers.")
    assert f.kind == "date" and f.high - f.low == 30 and f.text == "Dec. 2015"


@pytest.mark.parametrize("sentence", [
    "Soldiers of the 80th brigade and the 225th Separate Assault Battalion took part.",
    "See pic.twitter.com/uugF3zQO9b and https://example.com/2024/08/12 for more.",
    "— BRICS News (@BRICSinfo) wrote about it.",
    "Call +1 555-123-4567 for details.",
    "It was the largest attack since World War II.",
    "The iPhone 11 is sold out.",
])
def test_ids_ordinals_handles_and_urls_are_not_figures(figures, sentence):
    assert figures(sentence) == []


def test_measure_phrase_falls_back_to_nearby_words(figures):
    (f,) = figures("Numbers: 55%.")
    assert measure_phrase(f)


def test_test_corpus_storm_articles_report_the_death_tolls(nlp):
    a = Article("storm-herald.txt", "", "t", (DATA / "storm-herald.txt").read_text(), "x", published="2024-09-18")
    figs = {f.text: f for f in article_frames(nlp, a, split_sentences(a))[0]}
    assert figs["220 000"].value == 220_000
    assert "120 mph (193 km/h)" in figs
    assert not any("555" in t or "2024" in t for t in figs)


def test_a_duration_in_days_hours_and_minutes_is_one_figure():
    from qa_bot.language.values import spot_values

    spots = spot_values("They circled the Earth in 19 days, 21 hours and 47 minutes, a record.")
    assert len(spots) == 1 and spots[0].end - spots[0].start == len("19 days, 21 hours and 47 minutes")
