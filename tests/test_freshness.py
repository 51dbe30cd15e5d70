"""The up-to-date check: file stamps (size, times, inode) stored with a generation decide "unchanged" without
reading the articles; a moved stamp is settled by the content hash, so only a real change rebuilds."""

from __future__ import annotations

import os

import pytest

from qa_bot.ingest import articles as ingest
from qa_bot.search import store


@pytest.fixture
def counted_reads(monkeypatch):
    """Every article file read by ingest, by doc id (read_article is the only reader of article files)."""
    reads: list[str] = []
    real = ingest.read_article

    def reading(file, meta=None):
        reads.append(file.doc_id)
        return real(file, meta)

    monkeypatch.setattr(ingest, "read_article", reading)
    return reads


@pytest.fixture
def settled(monkeypatch):
    """Stamps of files written a moment ago are trusted (in real use they are read again while under 2 s old)."""
    monkeypatch.setattr(ingest, "RACY_NS", 0)


def _generation(engine) -> int:
    return store.read_current(engine.settings)["generation"]


def test_an_unchanged_corpus_is_checked_by_its_stamps_without_reading_an_article(fake_engine, settled, counted_reads):
    first = fake_engine.index()
    assert sorted(counted_reads) == sorted(first.added)
    assert (store.key_dir(fake_engine.settings) / "gen-1" / store.STAMPS).exists()
    counted_reads.clear()
    second = fake_engine.index()
    assert counted_reads == [] and not second.changed
    assert sorted(second.unchanged) == sorted(first.added) and second.skipped == first.skipped


def test_a_touched_file_with_the_same_content_is_hashed_but_not_rebuilt(fake_engine, news_corpus, settled,
                                                                         counted_reads):
    fake_engine.index()
    path = news_corpus / "harbor-fire.txt"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # `touch`: new mtime, same bytes
    counted_reads.clear()
    report = fake_engine.index()
    assert counted_reads == ["harbor-fire.txt"]  # only the file whose stamp moved is read and hashed
    assert not report.changed and _generation(fake_engine) == 1
    counted_reads.clear()
    assert not fake_engine.index().changed and counted_reads == []  # its new stamp was stored


def test_a_content_change_that_keeps_size_and_mtime_is_still_found(fake_engine, news_corpus, settled):
    fake_engine.index()
    path = news_corpus / "harbor-fire.txt"
    st = path.stat()
    text = path.read_text()
    changed = text.replace("2,400", "9,400")
    assert changed != text and len(changed.encode()) == len(text.encode())
    path.write_text(changed)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before; ctime moved
    report = fake_engine.index()
    assert report.updated == ("harbor-fire.txt",) and _generation(fake_engine) == 2
    answer = fake_engine.ask("How many residents were evacuated from the harbor fire?")
    assert any("9,400" in c.quote for c in answer.citations)


def test_a_file_written_just_before_indexing_is_hashed_again_at_the_next_check(fake_engine, counted_reads):
    fake_engine.index()  # the copied corpus is seconds old: its stamps are not trusted yet
    counted_reads.clear()
    assert not fake_engine.index().changed
    assert sorted(counted_reads) == ["harbor-fire-update.md", "harbor-fire.txt", "sub/library.html"]


def test_an_index_without_stamps_is_checked_by_content_and_gets_them(fake_engine, settled, counted_reads):
    fake_engine.index()
    stamps = store.key_dir(fake_engine.settings) / "gen-1" / store.STAMPS
    stamps.unlink()  # an index written before files.json existed
    counted_reads.clear()
    assert not fake_engine.index().changed and len(counted_reads) == 3
    assert stamps.exists()
    counted_reads.clear()
    assert not fake_engine.index().changed and counted_reads == []


def test_a_changed_manifest_is_read_again(fake_engine, news_corpus, settled):
    fake_engine.index()
    manifest = news_corpus / "sources.csv"
    manifest.write_text(manifest.read_text().replace("Eastport Gazette", "Eastport Herald"))
    report = fake_engine.index()
    assert report.updated == ("harbor-fire.txt",)
    assert fake_engine.article("harbor-fire.txt").outlet == "Eastport Herald"


def test_skipped_files_keep_their_warning_when_nothing_changed(fake_engine, news_corpus, settled, counted_reads):
    (news_corpus / "empty.txt").write_text("  \n")
    first = fake_engine.index()
    assert any("empty.txt: skipped" in w for w in first.skipped)
    counted_reads.clear()
    second = fake_engine.index()
    assert counted_reads == [] and second.skipped == first.skipped


def test_listing_skips_hidden_entries_and_keeps_the_order_of_sorted_paths(news_corpus):
    (news_corpus / ".hidden").mkdir()
    (news_corpus / ".hidden" / "a.txt").write_text("Hidden\nNot an article.\n")
    (news_corpus / ".draft.txt").write_text("Draft\nNot an article.\n")
    (news_corpus / "sub" / "z.md").write_text("Z\nAn article.\n")
    (news_corpus / "a b.TXT").write_text("A B\nAn article.\n")
    files = ingest.list_files(news_corpus)
    expected = sorted(p for p in news_corpus.rglob("*") if p.is_file() and p.suffix.lower() in ingest.SUFFIXES
                      and not any(part.startswith(".") for part in p.relative_to(news_corpus).parts))
    assert [f.path for f in files] == expected
    assert all(f.stamp[1] == f.path.stat().st_size for f in files)
