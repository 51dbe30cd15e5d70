"""Indexing work on a Ray cluster: parsing, frame extraction and embedding of articles as Ray Data batches."""

from __future__ import annotations

import logging
import pickle
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import ClusterError, ModelError, QaBotError
from .records import Article, Entity, Figure, Sentence
from .settings import Settings

log = logging.getLogger(__name__)

RETRIES = 3  # a batch whose worker process died is run again this many times, then the run fails
Parsed = tuple[list[Figure], list[Entity], list[Sentence]]


def process_batch(batch: dict[str, np.ndarray], model: str, backend: str, spacy_model: str,
                  index_dir: str) -> dict[str, list]:
    """One Ray Data batch of work items → the same batch of results, each a pickled (doc_id, parsed, vectors).

    An item is (article, sentences, texts to embed, parse?): the frames come from the very function the
    single-process path calls (corpus_frames), and the article's measure phrases are embedded too."""
    from .language.frames import corpus_frames, measure_phrase
    from .language.parse import load_nlp
    from .search.vectors import embedder_for

    items = [pickle.loads(raw) for raw in batch["item"]]
    todo = [(a, sents) for a, sents, _, parse in items if parse]
    parsed = iter(corpus_frames(load_nlp(spacy_model), todo) if todo else [])
    frames = [next(parsed) if parse else None for *_, parse in items]
    wanted = [list(dict.fromkeys([*texts, *(measure_phrase(f) for f in (fr[0] if fr else []))]))
              for (_, _, texts, _), fr in zip(items, frames)]
    # every distinct text of the batch once, shortest first in slices (less padding), as _build does
    todo_texts = sorted({t for texts in wanted for t in texts}, key=len)
    embedder = embedder_for(model, backend, Path(index_dir), export=True)  # cached per worker process
    vectors: dict[str, np.ndarray] = {}
    for b in range(0, len(todo_texts), 256):
        vectors.update(zip(todo_texts[b:b + 256], embedder.encode(todo_texts[b:b + 256])))
    return {"result": [pickle.dumps((article.doc_id, fr, {t: vectors[t] for t in texts}))
                       for (article, *_), fr, texts in zip(items, frames, wanted)]}


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    """ClusterError at once when nothing listens at host:port (ray.init would wait minutes for the GCS)."""
    import socket
    from urllib.parse import urlparse

    if address == "auto":
        return
    url = urlparse(address if "://" in address else f"ray://{address}")
    try:
        host, port = url.hostname, url.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise ClusterError(f"The Ray address {address!r} is not HOST:PORT (e.g. 127.0.0.1:6379 from `ray start --head`).")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(f"Nothing answers at the Ray address {address} ({exc.strerror or exc}). Start the cluster "
                           "with `ray start --head --port PORT` or unset QA_BOT_RAY.") from None


def run_on_cluster(settings: Settings, items: Sequence[tuple[Article, Sequence[Sentence], Sequence[str], bool]],
                   batch_size: int = 4) -> tuple[dict[str, Parsed], dict[str, np.ndarray]]:
    """Process the work items on the Ray cluster at settings.ray_address and collect them on this driver:
    (doc_id → (figures, entities, sentences) for the parsed articles, text → vector). Raises ClusterError
    when the cluster cannot be reached or a batch fails for good (Ray retries a batch whose worker died)."""
    try:
        import ray
    except ImportError:
        raise ModelError("--ray needs Ray Data: pip install 'qa-bot[ray]' (or 'ray[data]==2.60.0').") from None
    import qa_bot

    if not items:
        return {}, {}
    _check_reachable(settings.ray_address)
    ours = not ray.is_initialized()  # a caller's own Ray session is used and left connected
    try:
        # The driver's qa_bot code goes to the workers (py_modules), so every node runs the same pipeline;
        # its dependencies (spaCy model, embedding model) must be installed on every node (scripts/setup.sh).
        ray.init(address=settings.ray_address, ignore_reinit_error=True, logging_level=logging.WARNING,
                 log_to_driver=False, runtime_env={"py_modules": [str(Path(qa_bot.__file__).parent)]})
    except Exception as exc:  # noqa: BLE001 - connection errors come in many classes
        raise ClusterError(f"Cannot reach the Ray cluster at {settings.ray_address} ({exc.__class__.__name__}: "
                           f"{exc}). Start it with `ray start --head` or unset QA_BOT_RAY.") from None
    try:
        rows = [{"item": pickle.dumps((a, list(sents), list(texts), parse))} for a, sents, texts, parse in items]
        ray.data.DataContext.get_current().enable_progress_bars = settings.progress
        if not log.isEnabledFor(logging.INFO):  # Ray Data narrates every run at INFO on stderr
            logging.getLogger("ray.data").setLevel(logging.WARNING)
        with warnings.catch_warnings():
            # max_retries has no named parameter in Ray 2.60 and Ray Data's default retries a batch whose worker
            # died forever; the pass-through it deprecates still works in the pinned version
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
            ds = ray.data.from_items(rows).map_batches(
                process_batch, batch_size=batch_size, batch_format="numpy", max_retries=RETRIES,
                fn_kwargs=dict(model=settings.model, backend=settings.embed_backend,
                               spacy_model=settings.spacy_model, index_dir=str(settings.index_dir)))
        results = [pickle.loads(row["result"]) for row in ds.take_all()]
    except QaBotError:
        raise
    except Exception as exc:  # noqa: BLE001 - a task that failed for good, a lost node, ...
        raise ClusterError(f"Indexing on the Ray cluster at {settings.ray_address} failed ({exc.__class__.__name__}: "
                           f"{str(exc)[:300]}); the previous index is unchanged.") from None
    finally:
        if ours:
            ray.shutdown()
    parsed: dict[str, Parsed] = {}
    vectors: dict[str, np.ndarray] = {}
    for doc_id, frames, vecs in results:
        if frames is not None:
            parsed[doc_id] = frames
        vectors.update(vecs)
    missing = {a.doc_id for a, *_ in items} - {doc_id for doc_id, *_ in results}
    if missing:  # never write a generation from part of the corpus
        raise ClusterError(f"The Ray cluster returned no result for {len(missing)} article(s); "
                           "the previous index is unchanged. Run `qa-bot index --ray` again.")
    log.info("%d articles parsed and embedded on the Ray cluster at %s", len(results), settings.ray_address)
    return parsed, vectors
