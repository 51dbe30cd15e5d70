"""The systems an eval run compares: qa-bot (hybrid), its dense-only and BM25-only variants, and the stock
llama-index pipeline a user would write in ten lines over the same Chroma collection."""

from __future__ import annotations

import logging
import re
from typing import Protocol, Sequence

import numpy as np

from ..engine import Engine
from ..errors import QaBotError
from ..records import Answer, Citation
from ..settings import Settings

log = logging.getLogger(__name__)

SYSTEMS = ("qa-bot", "dense-only", "bm25-only", "llama-index")
_MODES = {"qa-bot": "hybrid", "dense-only": "dense", "bm25-only": "bm25"}


class System(Protocol):
    """Anything that answers a question in a conversation."""

    name: str

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer: ...


class EngineSystem:
    """qa-bot's own pipeline with one retrieval mode: hybrid (the product), dense or BM25 alone."""

    def __init__(self, name: str, engine: Engine):
        self.name = name
        self.engine = engine
        self.mode = _MODES[name]

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """The engine's answer with this system's retrieval mode."""
        return self.engine.ask(question, history=history, mode=self.mode)


_SENTENCE_END = re.compile(r"([.!?…][\"'”’)]*)\s+|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of naive sentences: split after . ! ? and at line breaks (what a ten-line script does)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(1) or "")  # keep the stop and closing quotes with the sentence
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


class StockLlamaIndex:
    """`VectorStoreIndex.from_vector_store(ChromaVectorStore(collection), embed_model=HuggingFaceEmbedding(...))`,
    `.as_retriever(similarity_top_k=k)`, and the retrieved sentences most similar to the question as the answer.
    It never refuses (found is always True) and cites each sentence at its node's offsets."""

    name = "llama-index"

    def __init__(self, settings: Settings, collection_name: str):
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        try:
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        except ImportError:
            raise QaBotError("The llama-index baseline needs llama-index-embeddings-huggingface: run "
                             "`.venv/bin/pip install -e '.[test]'`, or leave it out with "
                             "--systems qa-bot,dense-only,bm25-only.") from None

        from ..search.store import chroma_client
        from ..search.vectors import resolve_model_path

        self.settings = settings
        collection = chroma_client(str(settings.index_dir), settings.chroma_url).get_collection(collection_name)
        self.embed_model = HuggingFaceEmbedding(model_name=str(resolve_model_path(settings.model)), device="cpu")
        index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=collection),
                                                   embed_model=self.embed_model)
        self.retriever = index.as_retriever(similarity_top_k=settings.top_k)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Retrieve nodes for the question (history ignored, as in the stock pipeline) and quote the top sentences."""
        nodes = self.retriever.retrieve(question)
        candidates = []  # (doc_id, title, start in file, sentence)
        for hit in nodes:
            node, meta = hit.node, hit.node.metadata
            base = meta.get("start", node.start_char_idx)
            for s, e in split_sentences(node.get_content()):
                text = node.get_content()[s:e]
                doc_id = meta.get("article") or node.ref_doc_id or meta.get("doc_id", "")
                candidates.append((doc_id, meta.get("title", ""),
                                   -1 if base is None else int(base) + s, text))
        if not candidates:
            return Answer(question=question, answer="No passage was retrieved.", found=False,
                          retrieved=tuple(h.node.node_id for h in nodes))
        q = np.asarray(self.embed_model.get_query_embedding(question), dtype=np.float32)
        vecs = np.asarray(self.embed_model.get_text_embedding_batch([c[3] for c in candidates]), dtype=np.float32)
        sims = vecs @ q / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(q) + 1e-9)
        order, seen = [], set()
        for i in np.argsort(-sims, kind="stable"):
            key = " ".join(candidates[i][3].split())
            if key not in seen:
                seen.add(key)
                order.append(int(i))
            if len(order) == self.settings.max_sentences:
                break
        citations, lines = [], []
        for n, i in enumerate(order, 1):
            doc_id, title, start, text = candidates[i]
            citations.append(Citation(n=n, doc_id=doc_id, title=title, quote=text, start=start,
                                      end=start + len(text) if start >= 0 else -1, score=round(float(sims[i]), 4)))
            lines.append(f"- {text} [{n}]")
        return Answer(question=question, answer="\n".join(lines), found=True, citations=tuple(citations),
                      retrieved=tuple(h.node.node_id for h in nodes))


def build_systems(names: Sequence[str], engine: Engine) -> list[System]:
    """The requested systems over one engine's current index (the stock pipeline reads the same collection)."""
    from ..search.store import load_generation, rebuild_command

    systems: list[System] = []
    for name in names:
        if name in _MODES:
            systems.append(EngineSystem(name, engine))
        elif name == "llama-index":
            generation = load_generation(engine.settings)
            if generation is None:
                # the command for exactly this corpus, index folder and model (a bare `qa-bot index` builds the
                # shipped corpus's index, which is not the one missing)
                raise QaBotError(f"The index is missing; run `{rebuild_command(engine.settings)}` first.")
            systems.append(StockLlamaIndex(engine.settings, generation.collection))
        else:
            raise QaBotError(f"Unknown system {name!r}; use one of {', '.join(SYSTEMS)}.")
    return systems
