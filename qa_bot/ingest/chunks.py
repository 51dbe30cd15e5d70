"""Chunking: whole sentences packed up to a size, with sentence-aligned overlap; stable ids `<doc_id>#<n>`."""

from __future__ import annotations

from typing import Sequence

from ..records import Article, Chunk, Sentence


def chunk_sentences(article: Article, sentences: Sequence[Sentence], chunk_chars: int,
                    overlap_chars: int) -> list[Chunk]:
    """Pack consecutive sentences into chunks of at most chunk_chars (a longer sentence stands alone);
    each chunk after the first repeats trailing sentences of the previous one, up to overlap_chars."""
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1].end - sentences[i].start <= chunk_chars:
            j += 1
        start, end = sentences[i].start, sentences[j].end
        chunks.append(Chunk(f"{article.doc_id}#{len(chunks)}", article.doc_id, len(chunks), start, end,
                            article.text[start:end], sentences[i].n, sentences[j].n))
        if j + 1 >= len(sentences):
            break
        # Next chunk starts at the earliest sentence k > i whose tail from k to j fits in the overlap.
        k = j + 1
        while k - 1 > i and sentences[j].end - sentences[k - 1].start <= overlap_chars:
            k -= 1
        i = k
    return chunks
