"""Records persisted as memory-mapped columns (a folder of .npy files per record type) and read on demand: they load
equal to what was written, loading makes none of them, and a damaged folder is a damaged index that `qa-bot index`
rebuilds."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, asdict, fields

import numpy as np
import pytest

from qa_bot.errors import IndexStoreError
from qa_bot.records import Article, Chunk, Entity, Figure, Sentence
from qa_bot.search.columns import Records, write_records
from qa_bot.search.store import RECORD_CLASSES, RECORD_FILES, load_generation


def _figures():
    return [Figure(value=v, unit=u, text=f"{v}", qualifier="", measure="people evacuated", doc_id=d,
                   quote="Ünïcode “quote”, 2,400 people.", start=i, end=i + 1, sentence_start=0, sentence_end=9,
                   low=-0.0, high=1e300, scope=s)
            for i, (v, u, d, s) in enumerate([(2400, "", "a.txt", ()), (0.1 + 0.2, "km", "a.txt", ("Eastport",)),
                                              (-3.5, "km2", "b/c.md", ("x", "y")), (7, "", "a.txt", ())])]


def test_records_read_from_columns_equal_the_dataclasses_they_were_written_from(fake_engine, tmp_path):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    for name in RECORD_FILES:
        records = getattr(gen, name)
        assert isinstance(records, Records) and len(records), name
        made = tuple(RECORD_CLASSES[name](**asdict(r)) for r in records)  # through the dataclass's __init__
        assert tuple(records) == made and records == made and [hash(r) for r in records] == [hash(r) for r in made]
        assert [asdict(r) for r in records] == [asdict(r) for r in made]
        assert all(type(r) is RECORD_CLASSES[name] for r in records)
        for f in fields(RECORD_CLASSES[name]):  # every value of the same type (an int stays an int)
            assert [type(getattr(r, f.name)) for r in records] == [type(getattr(r, f.name)) for r in made], f.name
        # written again and read back, row by row in any order, then all at once
        write_records(tmp_path / name, made, RECORD_CLASSES[name])
        again = Records(tmp_path / name, RECORD_CLASSES[name])
        assert [again[i] for i in reversed(range(len(again)))][::-1] == list(made)
        assert tuple(again) == made and again[-1] == made[-1] and again[1:3] == made[1:3]
    with pytest.raises(FrozenInstanceError):
        gen.figures[0].value = 1.0  # still frozen


def test_edge_values_round_trip_and_a_row_is_made_once(tmp_path):
    figures = _figures()
    write_records(tmp_path / "figures", figures, Figure)
    meta = json.loads((tmp_path / "figures" / "meta.json").read_text())
    kinds = meta["fields"]
    assert kinds["doc_id"] == "coded" and kinds["scope"] == "json" and kinds["value"] == "float" and kinds["start"] == "int"
    again = Records(tmp_path / "figures", Figure)
    assert tuple(again) == tuple(figures)
    assert again[0].value == 2400 and type(again[0].value) is int and again[1].value == 0.1 + 0.2
    assert str(again[2].low) == "-0.0" and again[2].high == 1e300 and again[1].scope == ("Eastport",)
    assert again[3] is again[3] and again[np.int64(3)] is again[3] and list(again)[3] is again[3]
    assert again.column("doc_id")[2] == "b/c.md"
    assert list(again.column("doc_id")) == ["a.txt", "a.txt", "b/c.md", "a.txt"]
    with pytest.raises(IndexError):
        again[4]
    write_records(tmp_path / "none", [], Figure)
    assert tuple(Records(tmp_path / "none", Figure)) == () and len(Records(tmp_path / "none", Figure)) == 0
    articles = [Article("a.txt", "/x/a.txt", "", "", "sha", source_offsets=(0, 5)),
                Article("b.txt", "/x/b", "T", "é" * 3, "s")]
    write_records(tmp_path / "articles", articles, Article)
    assert tuple(Records(tmp_path / "articles", Article)) == tuple(articles)


def test_loading_a_generation_makes_no_record_and_a_question_makes_few(fake_engine):
    fake_engine.index()
    fresh = type(fake_engine)(fake_engine.settings, embedder=fake_engine.embedder)
    view = fresh._ready()
    gen = view.generation
    assert all(len(getattr(gen, name)._made) == 0 for name in RECORD_FILES)
    answer = fresh.ask("How many residents were evacuated from the harbor fire?")
    assert answer.citations and 0 < len(gen.chunks._made) <= fresh.settings.top_k  # the chunks retrieved


@pytest.mark.parametrize("damage", ["truncated", "missing", "short column", "code out of range", "not columns",
                                    "unknown field"])
def test_a_damaged_columns_folder_is_a_damaged_index_that_qa_bot_index_rebuilds(fake_engine, damage):
    fake_engine.index()
    before = fake_engine.ask("How many residents were evacuated from the harbor fire?")
    gen = load_generation(fake_engine.settings)
    figures = tuple(gen.figures)
    folder = gen.folder / "figures"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if damage == "truncated":
        (folder / "value.npy").write_bytes((folder / "value.npy").read_bytes()[:100])
    elif damage == "missing":
        (folder / "start.npy").unlink()
    elif damage == "short column":
        np.save(folder / "start.npy", np.load(folder / "start.npy")[:-1])
    elif damage == "code out of range":
        codes = np.load(folder / "doc_id.codes.npy")
        codes[0] = 99
        np.save(folder / "doc_id.codes.npy", codes)
    elif damage == "not columns":
        (folder / "meta.json").write_text(json.dumps([asdict(f) for f in gen.figures]), encoding="utf-8")
    else:
        meta["fields"]["colour"] = "text"
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    damaged = r"The index in .* is damaged .*Run `qa-bot index --corpus .* --rebuild` to rebuild it"
    with pytest.raises(IndexStoreError, match=damaged):
        load_generation(fake_engine.settings)
    fresh = type(fake_engine)(fake_engine.settings, embedder=fake_engine.embedder)
    report = fresh.index()  # the next indexing run repairs it too (test_limits runs the named command itself)
    assert report.repaired and "figures" in report.repaired
    assert load_generation(fake_engine.settings).figures == figures
    assert fresh.ask("How many residents were evacuated from the harbor fire?").citations == before.citations


def test_a_record_written_before_a_field_with_a_default_existed_gets_the_default(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    folder = gen.folder / "figures"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    del meta["fields"]["actor"], meta["fields"]["scope"]
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    again = load_generation(fake_engine.settings)
    assert again.figures == tuple(Figure(**{k: v for k, v in asdict(f).items() if k not in ("actor", "scope")})
                                  for f in gen.figures)
    del meta["fields"]["value"]  # no default: damage
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexStoreError, match="damaged"):
        load_generation(fake_engine.settings)


def test_all_record_types_are_stored(fake_engine):
    fake_engine.index()
    gen = load_generation(fake_engine.settings)
    assert {name: type(getattr(gen, name)).__name__ for name in RECORD_FILES} == dict.fromkeys(RECORD_FILES, "Records")
    assert set(RECORD_CLASSES.values()) == {Article, Sentence, Chunk, Figure, Entity}
