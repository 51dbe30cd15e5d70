"""A real Chroma server on loopback: indexing and answering through --chroma-url give the same answers."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qa_bot.engine import Engine

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen([chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                             str(tmp_path / "server-data")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:  # the exit code says nothing (it exits 0 on a busy port): wait for the heartbeat
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_index_and_ask_through_a_chroma_server_match_the_embedded_store(chroma_server, fake_engine, tmp_path):
    embedded = fake_engine.ask("How many residents were evacuated?")
    remote = Engine(fake_engine.settings.with_(chroma_url=chroma_server, index_dir=tmp_path / "remote-index"),
                    embedder=fake_engine.embedder)
    report = remote.index()
    assert len(report.added) == 3
    answer = remote.ask("How many residents were evacuated?")
    assert [c.quote for c in answer.citations] == [c.quote for c in embedded.citations]
    assert not (tmp_path / "remote-index" / "chroma").exists()  # vectors live on the server
