"""Store: vectors in Chroma (through llama-index's ChromaVectorStore), plus a sidecar of chunks, sentences,
figures and the BM25 index, written as one generation and switched atomically."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
import shlex
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlparse

import numpy as np

from ..errors import IndexStoreError
from ..records import Article, Chunk, Entity, Figure, Sentence
from ..settings import Settings
from .columns import Records, write_records
from .lookups import KEYS, read_keys, write_figure_table, write_lookups

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Generation:
    """One complete, immutable build of the index: everything retrieval and answering read."""

    number: int
    collection: str
    folder: Path
    # records read on demand from columns (search/columns.Records), or tuples
    articles: Sequence[Article]
    sentences: Sequence[Sentence]
    chunks: Sequence[Chunk]
    figures: Sequence[Figure]
    chunk_vectors: np.ndarray  # row i ↔ chunks[i]
    sentence_vectors: np.ndarray  # row i ↔ sentences[i]
    measure_vectors: np.ndarray  # row i ↔ figures[i]
    entities: Sequence[Entity] = ()  # named entities of every sentence (spaCy NER), for named answers


def doc_id_column(records: Sequence) -> Sequence[str]:
    """The doc id of every record, without making the records when they are read from columns."""
    return records.column("doc_id") if isinstance(records, Records) else [r.doc_id for r in records]


def key_dir(settings: Settings) -> Path:
    """Folder of the index for these settings (model + chunking): a change of either gets a new folder."""
    return settings.index_dir / f"qa_{settings.index_key}"


def rebuild_command(settings: Settings) -> str:
    """The `qa-bot index ... --rebuild` command that rebuilds exactly this index: the corpus and index folders, and
    every flag that changes the index key (else it would build another index beside the damaged one)."""
    default = Settings()
    parts = ["qa-bot", "index", "--corpus", str(settings.corpus), "--index", str(settings.index_dir)]
    for flag, name in (("--model", "model"), ("--chunk-chars", "chunk_chars"), ("--chunk-overlap", "chunk_overlap"),
                       ("--chroma-url", "chroma_url")):
        if getattr(settings, name) != getattr(default, name):
            parts += [flag, str(getattr(settings, name))]
    return shlex.join(parts + ["--rebuild"])


def rebuild_advice(settings: Settings) -> str:
    """'Run `qa-bot index --corpus C --index I --rebuild` to rebuild it.' for a damaged index."""
    return f"Run `{rebuild_command(settings)}` to rebuild it."


def retell(exc: IndexStoreError, settings: Settings) -> IndexStoreError:
    """A damaged-index error from a function that knows no settings (Chroma, BM25), with the full command."""
    head, sep, _ = str(exc).partition(" Run `qa-bot index`")
    return IndexStoreError(f"{head} {rebuild_advice(settings)}") if sep else exc


def collection_name(settings: Settings, number: int) -> str:
    """Chroma collection of one generation: the settings hash plus the generation number."""
    return f"qa_{settings.index_key}_g{number}"


def check_index_folder(folder: Path) -> None:
    """The index path is a folder or nothing yet; an existing regular file is an IndexStoreError saying so."""
    if Path(folder).is_file():
        raise IndexStoreError(f"The index path {folder} is a file, not a folder. Pass --index with a folder "
                              "(it is created when missing).")


def check_writable(folder: Path) -> None:
    """Create the index folder and prove it can be written, or say what to do."""
    check_index_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise IndexStoreError(f"Cannot write the index folder {folder} ({exc.strerror or exc}). "
                              "Pass --index with a folder you can write, or fix its permissions.") from None


@contextlib.contextmanager
def build_lock(folder: Path):
    """One indexing run at a time per index folder (other processes wait; readers never wait)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            log.warning("Another qa-bot indexing run (%s) is writing %s; waiting for it to finish.",
                        holder, folder)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@functools.lru_cache(maxsize=8)
def chroma_client(index_dir: str, chroma_url: str):
    """The Chroma client for this process: embedded under index_dir/chroma, or a server at chroma_url."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        try:
            client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                         ssl=url.scheme == "https", settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # noqa: BLE001 - connection errors come in many classes
            raise IndexStoreError(f"Cannot reach the Chroma server at {chroma_url} ({exc.__class__.__name__}). "
                                  "Start it with `chroma run --host 127.0.0.1 --port PORT --path DIR` "
                                  "or unset QA_BOT_CHROMA_URL to use the embedded store.") from None
        return client
    try:
        return chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=chroma_settings)
    except Exception as exc:  # noqa: BLE001
        if "readonly" in str(exc).replace("-", "").replace(" ", "").lower():
            raise IndexStoreError(f"The Chroma store in {index_dir}/chroma is read-only, and Chroma needs to "
                                  "write to it even to search. Make that folder writable, or copy the index "
                                  "to a writable place and pass it with --index.") from None
        raise IndexStoreError(f"The Chroma store in {index_dir}/chroma is damaged ({exc.__class__.__name__}). "
                              "Run `qa-bot index` to rebuild the index.") from None


def new_collection(settings: Settings, name: str):
    """A new (or leftover) Chroma collection for one generation, with cosine distance."""
    client = chroma_client(str(settings.index_dir), settings.chroma_url)
    try:
        return client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"})
    except Exception as exc:  # noqa: BLE001
        raise IndexStoreError(f"The index collection {name} cannot be made in Chroma ({exc.__class__.__name__}). "
                              f"{rebuild_advice(settings)}") from None


def collection(settings: Settings, name: str):
    """The raw Chroma collection of one generation, for queries (no llama-index on the question path)."""
    client = chroma_client(str(settings.index_dir), settings.chroma_url)
    try:
        return client.get_collection(name)
    except Exception as exc:  # noqa: BLE001
        raise IndexStoreError(f"The index collection {name} is missing from Chroma ({exc.__class__.__name__}). "
                              f"{rebuild_advice(settings)}") from None


_EXCLUDED_EMBED = ["article", "title", "outlet", "published", "chunk", "start", "end"]
_EXCLUDED_LLM = ["chunk", "start", "end"]


def chunk_metadata(chunk: Chunk, article: Article) -> dict:
    """A chunk's Chroma metadata: flat scalars of our own ("article", "title"...), and the keys llama-index's
    ChromaVectorStore.add writes for a TextNode whose SOURCE is the article (`_node_content`, the node as JSON
    without its text; `_node_type`; the article id as document_id/doc_id/ref_doc_id), so llama-index reads the
    collection as it reads its own (the llama-index baseline does). Written here without importing llama-index
    (1.3 s at each indexing run); tests/test_index.py checks it against node_to_metadata_dict."""
    c, a = chunk, article
    metadata = {"article": c.doc_id, "title": a.title, "outlet": a.outlet, "published": a.published,
                "chunk": c.n, "start": c.start, "end": c.end}
    node = {"id_": c.id, "embedding": None, "metadata": dict(metadata),
            "excluded_embed_metadata_keys": _EXCLUDED_EMBED, "excluded_llm_metadata_keys": _EXCLUDED_LLM,
            "relationships": {"1": {"node_id": c.doc_id, "node_type": None, "metadata": {}, "hash": None,
                                    "class_name": "RelatedNodeInfo"}},
            "metadata_template": "{key}: {value}", "metadata_separator": "\n", "text": "",
            "mimetype": "text/plain", "start_char_idx": None, "end_char_idx": None,
            "text_template": "{metadata_str}\n\n{content}", "class_name": "TextNode"}
    metadata["_node_content"] = json.dumps(node, ensure_ascii=False)
    metadata["_node_type"] = "TextNode"
    metadata["document_id"] = metadata["doc_id"] = metadata["ref_doc_id"] = c.doc_id or "None"
    return {k: "" if v is None else v for k, v in metadata.items()}


def read_current(settings: Settings) -> dict | None:
    """The pointer to the live generation, or None when nothing has been indexed for these settings."""
    path = key_dir(settings) / "current.json"
    try:
        pointer = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexStoreError(f"The index pointer {path} is unreadable ({exc}). {rebuild_advice(settings)}") from None
    problem = _pointer_problem(settings, pointer)
    if problem:
        raise IndexStoreError(f"The index pointer {path} is damaged ({problem}). {rebuild_advice(settings)}")
    return pointer


def _pointer_problem(settings: Settings, pointer: object) -> str:
    """What is wrong with a current.json read from disk ("" if nothing): it names a generation folder inside
    the index folder only by number, so a tampered pointer can never lead outside it."""
    if not isinstance(pointer, dict):
        return f"it holds a {type(pointer).__name__}, not an object"
    number = pointer.get("generation")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        return f"generation {number!r} is not a positive whole number"
    if pointer.get("collection") != collection_name(settings, number):
        return f"collection {pointer.get('collection')!r} is not the one of generation {number}"
    return ""


def current_mtime(settings: Settings) -> float:
    """Modification time of the live pointer (0 if none): a cheap check for a newer generation."""
    try:
        return (key_dir(settings) / "current.json").stat().st_mtime_ns
    except OSError:
        return 0


@contextlib.contextmanager
def paused_gc():
    """No cyclic garbage collection while a generation's records and look-ups are made: they are hundreds of
    thousands of objects without cycles, and each full collection on the way walks all made so far."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


RECORD_FILES = ("articles", "sentences", "chunks", "figures", "entities")
RECORD_CLASSES = {"articles": Article, "sentences": Sentence, "chunks": Chunk, "figures": Figure, "entities": Entity}


def _mapped(path: Path) -> np.ndarray:
    """A .npy file memory-mapped read-only, as a plain ndarray over the mapping: every row or slice taken from a
    np.memmap runs its Python __array_finalize__ (about 40 µs; a question takes a few hundred rows one by one)."""
    return np.asarray(np.load(path, mmap_mode="r"))


def load_generation(settings: Settings) -> Generation | None:
    """The live generation from disk (sidecar files + collection name), or None if there is none."""
    pointer = read_current(settings)
    if pointer is None:
        return None
    folder = key_dir(settings) / f"gen-{pointer['generation']}"
    try:
        records = {name: Records(folder / name, cls) for name, cls in RECORD_CLASSES.items()}
        gen = Generation(
            number=pointer["generation"], collection=pointer["collection"], folder=folder, **records,
            # memory-mapped: a process reads only the rows its questions touch (the files never change)
            chunk_vectors=_mapped(folder / "chunk_vectors.npy"),
            sentence_vectors=_mapped(folder / "sentence_vectors.npy"),
            measure_vectors=_mapped(folder / "measure_vectors.npy"),
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise IndexStoreError(f"The index in {folder} is damaged ({exc.__class__.__name__}: {exc}). "
                              f"{rebuild_advice(settings)}") from None
    problem = _shape_problem(gen)
    if problem:
        raise IndexStoreError(f"The index in {folder} is damaged ({problem}). {rebuild_advice(settings)}")
    return gen


def _shape_problem(gen: Generation) -> str:
    """Do the vector files have one row per record, all of one width? ("" if so)."""
    widths = set()
    for name, vectors, records in (("chunk_vectors.npy", gen.chunk_vectors, gen.chunks),
                                   ("sentence_vectors.npy", gen.sentence_vectors, gen.sentences),
                                   ("measure_vectors.npy", gen.measure_vectors, gen.figures)):
        if vectors.ndim != 2 or vectors.shape[0] != len(records) or not np.issubdtype(vectors.dtype, np.floating):
            return f"{name} has shape {vectors.shape}, expected {len(records)} rows of vectors"
        if len(records):
            widths.add(vectors.shape[1])
    if len(widths) > 1:
        return f"the vector files have different widths {sorted(widths)}"
    return ""


def verify_generation(settings: Settings, gen: Generation) -> str:
    """What is damaged in a loaded generation beyond its sidecar files ("" if nothing): its BM25 index must
    load and hold every chunk, its Chroma collection must exist with one vector per chunk, its look-ups by key
    must match the records."""
    if isinstance(gen.chunks, Records):
        try:
            read_keys(gen.folder, gen.articles, {name: len(getattr(gen, name)) for name in RECORD_CLASSES})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return f"its look-ups in {KEYS}/ are damaged ({exc.__class__.__name__}: {exc})"
    try:
        held = int(load_bm25(gen).bm25.scores["num_docs"])
        if held != len(gen.chunks):
            return f"the BM25 index holds {held} chunks, not {len(gen.chunks)}"
    except Exception as exc:  # noqa: BLE001 - any failure to read it is damage
        return f"the BM25 index is unreadable ({exc.__class__.__name__})"
    try:
        count = chroma_client(str(settings.index_dir), settings.chroma_url).get_collection(gen.collection).count()
    except IndexStoreError as exc:
        if settings.chroma_url:
            raise  # a server that is down is not damage: rebuilding would not help
        return str(exc).split(" Run ", 1)[0]
    except Exception as exc:  # noqa: BLE001
        return f"the Chroma collection {gen.collection} is missing or unreadable ({exc.__class__.__name__})"
    if count != len(gen.chunks):
        return f"the Chroma collection {gen.collection} holds {count} vectors, not {len(gen.chunks)}"
    return ""


def reset_chroma(settings: Settings) -> None:
    """Make the embedded Chroma store usable again: if it cannot be opened or read, its folder is removed (every
    generation in it is rebuilt from the corpus). A Chroma server is left alone."""
    if settings.chroma_url:
        return
    try:
        chroma_client(str(settings.index_dir), "").list_collections()
        return
    except Exception as exc:  # noqa: BLE001
        log.warning("the Chroma store in %s is unreadable (%s); removing it to rebuild", settings.index_dir, exc)
    _forget_clients()
    shutil.rmtree(settings.index_dir / "chroma", ignore_errors=True)


def _forget_clients() -> None:
    """Drop this process's Chroma clients (ours and chromadb's shared systems), so the next one opens afresh."""
    chroma_client.cache_clear()
    with contextlib.suppress(Exception):
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()


def remove_generations(settings: Settings) -> None:
    """Start clean (`qa-bot index --rebuild`): the pointer, every generation folder and collection of these
    settings go; uploaded articles stay. An unreadable embedded Chroma store is removed as a whole."""
    reset_chroma(settings)
    (key_dir(settings) / "current.json").unlink(missing_ok=True)
    for folder in key_dir(settings).glob("gen-*"):
        shutil.rmtree(folder, ignore_errors=True)
    prefix = f"qa_{settings.index_key}_g"
    with contextlib.suppress(Exception):
        client = chroma_client(str(settings.index_dir), settings.chroma_url)
        for coll in client.list_collections():
            name = coll if isinstance(coll, str) else coll.name
            if name.startswith(prefix):
                client.delete_collection(name)


def _dump(folder: Path, name: str, records: Sequence, cls) -> None:
    """Write one sidecar's records as a folder of memory-mappable columns (search/columns.py)."""
    write_records(folder / name, records, cls)


STAMPS = "files.json"


def read_stamps(folder: Path) -> dict:
    """The corpus stamps a generation was built from (files.json): {} when missing or unreadable, and then the
    up-to-date check reads and hashes the corpus, as it did before the file existed."""
    try:
        stamps = json.loads((folder / STAMPS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def write_stamps(folder: Path, stamps: dict) -> None:
    """Write files.json of a generation, atomically (a live one gets fresher stamps after a content check)."""
    tmp = folder / f"{STAMPS}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(stamps, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / STAMPS)
    except OSError as exc:  # only a cache: the next check reads the changed files again
        log.warning("could not write %s (%s)", folder / STAMPS, exc)
        tmp.unlink(missing_ok=True)


def pipeline_fingerprint() -> str:
    """Hash of the index-time code (splitting, chunking, figure extraction): when it changes, every article
    is processed again at the next indexing run (vectors of unchanged text are still reused)."""
    import hashlib

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for folder in ("ingest", "language"):
        for path in sorted((package / folder).rglob("*")):
            if path.suffix in (".py", ".yaml", ".json") and path.is_file():
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def write_generation(settings: Settings, number: int, articles: Sequence[Article], sentences: Sequence[Sentence],
                     chunks: Sequence[Chunk], figures: Sequence[Figure], chunk_vectors: np.ndarray,
                     sentence_vectors: np.ndarray, measure_vectors: np.ndarray,
                     progress: Progress | None = None, entities: Sequence[Entity] = (),
                     stamps: dict | None = None) -> Generation:
    """Write a new generation (collection, BM25, sidecar) and switch the pointer to it only when all of it is
    written; on any failure the new parts are removed and the previous generation keeps answering."""
    folder = key_dir(settings) / f"gen-{number}"
    name = collection_name(settings, number)
    client = chroma_client(str(settings.index_dir), settings.chroma_url)
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with contextlib.suppress(Exception):
            client.delete_collection(name)  # left over from an interrupted run
        by_id = {a.doc_id: a for a in articles}
        coll = new_collection(settings, name)
        batch = 500  # the batches llama-index's ChromaVectorStore.add was given: the same adds, in the same order
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            coll.add(ids=[c.id for c in part], documents=[c.text for c in part],
                     metadatas=[chunk_metadata(c, by_id[c.doc_id]) for c in part],
                     embeddings=[v.tolist() for v in chunk_vectors[i:i + batch]])
            if progress:
                progress(min(i + batch, len(chunks)), len(chunks), "storing vectors in Chroma")
        write_bm25([c.text for c in chunks], folder / "bm25")
        for sidecar, records in (("articles", articles), ("sentences", sentences), ("chunks", chunks),
                                 ("figures", figures), ("entities", entities)):
            _dump(folder, sidecar, records, RECORD_CLASSES[sidecar])
        np.save(folder / "chunk_vectors.npy", chunk_vectors)
        np.save(folder / "sentence_vectors.npy", sentence_vectors)
        np.save(folder / "measure_vectors.npy", measure_vectors)
        write_lookups(folder, articles, sentences, chunks, figures, entities, chunk_vectors)
        write_figure_table(folder, articles, sentences, figures)
        if stamps:
            write_stamps(folder, stamps)
        pointer = key_dir(settings) / "current.json"
        tmp = pointer.with_suffix(".tmp")
        tmp.write_text(json.dumps({"generation": number, "collection": name, "model": settings.model,
                                   "pipeline": pipeline_fingerprint(),
                                   "chunk_chars": settings.chunk_chars, "chunk_overlap": settings.chunk_overlap,
                                   "written": time.strftime("%Y-%m-%dT%H:%M:%S")}))
        os.replace(tmp, pointer)  # the switch: atomic on POSIX
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(Exception):
            client.delete_collection(name)
        if isinstance(exc, OSError):
            raise IndexStoreError(f"Writing the index failed ({exc.strerror or exc}); the previous index is "
                                  f"unchanged. Free disk space or fix permissions of {settings.index_dir}.") from None
        raise
    return load_generation(settings)  # type: ignore[return-value]


def remove_stale(settings: Settings, live: int) -> None:
    """Delete generations (folders and collections) other than the live one: old or from interrupted runs."""
    client = chroma_client(str(settings.index_dir), settings.chroma_url)
    prefix = f"qa_{settings.index_key}_g"
    with contextlib.suppress(Exception):
        for coll in client.list_collections():
            name = coll if isinstance(coll, str) else coll.name
            if name.startswith(prefix) and name != collection_name(settings, live):
                client.delete_collection(name)
    for folder in key_dir(settings).glob("gen-*"):
        if folder.name != f"gen-{live}":
            shutil.rmtree(folder, ignore_errors=True)
    if not settings.chroma_url:
        remove_orphan_segments(settings.index_dir / "chroma")


def remove_orphan_segments(chroma_dir: Path, min_age: float = 60.0) -> None:
    """Delete vector segment folders that no Chroma collection uses any more: embedded Chroma 1.5 keeps the
    folder of a deleted collection (~180 KB each here), so every generation would leave one behind. Only
    UUID-named folders absent from Chroma's own segments table and untouched for `min_age` seconds go."""
    import re
    import sqlite3

    db = chroma_dir / "chroma.sqlite3"
    if not db.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            known = {row[0] for row in con.execute("SELECT id FROM segments")}
    except sqlite3.Error as exc:
        log.debug("not cleaning Chroma segments: %s", exc)
        return
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    now = time.time()
    for folder in chroma_dir.iterdir():
        if (folder.is_dir() and uuid.match(folder.name) and folder.name not in known
                and now - folder.stat().st_mtime > min_age):
            shutil.rmtree(folder, ignore_errors=True)


def next_generation_number(settings: Settings) -> int:
    """One more than any generation folder present (so an interrupted run's number is never reused live)."""
    numbers = [int(p.name[4:]) for p in key_dir(settings).glob("gen-*") if p.name[4:].isdigit()]
    with contextlib.suppress(IndexStoreError):  # a damaged pointer is being replaced
        pointer = read_current(settings)
        if pointer:
            numbers.append(pointer["generation"])
    return max(numbers, default=0) + 1


BM25_TOKENS = r"(?u)\b\w\w+\b"  # what llama-index's BM25Retriever used: words of two or more characters


@dataclass(frozen=True)
class Bm25Index:
    """A generation's BM25 index (bm25s, memory-mapped), its stemmer and token pattern; row i ↔ chunks[i]."""

    bm25: object
    stemmer: object
    token_pattern: str = BM25_TOKENS
    skip_stemming: bool = False


def _bm25s():
    import Stemmer

    from ..imports import import_without

    bm25s = import_without("bm25s", ("scipy", "scipy.sparse", "numba"))  # numpy backend: same index

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s, Stemmer


def write_bm25(texts: Sequence[str], folder: Path) -> None:
    """BM25 over the chunk texts (English stop words, Snowball stemmer), saved without a corpus copy: the rows
    are the generation's chunks, in order. Same tokens and scores as llama-index's BM25Retriever built."""
    bm25s, Stemmer = _bm25s()
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=Stemmer.Stemmer("english"),
                            token_pattern=BM25_TOKENS, show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    index.save(str(folder), show_progress=False)


def load_bm25(generation: Generation) -> Bm25Index:
    """The persisted BM25 index of a generation, memory-mapped (only the postings a query touches are read)."""
    bm25s, Stemmer = _bm25s()
    try:
        index = bm25s.BM25.load(str(generation.folder / "bm25"), load_corpus=False, mmap=True,
                                show_progress=False)
    except Exception as exc:  # noqa: BLE001
        raise IndexStoreError(f"The BM25 index in {generation.folder} is damaged ({exc}). "
                              "Run `qa-bot index` to rebuild it.") from None
    return Bm25Index(index, Stemmer.Stemmer("english"))
