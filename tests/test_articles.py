"""Ingest: folders of .txt/.md/.html become Articles; bad files are named in warnings, never crash."""

from pathlib import Path

import pytest

from qa_bot.ingest.articles import html_to_text, read_corpus
from qa_bot.errors import CorpusError


def test_reads_txt_md_and_html_recursively_with_doc_ids_relative_to_the_corpus(news_corpus):
    ingested = read_corpus(news_corpus)
    assert [a.doc_id for a in ingested.articles] == ["harbor-fire-update.md", "harbor-fire.txt", "sub/library.html"]
    assert ingested.warnings == ()


def test_manifest_sets_outlet_and_date_and_title_falls_back_to_first_line(news_corpus):
    by_id = {a.doc_id: a for a in read_corpus(news_corpus).articles}
    fire = by_id["harbor-fire.txt"]
    assert fire.title == "Fire at Harbor Warehouse Forces Evacuations"
    assert (fire.outlet, fire.published, fire.url) == ("Eastport Gazette", "2024-03-05", "https://example.org/fire")
    assert by_id["harbor-fire-update.md"].title == "Harbor fire: residents return home"
    assert by_id["sub/library.html"].title == "City Library Reopens After Renovation"
    assert by_id["sub/library.html"].outlet == ""


def test_html_markup_scripts_and_styles_are_removed_but_offsets_point_into_the_file(news_corpus):
    article = {a.doc_id: a for a in read_corpus(news_corpus).articles}["sub/library.html"]
    assert "tracking" not in article.text and "color:red" not in article.text and "<p>" not in article.text
    assert "cost €4.5 million" in article.text
    source = (news_corpus / "sub" / "library.html").read_text()
    i = article.text.index("Head librarian")
    s, e = article.source_span(i, i + len("Head librarian Anna Berg"))
    assert source[s:e] == "Head librarian Anna Berg"


def test_html_entities_become_characters():
    text, offsets, title = html_to_text("<title>A &amp; B</title><p>x &lt; y</p>")
    assert text.endswith("x < y") and title == "A & B" and len(offsets) == len(text) + 1


def test_empty_binary_and_non_utf8_files_are_named_in_warnings(news_corpus):
    (news_corpus / "empty.txt").write_text("   \n")
    (news_corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
    (news_corpus / "latin1.txt").write_bytes("Café owners said 30 tables were lost.".encode("cp1252"))
    (news_corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    ingested = read_corpus(news_corpus)
    ids = [a.doc_id for a in ingested.articles]
    assert "empty.txt" not in ids and "image.txt" not in ids and "notes.pdf" not in ids
    assert "latin1.txt" in ids
    text = " ".join(ingested.warnings)
    assert "empty.txt: skipped, the file is empty" in text
    assert "image.txt: skipped, looks like a binary file" in text
    assert "latin1.txt: it is not UTF-8" in text


def test_missing_corpus_folder_says_what_to_do(tmp_path):
    with pytest.raises(CorpusError, match="does not exist. Pass --corpus"):
        read_corpus(tmp_path / "nope")


def test_corpus_without_readable_articles_is_an_error_naming_the_reasons(tmp_path):
    (tmp_path / "a.txt").write_text("")
    (tmp_path / "b.csv").write_text("x,y")
    with pytest.raises(CorpusError, match=r"No readable article .*a.txt: skipped, the file is empty"):
        read_corpus(tmp_path)


def test_a_file_given_as_corpus_is_rejected_with_advice(news_corpus):
    with pytest.raises(CorpusError, match="is a file, not a folder"):
        read_corpus(news_corpus / "harbor-fire.txt")


def test_manifest_entry_with_a_bad_date_is_skipped_with_advice(news_corpus):
    (news_corpus / "sources.csv").write_text("file,published\nharbor-fire.txt,05/03/2024\n")
    got = read_corpus(news_corpus)
    assert any("entry 1: published date '05/03/2024'" in w and "is not YYYY-MM-DD" in w for w in got.warnings)
    assert next(a for a in got.articles if a.doc_id == "harbor-fire.txt").published == ""


def test_shipped_corpus_manifest_matches_its_files():
    root = Path(__file__).resolve().parent.parent / "corpus" / "kursk-2024"
    ingested = read_corpus(root)
    assert len(ingested.articles) == 5 and ingested.warnings == ()
    by_id = {a.doc_id: a for a in ingested.articles}
    assert by_id["000_77fda93acc507827.txt"].outlet == "CNN"
    assert by_id["004_a62debbdcae0a305.txt"].published == "2024-08-07"
    assert all(a.published == "2024-08-12" for d, a in by_id.items() if not d.startswith("004"))


def test_the_agency_a_dateline_credits_is_found_at_the_start_of_a_text_only():
    from qa_bot.ingest.articles import dateline_credit

    text = "LYON, France, June 27 (Xinhua) -- Several hundred people took part"
    span = dateline_credit(text)
    assert span is not None and text[span[0]:span[1]] == "(Xinhua)"
    old = "PARIS (AP) _ Groups of jobless occupied offices"
    assert old[slice(*dateline_credit(old))] == "(AP)"
    assert dateline_credit("The agency (Xinhua) -- said so") is None and dateline_credit("WASHINGTON -- The") is None
