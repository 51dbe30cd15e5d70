"""Bad input at every edge (question, flags, Python arguments, environment, HTTP): a correct result or one sentence
that says what is wrong and what to do, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/browser.py, without a tests package

from qa_bot.cli import main  # noqa: E402

slow = pytest.mark.slow
EVACUATED = "How many residents were evacuated?"  # tests/data/news: 2,400 residents of the harbor district


def test_control_characters_in_a_question_are_spaces(fake_engine):
    plain = fake_engine.ask(EVACUATED)
    noisy = fake_engine.ask("How many\x00residents\x07were\x1b evacuated?\x7f")
    assert noisy.found and noisy.lead is not None and noisy.lead == plain.lead
    assert noisy.question == EVACUATED


def test_not_found_says_how_to_add_articles_with_a_command_that_works(news_corpus, tmp_path, capsys):
    question = "How many bridges did the Seym flood close?"
    args = ["ask", question, "--corpus", str(news_corpus), "--index", str(tmp_path / "ix"), "-q"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "do not answer this question" in out and "qa-bot index --corpus FOLDER" not in out
    assert "put them in the corpus folder and ask again with the same --corpus" in out
    # what the message says to do really works: the new file is searched by the next question
    (news_corpus / "seym-flood.txt").write_text("Seym flood closes bridges\nThe Seym flood closed 14 bridges "
                                                 "across the district, officials said on Tuesday.\n")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "14" in out and "do not answer this question" not in out
