"""Indexing: incremental updates, a new index per model/chunk settings, and failures that never lose the index."""

import os

import pytest

from qa_bot.search import store
from qa_bot.engine import Engine
from qa_bot.errors import IndexStoreError
from qa_bot.settings import Settings


def test_first_run_adds_every_article_and_second_run_changes_nothing(fake_engine):
    first = fake_engine.index()
    assert sorted(first.added) == ["harbor-fire-update.md", "harbor-fire.txt", "sub/library.html"]
    assert first.chunks >= 3
    second = fake_engine.index()
    assert second.added == second.updated == second.removed == ()
    assert sorted(second.unchanged) == sorted(first.added)


def test_changed_files_are_replaced_and_deleted_files_removed(fake_engine, news_corpus):
    fake_engine.index()
    (news_corpus / "harbor-fire.txt").write_text("Fire update\nThe fire chief said 9,999 residents left.\n")
    (news_corpus / "harbor-fire-update.md").unlink()
    (news_corpus / "new.txt").write_text("Bridge closes\nThe old bridge closed for 14 days of repairs.\n")
    report = fake_engine.index()
    assert report.updated == ("harbor-fire.txt",)
    assert report.removed == ("harbor-fire-update.md",)
    assert report.added == ("new.txt",)
    ids = [a.doc_id for a in fake_engine.articles()]
    assert ids == ["harbor-fire.txt", "new.txt", "sub/library.html"]
    answer = fake_engine.ask("How many residents left after the fire?")
    assert any("9,999" in c.quote for c in answer.citations)
    assert not any("2,400" in c.quote for c in answer.citations)


def test_only_one_generation_remains_after_an_update(fake_engine, news_corpus):
    fake_engine.index()
    (news_corpus / "new.txt").write_text("Bridge closes\nThe old bridge closed for 14 days.\n")
    fake_engine.index()
    gens = sorted(p.name for p in store.key_dir(fake_engine.settings).glob("gen-*"))
    assert gens == ["gen-2"]
    client = store.chroma_client(str(fake_engine.settings.index_dir), "")
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    assert names == [store.collection_name(fake_engine.settings, 2)]


def test_changing_chunk_settings_builds_a_separate_index(fake_engine, fake_embedder):
    fake_engine.index()
    other = Engine(fake_engine.settings.with_(chunk_chars=300, chunk_overlap=0), embedder=fake_embedder)
    assert other.settings.index_key != fake_engine.settings.index_key
    report = other.index()
    assert len(report.added) == 3  # nothing reused from the other settings' vectors
    assert store.key_dir(other.settings) != store.key_dir(fake_engine.settings)


def test_a_failed_indexing_run_leaves_the_previous_index_answering(fake_engine, news_corpus, monkeypatch):
    fake_engine.index()
    before = fake_engine.ask("How many residents were evacuated from the harbor fire?")
    (news_corpus / "new.txt").write_text("Bridge closes\nThe old bridge closed for 14 days.\n")

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.np, "save", explode)  # fails half-way through writing the new generation
    with pytest.raises(IndexStoreError, match="previous index is unchanged"):
        fake_engine.index()
    monkeypatch.undo()
    fresh = Engine(fake_engine.settings, embedder=fake_engine.embedder)
    assert fresh.ask("How many residents were evacuated from the harbor fire?").citations == before.citations
    assert "new.txt" not in [a.doc_id for a in fresh.articles()]
    assert [p.name for p in store.key_dir(fake_engine.settings).glob("gen-*")] == ["gen-1"]


def test_an_interrupted_run_is_cleaned_up_by_the_next_one(fake_engine, news_corpus, monkeypatch):
    fake_engine.index()
    (news_corpus / "new.txt").write_text("Bridge closes\nThe old bridge closed for 14 days.\n")
    monkeypatch.setattr(store.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        fake_engine.index()
    monkeypatch.undo()
    assert "new.txt" not in [a.doc_id for a in fake_engine.articles()]
    report = fake_engine.index()
    assert report.added == ("new.txt",)
    assert len(list(store.key_dir(fake_engine.settings).glob("gen-*"))) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_index_folder_that_cannot_be_written_gets_a_clear_message(news_corpus, tmp_path, fake_embedder):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    engine = Engine(Settings(corpus=news_corpus, index_dir=locked / "index", progress=False), embedder=fake_embedder)
    with pytest.raises(IndexStoreError, match="Cannot write the index folder"):
        engine.index()


def test_an_index_path_that_is_a_file_gets_a_clear_message(news_corpus, tmp_path, fake_embedder):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IndexStoreError, match="is a file, not a folder. Pass --index with a folder"):
        Engine(Settings(corpus=news_corpus, index_dir=blocker, progress=False), embedder=fake_embedder)


def test_uploaded_files_are_indexed_and_bad_ones_rejected_with_reasons(fake_engine, tmp_path):
    fake_engine.index()
    good = tmp_path / "dam.txt"
    good.write_text("Dam repair finished\nEngineers said the dam repair cost $12 million and took 8 months.\n")
    empty = tmp_path / "empty.md"
    empty.write_text("")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x00\x00")
    report, rejected = fake_engine.add_files([good, empty, exe])
    assert report.added == ("uploads/dam.txt",)
    assert rejected == ["empty.md: skipped, the file is empty",
                        "tool.exe: not an article file; upload .txt, .md or .html"]
    answer = fake_engine.ask("How much did the dam repair cost?")
    assert answer.citations[0].doc_id == "uploads/dam.txt"


def test_an_up_to_date_index_that_cannot_be_written_still_answers(fake_engine, monkeypatch):
    fake_engine.index()

    def read_only(folder):
        raise IndexStoreError(f"Cannot write the index folder {folder} (Read-only file system).")

    monkeypatch.setattr("qa_bot.engine.check_writable", read_only)
    report = fake_engine.index()
    assert not report.changed
    assert fake_engine.ask("How many residents were evacuated?").found


def test_a_read_only_index_that_needs_updating_says_so(fake_engine, news_corpus, monkeypatch):
    fake_engine.index()
    (news_corpus / "new.txt").write_text("Bridge closes\nThe old bridge closed for 14 days.\n")
    monkeypatch.setattr("qa_bot.engine.check_writable",
                        lambda folder: (_ for _ in ()).throw(IndexStoreError("Cannot write the index folder x.")))
    with pytest.raises(IndexStoreError, match="Cannot write the index folder"):
        fake_engine.index()


def test_folders_of_deleted_chroma_collections_are_removed(fake_engine, news_corpus):
    fake_engine.index()
    chroma_dir = fake_engine.settings.index_dir / "chroma"
    for i in range(3):
        (news_corpus / f"new{i}.txt").write_text(f"Bridge {i} closes\nThe old bridge closed for {i + 3} days.\n")
        fake_engine.index()
    before = sorted(p.name for p in chroma_dir.iterdir() if p.is_dir())
    assert len(before) > 1  # Chroma leaves the folders of deleted collections behind
    store.remove_orphan_segments(chroma_dir, min_age=0)
    after = [p.name for p in chroma_dir.iterdir() if p.is_dir()]
    assert len(after) == 1 and after[0] in before
    assert fake_engine.ask("How long did bridge 2 close?").found  # the live collection still answers


def test_chunk_metadata_is_what_llama_index_writes_for_the_node():
    """The collection is written without llama-index, with the metadata its ChromaVectorStore.add would write."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    from qa_bot.records import Article, Chunk

    for article in (Article("a/b é.txt", "/x", "Fire \"at\" the harbor", "text", "sha", "Daily Ño", "2024-05-01"),
                    Article("c.html", "/y", "", "text", "sha")):
        chunk = Chunk(f"{article.doc_id}#3", article.doc_id, 3, 10, 250, "The text — quoted \"here\".\n", 1, 4)
        keys = ["article", "title", "outlet", "published", "chunk", "start", "end"]
        node = TextNode(id_=chunk.id, text=chunk.text, embedding=[0.5, 0.25],
                        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
                        metadata={"article": chunk.doc_id, "title": article.title, "outlet": article.outlet,
                                  "published": article.published, "chunk": chunk.n, "start": chunk.start,
                                  "end": chunk.end},
                        excluded_embed_metadata_keys=keys, excluded_llm_metadata_keys=["chunk", "start", "end"])
        expected = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
        expected = {k: "" if v is None else v for k, v in expected.items()}  # as ChromaVectorStore.add does
        got = store.chunk_metadata(chunk, article)
        assert list(got.items()) == list(expected.items())
