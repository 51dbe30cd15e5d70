"""Indexing across processes: a killed run never loses the index, and a running engine sees another
process's update."""

import os
import signal
import subprocess
import sys
import time

import pytest

from qa_bot.engine import Engine
from qa_bot.settings import Settings

pytestmark = pytest.mark.slow


def _cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "qa_bot.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _write_articles(folder, n, word):
    for i in range(n):
        (folder / f"gen-{i:03d}.txt").write_text(
            f"Report {i} on the {word} program\nOfficials said {i + 100} {word} units were delivered in week {i}. "
            f"The {word} deliveries continued on schedule, a spokesperson added.\n" * 3)


def test_killing_an_indexing_run_leaves_the_previous_index_answering(news_corpus, tmp_path, real_embedder):
    index = tmp_path / "ix"
    done = _cli("index", "--corpus", str(news_corpus), "--index", str(index))
    assert done.wait(timeout=300) == 0, done.stderr.read()
    _write_articles(news_corpus, 80, "turbine")
    victim = _cli("index", "--corpus", str(news_corpus), "--index", str(index))
    time.sleep(6)  # somewhere in model loading, embedding or writing: every moment must be safe
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    engine = Engine(Settings(corpus=news_corpus, index_dir=index, progress=False), embedder=real_embedder)
    ids = [a.doc_id for a in engine.articles()]
    assert "harbor-fire.txt" in ids
    answer = engine.ask("How many residents were evacuated because of the harbor fire?")
    assert answer.found and any("2,400" in c.quote for c in answer.citations)
    report = engine.index()  # the next run finishes the job and cleans up
    assert len(engine.articles()) == 83 and report.chunks > 80


def test_a_running_engine_answers_from_another_process_update(news_corpus, tmp_path, real_embedder):
    index = tmp_path / "ix"
    engine = Engine(Settings(corpus=news_corpus, index_dir=index, progress=False), embedder=real_embedder)
    engine.index()
    assert not engine.ask("How many turbine units were delivered?").found
    _write_articles(news_corpus, 1, "turbine")
    other = _cli("index", "--corpus", str(news_corpus), "--index", str(index))
    assert other.wait(timeout=300) == 0, other.stderr.read()
    answer = engine.ask("How many turbine units were delivered?")
    assert answer.found and answer.citations[0].doc_id == "gen-000.txt"


def test_a_second_indexing_run_says_it_waits_for_the_first(tmp_path, caplog):
    """Two runs on one index folder: the second one says whom it waits for instead of hanging silently."""
    import threading

    from qa_bot.search.store import build_lock

    entered = threading.Event()
    with build_lock(tmp_path):
        def second():
            with build_lock(tmp_path):
                entered.set()
        with caplog.at_level("WARNING", logger="qa_bot.search.store"):
            t = threading.Thread(target=second)
            t.start()
            time.sleep(0.5)
            assert not entered.is_set()
    t.join(5)
    assert entered.is_set()
    assert f"pid {os.getpid()}" in caplog.text and "waiting for it to finish" in caplog.text
