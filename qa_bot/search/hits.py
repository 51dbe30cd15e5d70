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


def dense_ranking(store, query_vector: np.ndarray, n: int, doc_ids: Collection[str] | None) -> list[str]:
    """Chunk ids nearest to the query vector, through llama-index's ChromaVectorStore (filters in Chroma)."""
    from llama_index.core.vector_stores.types import (FilterOperator, MetadataFilter, MetadataFilters,
                                                      VectorStoreQuery)

    filters = None
    if doc_ids is not None:
        filters = MetadataFilters(filters=[MetadataFilter(key="article", value=sorted(doc_ids),
                                                          operator=FilterOperator.IN)])
    result = store.query(VectorStoreQuery(query_embedding=query_vector.tolist(), similarity_top_k=n,
                                          filters=filters))
    return list(result.ids or [])


def bm25_ranking(bm25, query: str, n: int, doc_ids: Collection[str] | None,
                 chunk_doc: Sequence[str]) -> list[str]:
    """Chunk ids by BM25 score (only those with a positive score), optionally restricted to some articles.
    chunk_doc[i] is the doc_id of the i-th node the BM25 index was built from."""
    import bm25s

    tokens = bm25s.tokenize(query, stemmer=None if bm25.skip_stemming else bm25.stemmer,
                            token_pattern=bm25.token_pattern, show_progress=False)
    total = len(chunk_doc)
    mask = None
    if doc_ids is not None:
        mask = np.array([1 if d in doc_ids else 0 for d in chunk_doc], dtype=float)
        if not mask.any():
            return []
    indexes, scores = bm25.bm25.retrieve(tokens, k=min(n, total), weight_mask=mask, show_progress=False,
                                         n_threads=1)
    ids = []
    for idx, score in zip(indexes[0], scores[0]):
        if score <= 0:
            continue
        node = idx if isinstance(idx, dict) else bm25.corpus[int(idx)]
        ids.append(node["node_id"])
    return ids


def fuse(chunks_by_id: dict[str, Chunk], dense: Sequence[str], sparse: Sequence[str], top_k: int,
         rrf_k: int, mode: str = "hybrid") -> list[Hit]:
    """Hits in fused order: hybrid = RRF of both rankings; dense or bm25 = that ranking alone (baselines)."""
    rankings = {"hybrid": [dense, sparse], "dense": [dense], "bm25": [sparse]}[mode]
    dense_rank = {cid: r for r, cid in enumerate(dense, 1)}
    bm25_rank = {cid: r for r, cid in enumerate(sparse, 1)}
    return [Hit(chunks_by_id[cid], score, dense_rank.get(cid), bm25_rank.get(cid))
            for cid, score in reciprocal_rank_fusion(rankings, rrf_k)[:top_k] if cid in chunks_by_id]
