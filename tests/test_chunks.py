"""Sentences and chunks: offsets slice the exact text; chunks respect size, overlap and stable ids."""

from qa_bot.ingest.chunks import chunk_sentences
from qa_bot.records import Article
from qa_bot.ingest.sentences import split_sentences


def _article(text: str) -> Article:
    return Article(doc_id="a.txt", path="/x/a.txt", title="t", text=text, sha256="0")


def test_sentence_offsets_slice_the_sentence_out_of_the_text():
    text = "First line here.\nGen. Smith said 12 people left. Then 3 more came! Was it U.S. policy? Yes."
    sents = split_sentences(_article(text))
    assert [s.text for s in sents] == ["First line here.", "Gen. Smith said 12 people left.", "Then 3 more came!",
                                       "Was it U.S. policy?", "Yes."]
    assert all(text[s.start:s.end] == s.text for s in sents)


def test_abbreviated_months_and_initials_do_not_split_sentences():
    text = "It was released on Dec. 1, 2017 by J. K. Rowling. The end."
    assert [s.text for s in split_sentences(_article(text))] == [
        "It was released on Dec. 1, 2017 by J. K. Rowling.", "The end."]


def test_quotes_after_the_full_stop_stay_with_their_sentence():
    text = "He said “we will win.” Others disagreed."
    assert [s.text for s in split_sentences(_article(text))] == ["He said “we will win.”", "Others disagreed."]


def test_chunks_hold_whole_sentences_within_size_with_overlap_and_stable_ids():
    text = " ".join(f"Sentence number {i} says something about topic {i}." for i in range(40))
    article = _article(text)
    sents = split_sentences(article)
    chunks = chunk_sentences(article, sents, chunk_chars=200, overlap_chars=60)
    assert [c.id for c in chunks] == [f"a.txt#{i}" for i in range(len(chunks))]
    assert all(len(c.text) <= 200 for c in chunks)
    assert all(text[c.start:c.end] == c.text for c in chunks)
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.first_sentence <= prev.last_sentence  # overlap: at least one shared sentence
        assert nxt.first_sentence > prev.first_sentence  # progress
    assert chunks[-1].last_sentence == len(sents) - 1


def test_a_sentence_longer_than_the_chunk_size_stands_alone():
    long = "Word " * 80 + "end."
    article = _article(f"Short one. {long} Short two.")
    chunks = chunk_sentences(article, split_sentences(article), chunk_chars=100, overlap_chars=0)
    assert [c.text for c in chunks] == ["Short one.", long.strip(), "Short two."]


def test_runs_without_full_stops_are_cut_so_no_sentence_exceeds_what_the_model_reads():
    text = "cell " * 1000
    sents = split_sentences(_article(text))
    assert len(sents) > 1 and all(len(s.text) <= 600 for s in sents)
    assert all(text[s.start:s.end] == s.text for s in sents)
