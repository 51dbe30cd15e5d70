"""Records persisted as columns (<name>.columns.json): they load equal to what was written, a damaged file is a
damaged index that `qa-bot index` rebuilds, and an index written as rows before columns still loads."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from qa_bot.errors import IndexStoreError
from qa_bot.records import Article, Chunk, Entity, Figure, Sentence
from qa_bot.search.store import RECORD_FILES, columns_to_records, load_generation, records_to_columns

CLASSES = {"articles": Article, "sentences": Sentence, "chunks": Chunk, "figures": Figure, "entities": Entity}


def test_records_round_trip_through_columns(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    for name in RECORD_FILES:
        records = getattr(gen, name)
        assert records, name
        data = json.loads(json.dumps(records_to_columns(records, CLASSES[name])))  # as written and read back
        again = columns_to_records(data, CLASSES[name])
        assert again == records and [asdict(r) for r in again] == [asdict(r) for r in records]
        assert [type(r) for r in again] == [type(r) for r in records]


def test_edge_values_round_trip_and_repeated_texts_are_stored_once():
    figures = [Figure(value=v, unit=u, text=f"{v}", qualifier="", measure="people evacuated", doc_id=d,
                      quote="Ünïcode “quote”, 2,400 people.", start=i, end=i + 1, sentence_start=0, sentence_end=9,
                      low=-0.0, high=1e300, scope=s)
               for i, (v, u, d, s) in enumerate([(2400, "", "a.txt", ()), (0.1 + 0.2, "km", "a.txt", ("Eastport",)),
                                                 (-3.5, "km2", "b/c.md", ("x", "y")), (7, "", "a.txt", ())])]
    data = records_to_columns(figures, Figure)
    assert data["columns"]["doc_id"] == {"values": ["a.txt", "b/c.md"], "codes": [0, 0, 1, 0]}
    assert data["columns"]["quote"]["values"] == ["Ünïcode “quote”, 2,400 people."]
    again = columns_to_records(json.loads(json.dumps(data, ensure_ascii=False)), Figure)
    assert again == tuple(figures) and again[1].value == 0.1 + 0.2 and again[1].scope == ("Eastport",)
    assert columns_to_records(records_to_columns([], Figure), Figure) == ()


@pytest.mark.parametrize("damage", ["truncated", "missing", "short column", "code out of range", "not columns"])
def test_a_damaged_columns_file_is_a_damaged_index_that_qa_bot_index_rebuilds(fake_engine, damage):
    fake_engine.index()
    before = fake_engine.ask("How many residents were evacuated from the harbor fire?")
    gen = load_generation(fake_engine.settings)
    path = gen.folder / "figures.columns.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "truncated":
        path.write_text(path.read_text(encoding="utf-8")[:100], encoding="utf-8")
    elif damage == "missing":
        path.unlink()
    elif damage == "short column":
        data["columns"]["value"] = data["columns"]["value"][:-1]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "code out of range":
        data["columns"]["doc_id"]["codes"][0] = 99
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(json.dumps([asdict(f) for f in gen.figures]), encoding="utf-8")
    with pytest.raises(IndexStoreError, match=r"The index in .* is damaged .*Run `qa-bot index --corpus .* --rebuild` to rebuild it"):
        load_generation(fake_engine.settings)
    fresh = type(fake_engine)(fake_engine.settings, embedder=fake_engine.embedder)
    report = fresh.index()  # the next indexing run repairs it too (test_limits runs the named command itself)
    assert report.repaired and "figures.columns.json" in report.repaired
    assert load_generation(fake_engine.settings).figures == gen.figures
    assert fresh.ask("How many residents were evacuated from the harbor fire?").citations == before.citations


def test_an_index_written_as_rows_before_columns_still_loads(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    for name in RECORD_FILES:
        (gen.folder / f"{name}.json").write_text(json.dumps([asdict(r) for r in getattr(gen, name)]),
                                                 encoding="utf-8")
        (gen.folder / f"{name}.columns.json").unlink()
    again = load_generation(fake_engine.settings)
    assert all(getattr(again, name) == getattr(gen, name) for name in RECORD_FILES)
    assert not fake_engine.index().changed
