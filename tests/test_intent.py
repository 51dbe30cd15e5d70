"""The question parsed once into a QuestionIntent: answer type, event, counted thing, actor, source, time pin."""

import pytest

from qa_bot.language.intent import parse_question


@pytest.fixture
def intent(nlp):
    return lambda question: parse_question(nlp, question)


def test_a_possessor_before_the_noun_does_not_hide_what_is_asked(intent):
    q = intent("What was France's jobless rate in October 1998?")
    assert (q.answer_type, q.dimension, q.time_pin) == ("amount", "percent", "1998-10")


def test_the_named_subject_is_the_actor_and_according_to_names_the_source(intent):
    q = intent("How many tanks has Russia lost in the Kursk region?")
    assert q.actor == "Russia" and q.counted == "tank"
    q = intent("How many troops were involved in the attack according to Valery Gerasimov?")
    assert q.source == "Valery Gerasimov" and not q.actor
    q = intent("How many attacks did Russia say it repelled?")
    assert q.source == "Russia" and not q.actor


def test_the_first_reports_pin_the_earliest_figure(intent):
    assert intent("How many civilians had been injured in the first reports?").time_pin == "earliest"
    assert intent("How many people died in the earthquake?").time_pin == ""


def test_a_who_question_about_a_title_keeps_the_title_words(intent):
    assert intent("Who was France's minister of employment during the protests?").role == ("minister", "employment")
    assert intent("Who is the union president?").role == ("union", "president")
    assert intent("How many people died?").role == ()


def test_a_partitive_count_of_a_state_asks_the_state_not_the_whole(intent):
    q = intent("How many of the wounded were in critical condition after the shooting?")
    assert q.predicate == "condition" and "wounded" not in q.measure
    assert "prize money" in intent("How much of the prize money went to the balloonists?").measure


def test_how_did_a_figure_change_asks_for_the_figures_over_time(intent):
    q = intent("How did the number of evacuated civilians grow from the first reports to Monday's meeting?")
    assert q.answer_type == "count"
    assert intent("How did the unemployment rate change in 1998?").answer_type == "amount"
    assert intent("How did the balloonists steer?").answer_type == "other"


def test_a_group_of_people_in_the_question_restricts_the_figure(intent):
    assert intent("What is the unemployment rate among young people under 25 in France?").group == ("young", "under 25")
    assert intent("What is the jobless rate for women?").group == ("women",)
    assert intent("How much did the company pay for the house?").group == ()  # a purpose, not a group
    assert intent("How many people died?").group == ()


def test_how_much_a_thing_cost_asks_a_sum_of_money(intent):
    assert intent("How much did it cost to build the new bridge?").dimension == "money"
    assert intent("How much rain fell?").dimension == ""


def test_which_kind_of_named_thing_asks_for_a_name_and_an_event_noun_for_a_figure(intent):
    q = intent("Which actor won Best Actor at the 92nd Academy Awards?")
    assert q.answer_type == "name" and q.role == ("actor",) and q.asks == "doer"
    assert intent("What team won the 2021 Champions League?").answer_type == "name"
    assert intent("Which company bought the mine?").answer_type == "organisation"
    assert intent("What was the cause of the crash?").answer_type == "other"
    assert (intent("What was Tesla's revenue in 2021?").answer_type, intent("What were the bank's losses?").dimension) \
        == ("amount", "money")


def test_a_size_question_with_a_copula_names_the_thing_measured(intent):
    assert intent("How wide is the stretch of border along which the troops advanced?").counted == "stretch"
    assert intent("How deep was the wreck?").counted == "wreck"
    assert intent("How far have the troops advanced?").counted == ""  # the verb says what moved


def test_which_owner_s_thing_asks_for_the_owner(intent):
    assert intent("Which country's ratification brought the treaty into force?").answer_type == "place"
    assert intent("Which company's shares fell most?").answer_type == "organisation"


def test_the_doer_of_a_counted_object_and_a_named_modifier_of_the_counted_noun(intent):
    q = intent("How many divers did the state police send?")
    assert q.actor == "state police" and q.counted == "diver"
    q = intent("How many Navy divers worked at the site?")
    assert q.counted == "diver" and q.scope == ("Navy",)
    assert intent("How many divers searched in all?").whole


def test_measurement_nouns_and_depth_questions_ask_their_dimension(intent):
    assert (intent("At what altitude was the plane flying?").answer_type,
            intent("At what altitude was the plane flying?").dimension) == ("amount", "length")
    assert intent("How deep was the wreckage?").dimension == "depth"
    assert intent("How fast did the plane descend?").dimension == "speed"


def test_how_many_units_of_a_thing_counts_the_thing_in_that_unit(intent):
    q = intent("How many hours of flying experience did the pilot have?")
    assert (q.counted, q.dimension) == ("fly experience", "duration")
    q = intent("How many square kilometers of Russian territory does Ukraine claim to hold?")
    assert q.counted == "territory" and q.dimension == "area"


def test_a_follow_up_with_its_own_event_asks_that_event_where_the_last_question_was(nlp):
    q = parse_question(nlp, "And how many were injured?", ["How many died in Northfield?"])
    assert (q.predicate, q.event, q.scope) == ("injure", "injured", ("Northfield",))
    assert "died" not in q.query and q.measure == "injured"


def test_a_follow_up_without_an_event_asks_the_last_question_again(nlp):
    q = parse_question(nlp, "What about Eastvale?", ["How many died in Northfield?"])
    assert (q.event, q.scope) == ("dead", ("Eastvale",)) and "northfield" not in q.words
    q = parse_question(nlp, "Who said so?", ["How many died?"])
    assert q.event == "dead" and q.answer_type == "person"


def test_of_them_counts_a_part_of_what_the_last_question_counted(nlp):
    q = parse_question(nlp, "How many of them were children?", ["How many people died?"])
    assert q.event == "dead" and q.counted == "child"


def test_what_a_source_said_happened_is_the_event_not_the_saying(intent):
    q = intent("How many civilians had the governor said were evacuated when the fighting first began?")
    assert q.predicate == "evacuate" and q.event == "displaced"


def test_how_long_someone_was_somewhere_asks_a_duration_and_how_long_a_thing_is_a_length(intent):
    assert intent("How long were Anna Keller and Tom Price in the air?").dimension == "duration"
    assert intent("How long was he in prison?").dimension == "duration"
    assert intent("How long is the bridge?").dimension == "length"
    assert intent("How long is the border with Ukraine?").dimension == "length"


def test_how_high_a_figure_noun_is_asks_its_kind_and_how_high_a_thing_is_a_length(intent):
    assert intent("How high was unemployment in Portugal?").dimension == "percent"
    assert intent("How high was the death toll?").answer_type == "count"
    assert intent("How high was the balloon?").dimension == "length"


def test_a_linking_verb_leaves_the_event_to_its_subject_and_an_adjective_can_name_the_event(intent):
    q = intent("How high can the jobless rate get in some neighborhoods?")
    assert (q.predicate, q.dimension) == ("rate", "percent")
    assert intent("What was the Canadian jobless rate in July 1999?").event == "unemployed"
    assert intent("How many people remained in shelters?").predicate == "shelter"


def test_a_wage_or_a_bonus_asks_a_sum_of_money_and_a_nationality_is_kept_apart(intent):
    q = intent("How much is the Canadian minimum wage per hour?")
    assert (q.event, q.dimension, q.incidental) == ("earnings", "money", ("Canadian",))
    assert intent("How big a year-end bonus were the protesters demanding?").dimension == "money"


def test_a_part_of_a_year_pins_its_end_or_start_month(intent):
    assert intent("What was the unemployment rate at the end of 1997?").time_pin == "1997-12"
    assert intent("How many died in early 1998?").time_pin == "1998-01"


def test_the_nationality_of_the_counted_thing_is_a_group_of_it(intent):
    assert intent("How many Asian nations have signed the treaty?").group == ("asian",)
    assert intent("What was the Canadian jobless rate?").group == ()


def test_the_name_of_a_title_asks_for_the_title_with_its_ordinal(intent):
    assert intent("What was the name of Lind's first wife?").role == ("first", "wife")


def test_names_in_a_clause_of_time_only_set_the_scene(intent):
    q = intent("How high was unemployment in Portugal when the ministers met in Oslo before the summit?")
    assert "Oslo" in q.incidental and "Portugal" not in q.incidental


def test_a_quarter_pins_its_last_month(intent):
    assert intent("What was Tesla's revenue in Q1 2021?").time_pin == "2021-03"


def test_a_place_in_the_name_of_the_asked_object_is_no_scope(intent):
    """'the Oslo accord' names a thing that reports call 'the accord': Oslo neither restricts where the figure is
    from nor must it stand beside the figure; a kind of place as the object keeps its name as the scope."""
    treaty = intent("How many nations have ratified the Kyoto protocol so far?")
    assert treaty.scope == () and "Kyoto" in treaty.incidental
    for question in ("How many tourists visited the Texas region?", "How many people visited the California coast?"):
        place = intent(question)
        assert len(place.scope) == 1 and place.scope[0] in question and not place.incidental


def test_which_official_said_asks_for_the_sayer_whatever_the_parser_attached_which_to(intent):
    """The small parser attaches 'Which' of 'Which Canadian official said ...' to the reported verb; the question
    still asks for the official who said it, not for what was said."""
    q = intent("Which Canadian official said his country would keep using the old port?")
    assert (q.role, q.asks, q.predicate) == (("official",), "doer", "say")
    q = intent("How many residents had the governor said were evacuated?")
    assert q.event == "displaced"  # a count in the reported clause still takes the clause's verb


def test_the_measure_phrase_leaves_out_how_near_and_when(intent):
    """'About how many ... a year after the fire' measures people who came to the service: neither 'About' nor
    the phrase of time is compared with the figures' measure phrases."""
    q = intent("About how many people came to the memorial service a year after the fire?")
    assert q.measure == "people came to memorial service"


def test_a_proper_name_the_recogniser_missed_is_a_name_with_its_number(intent):
    assert "Silver Comet 3" in intent("How tall was the Silver Comet 3 balloon?").names


def test_a_verb_of_no_event_with_an_event_noun_asks_that_event(intent):
    assert intent("How many countries put their signatures on the treaty?").event == "signed"


def test_the_verb_after_did_and_its_subject_is_read_as_a_verb_in_its_bare_form(intent):
    """After "did" and its subject only the bare verb can come: where the small parser reads it as an adjective of
    the next noun ("open" of "fire") or as a past tense ("lay" → "lie"), the event is still the verb's, as frames
    read "opened fire" and "laid off"; a tree that has the verb right is left alone."""
    for q in ("On what date did Barton open fire at the trading firms?", "When did Barton open fire?",
              "When did the gunman open fire?", "When did Barton first open fire?"):
        assert intent(q).predicate == "open fire", q
    assert intent("Why did the company lay off workers?").predicate == "lay off"
    assert intent("When did the police open an investigation?").predicate == "open"
    assert intent("How many people did the storm kill?").predicate == "kill"
    assert intent("When did the balloon land?").predicate == "land"


def test_a_nationality_groups_countries_but_places_cities_in_their_country(intent):
    """"How many African nations" counts a group of nations; "how many French cities" counts cities in France,
    which reports call "cities throughout the country": no word a figure must repeat."""
    assert intent("How many African nations have signed the mine ban treaty?").group == ("african",)
    assert intent("In how many French cities did the jobless demonstrate?").group == ()


def test_must_asks_what_is_required(intent):
    """"must" and "should" oblige, as "required to" does: the question asks the required figure ("All-Tech
    requires each day trader to put up $50,000")."""
    from qa_bot.language.lexicon import governor_modality

    assert intent("How much money must a day trader put up to open an account?").modality == "ordered" \
        == governor_modality("require")
    assert intent("How many people should leave the city?").modality == "ordered"
    assert intent("How many people would leave the city?").modality == "planned"
