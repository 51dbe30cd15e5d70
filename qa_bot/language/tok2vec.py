"""One text through spaCy's CNN token-to-vector layers as a flat run of thinc's own operations, without the
per-layer calls of the model tree, with the embedding rows of tokens met before kept: the same numbers bit for bit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TOKEN_ROWS_KEPT = 10_000  # distinct tokens whose embedding row a stack keeps (about 0.7 kB each with key: 7 MB)

# A question is parsed alone, so its two token-to-vector stacks (the shared one the tagger and parser listen to,
# and the NER's own) run on a batch of one short text, where thinc's layer calls (about 40 nested Model calls per
# stack, each with its callbacks) cost about a quarter of the stack: 0.92 → 0.71 ms and 0.84 → 0.65 ms for the
# eval questions (p50, same process; 0.66 and 0.61 ms with the padding rows below dropped, 0.45 ms for the NER's
# with kept rows). Batches (indexing) keep the model's own forward.


@dataclass(frozen=True)
class _Maxout:
    W: np.ndarray  # (nO * nP, nI), as maxout.forward reshapes it
    b: np.ndarray  # (nO * nP,)
    nO: int
    nP: int
    G: np.ndarray  # the layer norm that follows it (normalize=True)
    g_b: np.ndarray


@dataclass(frozen=True)
class _Plan:
    columns: tuple  # the token attributes the hash embeddings read (FeatureExtractor)
    tables: tuple  # (column, E, seed) per HashEmbed
    embed: _Maxout
    windows: tuple  # (window size, _Maxout) per residual block
    pad: int  # rows of zeros around the text, as with_array(pad=receptive field) adds


def _maxout(ops, model) -> _Maxout:
    """maxout >> layernorm >> dropout (Maxout with normalize=True): its parameters."""
    mx, ln, drop = _flat(model)
    if (mx.name, ln.name, drop.name) != ("maxout", "layernorm", "dropout"):
        raise ValueError(model.name)
    nO, nP, nI = mx.get_dim("nO"), mx.get_dim("nP"), mx.get_dim("nI")
    return _Maxout(ops.reshape2f(mx.get_param("W"), nO * nP, nI), ops.reshape1f(mx.get_param("b"), nO * nP),
                   nO, nP, ln.get_param("G"), ln.get_param("b"))


def _flat(model) -> list:
    """The leaves of nested chains (a chain is named after its layers: "maxout>>layernorm"), in order."""
    if model.layers and model.name == ">>".join(x.name for x in model.layers):
        return [leaf for layer in model.layers for leaf in _flat(layer)]
    return [model]


def plan(model) -> _Plan | None:
    """The parameters of a MultiHashEmbed + MaxoutWindowEncoder stack (spacy.Tok2Vec.v2 / HashEmbedCNN), or None
    when the model is built otherwise (then it keeps its own forward)."""
    try:
        embed, encoder = model.layers
        extract, to_ragged, hashes, embed_maxout, to_list = embed.layers
        if (extract.name, to_ragged.name, to_list.name) != ("extract_features", "list2ragged", "ragged2list"):
            return None
        tables = []
        for item in hashes.layers[0].layers:
            getitem, table = item.layers
            if (getitem.name, table.name) != ("ints-getitem", "hashembed"):
                return None
            rows, column = getitem.attrs["index"]
            if (rows.start or 0, rows.stop, rows.step) != (0, None, None):  # every row: (slice(0, None), column)
                return None
            tables.append((column, table.get_param("E"), table.attrs["seed"]))
        ops = model.ops
        windows = []
        for block in encoder.layers[0].layers:
            if not block.name.startswith("residual("):
                return None
            window, rest = block.layers[0].layers
            if window.name != "expand_window":
                return None
            windows.append((window.attrs["window_size"], _maxout(ops, rest)))
        if not windows or type(ops).__name__ != "NumpyOps":
            return None
        return _Plan(tuple(extract.attrs["columns"]), tuple(tables), _maxout(ops, embed_maxout.layers[0]),
                     tuple(windows), int(encoder.attrs["pad"]))
    except (ValueError, KeyError, AttributeError, IndexError, TypeError):
        return None


def _layer(ops, X: np.ndarray, m: _Maxout) -> np.ndarray:
    """maxout → layernorm, as thinc computes them (maxout.forward, layernorm.forward and its moments)."""
    Y = ops.gemm(X, m.W, trans2=True)
    Y += m.b
    best, _ = ops.maxout(ops.reshape3f(Y, Y.shape[0], m.nO, m.nP))
    mu = best.mean(axis=1, keepdims=True)
    var = best.var(axis=1, keepdims=True) + 1e-08
    out = (best - mu) * var ** (-1.0 / 2.0) * m.G
    out += m.g_b
    return out


class TokenRows:
    """A token's embedding row (hash embeddings → maxout → layer norm: no context yet) by its features (norm,
    prefix, suffix, shape...), for the last `size` distinct feature rows: a question's words are mostly words of
    earlier questions, and a row is the same computed alone or among others."""

    def __init__(self, size: int):
        self.size = size
        self.rows: dict[bytes, np.ndarray] = {}
        self.lock = threading.Lock()

    def embed(self, ops, p: _Plan, ids: np.ndarray) -> np.ndarray:
        keys = [row.tobytes() for row in ids]
        found = [self.rows.get(k) for k in keys]
        todo = [i for i, row in enumerate(found) if row is None]
        if todo:
            new = _embed(ops, p, ids[todo])
            with self.lock:
                for i, row in zip(todo, new):
                    if len(self.rows) >= self.size:
                        self.rows.pop(next(iter(self.rows)))
                    found[i] = self.rows[keys[i]] = row
        return np.vstack(found)


def _embed(ops, p: _Plan, ids: np.ndarray) -> np.ndarray:
    X = np.hstack([ops.gather_add(E, ops.hash(ops.as_contig(ids[:, column], dtype="uint64"), seed) % E.shape[0])
                   for column, E, seed in p.tables])
    return _layer(ops, X, p.embed)


def vectors(ops, p: _Plan, doc, kept: TokenRows | None = None) -> np.ndarray:
    """The stack's output for one non-empty Doc: hash embeddings, maxout, then the residual window layers over the
    text padded with p.pad rows of zeros at each end."""
    ids = ops.asarray2i(doc.to_array(list(p.columns)), dtype="uint64")
    X = _embed(ops, p, ids) if kept is None else kept.embed(ops, p, ids)
    n = X.shape[0]
    X = ops.flatten([X], pad=p.pad)
    # Only the rows the text's vectors depend on are carried on: a window layer reads `window` rows each side, so
    # after layer j the rows beyond the text that later layers read are the sum of their windows (3, 2, 1, 0 of
    # the 4 padding rows each side); the padding rows beyond them are dropped before the layer's matrix product
    # (each row of a product is the same alone or among others, as the batch test shows). 17 words: 80 rows in
    # the four products instead of 100.
    reach = sum(window for window, _ in p.windows)
    for window, m in p.windows:
        reach -= window
        cut = (X.shape[0] - n) // 2 - reach
        cols = ops.seq2col(X, window)[cut:X.shape[0] - cut]
        X = X[cut:X.shape[0] - cut] + _layer(ops, cols, m)
    return X


def flatten_single_texts(nlp) -> int:
    """Give every CNN tok2vec stack of the pipeline the flat forward for a batch of one text (a question); other
    calls (batches, training) keep the model's forward. Returns how many stacks were given it."""
    done = 0
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None:
            continue
        for node in model.walk():
            if not node.name.startswith("extract_features>>") or len(node.layers) != 2:
                continue
            p = plan(node)
            if p is not None:
                node._func = _single(node._func, p, TokenRows(TOKEN_ROWS_KEPT))
                done += 1
    return done


def _single(forward: Callable, p: _Plan, kept: TokenRows) -> Callable:
    def flat(model, docs, is_train: bool):
        if is_train or len(docs) != 1 or not len(docs[0]):
            return forward(model, docs, is_train)
        return [vectors(model.ops, p, docs[0], kept)], _no_backprop
    flat.model_forward = forward  # type: ignore[attr-defined]  # the layers' own forward, for the equality test
    return flat


def _no_backprop(_):
    raise NotImplementedError("the flat tok2vec forward only predicts")
