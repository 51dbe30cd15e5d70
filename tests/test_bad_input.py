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

