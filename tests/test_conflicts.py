"""Figure groups end to end (real parser, real embedding model): what disagrees, what agrees, what is
never compared, on the small corpora of tests/data/figures and the shipped corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_bot.render.markdown import escape_cell, figures_table

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "figures"
KURSK = Path(__file__).parent.parent / "corpus" / "kursk-2024"


def engine_for(tmp, folder: Path, names: set[str] | None, embedder, manifest: str = ""):
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    corpus = tmp / "corpus"
    corpus.mkdir()
    for p in folder.glob("*.txt"):
        if not names or p.name in names:
            shutil.copy(p, corpus / p.name)
    if manifest:
        (corpus / "sources.csv").write_text(manifest, encoding="utf-8")
    elif (folder / "sources.csv").exists():
        shutil.copy(folder / "sources.csv", corpus / "sources.csv")
    e = Engine(Settings(corpus=corpus, index_dir=tmp / "index", progress=False), embedder=embedder)
    e.index()
    return e


STORM_MANIFEST = ("file,title,outlet,published,url\nstorm-herald.txt,,Herald,2024-09-18,\n"
                  "storm-courier.txt,,Courier,2024-09-18,\n")


def test_different_death_tolls_on_one_day_are_a_conflict(tmp_path, real_embedder):
    e = engine_for(tmp_path, DATA, {"storm-herald.txt", "storm-courier.txt"}, real_embedder, STORM_MANIFEST)
    a = e.ask("How many people were killed?")
    assert a.found
    (c,) = [c for c in a.conflicts if c.kind == "conflict"]
    assert {"At least 14", "Nine"} <= {f.text for f in c.figures}
    assert "Herald" in c.note and "Courier" in c.note


def test_formatting_variants_of_one_number_agree_and_told_to_leave_is_another_measure(tmp_path, real_embedder):
    e = engine_for(tmp_path, DATA, {"storm-herald.txt", "storm-courier.txt"}, real_embedder, STORM_MANIFEST)
    a = e.ask("How many people were evacuated?")
    assert a.found and a.lead is not None and a.lead.value == 220000
    assert not a.conflicts  # "220 000" and "about 220,000" are one figure; 30,000 were only told to leave
    assert all(f.value != 30000 for f in a.figures)


def test_unit_conversion_is_not_a_conflict(tmp_path, real_embedder):
    e = engine_for(tmp_path, DATA, {"storm-herald.txt", "storm-courier.txt"}, real_embedder, STORM_MANIFEST)
    a = e.ask("How much rain fell?")
    assert a.found and not a.conflicts
    assert {f.unit for f in a.figures} <= {"mm", "km"}


def test_money_is_never_compared_across_currencies(tmp_path, real_embedder):
    e = engine_for(tmp_path, DATA / "flood", None, real_embedder)
    a = e.ask("How much damage did the flood cause?")
    assert a.found
    for c in a.conflicts:
        assert len({f.unit for f in c.figures}) == 1


def test_flood_death_tolls_over_three_days_read_as_an_update(tmp_path, real_embedder):
    e = engine_for(tmp_path, DATA / "flood", None, real_embedder)
    a = e.ask("How many people died?")
    assert a.found
    dead = [c for c in a.conflicts if c.figures[0].dimension == "count"]
    assert dead and dead[0].kind in ("update", "conflict")
    assert "2025-03-08" in dead[0].note and "2025-03-10" in dead[0].note


def test_kursk_questions_lead_with_the_answering_figure(tmp_path, real_embedder):
    e = engine_for(tmp_path, KURSK, None, real_embedder)
    a = e.ask("How many people were evacuated from the Krasnoyaruzhsky district?")
    assert a.found and a.lead is not None and a.lead.value == 11000
    b = e.ask("How many settlements are under Ukrainian control?")
    assert b.found and b.lead is not None and b.lead.value == 28


def test_markdown_cells_are_inert():
    assert escape_cell("a|b <script>[x](y)") == "a\\|b &lt;script&gt;\\[x\\]\\(y\\)"


def test_no_figures_means_no_table():
    from qa_bot.records import Answer

    assert figures_table(Answer(question="q", answer="a", found=True)) == ""
