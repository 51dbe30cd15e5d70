"""Retrieval: dense (Chroma) and BM25 rankings of chunks, fused by reciprocal rank fusion into Hits."""

from __future__ import annotations

from typing import Collection, Sequence

import numpy as np

from ..records import Chunk, Hit

MODES = ("hybrid", "dense", "bm25")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = Σ 1/(k + rank). Ties keep the order of first appearance."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def dense_ranking(collection, query_vector: np.ndarray, n: int, doc_ids: Collection[str] | None) -> list[str]:
    """Chunk ids nearest to the query vector: one query of the Chroma collection (filters in Chroma), the same
    query llama-index's ChromaVectorStore sends, without fetching texts or metadata."""
    where = {"article": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
    result = collection.query(query_embeddings=[np.asarray(query_vector, dtype=np.float32).tolist()],
                              n_results=n, where=where, include=[])
    return list(result["ids"][0]) if result.get("ids") else []


def bm25_ranking(bm25, query: str, n: int, doc_ids: Collection[str] | None,
                 chunk_doc: Sequence[str], chunk_ids: Sequence[str]) -> list[str]:
    """Chunk ids by BM25 score (only those with a positive score), optionally restricted to some articles.
    chunk_doc[i] / chunk_ids[i]: the doc_id and id of the i-th chunk the BM25 index was built from."""
    import bm25s

    tokens = bm25s.tokenize(query, stemmer=None if bm25.skip_stemming else bm25.stemmer,
                            token_pattern=bm25.token_pattern, show_progress=False)
    total = len(chunk_doc)
    mask = None
    if doc_ids is not None:
        mask = np.fromiter((d in doc_ids for d in chunk_doc), dtype=float, count=total)
        if not mask.any():
            return []
    # n_threads=0: a plain loop; any other value starts a thread pool per query (~2 ms, more than the scoring)
    indexes, scores = bm25.bm25.retrieve(tokens, k=min(n, total), weight_mask=mask, show_progress=False,
                                         n_threads=0)
    return [chunk_ids[int(idx)] for idx, score in zip(indexes[0], scores[0]) if score > 0]


def fuse(chunks_by_id: dict[str, Chunk], dense: Sequence[str], sparse: Sequence[str], top_k: int,
         rrf_k: int, mode: str = "hybrid") -> list[Hit]:
    """Hits in fused order: hybrid = RRF of both rankings; dense or bm25 = that ranking alone (baselines)."""
    rankings = {"hybrid": [dense, sparse], "dense": [dense], "bm25": [sparse]}[mode]
    dense_rank = {cid: r for r, cid in enumerate(dense, 1)}
    bm25_rank = {cid: r for r, cid in enumerate(sparse, 1)}
    return [Hit(chunks_by_id[cid], score, dense_rank.get(cid), bm25_rank.get(cid))
            for cid, score in reciprocal_rank_fusion(rankings, rrf_k)[:top_k] if cid in chunks_by_id]
