"""Figure checks that do not depend on the question's words, done once per loaded index: per-figure codes for a
numpy pre-filter (answer type, modality, event class, article) and the source families of any set of articles."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterator, Mapping, Sequence

import numpy as np

from ..records import Figure, QuestionIntent
from .report import DONE, _sharing_pairs, answers_type, event_compatible, norm_name, scope_name

log = logging.getLogger(__name__)


def _codes(keys: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """A code per figure for its key, and one figure row per code (the first with that key) to run the checks on."""
    seen: dict = {}
    examples: list[int] = []
    codes = np.zeros(len(keys), dtype=np.int32)
    for i, key in enumerate(keys):
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(examples)
            examples.append(i)
        codes[i] = code
    return codes, np.array(examples, dtype=np.int64)


@dataclass(frozen=True)
class FigureTable:
    """The generation's figures as codes. The checks of report.candidates that read only a figure's kind,
    dimension, unit, counted == "age", modality and event class give one result per distinct value of these, so a
    question runs them once per distinct value (a few dozen) instead of once per figure (15,000 at 11,000
    chunks), and the per-figure result is an array look-up."""

    doc_ids: tuple[str, ...]  # the articles that have figures, sorted
    doc_row: dict[str, int]  # doc_id → its row in doc_ids
    doc_of: np.ndarray  # row in doc_ids of each figure's article
    type_of: np.ndarray  # code of (kind, dimension, unit, counted == "age") of each figure
    type_examples: tuple[Figure, ...]  # one figure per code
    modality_of: np.ndarray
    modalities: tuple[str, ...]
    event_of: np.ndarray  # code of the figure's event (only whether it is a known class and which one matter)
    event_examples: tuple[Figure, ...]
    pairs: np.ndarray  # (n, 2) rows in doc_ids: article pairs that share enough values to be one source, sorted
    doc_places: Sequence[frozenset[str]]  # scope names (report.scope_name) of each article's figures
    scope_words: Mapping[str, np.ndarray]  # a word of a figure's scope (report.norm_name) → the figures with it
    type_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # figure row of each example
    event_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def doc_mask(self, docs: Collection[str]) -> np.ndarray:
        """Bool per row of doc_ids: is that article one of `docs`?"""
        mask = np.zeros(len(self.doc_ids), dtype=bool)
        mask[[self.doc_row[d] for d in docs if d in self.doc_row]] = True
        return mask


def figure_table(figures: Sequence[Figure]) -> FigureTable:
    """Codes for every figure of a generation, and the article pairs source families are made of (all of them:
    which two articles share values does not depend on the others)."""
    doc_ids = tuple(sorted({f.doc_id for f in figures}))
    row = {d: i for i, d in enumerate(doc_ids)}
    types, type_rows = _codes([(f.kind, f.dimension, f.unit, f.counted == "age") for f in figures])
    modality_of, modality_rows = _codes([f.modality for f in figures])
    event_of, event_rows = _codes([f.event for f in figures])
    sigs: dict[str, set[str]] = {}
    for f in figures:  # as report.source_families
        sigs.setdefault(f.doc_id, set()).add(f"{f.dimension}|{f.unit}|{f.value:.4g}")
    pairs = np.array([(row[a], row[b]) for a, b in _sharing_pairs(sigs)], dtype=np.int64).reshape(-1, 2)
    places: list[set[str]] = [set() for _ in doc_ids]
    scope_words: dict[str, list[int]] = {}
    for i, f in enumerate(figures):
        places[row[f.doc_id]].update(scope_name(x) for x in f.scope)
        for w in {w for x in f.scope for w in norm_name(x).split()}:
            scope_words.setdefault(w, []).append(i)
    return FigureTable(doc_ids=doc_ids, doc_row=row, doc_of=np.array([row[f.doc_id] for f in figures], dtype=np.int64),
                       type_of=types, type_examples=tuple(figures[i] for i in type_rows.tolist()),
                       modality_of=modality_of, modalities=tuple(figures[i].modality for i in modality_rows.tolist()),
                       event_of=event_of, event_examples=tuple(figures[i] for i in event_rows.tolist()), pairs=pairs,
                       doc_places=tuple(frozenset(p) for p in places),
                       scope_words={w: np.array(ix, dtype=np.int64) for w, ix in scope_words.items()},
                       type_rows=type_rows, event_rows=event_rows)


TABLE_FORMAT = "qa-bot figure table"


def table_fingerprint() -> str:
    """Hash of the code a figure table is computed by (this module, report.py and language/): a table saved by
    other code is not used."""
    import hashlib

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    paths = [package / "answering" / "prefilter.py", package / "answering" / "report.py"]
    for path in paths + sorted((package / "language").rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and path.is_file():
            h.update(path.relative_to(package).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _texts(values: Sequence[str]) -> np.ndarray:
    # each value ended by "\n", as UTF-8 (a doc id, modality, scope name or word holds no line break: checked)
    return np.frombuffer("".join(f"{v}\n" for v in values).encode(), dtype=np.uint8)


def _untexts(buffer: np.ndarray) -> list[str]:
    return buffer.tobytes().decode().split("\n")[:-1]


def save_table(folder: Path, table: FigureTable, refresh: bool = False) -> bool:
    """Save a figure table as arrays (memory-mapped when read back), with the fingerprint of the code that made it;
    False when it cannot be saved (then it is made at the first question). refresh: replace the table of an
    existing folder (one saved by other code), each file written aside and renamed into place, meta.json last:
    a process reading it meanwhile finds the old table (and makes its own) or the new one whole."""
    names = sorted(set().union(*table.doc_places)) if table.doc_places else []
    code = {n: i for i, n in enumerate(names)}
    words = sorted(table.scope_words)
    strings = [*table.doc_ids, *table.modalities, *names, *words]
    if any("\n" in x for x in strings):
        return False  # not expected (names are single lines)
    if not refresh:
        folder.mkdir()
    place_counts = [len(p) for p in table.doc_places]
    arrays = {
        "doc_ids": _texts(table.doc_ids), "modalities": _texts(table.modalities), "names": _texts(names),
        "words": _texts(words), "doc_of": table.doc_of, "type_of": table.type_of, "modality_of": table.modality_of,
        "event_of": table.event_of, "type_rows": table.type_rows, "event_rows": table.event_rows,
        "pairs": table.pairs,
        "place_indptr": np.concatenate([[0], np.cumsum(place_counts)]).astype(np.int64),
        "places": np.array([code[n] for p in table.doc_places for n in sorted(p)], dtype=np.int64),
        "word_indptr": np.concatenate([[0], np.cumsum([len(table.scope_words[w]) for w in words])]).astype(np.int64),
        "word_rows": (np.concatenate([table.scope_words[w] for w in words]) if words
                      else np.zeros(0, dtype=np.int64)).astype(np.int64),
    }
    aside = f".{os.getpid()}.tmp"
    for name, array in arrays.items():
        with open(folder / f"{name}.npy{aside}", "wb") as fh:
            np.save(fh, array)
        os.replace(folder / f"{name}.npy{aside}", folder / f"{name}.npy")
    (folder / f"meta.json{aside}").write_text(json.dumps({"format": TABLE_FORMAT, "code": table_fingerprint(),
                                                          "figures": len(table.doc_of)}), encoding="utf-8")
    os.replace(folder / f"meta.json{aside}", folder / "meta.json")
    return True


class _Places(Sequence[frozenset[str]]):
    """doc_places read from a saved table: each article's set made when first read."""

    def __init__(self, names: list[str], indptr: np.ndarray, codes: np.ndarray):
        self._names, self._indptr, self._codes = names, indptr, codes
        self._made: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._indptr) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        i = int(i)
        made = self._made.get(i)
        if made is None:
            if not 0 <= i < len(self):
                raise IndexError(i)
            names = self._names
            codes = self._codes[self._indptr[i]:self._indptr[i + 1]].tolist()
            made = self._made[i] = frozenset(names[c] for c in codes)
        return made


class _ScopeWords(Mapping[str, np.ndarray]):
    """scope_words read from a saved table: a word's figure rows, a slice of one memory-mapped array."""

    def __init__(self, words: list[str], indptr: np.ndarray, rows: np.ndarray):
        self._at = {w: i for i, w in enumerate(words)}
        self._indptr, self._rows = indptr, rows

    def __getitem__(self, word: str) -> np.ndarray:
        i = self._at[word]
        return self._rows[self._indptr[i]:self._indptr[i + 1]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def load_table(folder: Path, figures: Sequence[Figure]) -> FigureTable | None:
    """The figure table saved in a generation, or None when there is none, it was made by other code or does not
    match the figures (then it is made again from the figures)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != TABLE_FORMAT or meta.get("code") != table_fingerprint() \
                or meta.get("figures") != len(figures):
            return None
        a = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False))
             for name in ("doc_ids", "modalities", "names", "words", "doc_of", "type_of", "modality_of", "event_of",
                          "type_rows", "event_rows", "pairs", "place_indptr", "places", "word_indptr", "word_rows")}
        doc_ids = tuple(_untexts(a["doc_ids"]))
        if any(len(a[k]) != len(figures) for k in ("doc_of", "type_of", "modality_of", "event_of")) \
                or len(a["place_indptr"]) != len(doc_ids) + 1:
            return None
        return FigureTable(
            doc_ids=doc_ids, doc_row={d: i for i, d in enumerate(doc_ids)}, doc_of=a["doc_of"], type_of=a["type_of"],
            type_examples=tuple(figures[i] for i in a["type_rows"].tolist()), modality_of=a["modality_of"],
            modalities=tuple(_untexts(a["modalities"])), event_of=a["event_of"],
            event_examples=tuple(figures[i] for i in a["event_rows"].tolist()), pairs=a["pairs"].reshape(-1, 2),
            doc_places=_Places(_untexts(a["names"]), a["place_indptr"], a["places"]),
            scope_words=_ScopeWords(_untexts(a["words"]), a["word_indptr"], a["word_rows"]),
            type_rows=a["type_rows"], event_rows=a["event_rows"])
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        log.warning("the saved figure table in %s is unreadable (%s); making it from the figures", folder, exc)
        return None


@dataclass(frozen=True)
class EventFigures:
    """The figures of a set of articles (an event's), made once per set: their rows, and the distinct
    (type, modality, event) codes among them, so that a question checks each distinct code once and reads its
    figures' results with one look-up."""

    rows: np.ndarray  # figure rows, ascending
    combos: np.ndarray  # (n, 3): the distinct (type_of, modality_of, event_of) codes of these figures
    combo_of: np.ndarray  # row in combos of each figure of rows
    by_combo: np.ndarray  # rows grouped by combo (ascending within each group)
    combo_starts: np.ndarray  # (n + 1): where each combo's group starts in by_combo

    def rows_of(self, ok: np.ndarray) -> np.ndarray:
        """The rows (ascending) whose combo is True in `ok` (bool per combo): the groups read and merged, in
        time linear in the rows kept, not in the event's figures."""
        parts = [self.by_combo[self.combo_starts[c]:self.combo_starts[c + 1]] for c in np.flatnonzero(ok)]
        if not parts:
            return np.zeros(0, dtype=self.rows.dtype)
        return parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))


def figures_within(table: FigureTable, docs: np.ndarray) -> EventFigures:
    """The figures of the articles whose rows are True in `docs` (FigureTable.doc_ids), with their codes."""
    rows = np.flatnonzero(docs[table.doc_of])
    n_mod, n_event = len(table.modalities), len(table.event_examples)
    key = (table.type_of[rows].astype(np.int64) * n_mod + table.modality_of[rows]) * n_event + table.event_of[rows]
    distinct, combo_of = np.unique(key, return_inverse=True)
    combos = np.stack([distinct // (n_mod * n_event), distinct // n_event % n_mod, distinct % n_event], axis=1)
    # int32: an event may hold most of the 100,000s of figures, and a few hundred events stay memoized
    combo_of = combo_of.reshape(-1).astype(np.int32)
    order = np.argsort(combo_of, kind="stable")  # stable: each group keeps the rows' ascending order
    starts = np.searchsorted(combo_of[order], np.arange(len(combos) + 1)).astype(np.int64)
    return EventFigures(rows=rows.astype(np.int32), combos=combos, combo_of=combo_of,
                        by_combo=rows.astype(np.int32)[order], combo_starts=starts)


def answering_rows(table: FigureTable, intent: QuestionIntent, within: EventFigures) -> np.ndarray:
    """within.rows[answering_mask(table, intent, within)], read by combo: the same rows."""
    return within.rows_of(_combo_ok(table, intent, within))


def _checks(table: FigureTable, intent: QuestionIntent) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The first checks of report.candidates on one example per distinct code: answers_type per type code, the
    modality per modality code, and event_compatible not False per event code (None for an age: candidates()
    decides an age by whose it is, before any event check)."""
    type_ok = np.array([answers_type(intent, f) for f in table.type_examples], dtype=bool)
    modality_ok = np.array([m in DONE or m == intent.modality for m in table.modalities], dtype=bool)
    event_ok = np.array([event_compatible(intent, f) is not False for f in table.event_examples], dtype=bool) \
        if intent.dimension != "age" else None
    return type_ok, modality_ok, event_ok


def _combo_ok(table: FigureTable, intent: QuestionIntent, within: EventFigures) -> np.ndarray:
    """The first checks per distinct (type, modality, event) code of these figures."""
    type_ok, modality_ok, event_ok = _checks(table, intent)
    ok = type_ok[within.combos[:, 0]] & modality_ok[within.combos[:, 1]]
    if event_ok is not None:
        ok &= event_ok[within.combos[:, 2]]
    return ok


def answering_mask(table: FigureTable, intent: QuestionIntent, within: EventFigures | None = None) -> np.ndarray:
    """Bool per figure (per figure of `within.rows` when given): does it pass the first checks of
    report.candidates (answers_type, the modality, and for a question that is not about an age event_compatible not
    False)? Exactly those checks, run on one example per distinct value: a figure failing them is never a
    candidate, so leaving it out changes no answer."""
    if within is not None:  # the checks once per distinct code of these figures, then one look-up per figure
        return _combo_ok(table, intent, within)[within.combo_of]
    type_ok, modality_ok, event_ok = _checks(table, intent)
    mask = type_ok[table.type_of] & modality_ok[table.modality_of]
    if event_ok is not None:
        mask &= event_ok[table.event_of]
    return mask


def scope_mask(table: FigureTable, asked: Sequence[str], in_articles: Callable[[str], np.ndarray],
               rows: np.ndarray | None = None) -> np.ndarray:
    """Bool per figure (per figure of `rows` when given): may report.scope_matches(asked, figure, ...) hold for it
    (asked not empty)? It needs, for some asked place, a word of the place in the figure's scope, or every word of
    the place in its context (title, previous sentence, its sentence) or in one sentence of its article; all of
    these lie in the article's text (`in_articles(word)`: bool per article, does its title, a sentence or a quote
    contain the word). A figure without any of them is never a candidate; one with them is still checked by
    scope_matches itself."""
    doc_of = table.doc_of if rows is None else table.doc_of[rows]
    mask = np.zeros(len(doc_of), dtype=bool)
    for place in asked:
        words = set(norm_name(place).split())
        docs = np.ones(len(table.doc_ids), dtype=bool)
        for w in words:
            scoped = table.scope_words.get(w)
            if scoped is not None:
                if rows is None:
                    mask[scoped] = True
                elif len(scoped):  # both ascending: where in rows the scoped figures are (scoped is the shorter)
                    at = np.minimum(np.searchsorted(rows, scoped), max(len(rows) - 1, 0))
                    if len(rows):
                        mask[at[rows[at] == scoped]] = True
            docs &= in_articles(w)
        mask |= docs[doc_of]
    return mask


def families_within(table: FigureTable, docs: np.ndarray) -> dict[str, str]:
    """report.source_families of the figures of the articles whose rows are True in `docs`, the same dict: the
    stored pairs between two of them, joined in the same (sorted) order."""
    names = [table.doc_ids[i] for i in np.flatnonzero(docs)]  # sorted, as doc_ids: every one has figures
    parent = {d: d for d in names}

    def find(d: str) -> str:
        while parent[d] != d:
            d = parent[d]
        return d

    if len(table.pairs):
        for a, b in table.pairs[docs[table.pairs[:, 0]] & docs[table.pairs[:, 1]]]:
            parent[find(table.doc_ids[b])] = find(table.doc_ids[a])
    return {d: find(d) for d in names}


def docs_key(docs: np.ndarray) -> bytes:
    """A memo key for a set of article rows (bool per row of FigureTable.doc_ids)."""
    return np.packbits(docs).tobytes()


def places_within(table: FigureTable, docs: np.ndarray) -> frozenset[str]:
    """The scope names of every figure of the articles whose rows are True in `docs`."""
    return frozenset().union(*(table.doc_places[i] for i in np.flatnonzero(docs)))
