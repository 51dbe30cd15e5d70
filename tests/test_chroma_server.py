"""A real Chroma server on loopback: indexing and answering through --chroma-url give the same answers."""


import pytest

from qa_bot.engine import Engine

pytestmark = pytest.mark.slow


def test_index_and_ask_through_a_chroma_server_match_the_embedded_store(chroma_server, fake_engine, tmp_path):
    embedded = fake_engine.ask("How many residents were evacuated?")
    remote = Engine(fake_engine.settings.with_(chroma_url=chroma_server, index_dir=tmp_path / "remote-index"),
                    embedder=fake_engine.embedder)
    report = remote.index()
    assert len(report.added) == 3
    answer = remote.ask("How many residents were evacuated?")
    assert [c.quote for c in answer.citations] == [c.quote for c in embedded.citations]
    assert not (tmp_path / "remote-index" / "chroma").exists()  # vectors live on the server
