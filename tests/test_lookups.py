"""The look-ups persisted at index time (lookups.npz) and the fast record loader give what building them in
memory from the records gives."""

from __future__ import annotations

import json
import re
from dataclasses import FrozenInstanceError, asdict

import pytest

from qa_bot.answering.evidence import WordWeights
from qa_bot.errors import IndexStoreError
from qa_bot.records import Article, Chunk, Entity, Figure, Sentence
from qa_bot.search.lookups import LOOKUPS, read_lookups
from qa_bot.search.store import load_generation


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
    (gen.folder / LOOKUPS).unlink()
    word_docs, weights, built_rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
    assert dict(word_docs) == dict(view.word_docs) and built_rows.tolist() == rows
    assert dict(weights.postings) == dict(fresh.postings)


def test_a_damaged_lookups_file_is_rebuilt_in_memory(fake_engine):
    fake_engine.index()
    gen = fake_engine._state().generation
    (gen.folder / LOOKUPS).write_bytes(b"not a zip")
    word_docs, weights, rows = read_lookups(gen.folder, gen.articles, gen.sentences, gen.figures)
    assert dict(word_docs) == _fresh_word_docs(gen.articles)
    assert dict(weights.df) == dict(WordWeights.from_sentences(gen.sentences).df)
    assert rows.tolist() == _fresh_contexts(gen)[0]


def test_records_load_equal_to_the_dataclasses_they_were_written_from(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    for name, cls, records in (("articles", Article, gen.articles), ("sentences", Sentence, gen.sentences),
                               ("chunks", Chunk, gen.chunks), ("figures", Figure, gen.figures),
                               ("entities", Entity, gen.entities)):
        data = json.loads((gen.folder / f"{name}.columns.json").read_text(encoding="utf-8"))
        columns = {k: [v["values"][c] for c in v["codes"]] if isinstance(v, dict) else v
                   for k, v in data["columns"].items()}
        rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
        made = tuple(cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}) for row in rows)
        assert records == made and [hash(r) for r in records] == [hash(r) for r in made]
        assert [asdict(r) for r in records] == [asdict(r) for r in made]
        assert all(type(r) is cls for r in records)
    assert all(isinstance(f.scope, tuple) for f in gen.figures)
    # one object per distinct short string across the files (doc ids repeat in every record)
    assert gen.figures[0].doc_id is next(a.doc_id for a in gen.articles if a.doc_id == gen.figures[0].doc_id)
    with pytest.raises(FrozenInstanceError):
        gen.figures[0].value = 1.0  # still frozen


def test_a_record_with_an_unknown_field_is_a_damaged_index(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    path = gen.folder / "chunks.columns.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["columns"]["colour"] = ["red"] * data["rows"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexStoreError, match="damaged"):
        load_generation(fake_engine.settings)


def test_a_record_written_before_a_field_with_a_default_existed_gets_the_default(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    path = gen.folder / "figures.columns.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["columns"]["actor"], data["columns"]["scope"]
    path.write_text(json.dumps(data), encoding="utf-8")
    again = load_generation(fake_engine.settings)
    assert again.figures == tuple(Figure(**{k: v for k, v in asdict(f).items() if k not in ("actor", "scope")})
                                  for f in gen.figures)
