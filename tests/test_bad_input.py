"""Bad input at every edge (question, flags, Python arguments, environment, HTTP): a correct result or one sentence
that says what is wrong and what to do, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/browser.py, without a tests package

from conftest import DATA  # noqa: E402

from qa_bot.cli import main  # noqa: E402
from qa_bot.engine import Engine  # noqa: E402
from qa_bot.errors import SettingsError  # noqa: E402
from qa_bot.ingest.articles import read_corpus  # noqa: E402

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


@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_a_port_out_of_range_is_one_sentence(port, tmp_path, capsys):
    code = main(["serve", "--port", port, "--corpus", str(DATA / "news"), "--index", str(tmp_path / "ix")])
    err = capsys.readouterr().err
    assert code == 2 and f"--port {port} is not a port; use a whole number from 1 to 65535" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["--corpus", "--index"])
def test_an_empty_corpus_or_index_path_is_refused(flag, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty path used to mean the current folder: it would be indexed / written
    args = {"--corpus": str(DATA / "news"), "--index": str(tmp_path / "ix")}
    args[flag] = ""
    code = main(["ask", EVACUATED, "-q"] + [x for kv in args.items() for x in kv])
    err = capsys.readouterr().err
    assert code == 2 and f"is empty; give a folder path ({flag} FOLDER)" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing indexed or written


def test_an_index_path_that_is_a_file_is_one_sentence(tmp_path, capsys):
    (tmp_path / "ix").write_text("not an index")
    code = main(["ask", EVACUATED, "--corpus", str(DATA / "news"), "--index", str(tmp_path / "ix"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "is a file, not a folder. Pass --index with a folder" in err
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / "ix").read_text() == "not an index"


@pytest.mark.parametrize("call, message", [
    (lambda e: e.ask(EVACUATED, doc_ids=["nope.txt"]), "doc_ids 'nope.txt': no indexed article has this id"),
    (lambda e: e.ask(EVACUATED, doc_ids=[]), "doc_ids is empty; name at least one article id"),
    (lambda e: e.ask(EVACUATED, mode="fast"), "mode is 'fast'; use one of hybrid, dense, bm25"),
    (lambda e: e.disputes(doc_ids=5), "doc_ids must be a list of article ids"),
    (lambda e: e.disputes(doc_ids=["nope.txt"]), "doc_ids 'nope.txt': no indexed article has this id"),
    (lambda e: e.add_files("report.txt"), "add_files takes a list of file paths"),
    (lambda e: e.add_files(5), "add_files takes a list of file paths"),
], ids=["unknown-doc", "empty-docs", "bad-mode", "disputes-int", "disputes-unknown", "add-one-string", "add-int"])
def test_engine_arguments_are_checked_with_one_qa_bot_error(call, message, fake_engine):
    with pytest.raises(SettingsError, match=re.escape(message)) as err:
        call(fake_engine)
    assert "\n" not in str(err.value)
    if "nope" in message:
        assert "harbor-fire.txt" in str(err.value)  # the known ids are named


@pytest.mark.parametrize("settings", [None, "fast", {"corpus": "x"}])
def test_an_engine_without_settings_says_what_to_pass(settings):
    with pytest.raises(SettingsError, match="Engine needs a qa_bot.Settings"):
        Engine(settings)


def _model(tmp_path: Path, kind: str) -> str:
    if kind == "missing":
        return str(tmp_path / "no-such-model")
    if kind == "file":
        (tmp_path / "model.bin").write_bytes(b"\0" * 10)
        return str(tmp_path / "model.bin")
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "broken":
        (folder / "config.json").write_text('{"model_type":')
    return str(folder)


@pytest.mark.parametrize("kind, message", [
    ("missing", "does not exist"), ("file", "is a file, not a model folder"), ("empty", "holds no model"),
    ("broken", "Cannot load embedding model"),
])
def test_a_model_that_is_missing_or_invalid_is_one_sentence(kind, message, tmp_path, capsys):
    code = main(["ask", EVACUATED, "--corpus", str(DATA / "news"), "--index", str(tmp_path / "ix"), "-q",
                 "--model", _model(tmp_path, kind)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Pass --model (or QA_BOT_MODEL) a folder" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("command", [["index"], ["ask", EVACUATED]])
def test_a_skipped_file_is_warned_about_once(command, news_corpus, tmp_path):
    (news_corpus / "empty.txt").write_text("")
    out = subprocess.run([sys.executable, "-m", "qa_bot.cli", *command, "--corpus", str(news_corpus), "--index",
                          str(tmp_path / "ix"), "-q"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("empty.txt: skipped, the file is empty") == 1, out.stderr


def test_an_article_linked_twice_is_read_once(fake_engine, news_corpus):
    (news_corpus / "copy-of-fire.txt").symlink_to(news_corpus / "harbor-fire.txt")
    (news_corpus / "also-fire.txt").symlink_to("copy-of-fire.txt")  # a link to the link
    ids = [a.doc_id for a in read_corpus(news_corpus).articles]
    assert "harbor-fire.txt" in ids and "copy-of-fire.txt" not in ids and "also-fire.txt" not in ids
    fake_engine.index()
    assert {a.doc_id for a in fake_engine.articles()} == set(ids)
    cited = [c.doc_id for c in fake_engine.ask(EVACUATED).citations]
    assert "copy-of-fire.txt" not in cited and "also-fire.txt" not in cited


def test_an_index_that_read_a_linked_article_twice_drops_the_second(fake_engine, news_corpus):
    link = news_corpus / "copy-of-fire.txt"
    link.write_bytes((news_corpus / "harbor-fire.txt").read_bytes())  # how an older index saw the link: 2 files
    assert "copy-of-fire.txt" in fake_engine.index().added
    link.unlink()
    link.symlink_to(news_corpus / "harbor-fire.txt")
    report = fake_engine.index()
    assert report.removed == ("copy-of-fire.txt",)
    assert "copy-of-fire.txt" not in {a.doc_id for a in fake_engine.articles()}


@pytest.mark.parametrize("start, end", [("abc", "12"), (1.5, None), ([1], {"x": 1}), (True, "9" * 40)])
def test_open_article_with_offsets_that_are_not_numbers_opens_it_without_a_highlight(start, end, fake_engine,
                                                                                    caplog):
    from qa_bot import ui

    fake_engine.index()
    ref = {"doc_id": "harbor-fire.txt", "start": start, "end": end, "fig_start": "x", "fig_end": None}
    html = ui.open_article_html(fake_engine, ui.Startup.ready_now(fake_engine), ref)
    assert 'class="qa-article"' in html and "qa-hl" not in html
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    good = ui.open_article_html(fake_engine, ui.Startup.ready_now(fake_engine),
                                {"doc_id": "harbor-fire.txt", "start": "10", "end": 40})
    assert "qa-hl" in good


def _guarded_ask(body: bytes, pieces: int = 1) -> tuple[int, dict, bool]:
    """POST body to /gradio_api/call/ask through the Guard (sent in `pieces` messages): (status, JSON, app called)."""
    import asyncio
    import json

    from qa_bot.guard import Guard

    reached, replies = [], []

    async def app(scope, receive, send):
        reached.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"event_id": "1"}'})

    size = -(-len(body) // pieces) or 1
    messages = [{"type": "http.request", "body": body[i:i + size], "more_body": i + size < len(body)}
                for i in range(0, max(len(body), 1), size)]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        replies.append(message)

    asyncio.run(Guard(app)({"type": "http", "method": "POST", "path": "/gradio_api/call/ask",
                            "client": ("127.0.0.1", 1)}, receive, send))
    return replies[0]["status"], json.loads(replies[1]["body"]), bool(reached)


@pytest.mark.parametrize("body, pieces, message", [
    (b'{"data": ["' + b"x" * 1_100_000 + b'"]}', 1, "The request body is over 1 MB"),
    (b'{"data": ["' + b"x" * 1_100_000 + b'"]}', 40, "The request body is over 1 MB"),
    (b'{"data": ["How many were evacuated?", "Who said it?"]}', 1, "holds 2 items; ask one question per call"),
    (b'{"data": [["How many were evacuated?"]]}', 1, 'The question must be text (a string), not a list'),
    (b'{"data": [5]}', 1, "must be text (a string), not a number"),
    (b'{"data": {"question": "How many?"}}', 1, 'has no "data" list'),
], ids=["1.1MB", "1.1MB-in-pieces", "two-questions", "nested-list", "number", "object"])
def test_the_ask_api_refuses_a_body_that_is_not_one_question_with_422(body, pieces, message):
    status, reply, reached = _guarded_ask(body, pieces)
    assert status == 422 and message in reply["error"] and not reached
    assert 'Send one question as JSON: {"data": ["How many people were evacuated?"]}' in reply["error"]


def test_the_ask_api_passes_one_question_on():
    assert _guarded_ask(b'{"data": ["How many were evacuated?"]}') == (200, {"event_id": "1"}, True)


@slow
def test_a_question_the_api_refuses_is_one_info_line_in_the_log_not_a_traceback(tmp_path, capfd, caplog):
    import json
    import logging
    import urllib.request

    import browser as B

    caplog.set_level(logging.INFO, logger="qa_bot")
    with B.running_page(B.FakeEngine(B.DATA, tmp_path / "uploads")) as url:
        req = urllib.request.Request(url + "gradio_api/call/ask", data=b'{"data": ["   "]}',
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            event = json.loads(r.read())["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event}", timeout=30) as r:
            stream = r.read().decode()
    assert "event: error" in stream and "The question is empty" in stream
    refused = [r for r in caplog.records if "API refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelname == "INFO" and not refused[0].exc_info
    assert "Traceback" not in capfd.readouterr().err


def test_an_unknown_article_id_names_the_known_ids(fake_engine):
    from qa_bot.errors import CorpusError

    with pytest.raises(CorpusError, match=r"No indexed article has the id 'nope.txt'; use one of the known ids "
                                          r"\(.*harbor-fire.txt"):
        fake_engine.article("nope.txt")


def test_the_real_path_of_a_listed_file_is_what_resolve_gives(news_corpus, tmp_path, monkeypatch):
    import os

    from qa_bot.ingest.articles import list_files, real_path

    (news_corpus / "copy-of-fire.txt").symlink_to(news_corpus / "harbor-fire.txt")
    (news_corpus / "deep" / "er").mkdir(parents=True)
    (news_corpus / "deep" / "er" / "note.txt").write_text("A note.")
    (news_corpus / "deep" / "rel.md").symlink_to("../harbor-fire.txt")
    (tmp_path / "via").symlink_to(news_corpus)  # the corpus reached through a linked folder
    monkeypatch.chdir(tmp_path)
    for root in (news_corpus, tmp_path / "via", Path("via"), Path("via/"), Path("./via")):
        files = list_files(root)
        assert len(files) >= 6
        top, real_top = str(Path(root)), os.path.realpath(root)
        assert [real_path(f.path, top, real_top) for f in files] == [f.path.resolve() for f in files], root
