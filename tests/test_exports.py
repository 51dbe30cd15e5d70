"""The page's download files: one folder per process, the newest 32 files kept, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qa_bot.exports import KEEP, Exports, process_folder, remove_stale

PROJECT = Path(__file__).resolve().parent.parent


def _texts(n: int) -> dict[str, str]:
    return {"md": f"# answer {n}\n", "csv": "a,b\n1,2\n", "json": "{}"}


def test_exports_go_to_a_folder_named_after_the_process(tmp_path):
    exports = Exports(root=tmp_path)
    paths = exports.write("qa-bot-answer", _texts(1))
    assert [p.name for p in paths] == ["qa-bot-answer.md", "qa-bot-answer.csv", "qa-bot-answer.json"]
    assert all(p.is_relative_to(tmp_path / f"qa-bot-exports-{os.getpid()}") for p in paths)
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8


def test_only_the_newest_32_files_are_kept(tmp_path):
    exports = Exports(root=tmp_path)
    written = [exports.write("qa-bot-answer", _texts(n)) for n in range(20)]
    left = exports.files()
    assert len(left) <= KEEP == 32 and len(left) >= KEEP - 2
    assert all(p.exists() for p in written[-1]) and not any(p.exists() for p in written[0])
    assert "answer 19" in written[-1][0].read_text()


def test_close_removes_the_files_and_the_process_folder(tmp_path):
    exports = Exports(root=tmp_path)
    exports.write("qa-bot-answer", _texts(1))
    exports.close()
    assert not process_folder(tmp_path).exists()


def test_stale_folders_of_dead_processes_are_removed_at_start(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"qa-bot-exports-{dead.pid}"
    (stale / "page-x").mkdir(parents=True)
    (stale / "page-x" / "qa-bot-answer.md").write_text("old")
    live = tmp_path / f"qa-bot-exports-{os.getppid()}"  # a running process keeps its folder
    live.mkdir()
    other = tmp_path / "qa-bot-exports-notapid"
    other.mkdir()
    Exports(root=tmp_path)
    assert not stale.exists() and live.exists() and other.exists()
    assert remove_stale(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["close", "exit", "sigterm"])
def test_a_page_leaves_no_export_folder_behind(stop, tmp_path):
    script = f"""
import sys, time
sys.path.insert(0, {str(PROJECT / 'tests')!r})
import browser as B
from qa_bot import ui
from qa_bot.exports import remove_on_sigterm
from qa_bot.records import Answer
demo = ui.build_app(B.FakeEngine(B.DATA, __import__('pathlib').Path({str(tmp_path)!r}) / 'uploads'))
demo.exports.write('qa-bot-answer', {{'md': 'x'}})
remove_on_sigterm()
print(demo.exports.root, flush=True)
if {stop!r} == 'close':
    demo.close()
    print('closed', flush=True)
    time.sleep(60)
elif {stop!r} == 'sigterm':
    time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp_path)))
    try:
        folder = Path(proc.stdout.readline().strip())
        assert folder.name == f"qa-bot-exports-{proc.pid}" and folder.parent == tmp_path
        if stop == "close":
            assert proc.stdout.readline().strip() == "closed"
            assert not folder.exists()
            return
        if stop == "sigterm":
            assert folder.exists()
            proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == (143 if stop == "sigterm" else 0)
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
