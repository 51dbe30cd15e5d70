"""The look-ups persisted at index time (lookups.npz, keys/, the figure table) give what building them in memory
from the records gives."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

from qa_bot.answering.evidence import WordWeights
from qa_bot.answering.prefilter import figure_table
from qa_bot.search.lookups import LOOKUPS, read_lookups
from qa_bot.search.store import RECORD_FILES, load_generation
from qa_bot.search.view import build_view, same_event


def _fresh_word_docs(articles):
    """What the view built before lookups.npz: each lower-case word → the articles that use it."""
    out: dict[str, set[str]] = {}
    for a in articles:
        for w in set(re.findall(r"[^\W_]+", a.text.lower())):
            out.setdefault(w, set()).add(a.doc_id)
    return {w: frozenset(d) for w, d in out.items()}


def _fresh_contexts(gen):
    """What the view built before: each figure's sentence row and its context (title, previous sentence, quote)."""
    by_start = {(x.doc_id, x.start): i for i, x in enumerate(gen.sentences)}
    titles = {a.doc_id: a.title for a in gen.articles}
    rows, contexts = [], []
    for f in gen.figures:
        i = by_start.get((f.doc_id, f.sentence_start), 0)
        prev = gen.sentences[i - 1].text if i > 0 and gen.sentences[i - 1].doc_id == f.doc_id else ""
        rows.append(i)
        contexts.append(f"{titles.get(f.doc_id, '')} {prev} {f.quote}".lower())
    return rows, contexts


def test_a_reloaded_view_has_the_look_ups_a_fresh_build_gives(fake_engine):
    fake_engine.index()
    view = fake_engine._state()
    gen = view.generation
    assert (gen.folder / LOOKUPS).exists()  # written into the generation folder before it went live
    assert dict(view.word_docs) == _fresh_word_docs(gen.articles)
    rows, contexts = _fresh_contexts(gen)
    assert view.figure_sentence_rows.tolist() == rows
    assert list(view.figure_contexts) == contexts
    assert len(gen.figures) >= 5 and len(view.word_docs) > 100  # so this compared something
    fresh = WordWeights.from_sentences(gen.sentences)
    assert dict(view.weights.df) == dict(fresh.df) and view.weights.n == fresh.n
    assert {w: view.weights.postings.get(w) for w in fresh.postings} == dict(fresh.postings)
    assert view.weights.postings.get("no-such-lemma", ()) == () and view.weights.df.get("no-such-lemma", 0) == 0
    lemmas = sorted(fresh.df, key=fresh.df.get)[-3:] + sorted(fresh.df, key=fresh.df.get)[:2]
    for words in (lemmas[:2], lemmas[-2:], lemmas[1:4], lemmas):
        assert view.weights.rows_with_all(words) == fresh.rows_with_all(words)
        assert [view.weights.idf(w) for w in words] == [fresh.idf(w) for w in words]
    # without the file (an index written before it existed) the same look-ups are built in memory
    shutil.rmtree(gen.folder / LOOKUPS)
    word_docs, weights, built_rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
    assert dict(word_docs) == dict(view.word_docs) and built_rows.tolist() == rows
    assert dict(weights.postings) == dict(fresh.postings)


def test_a_damaged_lookups_file_is_rebuilt_in_memory(fake_engine):
    fake_engine.index()
    gen = fake_engine._state().generation
    (gen.folder / LOOKUPS / "word_rows.npy").write_bytes(b"not an array")
    word_docs, weights, rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
    assert dict(word_docs) == _fresh_word_docs(gen.articles)
    assert dict(weights.df) == dict(WordWeights.from_sentences(gen.sentences).df)
    assert rows.tolist() == _fresh_contexts(gen)[0]


def _in_memory(gen):
    """The same generation with its records as tuples, as a view built from records (not from the files) sees it."""
    return replace(gen, **{name: tuple(getattr(gen, name)) for name in RECORD_FILES})


def test_the_look_ups_read_from_the_index_equal_the_ones_built_from_the_records(fake_engine):
    fake_engine.index()
    view = fake_engine._state()
    gen = view.generation
    built = build_view(_in_memory(gen), view.mtime, view.store, view.bm25)
    built._figure_table = figure_table(tuple(gen.figures))  # made here: its article texts from the records
    assert dict(view.articles) == built.articles and list(view.articles) == list(built.articles)
    assert dict(view.chunks) == built.chunks
    assert all(view.chunks[c] is gen.chunks[i] for i, c in enumerate(built.chunks))  # one object per row
    assert "no-such#0" not in view.chunks and "x" not in view.chunks and view.chunks.get(gen.chunks[0].doc_id) is None
    assert list(view.bm25_docs) == built.bm25_docs and list(view.bm25_ids) == built.bm25_ids
    for key, row in built.sentence_index.items():
        assert view.sentence_index[key] == row and key in view.sentence_index
    for key, row in built.sentence_at.items():
        assert view.sentence_row(*key) == row
    assert view.sentence_row("no-such-doc", 0) is None and ("no-such-doc", 0) not in view.sentence_index
    assert view.sentence_row(gen.sentences[0].doc_id, 10**9) is None
    for key, figures in built.sentence_figures.items():
        assert view.sentence_figures[key] == figures and view.sentence_figures.get(key) == figures
    for key, entities in built.entities.items():
        assert view.entities.get(key, ()) == entities
    assert view.entities.get(("no-such-doc", 0), ()) == ()
    assert list(view.centroids) == list(built.centroids)
    for doc_id, v in built.centroids.items():  # the same float32 values: same_event compares them
        assert view.centroids[doc_id].dtype == v.dtype and view.centroids[doc_id].tobytes() == v.tobytes()
    for doc_id in gen.articles.column("doc_id"):
        assert view.sentences_naming(doc_id, ["the"]) == built.sentences_naming(doc_id, ["the"])
        assert same_event(view, doc_id) == same_event(built, doc_id)
    words = ("harbor", "fire", "zz", "e", ". ", "", "residents were", gen.articles[-1].title.lower()[-6:])
    assert view.figure_table() and view._article_texts is not None and built._article_texts is None
    assert [view.in_articles(w).tolist() for w in words] == [built.in_articles(w).tolist() for w in words]
    assert any(any(view.in_articles(w)) for w in words) and not all(all(view.in_articles(w)) for w in words)
    assert len(built.sentence_figures) >= 5 and len(built.entities) >= 5  # so this compared something


def _same_table(saved, made) -> None:
    for name in ("doc_ids", "modalities", "type_examples", "event_examples", "doc_row"):
        assert getattr(saved, name) == getattr(made, name), name
    for name in ("doc_of", "type_of", "modality_of", "event_of", "pairs", "type_rows", "event_rows"):
        assert getattr(saved, name).dtype == getattr(made, name).dtype, name
        assert getattr(saved, name).tolist() == getattr(made, name).tolist(), name
    assert list(saved.doc_places) == list(made.doc_places)
    assert {w: saved.scope_words[w].tolist() for w in saved.scope_words} == \
        {w: v.tolist() for w, v in made.scope_words.items()}
    assert all(saved.scope_words[w].dtype == made.scope_words[w].dtype for w in made.scope_words)


def test_the_figure_table_saved_at_index_time_equals_the_one_made_from_the_figures(fake_engine):
    from qa_bot.answering.prefilter import figure_table, load_table
    from qa_bot.search.lookups import TABLE

    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    saved, made = load_table(gen.folder / TABLE, gen.figures), figure_table(tuple(gen.figures))
    assert saved is not None and len(made.doc_ids) >= 2
    _same_table(saved, made)
    # made by other code (or damaged): not used, the view makes it from the figures
    meta = gen.folder / TABLE / "meta.json"
    meta.write_text(meta.read_text().replace('"code": "', '"code": "x'))
    assert load_table(gen.folder / TABLE, gen.figures) is None
    (gen.folder / TABLE / "pairs.npy").write_bytes(b"damaged")
    assert load_table(gen.folder / TABLE, gen.figures) is None
    view = type(fake_engine)(fake_engine.settings, embedder=fake_engine.embedder)._state()
    _same_table(view.figure_table(), made)
    # and saved there, so that the next process reads it instead of making it again (after an upgrade)
    again = load_table(gen.folder / TABLE, gen.figures)
    assert again is not None and not list((gen.folder / TABLE).glob("*.tmp"))
    _same_table(again, made)
    assert view.in_articles(gen.articles[0].title.split()[0].lower()).any()  # its article texts are read too


def test_a_saved_figure_table_with_scopes_pairs_and_modalities_reads_back_equal(tmp_path):
    import random

    from qa_bot.answering.prefilter import figure_table, load_table, save_table
    from qa_bot.records import Figure
    from qa_bot.search.columns import Records, write_records

    rng = random.Random(3)
    figures = []
    for i in range(400):
        value = rng.choice([3, 12, 31, 38, 120, 2400.5, rng.randint(1, 60)])
        figures.append(Figure(value=value, unit=rng.choice(["", "km"]), text=str(value), qualifier="", measure="people",
                              doc_id=f"d{rng.randint(0, 30):02d}.txt", quote="", start=i, end=i + 1, sentence_start=0,
                              sentence_end=1, low=value, high=value, dimension=rng.choice(["count", "length", "age"]),
                              counted=rng.choice(["", "age", "people"]), event=rng.choice(["", "death", "evacuate"]),
                              modality=rng.choice(["done", "done", "planned", "feared", ""]),
                              scope=rng.choice([(), (), ("Northfield",), ("East Harbor", "the Castrel valley"),
                                                ("",)])))
    write_records(tmp_path / "figures", figures, Figure)
    records = Records(tmp_path / "figures", Figure)
    made = figure_table(figures)
    assert len(made.pairs) and len(made.scope_words) >= 3 and "" in made.modalities
    save_table(tmp_path / "table", made)
    _same_table(load_table(tmp_path / "table", records), made)
    assert load_table(tmp_path / "table", figures[:-1]) is None  # another generation's figures


def test_article_texts_find_a_word_as_a_substring_test_would(tmp_path):
    from qa_bot.search.lookups import ArticleTexts, save_article_texts

    texts = ["i̇stanbul floods\nthe toll rose", "", "café owners in zürich", "toll", "the\nend é", "ab"]
    save_article_texts(tmp_path, texts)
    found = ArticleTexts(tmp_path, len(texts))
    for word in ("toll", "i̇stanbul", "é", "zürich", "ab", "b", "the", "end", "", "\n", "é owners", "xyz", "s\nt"):
        assert found.containing(word).tolist() == [word in t for t in texts], word
    save_article_texts(tmp_path, [])
    assert ArticleTexts(tmp_path, 0).containing("a").tolist() == []


def test_damaged_look_ups_by_key_are_a_damaged_index_that_qa_bot_index_repairs(fake_engine):
    import numpy as np
    import pytest

    from qa_bot.errors import IndexStoreError
    from qa_bot.search.lookups import KEYS

    fake_engine.index()
    before = fake_engine.ask("How many residents were evacuated from the harbor fire?")
    folder = load_generation(fake_engine.settings).folder / KEYS
    np.save(folder / "sentences_by_n.rows.npy", np.load(folder / "sentences_by_n.rows.npy")[:-1])
    fresh = type(fake_engine)(fake_engine.settings, embedder=fake_engine.embedder)
    with pytest.raises(IndexStoreError, match=r"is damaged .*Run `qa-bot index --corpus .* --rebuild` to rebuild"):
        fresh._state()  # what a question reads first
    report = fresh.index()
    assert report.repaired and KEYS in report.repaired
    assert fresh.ask("How many residents were evacuated from the harbor fire?").citations == before.citations
