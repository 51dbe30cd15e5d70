"""Figure extraction: numbers, units, qualifiers, dates, measures and attribution from article sentences."""

from pathlib import Path

import pytest

from qa_bot.language.figures import extract_figures, measure_phrase
from qa_bot.records import Article
from qa_bot.ingest.sentences import split_sentences

DATA = Path(__file__).parent / "data" / "figures"


def article(text: str, published: str = "2024-08-12", doc_id: str = "a.txt") -> Article:
    return Article(doc_id=doc_id, path=doc_id, title="t", text=text, sha256="x", published=published)


def figures(text: str, published: str = "2024-08-12"):
    a = article(text, published)
    return extract_figures(a, split_sentences(a))


def by_text(text: str, published: str = "2024-08-12"):
    return {f.text: f for f in figures(text, published)}


def test_conversion_in_parentheses_is_one_figure_holding_both_texts():
    figs = figures("Troops advanced some 7.5 miles (12 kilometers) into the region.")
    assert [f.text for f in figs] == ["some 7.5 miles (12 kilometers)"]
    f = figs[0]
    assert f.unit == "km" and f.dimension == "length" and f.qualifier == "about"
    assert f.low <= 12.0 <= f.high and f.low <= 12.07 <= f.high


def test_area_and_rainfall_conversions_are_one_figure():
    texts = [f.text for f in figures("Ukraine controls 1,000 square kilometers (386 square miles) of territory. "
                                     "The storm dumped 310 millimetres (12.2 inches) of rain.")]
    assert texts == ["1,000 square kilometers (386 square miles)", "310 millimetres (12.2 inches)"]


def test_offsets_slice_the_figure_and_its_sentence_out_of_the_article():
    text = "Intro line.\nSmirnov said 180,000 people had been told to evacuate."
    a = article(text)
    f = extract_figures(a, split_sentences(a))[0]
    assert text[f.start:f.end] == "180,000"
    assert text[f.sentence_start:f.sentence_end] == f.quote


@pytest.mark.parametrize("sentence,text,value", [
    ("Officials said 220 000 people were evacuated.", "220 000", 220_000),
    ("Officials said 1.2 million people were evacuated.", "1.2 million", 1_200_000),
    ("Officials said seven people were evacuated.", "seven", 7),
    ("A bribe worth half a million dollars was paid.", "half a million dollars", 500_000),
])
def test_formatting_variants_parse_to_a_value(sentence, text, value):
    f = by_text(sentence)[text]
    assert f.value == pytest.approx(value)


def test_vague_amounts_become_intervals():
    f = by_text("Smirnov said that several thousand civilians had been evacuated.")["several thousand"]
    assert (f.low, f.high) == (2000, 9999)
    f = by_text("Troops seized dozens of villages.")["dozens"]
    assert f.low == 24 and f.high == 99


def test_a_fraction_is_a_percentage():
    f = by_text("The attack prompted a sixth of its population to flee.")["a sixth"]
    assert f.unit == "%" and f.value == pytest.approx(16.67, abs=0.01)


def test_money_keeps_its_currency():
    figs = by_text("Insurers put damage at $1.2 billion; the agency said €900 million; the ministry said "
                   "10 million rubles.")
    assert figs["$1.2 billion"].unit == "USD" and figs["$1.2 billion"].value == pytest.approx(1.2e9)
    assert figs["€900 million"].unit == "EUR"
    assert figs["10 million rubles"].unit == "RUB"


def test_qualifiers_are_recorded():
    figs = by_text("More than 120,000 people have left and about 60,000 more are waiting to be evacuated.")
    assert figs["More than 120,000"].qualifier == "more than"
    assert figs["about 60,000"].qualifier == "about"


@pytest.mark.parametrize("sentence,iso", [
    ("The game was released on July 21, 2017 in Japan.", "2017-07-21"),
    ("The game was released on 1 December 2017 in Japan.", "2017-12-01"),
    ("The attack began on August 6, officials said.", "2024-08-06"),
])
def test_dates_are_figures_with_day_precision(sentence, iso):
    (f,) = [f for f in figures(sentence) if f.kind == "date"]
    assert f.unit == "date" and f.low == f.high
    from qa_bot.language.units import ordinal_to_iso
    assert ordinal_to_iso(f.value) == iso


def test_month_and_year_date_covers_the_month():
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
def test_ids_ordinals_handles_and_urls_are_not_figures(sentence):
    assert figures(sentence) == []


def test_measure_keeps_told_to_evacuate_apart_from_left():
    figs = figures("Smirnov said 180,000 people had been told to evacuate and that 121,000 have left already.")
    assert [f.measure for f in figs] == ["people told to evacuate", "people left"]


def test_measure_takes_the_noun_before_a_copula():
    (f,) = figures("The total number of planned evacuations was 180,000.")
    assert f.measure == "planned evacuations"


def test_measure_finds_the_verb_before_the_number():
    (f,) = figures("Russian emergency authorities evacuated an astounding 180,000 citizens from border regions.")
    assert f.measure == "citizens evacuated"


def test_measure_keeps_a_named_place_scoping_the_count():
    (f,) = figures("About 11,000 residents from Krasnoyaruzhsky district were evacuated, an official said.")
    assert f.measure == "residents from Krasnoyaruzhsky district evacuated"


def test_said_by_reads_attribution_in_the_sentence():
    figs = figures("Nine people were killed by the storm, according to the Civil Protection Agency. "
                   "The acting governor, Alexei Smirnov, told Putin that 28 settlements were under control.")
    assert figs[0].said_by == "the Civil Protection Agency"
    assert figs[1].said_by == "The acting governor, Alexei Smirnov"


def test_bare_he_resolves_to_the_speaker_of_the_previous_sentence():
    figs = figures("Valery Gerasimov told Putin on Wednesday that forces would be pushed back. "
                   "He said that 1,000 troops were involved in the attack.")
    assert figs[-1].said_by == "Valery Gerasimov"


def test_as_of_moves_back_to_the_weekday_named_in_the_sentence():
    (f,) = figures("Smirnov said on Monday that 12 civilians had been killed.", published="2024-08-14")
    assert f.as_of == "2024-08-12"
    (f,) = figures("Smirnov said that 12 civilians had been killed.", published="2024-08-14")
    assert f.as_of == "2024-08-14"
    (f,) = figures("Smirnov said on Monday that 12 civilians had been killed.", published="")
    assert f.as_of == ""


def test_measure_phrase_falls_back_to_nearby_words():
    (f,) = figures("Numbers: 55%.")
    assert measure_phrase(f)


def test_test_corpus_storm_articles_report_the_death_tolls():
    a = Article("storm-herald.txt", "", "t", (DATA / "storm-herald.txt").read_text(), "x", published="2024-09-18")
    figs = {f.text: f for f in extract_figures(a, split_sentences(a))}
    assert figs["At least 14"].measure == "people killed"
    assert figs["At least 14"].as_of == "2024-09-16"
    assert figs["220 000"].value == 220_000
    assert "120 mph (193 km/h)" in figs
    assert not any("555" in t or "2024" in t for t in figs)


def test_a_second_source_in_the_same_sentence_gets_its_own_speaker_and_the_measure_it_refers_to():
    figs = by_text("The death toll from the floods in Castrel has risen to 41, the Red Cross said on Monday, "
                   "while the interior ministry put it at 38.", published="2025-03-10")
    assert (figs["41"].measure, figs["41"].said_by) == ("death toll", "the Red Cross")
    assert (figs["38"].measure, figs["38"].said_by) == ("death toll", "the interior ministry")


def test_a_passive_estimate_keeps_its_subject_as_measure_and_its_agent_as_speaker():
    f = by_text("Damage was estimated at €2.1 billion by the regional government.")["€2.1 billion"]
    assert (f.measure, f.said_by, f.unit) == ("Damage", "the regional government", "EUR")


@pytest.mark.parametrize("sentence,measure", [
    ("Storm Zoë destroyed 300 homes in Zürich.", "homes in Zürich destroyed by Zoë"),
    ("A gas explosion in Riverton injured 12 workers.", "workers injured in Riverton"),
    ("About 60,000 more are waiting to be evacuated.", "waiting to be evacuated"),
    ("Some 8,000 people were evacuated to shelters.", "people evacuated"),
    ("Ukrainian forces now control 28 Russian settlements.", "Russian settlements controlled"),
    ("He said 28 settlements in his region were now under Ukrainian control.", "settlements under control"),
    ("The death toll has risen to 41.", "death toll"),
    ("The water had risen 3 meters above normal.", "water risen"),
])
def test_measure_labels_read_as_phrases(sentence, measure):
    (f,) = figures(sentence)
    assert f.measure == measure


def test_speaker_names_may_start_with_a_non_ascii_capital():
    (f,) = figures("Élodie Brun, the mayor, said 40 homes were destroyed.")
    assert f.said_by == "Élodie Brun"


def test_a_possessive_before_the_speakers_name_is_not_the_speaker():
    (f,) = figures("Kursk’s governor, Alexei Smirnov, says the civilian death toll has reached 12.")
    assert (f.measure, f.said_by) == ("civilian death toll", "Alexei Smirnov")


def test_flood_corpus_figures_have_measures_speakers_and_dates():
    import csv
    folder = DATA / "flood"
    dates = {r["file"]: r["published"] for r in csv.DictReader((folder / "sources.csv").open())}
    figs = {}
    for name in ("a1.txt", "a2.txt"):
        a = Article(name, "", "t", (folder / name).read_text(encoding="utf-8"), "x", published=dates[name])
        figs.update({(name, f.text): f for f in extract_figures(a, split_sentences(a))})
    assert figs[("a1.txt", "34")].measure == "people died"
    assert figs[("a1.txt", "34")].said_by == "Regional governor Elena Brask"
    assert figs[("a2.txt", "38")].as_of == "2025-03-10"  # "on Monday" in a Monday article
    assert figs[("a1.txt", "€2.1 billion")].measure == "Damage"
