"""A real one-node Ray cluster and Chroma server on loopback: `qa-bot index --ray` builds the same index as one process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, PROJECT, free_port
from tests_support import first_figure


BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict[str, str]:
    return {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(PROJECT),
            "RAY_USAGE_STATS_ENABLED": "0", "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", **extra}


def _pids_of(marker: str) -> set[int]:
    """Process ids whose command line names `marker` (this cluster's own temp folder), and their descendants
    (Ray's agents rename themselves `ray::...`): only what this test started."""
    parent: dict[int, int] = {}
    found: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            parent[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.add(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
    while True:
        more = {pid for pid, ppid in parent.items() if ppid in found} - found
        if not more:
            return found
        found |= more


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture
def ray_cluster():
    # A short folder of its own: Ray's socket paths must stay under 108 characters, and it names this cluster's
    # processes, so the clean-up ends only them (`ray stop` would end every Ray cluster on the machine).
    temp = tempfile.mkdtemp(prefix="qa-ray-", dir="/tmp")
    port = free_port()
    cmd = [str(BIN / "ray"), "start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
           "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
           f"--ray-client-server-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}"]
    try:
        started = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120)
        if started.returncode != 0:
            pytest.fail(f"ray start failed: {started.stderr[-2000:]}")
        yield f"127.0.0.1:{port}"
    finally:  # what `ray stop --force` does (SIGKILL), to this cluster's processes only
        deadline = time.monotonic() + 30
        pids = _pids_of(temp)  # the whole tree first: killed parents leave their children to init
        while pids and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
            pids = {pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)} | _pids_of(temp)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
def test_indexing_on_ray_into_a_chroma_server_equals_the_single_process_index(ray_cluster, chroma_server, tmp_path):
    from qa_bot.engine import Engine
    from qa_bot.search.store import chroma_client, load_generation
    from qa_bot.settings import Settings

    corpus = tmp_path / "quake"
    shutil.copytree(DATA / "quake", corpus)
    ray_index = tmp_path / "ray-index"
    local = Settings(corpus=corpus, index_dir=tmp_path / "local-index", progress=False)
    remote = Settings(corpus=corpus, index_dir=ray_index, chroma_url=chroma_server, progress=False)

    def index_on_ray() -> str:
        done = subprocess.run([sys.executable, "-m", "qa_bot.cli", "index", "-q", "-v", "--corpus", str(corpus),
                               "--index", str(ray_index), "--ray", ray_cluster, "--chroma-url", chroma_server],
                              env=_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout + done.stderr

    def assert_same_index() -> None:
        a, b = load_generation(remote), load_generation(local)
        assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
        assert a.chunks == b.chunks and a.sentences == b.sentences
        assert a.figures == b.figures and a.entities == b.entities
        for name in ("chunk_vectors", "sentence_vectors", "measure_vectors"):
            assert getattr(a, name).shape == getattr(b, name).shape
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=1e-5, err_msg=name)
        # the vectors that answer questions live on the server, under the same ids
        stored = chroma_client(str(ray_index), chroma_server).get_collection(a.collection).get(include=["embeddings"])
        row = {i: n for n, i in enumerate(stored["ids"])}
        assert set(row) == {c.id for c in b.chunks}
        np.testing.assert_allclose(np.array([stored["embeddings"][row[c.id]] for c in b.chunks]), b.chunk_vectors,
                                   atol=1e-5)
        assert not (ray_index / "chroma").exists()

    out = index_on_ray()
    assert "3 added" in out and f"3 articles parsed and embedded on the Ray cluster at {ray_cluster}" in out
    Engine(local).index()
    assert_same_index()

    # one more article: only it goes to the cluster, the rest is kept from the live generation, as in one process
    (corpus / "post-0509.txt").write_text("Aftershock damages bridge\n\nA strong aftershock on Wednesday damaged "
                                          "the Lakeside bridge, and 300 residents were evacuated, officials said.\n")
    out = index_on_ray()
    assert "1 added" in out and "1 articles parsed and embedded on the Ray cluster" in out
    Engine(local).index()
    assert_same_index()

    answer = Engine(remote).ask("How many people have died in the earthquake?")
    assert answer.found
    assert first_figure(answer.answer) == 38


def test_a_cluster_that_fails_mid_run_leaves_the_previous_index_answering(fake_engine, monkeypatch):
    import qa_bot.cluster
    from qa_bot.errors import ClusterError
    from qa_bot.search.store import load_generation, read_current

    fake_engine.index()
    before, pointer = load_generation(fake_engine.settings), read_current(fake_engine.settings)
    (fake_engine.settings.corpus / "late.txt").write_text("Late report\n\nOfficials said 90 residents were evacuated.")

    def lost_worker(settings, items, batch_size=4):
        raise ClusterError("a worker died")

    monkeypatch.setattr(qa_bot.cluster, "run_on_cluster", lost_worker)
    on_ray = type(fake_engine)(fake_engine.settings.with_(ray_address="127.0.0.1:6379"), embedder=fake_engine.embedder)
    with pytest.raises(ClusterError):
        on_ray.index()
    assert read_current(fake_engine.settings) == pointer
    assert load_generation(fake_engine.settings).chunks == before.chunks
    assert sorted(p.name for p in before.folder.parent.glob("gen-*")) == [before.folder.name]
    assert fake_engine.ask("How many residents were evacuated?").found


def test_a_ray_address_where_nothing_listens_is_one_sentence_at_once(tmp_path, capsys):
    from qa_bot.cli import main

    code = main(["index", "-q", "--corpus", str(DATA / "quake"), "--index", str(tmp_path / "index"),
                 "--ray", f"127.0.0.1:{free_port()}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Nothing answers at the Ray address" in err and "Traceback" not in err
    assert not list((tmp_path / "index").glob("*/current.json"))
