"""The figure report on hand-made frames: groups by event and scope, updates, revisions, conflicts, the lead."""

from __future__ import annotations

import numpy as np

from qa_bot.answering.report import (Candidate, candidates, choose_lead, counted_compatible, figure_report,
                                     group_kind, group_note, group_rows, mentions, same_actor, scope_matches,
                                     same_person, source_families)
from qa_bot.records import Article, Figure, QuestionIntent


def fig(value, doc, as_of, event="dead", scope=(), change="", start=0, text=None, low=None, high=None):
    return Figure(value=value, unit="", text=text or f"{value:,.0f}", qualifier="", measure="people killed",
                  doc_id=doc, quote=f"{value} people died.", start=start, end=start + 2, sentence_start=start,
                  sentence_end=start + 20, as_of=as_of, low=value if low is None else low,
                  high=value if high is None else high, counted="people", predicate="die", event=event,
                  scope=tuple(scope), change=change)


ARTICLES = {d: Article(doc_id=d, path=d, title=f"Title {d}", text="", sha256=d, outlet=o, published=p)
            for d, o, p in (("a", "Daily Ledger", "2024-05-06"), ("b", "City Wire", "2024-05-08"),
                            ("c", "Evening Star", "2024-05-08"))}
INTENT = QuestionIntent(question="How many people died?", query="How many people died?", answer_type="count",
                        predicate="die", event="dead", counted="people")


def test_a_later_different_figure_is_an_update_and_leads():
    figs = [fig(31, "a", "2024-05-06"), fig(38, "b", "2024-05-08")]
    assert group_kind(figs, ARTICLES) == "update"
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], INTENT, ARTICLES, source_families(figs))
    assert lead.value == 38
    note = group_note(figs, "update", ARTICLES, {})
    assert note.index("31") < note.index("→") < note.index("38") and "Daily Ledger" in note and "City Wire" in note


def test_same_day_different_values_from_two_sources_are_a_conflict():
    figs = [fig(38, "b", "2024-05-08"), fig(35, "c", "2024-05-08")]
    assert group_kind(figs, ARTICLES) == "conflict"
    assert " vs " in group_note(figs, "conflict", ARTICLES, {})


def test_one_article_correcting_itself_is_a_revision_and_the_correction_leads():
    figs = [fig(2310, "c", "2024-05-08", start=0), fig(1870, "c", "2024-05-08", change="revised", start=30)]
    assert group_kind(figs, ARTICLES) == "revision"
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], INTENT, ARTICLES, source_families(figs))
    assert lead.value == 1870


def test_overlapping_intervals_agree():
    figs = [fig(121000, "a", "2024-05-06", low=120500, high=121500),
            fig(120000, "b", "2024-05-08", low=120000, high=float("inf"), text="more than 120,000")]
    assert group_kind(figs, ARTICLES) == "agree"


def test_a_question_pinned_to_the_first_report_leads_with_the_earliest():
    figs = [fig(31, "a", "2024-05-06"), fig(38, "b", "2024-05-08")]
    pinned = QuestionIntent(**{**INTENT.__dict__, "time_pin": "earliest"})
    lead = choose_lead([Candidate(i, f, 0.5) for i, f in enumerate(figs)], pinned, ARTICLES, {})
    assert lead.value == 31


def test_scope_must_name_the_asked_place():
    assert scope_matches(("Northfield",), fig(212, "b", "", scope=("Northfield",)))
    assert not scope_matches(("Northfield",), fig(1900, "b", "", scope=("Eastvale",)))
    assert not scope_matches(("Northfield",), fig(38, "b", ""), context="38 people have died nationwide")
    assert scope_matches(("Northfield",), fig(38, "b", ""), context="in northfield, 38 people died")
    assert scope_matches((), fig(38, "b", "", scope=("Eastvale",)))


def test_scoped_and_unscoped_tolls_are_different_groups_and_deaths_never_group_with_injuries():
    figs = [fig(38, "b", "2024-05-08"), fig(212, "b", "2024-05-08", scope=("Northfield",), start=40),
            fig(400, "a", "2024-05-06", event="injured", start=80)]
    vecs = np.ones((3, 4), dtype=np.float32) / 2.0  # identical phrases: only event and scope can split them
    report = figure_report(INTENT, [Candidate(i, f, 0.6 - 0.1 * i) for i, f in enumerate(figs)], vecs, ARTICLES,
                           figs)
    assert report.lead.value == 38
    assert not report.conflicts  # 38 national, 212 in Northfield and 400 injured are three measures


def thing(value, counted, doc="b", start=0, actor=""):
    return Figure(**{**fig(value, doc, "2024-05-08", event="injured", start=start).__dict__, "counted": counted,
                     "measure": f"{counted} injured", "actor": actor})


WORDS = {("civilian", "troop"): 0.6, ("soldier", "troop"): 0.89}


def similar(a, b):
    return 1.0 if a == b else WORDS.get(tuple(sorted((a, b))), 0.2)


def test_troops_and_civilians_injured_are_two_groups_and_a_toll_without_a_noun_joins_the_people():
    figs = [thing(121, "civilian"), thing(215, "troop", start=30), thing(40, "soldier", doc="c", start=60),
            thing(69, "people", doc="c", start=90), thing(70, "death toll", doc="a", start=120)]
    groups = group_rows(figs, list(range(len(figs))), np.ones((5, 4), dtype=np.float32) / 2.0, similar)
    values = sorted(sorted(figs[k].value for k in g) for g in groups)
    assert values == [[40, 215], [69, 70, 121]]


def test_a_question_about_civilians_is_not_answered_by_troops_but_by_people():
    assert not counted_compatible("civilian", "troop", similar)
    assert counted_compatible("civilian", "people", similar)
    assert counted_compatible("people", "troop", similar)
    assert not counted_compatible("child", "people", similar)
    assert counted_compatible("troop", "soldier", similar)


def test_a_named_actor_of_the_question_rejects_another_actors_count():
    intent = QuestionIntent(question="How many tanks has Russia lost?", query="", answer_type="count",
                            predicate="lose", event="losses", counted="tank", actor="Russia")
    figs = [Figure(**{**thing(29, "tank", actor="Ukraine").__dict__, "event": "losses", "predicate": "lose"}),
            Figure(**{**thing(12, "tank", start=40, actor="Russia's army").__dict__, "event": "losses",
                      "predicate": "lose"})]
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    cands = candidates(intent, vecs[0], vecs[0], figs, vecs, np.full(2, 0.6), ["", ""], [0, 1])
    assert [c.figure.value for c in cands] == [12]
    assert same_actor("Valery Gerasimov", "Gerasimov") and not same_actor("Russia", "Ukraine")


def test_a_year_in_the_question_picks_the_group_that_has_a_figure_for_it():
    intent = QuestionIntent(question="What was the rate in 1995?", query="", answer_type="amount",
                            predicate="rate", time_pin="1995")
    late = fig(11.2, "b", "1999-08-31", event="unemployed")
    old = Figure(**{**fig(11.5, "a", "1995-12-31", event="unemployed", start=50).__dict__, "scope": ("French",)})
    figs = [late, old]
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    report = figure_report(intent, [Candidate(0, late, 0.9), Candidate(1, old, 0.8)], vecs, ARTICLES, figs)
    assert report.lead.value == 11.5


def test_a_figure_must_be_about_the_people_the_question_names_and_the_whole_asked_place():
    f = fig(9, "b", "", scope=())
    assert mentions("piccard and jones flew for 19 days", f, "Bertrand Piccard")
    assert not mentions("piccard and jones flew for 19 days", f, "Kevin Uliassi")
    assert not scope_matches(("East Germany",), fig(9, "b", "", scope=("Germany",)))
    assert scope_matches(("the Kursk region",), fig(9, "b", "", scope=("Kursk",)))


def test_asking_for_the_whole_leads_with_the_largest_count_several_sources_give():
    figs = [fig(9, "a", "2024-05-06"), fig(9, "b", "2024-05-08", start=20), fig(12, "b", "2024-05-08", start=40),
            fig(12, "c", "2024-05-08", start=60), fig(13, "c", "2024-05-08", start=80)]
    whole = QuestionIntent(**{**INTENT.__dict__, "whole": True})
    cands = [Candidate(i, f, 0.6) for i, f in enumerate(figs)]
    assert choose_lead(cands, whole, ARTICLES, {}).value == 12


def test_a_bare_count_of_the_asked_thing_scoped_to_the_asked_place_answers_and_ranks_first():
    intent = QuestionIntent(question="How many mines does China have in storage?", query="", answer_type="count",
                            predicate="storage", counted="mine", scope=("China",))
    bare = Figure(**{**fig(110e6, "a", "2000-09-06").__dict__, "counted": "mine", "predicate": "", "event": "",
                     "scope": ("China",), "quote": "China leads the list with some 110 million mines."})
    near = Figure(**{**fig(3e7, "b", "2000-09-06", start=40).__dict__, "counted": "land mine", "predicate": "scatter",
                     "event": "scatter", "quote": "Tens of millions of land mines are scattered."})
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    measure = np.array([1.0, 0, 0, 0], dtype=np.float32)  # the phrases say little: cosine 0.5 both
    context = ["", "russia and china are holding out. tens of millions of land mines are scattered."]
    cands = candidates(intent, measure, measure, [bare, near], vecs, np.array([0.45, 0.6]), context, [0, 1])
    assert cands[0].figure.value == 110e6


def test_names_match_as_whole_words_not_inside_other_words():
    unscoped = Figure(**{**fig(3.4, "a", "").__dict__, "quote": "West German unemployment doubled to 3.4 percent."})
    # "east" is inside "least" and "germany" inside "germany's": only whole words name East Germany
    assert not scope_matches(("East Germany",), unscoped, "at least west germany had a history of low jobless rates")
    assert scope_matches(("Bosnia",), fig(9, "b", "", scope=("Bosnia-Herzegovina",))) or \
        mentions("mines buried in bosnia-herzegovina", fig(9, "b", ""), "Bosnia")
    assert not mentions("an array of figures", fig(9, "b", ""), "Johnnie Ray")
    # a name that ends with a number is mentioned by its last word with letters
    assert mentions("the orbiter floated some 20,000 miles", fig(9, "b", ""), "the Breitling Orbiter 3")
    assert not same_person("Joann Barton", "Ann Barton") and same_person("Leigh Ann Barton", "Ann Barton")


def test_a_question_about_a_group_of_people_wants_a_figure_that_names_the_group():
    intent = QuestionIntent(question="What is the jobless rate among young people under 25?", query="",
                            answer_type="amount", predicate="unemployment", event="unemployed", group=("young", "under 25"))
    national = Figure(**{**fig(11.2, "a", "").__dict__, "quote": "The jobless rate stood at 11.2 percent.",
                         "dimension": "percent", "event": "unemployed"})
    youth = Figure(**{**fig(21.0, "b", "", start=50).__dict__, "quote": "Unemployment of those under 25 was 21 percent.",
                      "dimension": "percent", "event": "unemployed"})
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    cands = candidates(intent, vecs[0], vecs[0], [national, youth], vecs, np.full(2, 0.6), ["", ""], [0, 1])
    assert [c.figure.value for c in cands] == [21.0]
    christmas = Figure(**{**national.__dict__, "quote": "On December 25 the jobless rate was 12.5 percent."})
    assert not candidates(intent, vecs[0], vecs[0], [christmas], vecs[:1], np.full(1, 0.6), [""], [0])


def test_a_question_verb_in_no_class_is_answered_by_a_figure_with_the_same_verb():
    intent = QuestionIntent(question="How many injured people were admitted to hospitals?", query="",
                            answer_type="count", predicate="admit", event="admit", counted="people")
    admitted = Figure(**{**fig(69, "a", "").__dict__, "predicate": "admit", "event": "admit"})
    vecs = np.ones((1, 4), dtype=np.float32) / 2.0
    far = np.zeros(4, dtype=np.float32)  # the measure phrases are not alike: the shared verb decides
    cands = candidates(intent, far, far, [admitted], vecs, np.full(1, 0.2), [""], [0])
    assert [c.figure.value for c in cands] == [69]


def test_a_size_question_prefers_a_measurement_of_the_thing_it_asks_about():
    intent = QuestionIntent(question="How wide is the stretch?", query="", answer_type="amount",
                            predicate="stretch", counted="stretch", dimension="length")
    base = fig(12, "a", "").__dict__
    advance = Figure(**{**base, "dimension": "length", "unit": "km", "counted": "troop", "predicate": "advance",
                        "event": "advance"})
    stretch = Figure(**{**base, "value": 40, "start": 30, "dimension": "length", "unit": "km", "counted": "stretch",
                        "predicate": "", "event": ""})
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    cands = candidates(intent, vecs[0], vecs[0], [advance, stretch], vecs, np.array([0.62, 0.55]), ["", ""], [0, 1])
    assert cands[0].figure.value == 40


def test_countries_nations_and_governments_count_one_thing():
    assert counted_compatible("country", "government") and counted_compatible("nation", "country")
    assert not counted_compatible("country", "mine")


def test_a_lone_latest_figure_far_below_the_group_does_not_lead_it():
    figs = [fig(127, "a", "1998-07-11"), fig(133, "b", "1999-03-01", start=10),
            fig(138, "c", "2000-09-06", start=20), fig(42, "a", "2000-10-23", start=30)]
    cands = [Candidate(i, f, 0.8) for i, f in enumerate(figs)]
    assert choose_lead(cands, INTENT, ARTICLES, {}).value == 138
    # a rising toll is not an outlier: the latest, larger figure leads
    rising = [fig(5, "a", "2024-05-06"), fig(9, "b", "2024-05-07", start=10), fig(12, "c", "2024-05-08", start=20)]
    assert choose_lead([Candidate(i, f, 0.8) for i, f in enumerate(rising)], INTENT, ARTICLES, {}).value == 12


def test_a_depth_question_takes_lengths_said_as_depths_and_groups_them():
    from qa_bot.answering.report import said_deep

    def length(value, quote, at, doc):
        start = quote.index(at)
        return Figure(**{**fig(value, doc, "").__dict__, "quote": quote, "start": start, "end": start + len(at),
                         "sentence_start": 0, "dimension": "length", "unit": "m", "text": at})
    q1 = "Divers found the wreckage in 116 feet of water about seven miles off the island."
    q2 = "The debris was found at a depth of about 35 meters, some 12 kilometers from the coast."
    figs = [length(35.4, q1, "116 feet", "a"), length(11265, q1, "about seven miles", "a"),
            length(35, q2, "about 35 meters", "b"), length(12000, q2, "some 12 kilometers", "b")]
    assert [said_deep(f) for f in figs] == [True, False, True, False]
    intent = QuestionIntent(question="How deep was the wreckage?", query="", answer_type="amount",
                            predicate="wreckage", counted="wreckage", dimension="depth")
    vecs = np.ones((4, 4), dtype=np.float32) / 2.0
    cands = candidates(intent, vecs[0], vecs[0], figs, vecs, np.full(4, 0.6), [""] * 4, [0, 1, 2, 3])
    assert sorted(c.figure.text for c in cands) == ["116 feet", "about 35 meters"]
    report = figure_report(intent, cands, vecs, ARTICLES, figs)
    assert len({f.doc_id for f in report.figures}) == 2 and len(report.figures) == 2


def test_measurements_without_a_verb_group_by_what_they_measure():
    base = fig(200, "a", "1999-07-18").__dict__
    early = Figure(**{**base, "dimension": "duration", "unit": "h", "counted": "experience", "predicate": "",
                      "event": "", "measure": "experience"})
    late = Figure(**{**early.__dict__, "value": 300, "low": 300, "high": 300, "doc_id": "b", "start": 40,
                     "counted": "flight experience", "measure": "flight experience"})
    vecs = np.eye(2, 4, dtype=np.float32)  # measure phrases far apart: what they measure decides
    assert group_rows([early, late], [0, 1], vecs) == [[0, 1]]



def test_a_month_asked_is_answered_by_what_was_reported_for_it_just_after_it_ended():
    from qa_bot.answering.report import _pinned, reported_after

    assert reported_after("1999-08-31", "1999-07") and not reported_after("1999-10-01", "1999-07")
    assert reported_after("2000-01-20", "1999") and not reported_after("1999-07-31", "1999-07")
    july = [fig(11.6, "a", "1998-10-31"), fig(11.2, "b", "1999-08-31"), fig(10.6, "c", "2000-01-28")]
    assert [f.value for f in _pinned(july, "1999-07", ARTICLES)] == [11.2]
    # nothing reported in or just after it: the latest before it
    assert [f.value for f in _pinned(july, "1999-03", ARTICLES)] == [11.6]


def test_a_figure_scoped_to_the_asked_place_leads_over_later_reports_that_only_name_it_nearby():
    intent = QuestionIntent(question="How many people died at Harbor Bank?", query="", answer_type="count",
                            predicate="die", event="dead", counted="people", scope=("Harbor Bank",))
    scoped = fig(4, "a", "2024-05-06", scope=("Harbor",))
    nearby = [fig(9, d, "2024-05-08") for d in ("b", "c")]
    cands = [Candidate(0, scoped, 0.66), *[Candidate(k + 1, f, 0.65) for k, f in enumerate(nearby)]]
    vecs = np.ones((3, 4), dtype=np.float32) / 2.0
    assert figure_report(intent, cands, vecs, ARTICLES, ()).lead.value == 4


def test_the_size_of_a_change_answers_only_a_question_about_a_change():
    rate = QuestionIntent(question="What is the jobless rate?", query="", answer_type="amount", predicate="jobless",
                          event="unemployed", dimension="percent", words=("jobless", "rate"))
    rose = Figure(**{**fig(0.9, "a", "").__dict__, "predicate": "rise", "event": "rise", "dimension": "percent",
                     "unit": "%"})
    vecs = np.ones((1, 4), dtype=np.float32) / 2.0
    near = np.full(4, 0.5, dtype=np.float32)
    assert candidates(rate, near, near, [rose], vecs, np.full(1, 0.6), [""], [0]) == []
    grew = QuestionIntent(question="By how much did the rate increase?", query="", answer_type="amount",
                          predicate="rate", event="rate", dimension="percent", words=("rate", "increase"))
    assert [c.figure.value for c in candidates(grew, near, near, [rose], vecs, np.full(1, 0.6), [""], [0])] == [0.9]


def test_a_size_question_prefers_the_length_said_in_its_size_and_a_numbered_name_is_that_one():
    from qa_bot.answering.report import asked_sizes, mentions, said_as_asked

    def length(quote, at):
        start = quote.index(at)
        return Figure(**{**fig(55, "a", "").__dict__, "quote": quote, "start": start, "end": start + len(at),
                         "sentence_start": 0, "dimension": "length", "unit": "m", "text": at})
    tall = QuestionIntent(question="How tall was the balloon?", query="", answer_type="amount",
                          predicate="balloon", counted="balloon", dimension="length", words=("tall", "balloon"))
    said = [length("The silver balloon, 180 feet tall, landed 45 miles north of the town.", "180 feet"),
            length("The silver balloon, 180 feet tall, landed 45 miles north of the town.", "45 miles"),
            length("Their 53-meter-high balloon lifted off.", "53-meter")]
    assert [said_as_asked(f, asked_sizes(tall)) for f in said] == [True, False, True]
    f = said[0]
    assert mentions("the silver comet 3 landed", f, "Silver Comet 3")
    assert mentions("the comet landed", f, "Silver Comet 3")
    assert not mentions("the silver comet ii lifted off", f, "Silver Comet 3")
    assert not mentions("the silver comet 2 lifted off", f, "Silver Comet 3")
    assert mentions("the silver comet iii lifted off", f, "Silver Comet 3")


def test_a_name_is_mentioned_by_any_of_its_capitalised_words_but_not_by_another_number():
    from qa_bot.answering.report import mentions

    f = fig(5, "a", "2024-05-06")
    assert mentions("on may 24, ammar ventured to the hilltop", f, "Ammar Serhal")  # the first name, later on
    assert mentions("tlc's board of directors fired him", f, "TLC Manufacturing")
    assert not mentions("the board fired him", f, "TLC Manufacturing")
    assert not mentions("the breitling orbiter 3 took off", f, "Breitling Orbiter II")  # another balloon
    assert not mentions("orbiter ii took off", f, "Jacques W. Piccard")  # an initial is no name


def test_a_bare_number_counts_the_asked_thing_only_where_its_sentence_names_it():
    """"How many cities": a number counting nothing named, of no asked event, in a sentence that never names
    cities ("12,000 Commit Suicide Each Year", a headline the parser could not read) is no answer; "in some 60
    cities" is."""
    intent = QuestionIntent(question="In how many cities did the jobless demonstrate?", query="",
                            answer_type="count", predicate="demonstrate", event="demonstrate", counted="city")
    base = thing(12000, "").__dict__
    headline = Figure(**{**base, "predicate": "", "event": "", "quote": "12,000 Commit Suicide Each Year"})
    cities = Figure(**{**base, "value": 60, "low": 60, "high": 60, "text": "60", "predicate": "", "event": "",
                       "quote": "Protests were staged in some 60 cities."})
    vecs = np.ones((2, 4), dtype=np.float32) / 2.0
    cands = candidates(intent, vecs[0], vecs[0], [headline, cities], vecs, np.full(2, 0.6), ["", ""], [0, 1])
    assert [c.figure.value for c in cands] == [60]
