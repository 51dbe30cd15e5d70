"""Limits and guarantees: ingest is linear in an article's length, uploads never block questions, a damaged index
heals with `qa-bot index`, and every bad input is one sentence, never a traceback."""

from __future__ import annotations

import json
import random
import re
import shlex
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/browser.py, without a tests package

import browser as B  # noqa: E402
from conftest import DATA, WordHashEmbedder  # noqa: E402

import qa_bot  # noqa: E402
from qa_bot.cli import main  # noqa: E402
from qa_bot.engine import Engine  # noqa: E402
from qa_bot.errors import IndexStoreError, QaBotError, QuestionError, SettingsError  # noqa: E402
from qa_bot.ingest.articles import read_corpus  # noqa: E402
from qa_bot.ingest.chunks import chunk_sentences  # noqa: E402
from qa_bot.ingest.sentences import split_sentences  # noqa: E402
from qa_bot.records import Article  # noqa: E402
from qa_bot.search.store import key_dir  # noqa: E402
from qa_bot.settings import Settings  # noqa: E402

slow = pytest.mark.slow
EVACUATED = "How many residents were evacuated?"  # tests/data/news: 2,400 residents of the harbor district
WORDS = ("officials said troops reported people were evacuated from villages near the border on Monday after "
         "shelling damaged homes roads and power lines while rescue teams counted 1,250 buildings").split()


def _news_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((DATA / "news").glob("*.*")) if p.suffix != ".csv")


def _ordinary(total: int) -> list[str]:
    """Ordinary articles (copies of tests/data/news, each made distinct) of `total` characters in all."""
    base, out, size = _news_text(), [], 0
    while size < total:
        out.append(f"Report {len(out)}\n{base}")
        size += len(out[-1])
    return out


def _one_line(total: int, punctuated: bool) -> str:
    """One line of `total` characters: sentences with full stops (and abbreviations), or words with no
    punctuation at all."""
    rnd = random.Random(7)
    parts, size = [], 0
    while size < total:
        words = " ".join(rnd.choice(WORDS) for _ in range(14)).replace(",", "")
        part = (words.capitalize() + ", Gen. Smith said. ") if punctuated else words + " "
        parts.append(part)
        size += len(part)
    return "".join(parts)[:total]


def _within(seconds: float, fn) -> tuple[bool, float]:
    """Run fn in a daemon thread; (finished within `seconds`, its duration or the time waited)."""
    t0 = time.perf_counter()
    worker = threading.Thread(target=fn, daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive(), time.perf_counter() - t0


# --- 1. linear-time ingest ---------------------------------------------------------------------------------------

def _split_and_chunk(texts: list[str]) -> None:
    for i, text in enumerate(texts):
        article = Article(doc_id=f"a{i}.txt", path="/", title="t", text=text, sha256=str(i))
        chunk_sentences(article, split_sentences(article), 700, 150)


@slow
def test_a_5mb_article_splits_and_chunks_in_time_proportional_to_its_size():
    size = 5_000_000
    t0 = time.perf_counter()
    _split_and_chunk(_ordinary(size))
    ordinary = time.perf_counter() - t0
    bound = 4 * ordinary + 1.0  # linear: about 1x; the old splitter needed hours for 5 MB on one line
    for text in (_one_line(size, punctuated=True), _one_line(size, punctuated=False)):
        done, took = _within(bound, lambda: _split_and_chunk([text]))
        print(f"\n5 MB on one line: split+chunk {took:.2f} s vs {ordinary:.2f} s for 5 MB of ordinary articles "
              f"({took / ordinary:.2f}x)")
        assert done, f"splitting 5 MB took over {bound:.1f} s (ordinary articles: {ordinary:.1f} s)"


class BlankNlpEngine(Engine):
    """The Engine with spaCy's blank English pipeline (tokens only): the same index-time code runs on every
    sentence, without the cost of a statistical parse, which is per sentence and so linear anyway."""

    @property
    def nlp(self):
        import spacy

        if not hasattr(self, "_blank"):
            self._blank = spacy.blank("en")
        return self._blank


def _index_seconds(tmp_path: Path, name: str, texts: list[str]) -> tuple[float, int]:
    corpus = tmp_path / name
    corpus.mkdir()
    for i, text in enumerate(texts):
        (corpus / f"{name}-{i:04d}.txt").write_text(text, encoding="utf-8")
    engine = BlankNlpEngine(Settings(corpus=corpus, index_dir=tmp_path / f"ix-{name}", model="fake-word-hash",
                                     progress=False), embedder=WordHashEmbedder())
    t0 = time.perf_counter()
    report = engine.index()
    return time.perf_counter() - t0, report.chunks


@slow
def test_a_1mb_article_with_or_without_punctuation_indexes_like_1mb_of_ordinary_articles(tmp_path):
    size = 1_000_000
    ordinary, chunks = _index_seconds(tmp_path, "ordinary", _ordinary(size))
    bound = 4 * ordinary + 2.0
    for name, punctuated in (("stops", True), ("bare", False)):
        result: dict = {}
        done, took = _within(bound, lambda: result.update(zip(("s", "chunks"), _index_seconds(
            tmp_path, name, [_one_line(size, punctuated)]))))
        print(f"\n1 MB on one line ({name}): indexed in {took:.1f} s vs {ordinary:.1f} s for 1 MB of ordinary "
              f"articles ({took / ordinary:.2f}x; {result.get('chunks')} vs {chunks} chunks)")
        assert done, f"indexing took over {bound:.1f} s ({ordinary:.1f} s for ordinary articles)"


# --- 2. uploads never block questions ---------------------------------------------------------------------------

def _timed_ask(engine: Engine, question: str) -> tuple[float, object]:
    t0 = time.perf_counter()
    answer = engine.ask(question)
    return time.perf_counter() - t0, answer


@slow
def test_questions_are_answered_from_the_current_index_while_an_upload_builds_the_next(news_corpus, tmp_path, nlp):
    engine = Engine(Settings(corpus=news_corpus, index_dir=tmp_path / "ix", model="fake-word-hash",
                             min_relevance=0.2, progress=False), embedder=WordHashEmbedder())
    engine.index()
    baseline = sorted(_timed_ask(engine, EVACUATED)[0] for _ in range(5))[2]
    upload = tmp_path / "long-report.txt"
    upload.write_text("Turbine deliveries to the northern wind farm\n" + "\n".join(
        f"Officials said {i + 100} turbine blades were delivered in week {i}, a spokesperson for the operator added."
        for i in range(3000)), encoding="utf-8")
    parsing = threading.Event()
    result: dict = {}

    def progress(done, total, what):
        if what == "parsing articles":
            parsing.set()

    worker = threading.Thread(target=lambda: result.update(report=engine.add_files([upload], progress)[0]))
    t0 = time.perf_counter()
    worker.start()
    assert parsing.wait(120), "the upload never started parsing"
    latencies = []
    while worker.is_alive() and len(latencies) < 3:
        took, answer = _timed_ask(engine, EVACUATED)
        assert answer.found and any("2,400" in c.quote for c in answer.citations)  # the current generation
        latencies.append(took)
    still_building = worker.is_alive()
    worker.join(300)
    upload_s = time.perf_counter() - t0
    during = max(latencies)
    print(f"\nask: {baseline * 1000:.0f} ms alone, {during * 1000:.0f} ms (worst of {len(latencies)}) during a "
          f"{upload_s:.1f} s upload of a 3,000-sentence article ({during / baseline:.1f}x)")
    assert still_building and len(latencies) == 3, "questions waited for the upload"
    assert during < max(25 * baseline, upload_s / 4)  # shared CPU (2 cores, one GIL), never the whole upload
    assert result["report"].added == ("uploads/long-report.txt",)
    _, hits = engine.retrieve("turbine blades delivered in week 7")  # switched to the new generation
    assert hits and hits[0].chunk.doc_id == "uploads/long-report.txt"


class GatedUploads(B.FakeEngine):
    """A FakeEngine whose uploads hold until `release` is set: a long upload, deterministically."""

    def __post_init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        super().__post_init__()

    def ask(self, question, history=(), doc_ids=None):
        """The fake's answer without its figures (this test is about timing, not the figures table)."""
        return replace(super().ask(question, history, doc_ids), figures=(), conflicts=())

    def add_files(self, paths, progress=None):
        self.started.set()
        self.release.wait(120)
        return super().add_files(paths, progress)


def _api_ask(url: str, question: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    req = urllib.request.Request(url + "gradio_api/call/ask", data=json.dumps({"data": [question]}).encode(),
                                 headers={"Content-Type": "application/json"})
    event_id = json.load(urllib.request.urlopen(req, timeout=60))["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call/ask/{event_id}", timeout=60).read().decode()
    data = [ln for ln in stream.splitlines() if ln.startswith("data: ")][-1]
    return time.perf_counter() - t0, json.loads(data.removeprefix("data: "))[0]


@slow
@pytest.mark.skipif(not Path(B.CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_the_page_answers_questions_while_an_upload_is_still_running(tmp_path):
    engine = GatedUploads(B.DATA, tmp_path / "uploads")
    upload = tmp_path / "lighthouse.txt"
    upload.write_text("Lighthouse keepers repaint the tower\nThe lighthouse took 3,400 litres of paint.\n")
    with B.running_page(engine) as url, B.chromium() as browser:
        baseline = sorted(_api_ask(url, "How many people were evacuated?")[0] for _ in range(3))[1]
        w = B.open_page(browser, url)
        page = w.page
        try:
            page.locator("#qa-upload").get_by_text("Add articles").click()
            page.locator("#qa-files input[type=file]").set_input_files([str(upload)])
            page.locator("#qa-files", has_text="lighthouse.txt").wait_for(timeout=15_000)
            page.locator("#qa-add").click()
            assert engine.started.wait(30), "the upload did not start"
            done: dict = {}
            finished, _ = _within(max(30 * baseline, 10.0), lambda: done.update(
                zip(("s", "answer"), _api_ask(url, "How many people were evacuated?"))))
            upload_pending = not engine.release.is_set()
        finally:
            engine.release.set()
        page.locator("#qa-upload-status").get_by_text("searchable now").wait_for(timeout=30_000)
        page.close()
    print(f"\n/ask during an upload: {done.get('s', float('nan')) * 1000:.0f} ms (alone: {baseline * 1000:.0f} ms)")
    assert finished and upload_pending, "the question waited for the upload"
    assert "121,000" in done["answer"]["answer"]


# --- 3. a damaged index heals with `qa-bot index` ---------------------------------------------------------------

def _damage_chroma(settings: Settings) -> None:
    db = settings.index_dir / "chroma" / "chroma.sqlite3"
    db.write_bytes(b"\0" * db.stat().st_size)


def _damage_bm25(settings: Settings) -> None:
    shutil.rmtree(next(key_dir(settings).glob("gen-*")) / "bm25")


def _damage_vectors(settings: Settings) -> None:
    np.save(next(key_dir(settings).glob("gen-*")) / "chunk_vectors.npy", np.zeros((2, 5), dtype=np.float32))


def _damage_pointer(settings: Settings) -> None:
    (key_dir(settings) / "current.json").write_text('{"generation": "../../../../etc", "collection": "x"}')


@slow
@pytest.mark.parametrize("damage, message", [
    (_damage_chroma, "missing from Chroma"),
    (_damage_bm25, "BM25 index"),
    (_damage_vectors, "chunk_vectors.npy has shape (2, 5)"),
    (_damage_pointer, "index pointer"),
], ids=["zeroed-chroma-sqlite", "deleted-bm25", "vectors-of-wrong-shape", "pointer-outside"])
def test_a_damaged_index_says_run_index_and_index_repairs_it(damage, message, news_corpus, tmp_path, capsys,
                                                             real_embedder):
    settings = Settings(corpus=news_corpus, index_dir=tmp_path / "ix", progress=False)
    Engine(settings, embedder=real_embedder).index()
    damage(settings)
    with pytest.raises(IndexStoreError) as err:
        Engine(settings, embedder=real_embedder).ask(EVACUATED)  # e.g. a page already running
    assert message in str(err.value) and "Run `qa-bot index --corpus " in str(err.value)
    # the command the message names is the one that works: this corpus, this index folder
    command = shlex.split(re.search(r"Run `(qa-bot index [^`]+)`", str(err.value)).group(1))
    assert command[:2] == ["qa-bot", "index"] and str(news_corpus) in command and "--rebuild" in command
    assert main(command[1:] + ["-q"]) == 0
    out = capsys.readouterr()
    assert "Indexed" in out.out and "Traceback" not in out.err
    answer = Engine(settings, embedder=real_embedder).ask(EVACUATED)
    assert answer.found and any("2,400" in c.quote for c in answer.citations)


@slow
def test_index_rebuild_always_starts_clean_and_keeps_uploads(fake_engine):
    fake_engine.index()
    fake_engine.uploads_dir.mkdir(parents=True, exist_ok=True)
    (fake_engine.uploads_dir / "note.txt").write_text("Harbor note\nThe harbor reopened after 12 days.\n")
    first = fake_engine.index()
    assert first.added == ("uploads/note.txt",)
    again = fake_engine.index(rebuild=True)
    assert sorted(again.added) == sorted(a.doc_id for a in fake_engine.articles()) and len(again.added) == 4
    assert len(list(key_dir(fake_engine.settings).glob("gen-*"))) == 1
    assert fake_engine.ask(EVACUATED).found


@pytest.mark.parametrize("pointer", ["[1, 2]", '{"generation": "../../../../etc", "collection": "x"}',
                                     '{"generation": -1, "collection": "x"}', "nonsense"])
def test_a_tampered_pointer_is_one_sentence_and_is_never_followed(pointer, tmp_path):
    from qa_bot.search.store import load_generation

    settings = Settings(corpus=DATA / "news", index_dir=tmp_path / "ix")
    key_dir(settings).mkdir(parents=True)
    (key_dir(settings) / "current.json").write_text(pointer)
    with pytest.raises(IndexStoreError, match=r"current.json is (damaged|unreadable) .*Run `qa-bot index --corpus "
                                              r".* --index .*ix --rebuild` to rebuild it"):
        load_generation(settings)


# --- 4. one sentence instead of a traceback ---------------------------------------------------------------------

@pytest.mark.parametrize("manifest, problem", [
    ("source = [1, 2]\n", "entry 1: is a number, not a table"),
    ('source = "x"\n', "'source' is a text, not a list of [[source]] tables"),
    ('[[source]]\nfile = "harbor-fire.txt"\npublished = "05/03/2024"\n[[source]]\nfile = 7\n',
     "entry 1: published date '05/03/2024' for harbor-fire.txt is not YYYY-MM-DD"),
])
def test_a_bad_toml_manifest_entry_is_skipped_with_a_warning_naming_file_and_entry(manifest, problem, news_corpus):
    (news_corpus / "sources.csv").unlink()
    (news_corpus / "sources.toml").write_text(manifest)
    got = read_corpus(news_corpus)
    assert len(got.articles) == 3
    assert any("sources.toml" in w and problem in w for w in got.warnings), got.warnings


@pytest.mark.parametrize("content, problem", [
    ("nonsense;columns;here\n", "no 'file' column"),
    ("file,title,outlet,published,url\n", "no entries below its header"),
    ("file,published\nharbor-fire.txt,05/03/2024\n", "entry 1: published date '05/03/2024'"),
])
def test_a_csv_manifest_without_usable_entries_warns(content, problem, news_corpus):
    (news_corpus / "sources.csv").write_text(content)
    got = read_corpus(news_corpus)
    assert len(got.articles) == 3 and any(problem in w and "sources.csv" in w for w in got.warnings), got.warnings


@pytest.mark.parametrize("kwargs, message", [
    (dict(corpus=123), "corpus must be a folder path, not an int"),
    (dict(index_dir="ix\0bad"), "holds a NUL character"),
    (dict(history=[1, 2]), "history must be a list of earlier questions"),
    (dict(doc_ids=[3]), "doc_ids must be a list of article ids"),
    (dict(settings="fast"), "settings must be a qa_bot.Settings"),
])
def test_python_api_arguments_are_checked_with_one_sentence(kwargs, message):
    with pytest.raises(QaBotError, match=message) as err:
        qa_bot.ask("How many people were evacuated?", **kwargs)
    assert str(err.value).count(". ") <= 1 and "\n" not in str(err.value)


def test_history_none_or_one_string_is_accepted(fake_engine):
    assert fake_engine.ask(EVACUATED, history=None).found
    assert fake_engine.ask("And the fire?", history=EVACUATED).question
    with pytest.raises(QuestionError):
        fake_engine.ask(EVACUATED, history=[None])


def test_settings_of_the_wrong_type_are_one_sentence():
    with pytest.raises(SettingsError, match="top_k must be a whole number, not a str"):
        Settings(top_k="3")


# --- 5. smaller items -------------------------------------------------------------------------------------------

def test_a_second_corpus_on_the_same_index_folder_keeps_the_first(news_corpus, tmp_path, fake_embedder):
    other = tmp_path / "other"
    other.mkdir()
    (other / "bridge.txt").write_text("Bridge reopens\nThe Seym bridge reopened after 40 days of repairs.\n")
    first = Engine(Settings(corpus=news_corpus, index_dir=tmp_path / "ix", model="fake", progress=False),
                   embedder=fake_embedder)
    first.index()
    second = Engine(Settings(corpus=other, index_dir=tmp_path / "ix", model="fake", progress=False),
                    embedder=fake_embedder)
    assert second.index().added == ("bridge.txt",)
    again = Engine(Settings(corpus=news_corpus, index_dir=tmp_path / "ix", model="fake", progress=False),
                   embedder=fake_embedder)
    report = again.index()
    assert not report.changed and len(report.unchanged) == 3
    assert {a.doc_id for a in again.articles()} == {a.doc_id for a in first.articles()}


@slow
def test_doc_with_an_unknown_id_is_a_usage_error_naming_the_known_ids(news_corpus, tmp_path, capsys):
    code = main(["ask", EVACUATED, "--doc", "nope.txt", "--corpus", str(news_corpus), "--index",
                 str(tmp_path / "ix"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "'nope.txt'" in err and "Known ids:" in err and "harbor-fire.txt" in err
    assert "Traceback" not in err


def test_a_question_in_another_script_is_searched_and_says_only_english_is_read(fake_engine):
    answer = fake_engine.ask("有多少人被疏散？")
    assert not answer.found and "qa-bot reads English" in answer.answer
    assert "qa-bot reads English" not in fake_engine.ask("How many unicorns were counted on Mars?").answer


@pytest.mark.parametrize("host", ["256.1.1.1", "1.2.3", "bad host", "-x.example"])
def test_an_invalid_host_is_said_to_be_invalid(host, tmp_path, capsys):
    code = main(["serve", f"--host={host}", "--port", "9", "--corpus", str(DATA / "news"), "--index",
                 str(tmp_path / "ix")])
    err = capsys.readouterr().err
    assert code == 2 and f"--host {host!r} is not a valid address" in err and "--port" not in err.split("address")[0]


def test_uploading_a_name_that_exists_says_replaced(fake_engine, tmp_path):
    from qa_bot.ui import upload_status

    fake_engine.index()
    note = tmp_path / "note.txt"
    note.write_text("Harbor note\nThe harbor reopened after 12 days.\n")
    report, rejected = fake_engine.add_files([note])
    assert upload_status(report, rejected).startswith("Added 1 article(s)")
    note.write_text("Harbor note\nThe harbor reopened after 14 days.\n")
    report, rejected = fake_engine.add_files([note])
    status = upload_status(report, rejected)
    assert status.startswith("Replaced 1 article(s) of the same name") and "Added" not in status
    assert "14 days" in fake_engine.article("uploads/note.txt").text


def _post(url: str, path: str, body: bytes, content_type: str) -> tuple[int, str]:
    req = urllib.request.Request(url + path, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@slow
def test_ask_api_without_a_question_is_a_4xx_with_a_message(tmp_path):
    with B.running_page(B.FakeEngine(B.DATA, tmp_path / "uploads")) as url:
        for body in (b'{"data": []}', b"not json"):
            status, text = _post(url, "gradio_api/call/ask", body, "application/json")
            assert 400 <= status < 500 and "How many people were evacuated?" in json.loads(text)["error"]
        status, text = _post(url, "gradio_api/call/ask", b'{"data": ["How many people were evacuated?"]}',
                             "application/json")
        assert status == 200 and "event_id" in text


@slow
def test_failed_logins_are_rate_limited_per_client_and_logged(tmp_path, caplog):
    from qa_bot import ui

    engine = B.FakeEngine(B.DATA, tmp_path / "uploads")
    port = B.free_port()
    demo = ui.launch_app(ui.build_app(engine), host="127.0.0.1", port=port, auth=("ann", "s3cret"), block=False)
    url = f"http://127.0.0.1:{port}/"
    form = "application/x-www-form-urlencoded"
    try:
        assert _post(url, "login", b"username=ann&password=s3cret", form)[0] == 200
        codes = [_post(url, "login", f"username=ann&password=guess{i}".encode(), form)[0] for i in range(8)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
        status, text = _post(url, "login", b"username=ann&password=s3cret", form)
        assert status == 429 and "Too many failed logins" in text  # locked out for a while, even when right
        assert sum("failed login from 127.0.0.1" in r.getMessage() for r in caplog.records) == 5
    finally:
        demo.close()


def test_login_guard_forgets_failures_after_the_window():
    import asyncio

    from qa_bot.guard import Guard

    now = [0.0]

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = Guard(app, max_failures=2, window=60, clock=lambda: now[0])
    statuses = []

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    def login(client):
        asyncio.run(guard({"type": "http", "method": "POST", "path": "/login", "client": (client, 1)},
                          receive, send))

    for _ in range(3):
        login("10.0.0.1")
    login("10.0.0.2")  # another client is not affected
    now[0] = 61.0
    login("10.0.0.1")
    assert statuses == [400, 400, 429, 400, 400]


def test_a_question_in_another_latin_language_says_only_english_is_read():
    from qa_bot.engine import _other_language

    english = {"ferry", "cancel", "harbour", "yesterday", "kursk", "casualty"}.__contains__
    assert _other_language("Combien de personnes sont mortes ?", ["combien", "personne", "mort"], english)
    assert _other_language("Wie viele Menschen starben?", ["wie", "viele", "mensch", "starben"], english)
    # terse English with no function word is still English when its words are known
    assert not _other_language("Ferries cancelled harbour yesterday", ["ferry", "cancel", "harbour", "yesterday"],
                               english)
    assert not _other_language("How many ferries were cancelled?", ["ferry", "cancel"], lambda w: False)
