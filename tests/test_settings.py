"""Settings: QA_BOT_* variables and flags, validated with messages that say what to do."""

import pytest

from qa_bot.errors import SettingsError
from qa_bot.settings import Settings


def test_environment_variables_are_parsed_and_overrides_win():
    s = Settings.from_env({"QA_BOT_TOP_K": "5", "QA_BOT_PROGRESS": "no", "QA_BOT_CHUNK_CHARS": "900"}, top_k=3)
    assert (s.top_k, s.progress, s.chunk_chars) == (3, False, 900)


@pytest.mark.parametrize("env, message", [
    ({"QA_BOT_TOP_K": "many"}, "QA_BOT_TOP_K='many' is not valid; set it to a whole number, e.g. 8, or unset it"),
    ({"QA_BOT_PROGRESS": "maybe"}, "QA_BOT_PROGRESS='maybe' is not valid; set it to true or false"),
    ({"QA_BOT_MIN_RELEVANCE": "high"}, "QA_BOT_MIN_RELEVANCE='high' is not valid; set it to a number, e.g. 0.45"),
    ({"QA_BOT_CHUNK_CHARS": "10"}, "QA_BOT_CHUNK_CHARS='10': chunk_chars is 10; use 100 to 2,000 characters"),
    ({"QA_BOT_CHUNK_CHARS": "2001"}, "chunk_chars is 2001; use 100 to 2,000 characters"),
    ({"QA_BOT_CHUNK_OVERLAP": "5000"}, "less than chunk_chars"),
    ({"QA_BOT_MIN_RELEVANCE": "3"}, "between 0 and 1"),
    ({"QA_BOT_ANSWERER": "magic"}, "use 'extractive' or 'llm'"),
    ({"QA_BOT_ANSWERER": "llm"}, "needs QA_BOT_LLM_URL and QA_BOT_LLM_MODEL"),
    ({"QA_BOT_CHROMA_URL": "localhost:8000"}, "QA_BOT_CHROMA_URL='localhost:8000': chroma_url is"),
])
def test_bad_settings_are_rejected_with_advice(env, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_index_key_changes_with_model_and_chunking_only():
    base = Settings()
    assert base.with_(top_k=3).index_key == base.index_key
    assert base.with_(chunk_chars=800).index_key != base.index_key
    assert base.with_(chunk_overlap=0).index_key != base.index_key
    assert base.with_(model="/models/other").index_key != base.index_key


def test_a_refused_value_from_a_flag_does_not_blame_the_variable():
    with pytest.raises(SettingsError, match="^chunk_chars is 5000;"):
        Settings.from_env({"QA_BOT_CHUNK_CHARS": "900"}, chunk_chars=5000)


def test_the_library_reads_no_environment_ask_and_disputes_alike(monkeypatch):
    import qa_bot

    seen = []

    class Stub:
        def ask(self, question, history=(), doc_ids=None):
            return "answer"

        def disputes(self):
            return "disputes"

    monkeypatch.setattr(qa_bot, "engine_for", lambda settings: seen.append(settings) or Stub())
    monkeypatch.setenv("QA_BOT_TOP_K", "not a number")  # read at the edges only: the library never sees it
    monkeypatch.setenv("QA_BOT_CANDIDATES", "3")
    assert qa_bot.ask("How many?") == "answer" and qa_bot.disputes() == "disputes"
    assert seen[0] == seen[1] == Settings()
    assert qa_bot.ask("How many?", settings=Settings(top_k=3)) == "answer" and seen[2].top_k == 3
