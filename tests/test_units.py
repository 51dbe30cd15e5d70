"""Numbers as written, units and intervals."""

import pytest

from qa_bot.language import units as U


@pytest.mark.parametrize("text,value", [("121,000", 121000), ("220 000", 220000), ("220\u00a0000", 220000),
                                        ("1.234.567", 1234567), ("12.2", 12.2), ("7", 7)])
def test_thousand_separators_in_any_style_parse_to_the_same_number(text, value):
    assert U.parse_digits(text) == pytest.approx(value)


@pytest.mark.parametrize("text,half", [("121,000", 500), ("1,000", 50), ("12.2", 0.05), ("12", 0.5),
                                       ("180,000", 5000)])
def test_rounding_comes_from_significant_digits(text, half):
    assert U.digits_precision(text) == pytest.approx(half)


def test_words_value_reads_number_words():
    assert U.words_value("seven") == 7
    assert U.words_value("twenty-five") == 25
    assert U.words_value("two hundred") == 200
    assert U.words_value("three thousand") == 3000
    assert U.words_value("banana") is None


def test_miles_convert_to_kilometres_through_pint():
    assert U.to_normal(7.5, "mile", "length") == pytest.approx(12.07, abs=0.01)
    assert U.to_normal(386, "mile**2", "area") == pytest.approx(999.7, abs=0.5)
    assert U.to_normal(12.2, "inch", "depth") == pytest.approx(309.9, abs=0.1)


def test_qualifiers_widen_or_cut_the_interval():
    assert U.qualified_interval(99.5, 100.5, "about") == pytest.approx((90.0, 110.0))
    low, high = U.qualified_interval(119_500, 120_500, "more than")
    assert low == 119_500 and high > 121_000
    assert U.qualified_interval(1_349.5, 1_350.5, "up to") == (0.0, 1_350.5)


def test_qualifier_spellings_map_to_one_canonical_word():
    assert U.qualifier_of("as many as") == "up to"
    assert U.qualifier_of("Some") == "about"
    assert U.qualifier_of("more than") == "more than"


def test_month_precision_date_covers_the_whole_month():
    low, high = U.date_interval(2015, 12)
    assert U.ordinal_to_iso(low) == "2015-12-01" and U.ordinal_to_iso(high) == "2015-12-31"


def test_unit_spellings_resolve_to_a_dimension():
    assert U.unit_info("square miles").dimension == "area"
    assert U.unit_info("km/h").dimension == "speed"
    assert U.unit_info("millimetres").normal == "mm"
    assert U.unit_info("people") is None
    assert U.currency_code("rubles") == "RUB" and U.currency_code("€") == "EUR"


@pytest.mark.parametrize("value,unit,shown", [(0.003, "km", "3 m"), (12.07, "km", "12.07 km"), (121_000, "", "121,000"),
                                              (2.3e9, "USD", "2.3 billion USD"), (2_500, "mm", "2.5 m"),
                                              (250, "mm", "250 mm"), (16.6667, "%", "16.67%")])
def test_display_unit_fits_the_magnitude(value, unit, shown):
    assert U.format_value(value, unit) == shown


def test_vague_amounts_show_their_range_never_a_midpoint():
    assert U.format_amount(5_999.5, "", 2_000, 9_999, "several") == "2,000–9,999"
    assert U.format_amount(599_999.5, "", 200_000, 999_999, "hundreds of thousands") == "200,000–999,999"
    assert U.format_amount(34, "", 33.5, 34.5, "") == "34"


def test_the_stored_conversion_factors_are_the_ones_pint_computes():
    from qa_bot.language import units as U

    checked = 0
    for _, unit, dimension in U.unit_forms():
        if dimension in U._NORMAL and dimension != "temperature":
            assert U.conversion_factor(unit, dimension) == U.pint_factor(unit, dimension), unit
            checked += 1
    assert checked > 40 and all(k[1] in U._NORMAL for k in U._FACTORS)


def test_every_currency_is_known_by_its_english_name_from_cldr():
    """Currencies come from CLDR (babel): a name with its country or alone where it is one currency's only; a
    bare name shared by several keeps its default; wire copy's "dlrs" is dollars."""
    from qa_bot.language.values import spot_values

    assert U.currency_code("Thai baht") == U.currency_code("baht") == "THB"
    assert U.currency_code("French francs") == "FRF" and U.currency_code("German marks") == "DEM"
    assert U.currency_code("U.S. dollars") == U.currency_code("dlrs") == "USD"
    assert U.currency_code("real", bare=False) == "" and U.currency_code("pesos") == ""  # several pesos
    found = [(s.value, s.unit) for s in spot_values("It will cost 800 million baht (21 million U.S. dollars) and "
                                                    "a fund of one billion francs (dlrs 178 million).")]
    assert found == [(8e8, "THB"), (2.1e7, "USD"), (1e9, "CHF")]
    assert [(s.value, s.unit) for s in spot_values("He gave two real reasons.")] == [(2.0, "")]  # words, not money
