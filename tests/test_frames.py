"""Figure frames from the dependency parse: counted thing, predicate, event class, modality, scope, source, date,
change; and the entities of each sentence. Invented sentences from several kinds of news."""

import pytest

from qa_bot.ingest.sentences import split_sentences
from qa_bot.language.frames import article_frames, measure_phrase, resolve_date
from qa_bot.language.lexicon import event_class
from qa_bot.records import Article


@pytest.fixture
def frames(nlp):
    def run(text: str, published: str = "2024-08-12"):
        a = Article(doc_id="a.txt", path="a.txt", title="t", text=text, sha256="x", published=published)
        return article_frames(nlp, a, split_sentences(a))
    return run


@pytest.fixture
def fig(frames):
    """The figures of a text by their text."""
    return lambda text, published="2024-08-12": {f.text: f for f in frames(text, published)[0]}


def test_a_death_toll_climbing_is_a_rise_of_deaths_said_by_police_on_sunday(fig):
    f = fig("The death toll climbed to 31 on Sunday, police said.")["31"]
    assert (f.counted, f.predicate, f.event, f.change) == ("death toll", "death", "dead", "rise")
    assert (f.said_by, f.as_of, f.modality) == ("police", "2024-08-11", "done")


def test_a_later_report_of_people_who_died_is_the_same_event(fig):
    f = fig("Two days later, 38 people have died, the health ministry said.", published="2024-08-13")["38"]
    assert (f.counted, f.predicate, f.event, f.said_by) == ("people", "die", "dead", "health ministry")


def test_a_toll_put_then_corrected_is_one_measure_revised_by_the_same_officials(fig):
    figs = fig("Officials put the toll at 2,310, then corrected it to 1,870 this morning.")
    first, second = figs["2,310"], figs["1,870"]
    assert first.counted == second.counted == "toll" and first.event == second.event == "dead"
    assert (first.change, second.change) == ("", "revised")
    assert first.said_by == second.said_by == "Officials"


def test_rose_from_to_marks_the_old_value_previous_and_the_new_one_a_rise(fig):
    figs = fig("The death toll rose from 31 to 38, the Red Cross said on Monday.")
    assert (figs["31"].change, figs["38"].change) == ("previous", "rise")
    assert figs["31"].event == figs["38"].event == "dead"
    assert figs["38"].said_by == "Red Cross"


def test_told_to_evacuate_is_ordered_and_have_left_is_done(fig):
    figs = fig("Some 180,000 people had been told to evacuate and 121,000 have left.")
    ordered, left = figs["Some 180,000"], figs["121,000"]
    assert (ordered.counted, ordered.predicate, ordered.modality) == ("people", "evacuate", "ordered")
    assert (left.counted, left.predicate, left.modality) == ("people", "leave", "done")
    assert ordered.event == left.event == "displaced"
    assert measure_phrase(ordered) != measure_phrase(left)


def test_union_president_announces_planned_job_cuts(fig):
    f = fig("Union president Dan Reyes said 1,200 jobs would be cut.")["1,200"]
    assert (f.counted, f.predicate, f.event, f.modality) == ("job", "cut", "jobs-lost", "planned")
    assert f.said_by == "Union president Dan Reyes"


def test_company_plans_cuts_in_one_country(fig):
    f = fig("Acme plans to cut 1,500 positions in Germany by 2026.")["1,500"]
    assert (f.event, f.modality, f.scope) == ("jobs-lost", "planned", ("Germany",))


def test_a_ranked_list_scopes_each_count_to_its_place(fig):
    figs = fig("The worst-hit district was Westbrook, with 4,100 deaths, followed by Eastvale with 1,900, "
               "Northfield with 230.")
    assert [(figs[t].scope, figs[t].event) for t in ("4,100", "1,900", "230")] == [
        (("Westbrook",), "dead"), (("Eastvale",), "dead"), (("Northfield",), "dead")]


def test_a_fronted_place_scopes_both_conjoined_counts(fig):
    figs = fig("In Northfield, 212 people died and 1,040 were injured.")
    assert (figs["212"].event, figs["212"].scope) == ("dead", ("Northfield",))
    assert (figs["1,040"].event, figs["1,040"].scope, figs["1,040"].counted) == ("injured", ("Northfield",),
                                                                               "people")
    assert figs["212"].measure == "people died in Northfield"


def test_of_them_children_is_a_subgroup_of_the_victims(fig):
    f = fig("Of the 38 victims, 12 of them were children.")["12"]
    assert (f.counted, f.scope) == ("victim", ("children",))


def test_feared_dead_and_estimated_missing(fig):
    assert fig("Up to 50 people are feared dead.")["Up to 50"].modality == "feared"
    f = fig("An estimated 300 people were missing, according to the Civil Protection Agency.")["An estimated 300"]
    assert (f.event, f.modality, f.said_by) == ("missing", "estimated", "Civil Protection Agency")


def test_the_speaker_of_a_reporting_verb_is_not_scope(fig):
    f = fig("Kursk’s governor, Alexei Smirnov, says the civilian death toll has reached 12.")["12"]
    assert (f.said_by, f.scope, f.event) == ("Alexei Smirnov", (), "dead")


def test_an_election_count_and_its_share(fig):
    figs = fig("Reyes received 870,000 votes, or 52 percent, in the runoff last Tuesday.")
    assert (figs["870,000"].event, figs["870,000"].as_of) == ("votes", "2024-08-06")
    assert figs["52 percent"].event == "votes"


def test_turnout_reaching_a_level_counts_turnout(fig):
    f = fig("Turnout reached 62 percent in the capital, election officials said.")["62 percent"]
    assert (f.counted, f.event, f.said_by) == ("turnout", "turnout", "election officials")


def test_a_rise_by_an_amount_is_not_the_level(fig):
    figs = fig("Revenue climbed 12% to $6.3 billion.")
    assert (figs["$6.3 billion"].event, figs["$6.3 billion"].change) == ("sales", "rise")
    assert figs["12%"].event != "sales" and figs["12%"].change == "rise"


def test_passive_estimate_credits_the_agent(fig):
    f = fig("Damage was estimated at €2.1 billion by the regional government.")["€2.1 billion"]
    assert (f.counted, f.modality, f.said_by) == ("damage", "estimated", "regional government")


def test_a_place_ner_misses_is_still_scope(fig):
    f = fig("About 11,000 residents from the Krasnoyaruzhsky district were evacuated, an official said.")
    assert f["About 11,000"].scope == ("Krasnoyaruzhsky district",)
    f = fig("Police arrested 37 protesters in downtown Riverton on Saturday.")["37"]
    assert (f.event, f.scope, f.as_of) == ("arrested", ("Riverton",), "2024-08-10")


def test_he_said_takes_the_speaker_of_the_sentence_before(fig):
    f = fig("Valery Gerasimov told Putin on Wednesday that forces would be pushed back. "
            "He said that 1,000 troops were involved in the attack.")["1,000"]
    assert f.said_by == "Valery Gerasimov"


def test_a_continued_quote_keeps_its_speaker(fig):
    figs = fig("“We have lost 300 jobs in March alone,” said Maria Lopez, a spokeswoman for the union. "
               "“And 120 more will go by June.”")
    assert figs["300"].said_by == "Maria Lopez" and figs["300"].event == "jobs-lost"
    assert figs["120"].said_by == "Maria Lopez"


def test_as_of_follows_the_weekday_and_falls_back_to_the_published_date(fig):
    assert fig("Smirnov said on Monday that 12 civilians had been killed.", "2024-08-14")["12"].as_of == "2024-08-12"
    assert fig("Smirnov said that 12 civilians had been killed.", "2024-08-14")["12"].as_of == "2024-08-14"
    assert fig("Smirnov said on Monday that 12 civilians had been killed.", "")["12"].as_of == ""


@pytest.mark.parametrize("text,iso", [
    ("Sunday", "2024-08-11"), ("Monday", "2024-08-12"), ("last Tuesday", "2024-08-06"),
    ("March 1998", "1998-03-31"), ("this morning", "2024-08-12"), ("next year", "2024-08-12"),
])
def test_dates_resolve_against_the_published_date_never_after_it(text, iso):
    assert resolve_date(text, "2024-08-12") == iso  # 2024-08-12 is a Monday


def test_entities_carry_offsets_roles_and_heads(frames):
    text = "Intro. Union president Dan Reyes said 1,200 jobs would be cut in Ohio on Friday."
    _, ents = frames(text)
    by = {e.text: e for e in ents}
    assert text[by["Dan Reyes"].start:by["Dan Reyes"].end] == "Dan Reyes"
    assert (by["Dan Reyes"].label, by["Dan Reyes"].role, by["Dan Reyes"].head_lemma) == ("PERSON", "nsubj", "say")
    assert by["Ohio"].label == "GPE" and by["Friday"].label == "DATE"
    assert by["Ohio"].sentence_start == text.index("Union")


def test_event_classes_depend_on_what_is_counted():
    assert event_class("kill") == event_class("death") == event_class("toll") == "dead"
    assert event_class("cut", "job") == "jobs-lost" and event_class("cut", "price") == "cut"
    assert event_class("lose", "life") == "dead" and event_class("lose") == "losses"
    assert event_class("injure") != event_class("kill") != event_class("survivor")


def test_treaty_signatures_and_ratifications_are_counted_by_their_agents(fig):
    figs = fig("The treaty, concluded in Ottawa in 1997, has been signed by 133 countries and ratified by 65 "
               "of them.")
    assert (figs["133"].counted, figs["133"].event) == ("country", "signed")
    assert (figs["65"].counted, figs["65"].event) == ("country", "ratified")


def test_a_count_inside_a_modifier_is_not_the_verbs_object(fig):
    figs = fig("A gunman shot and killed nine people in two offices on Thursday, injuring 13 others.")
    assert figs["nine"].event == "dead" and figs["two"].event == ""
    assert (figs["13"].counted, figs["13"].event) == ("people", "injured")  # "others" are people, not offices


def test_left_dead_and_the_list_that_elaborates_it(fig):
    figs = fig("The rampage left 12 people dead: nine people in two offices, plus his two children.")
    assert [figs[t].event for t in ("12", "nine")] == ["dead", "dead"]


def test_killed_or_maimed_is_a_measure_of_its_own(fig):
    f = fig("They killed or maimed more than 1,000 people in Angola.")["more than 1,000"]
    assert (f.event, f.scope) == ("dead+injured", ("Angola",))


def test_ages_are_not_counts_of_what_follows(fig):
    figs = fig("The bodies of Debra Barton, 36, and her mother were found. The 44-year-old chemist fled.")
    assert figs["36"].counted == "age" and figs["36"].as_of == "2024-08-12"


def test_a_ranking_list_scopes_the_leader_to_the_subject(fig):
    figs = fig("China leads the list with some 110 million mines, followed by Russia with 60 million.")
    assert (figs["some 110 million"].scope, figs["60 million"].scope) == (("China",), ("Russia",))
    assert figs["60 million"].counted == "mine"


def test_a_name_after_of_a_rate_is_its_scope_and_a_plural_name_is_counted(fig):
    f = fig("The unemployment rate of France stood at 10.6 percent at the end of December.")["10.6 percent"]
    assert f.counted == "unemployment rate" and f.scope == ("France",)
    g = fig("The number of Americans killed rose to 12.")["12"]
    assert g.counted == "americans" and g.event == event_class("kill")


def test_a_named_subject_is_the_actor_of_its_count(fig):
    f = fig("Ukraine has lost 29 tanks since the start of the war.")["29"]
    assert f.actor == "Ukraine"


def test_a_sum_of_money_in_a_noun_counts_that_noun(fig):
    figs = fig("The company reported $2 billion in sales last year. "
               "The storm caused $3 million in damage in Florida. He was paid $450,000 in 1998.")
    assert figs["$2 billion"].counted == "sale" and figs["$2 billion"].event == "sales"
    assert figs["$3 million"].counted == "damage" and figs["$3 million"].scope == ("Florida",)
    assert figs["$450,000"].counted == ""  # "in 1998" says when, not what


def test_a_verb_that_takes_people_is_the_event_and_their_relative_clause_only_describes_them(fig):
    # "admit" also reports ("admitted that ..."), but with people as its object it is what happened to them
    f = fig("Hospitals have admitted 69 people that were injured in the shelling.")["69"]
    assert (f.counted, f.predicate) == ("people", "admit")
    assert fig("Police reported 41 people killed.")["41"].event == "dead"


def test_a_part_of_a_named_whole_holds_where_the_whole_does(fig):
    f = fig("About 42 countries out of the 53 member states of the Organization of African Unity have endorsed it.")
    assert f["About 42"].scope == ("Organization of African Unity",)


def test_climb_and_descent_rates_are_speeds(fig):
    f = fig("The plane began a rapid descent of about 4,700 feet per minute. It had descended at 4,700 feet a minute.")
    assert {x.dimension for x in f.values()} == {"speed"}


@pytest.mark.parametrize("text, name, about", [
    ("Union president Dan Reyes said the workers would help.", "Dan Reyes", "Union president"),
    ("Dan Reyes, the union's president, said it.", "Dan Reyes", "the union's president"),
    ("Prime Minister Elena Varga led the meeting.", "Elena Varga", "Prime Minister"),
    ("The coastal shipping firm Northwind bought it.", "Northwind", "The coastal shipping firm"),
    ("Microsoft Corp. Chairman Bill Gates said so.", "Bill Gates", "Microsoft Corp. Chairman"),
    ("Mr. Smith said it.", "Smith", ""),  # a form of address says nothing of who he is
])
def test_what_a_sentence_says_a_name_is_is_kept_with_the_entity(frames, text, name, about):
    entities = frames(text)[1]
    ent = next(e for e in entities if e.text == name)
    assert text[ent.about_start:ent.about_end] == about


def test_how_high_a_level_is_says_nothing_the_subject_is_what_is_measured(fig):
    f = fig("Unemployment is as high as 14.1 percent in Portugal.")["14.1 percent"]
    assert (f.predicate, f.event, f.scope) == ("unemployment", "unemployed", ("Portugal",))
    assert fig("The bridge is 300 meters long.")["300 meters"].counted == "bridge"


def test_an_adjective_of_an_event_class_says_what_a_rate_measures(fig):
    assert fig("The jobless rate rose to 12.5 percent.")["12.5 percent"].event == "unemployed"


def test_a_quarter_and_a_year_date_are_resolved_even_in_an_undated_article(frames):
    assert resolve_date("in Q1 2021", "2022-04-20") == "2021-03-31"
    assert resolve_date("the third quarter of 1998", "") == "1998-09-30"
    assert resolve_date("in March 2021", "") == "2021-03-31"
    assert resolve_date("on Sunday", "") == ""  # a day without a year needs the article's date
    figs = frames("Revenue was $10.4 billion in Q1 2021.", "")[0]
    assert [f.as_of for f in figs] == ["2021-03-31"]


def test_a_count_included_in_another_shares_its_event(fig):
    f = fig("Officials said 121 others, including 10 children, had been wounded in the operation.")["10"]
    assert (f.event, f.counted) == ("injured", "child")


def test_what_is_worth_a_sum_is_what_the_sum_measures(fig):
    f = fig("A deputy minister accused of taking a bribe worth half a million dollars has been arrested.")
    assert (f["half a million dollars"].counted, f["half a million dollars"].predicate) == ("bribe", "bribe")


def test_a_gapped_clause_counts_with_its_own_participle(fig):
    """'... have died and 62 others injured': the second count's verb is its participle ('[were] injured')."""
    f = fig("According to police, nine people have died and 62 others injured in explosions of land mines.")
    assert (f["nine"].event, f["62"].event) == ("dead", "injured")
    f = fig("About 250,000 people were killed by land mines and another 500,000 injured by them.")
    assert (f["About 250,000"].event, f["500,000"].event) == ("dead", "injured")


def test_a_verb_and_its_bare_noun_are_one_event(fig):
    """'opened fire' is not 'fired him': a lone singular noun object makes one expression with its verb."""
    f = fig("The gunman opened fire on July 29, and the board fired him on Sept. 13, 1990.", published="1999-08-06")
    assert f["July 29"].predicate == "open fire" and f["Sept. 13, 1990"].predicate == "fire"


def test_a_count_in_a_prepositional_phrase_takes_its_own_participle_and_a_verb_its_event_noun(fig):
    """'resulted in 122 countries signing the treaty': the countries signed; 'with 121 countries putting their
    signatures on it': putting signatures is signing."""
    f = fig("The campaign resulted in 122 countries signing the treaty in Oslo.")
    assert f["122"].event == "signed"
    f = fig("The conference ended today, with 121 countries putting their signatures on the treaty.")
    assert f["121"].event == "signed"


def test_the_bounds_of_an_age_group_are_ages_and_the_lack_of_work_is_unemployment(fig):
    """'people aged from 25 to 49' counts no 25 jobless; 'remain without a job' / 'out of work' are unemployed."""
    f = fig("The number of jobless people aged from 25 to 49 dropped, and that of those between the ages of 18 and "
            "24 rose.")
    assert f["25"].counted == "age" and f["18"].counted == "age"
    f = fig("Nearly 3 million people remain without a job, and 40,000 more are out of work in the north.")
    assert f["Nearly 3 million"].event == "unemployed" and f["40,000"].event == "unemployed"


def test_a_count_of_two_event_nouns_counts_both(fig):
    f = fig("In Norvia, 492 deaths and injuries were recorded in the year to May.")
    assert f["492"].event == "dead+injured"


def test_a_date_said_to_be_near_resolves_like_the_date_itself():
    assert resolve_date("over two years ago", "2024-08-07") == "2022-08-07"
    assert resolve_date("nearly a month ago", "2024-08-07") == "2024-07-07"
    assert resolve_date("some 25,000", "2024-08-07") == ""


def test_a_dateline_day_before_publication_is_the_day_the_report_speaks_from():
    """Wire copy published the next day: "today" and its undated figures are the dateline's day."""
    from qa_bot.language.frames import dated_by_dateline
    from qa_bot.records import Article

    def day(text, published):
        return dated_by_dateline(Article("d", "/d", "T", text, "s", published=published)).published

    assert day("Rally in Lyon\n\nLYON, France, June 27 (Xinhua) -- Several hundred people met", "1996-06-28") == "1996-06-27"
    assert day("T\n\nNAIROBI, December 30 (Xinhua) -- Kenya said", "1998-01-02") == "1997-12-30"
    assert day("T\n\nGENEVA, January 28 (Xinhua) -- Three set off", "1998-01-28") == "1998-01-28"  # the same day
    assert day("T\n\nGENEVA, January 2 (Xinhua) -- Three set off", "1998-01-28") == "1998-01-28"  # too far: no lag
    assert day("T\n\nPARIS (AP) _ Groups of jobless", "1998-12-21") == "1998-12-21"  # no day in it
