"""Records stored as memory-mapped columns (one .npy file per field) and read on demand: a serving process makes a
record only when a question reads it, so start-up and memory do not grow with the index."""

from __future__ import annotations

import json
import threading
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

COLUMNS = "qa-bot columns"  # the "format" of a record folder's meta.json
VERSION = 2  # 1 was <name>.columns.json (JSON lists, parsed whole at start)


def _kind(records: Sequence, name: str, declared: str) -> str:
    """How a field is stored: int, float (with an int mask when some values are whole ints), text, coded (a text
    that repeats: one value per distinct text, a code per row) or json (tuples, and anything else)."""
    values = [getattr(r, name) for r in records]
    if declared == "int" and all(v.__class__ is int and -2**63 <= v < 2**63 for v in values):
        return "int"
    if declared == "float" and all(v.__class__ is float or (v.__class__ is int and abs(v) <= 2**53) for v in values):
        return "float"
    if declared == "str" and all(v.__class__ is str for v in values):
        return "coded" if values and 2 * len(dict.fromkeys(values)) <= len(values) else "text"
    return "json"


def _save_texts(folder: Path, stem: str, texts: Sequence[str]) -> None:
    """Texts as one UTF-8 buffer and the byte offsets of each (n + 1)."""
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    np.save(folder / f"{stem}.offsets.npy", offsets)
    np.save(folder / f"{stem}.bytes.npy", np.frombuffer(b"".join(encoded), dtype=np.uint8))


def write_records(folder: Path, records: Sequence, cls) -> None:
    """Write records as a folder of columns: meta.json (fields and how each is stored) and .npy files."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for f in fields(cls):
        kind = kinds[f.name] = _kind(records, f.name, str(f.type))
        values = [getattr(r, f.name) for r in records]
        if kind == "int":
            np.save(folder / f"{f.name}.npy", np.array(values, dtype=np.int64).reshape(-1))
        elif kind == "float":
            np.save(folder / f"{f.name}.npy", np.array(values, dtype=np.float64).reshape(-1))
            whole = np.array([v.__class__ is int for v in values], dtype=bool)
            if whole.any():  # 2400 stays 2400, not 2400.0 (an answer's JSON shows the difference)
                np.save(folder / f"{f.name}.whole.npy", whole)
        elif kind == "text":
            _save_texts(folder, f.name, values)
        elif kind == "coded":
            distinct = dict.fromkeys(values)
            code = {v: i for i, v in enumerate(distinct)}
            np.save(folder / f"{f.name}.codes.npy", np.array([code[v] for v in values], dtype=np.int32))
            _save_texts(folder, f"{f.name}.values", list(distinct))
        else:
            _save_texts(folder, f.name, [json.dumps(v, ensure_ascii=False) for v in values])
    meta = {"format": COLUMNS, "version": VERSION, "record": cls.__name__, "rows": len(records), "fields": kinds}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _mapped(path: Path) -> np.ndarray:
    """A .npy file memory-mapped read-only, as a plain ndarray (a np.memmap's rows run Python code when taken); a
    missing or damaged file is a ValueError naming it."""
    try:
        return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
    except (OSError, ValueError) as exc:
        detail = (exc.strerror or exc.__class__.__name__) if isinstance(exc, OSError) else exc
        raise ValueError(f"{path.parent.name}/{path.name}: {detail}") from None


class Texts(Sequence[str]):
    """A column of texts over one UTF-8 buffer: text i is decoded when asked for."""

    def __init__(self, folder: Path, stem: str, n: int | None = None):
        self._offsets = _mapped(folder / f"{stem}.offsets.npy")
        self._bytes = _mapped(folder / f"{stem}.bytes.npy")
        if self._offsets.ndim != 1 or self._bytes.ndim != 1 or len(self._offsets) < 1:
            raise ValueError(f"{stem}: the text arrays have the wrong shape")
        if (n is not None and len(self._offsets) != n + 1) or int(self._offsets[0]) != 0 \
                or int(self._offsets[-1]) != len(self._bytes):
            raise ValueError(f"{stem}: {len(self._offsets) - 1} texts over {len(self._bytes)} bytes do not match")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._bytes[self._offsets[i]:self._offsets[i + 1]].tobytes().decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        data, offsets = self._bytes.tobytes(), self._offsets.tolist()
        for a, b in zip(offsets, offsets[1:]):
            yield data[a:b].decode("utf-8")

    def all(self) -> list[str]:
        """Every text, in order (one read of the buffer)."""
        return list(self)


class _Coded(Sequence[str]):
    """A text column stored once per distinct value with a code per row; each value is decoded once."""

    def __init__(self, folder: Path, name: str, n: int):
        self._codes = _mapped(folder / f"{name}.codes.npy")
        self._values = Texts(folder, f"{name}.values")
        self._made: list[str | None] = [None] * len(self._values)
        if self._codes.shape != (n,) or (n and not 0 <= int(self._codes.min()) <= int(self._codes.max())
                                         < len(self._values)):
            raise ValueError(f"{folder.name}: the codes of {name} are damaged")

    def value(self, code: int) -> str:
        made = self._made[code]
        if made is None:
            made = self._made[code] = self._values[code]
        return made

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.value(int(self._codes[i]))

    def __iter__(self) -> Iterator[str]:
        return (self.value(c) for c in self._codes.tolist())


class _Json(Sequence):
    """A column of JSON texts (tuple fields become tuples)."""

    def __init__(self, texts: Texts, as_tuple: bool):
        self._texts, self._as_tuple = texts, as_tuple

    def _decode(self, text: str):
        value = json.loads(text)
        return tuple(value) if self._as_tuple and isinstance(value, list) else value

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self._decode(self._texts[i])

    def __iter__(self):
        return (self._decode(t) for t in self._texts)


class _Numbers(Sequence):
    """An int or float column; a float column keeps whole ints as ints."""

    def __init__(self, array: np.ndarray, whole: np.ndarray | None, as_int: bool):
        self.array, self._whole, self._as_int = array, whole, as_int

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        v = self.array[i]
        return int(v) if self._as_int or (self._whole is not None and self._whole[i]) else float(v)

    def __iter__(self):
        values = self.array.tolist()
        if self._whole is not None:
            values = [int(v) if w else v for v, w in zip(values, self._whole.tolist())]
        return iter(values)


class Records(Sequence):
    """The records of one folder of columns, made when first read (each row once: the same row is the same
    object) and shared by every question; iterating makes them all."""

    def __init__(self, folder: Path, cls):
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{folder.name}/meta.json: {exc.__class__.__name__}") from None
        if not isinstance(meta, dict) or meta.get("format") != COLUMNS or meta.get("version") != VERSION \
                or meta.get("record") != cls.__name__ or not isinstance(meta.get("fields"), dict):
            raise ValueError(f"{folder.name} is not a folder of {cls.__name__} columns")
        n = meta.get("rows")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{folder.name}: rows {n!r} is not a count")
        kinds = meta["fields"]
        names = [f.name for f in fields(cls)]
        unknown = sorted(kinds.keys() - set(names))
        if unknown:
            raise ValueError(f"{folder.name}: unknown fields {unknown}")
        self.cls, self._n, self._names = cls, n, names
        self._columns: dict[str, Sequence] = {}
        for f in fields(cls):
            kind = kinds.get(f.name)
            if kind is None:
                if f.default is MISSING:
                    raise ValueError(f"{folder.name}: the field {f.name} is missing")
                self._columns[f.name] = _Constant(f.default, n)
            elif kind in ("int", "float"):
                whole = folder / f"{f.name}.whole.npy"
                column = _Numbers(_mapped(folder / f"{f.name}.npy"),
                                  _mapped(whole) if kind == "float" and whole.exists() else None, kind == "int")
                if column.array.shape != (n,) or (column._whole is not None and column._whole.shape != (n,)):
                    raise ValueError(f"{folder.name}: the column {f.name} does not have {n} rows")
                self._columns[f.name] = column
            elif kind == "text":
                self._columns[f.name] = Texts(folder, f.name, n)
            elif kind == "coded":
                self._columns[f.name] = _Coded(folder, f.name, n)
            elif kind == "json":
                self._columns[f.name] = _Json(Texts(folder, f.name, n), str(f.type).startswith("tuple"))
            else:
                raise ValueError(f"{folder.name}: the field {f.name} is stored as unknown {kind!r}")
        self._made: dict[int, object] = {}
        self._all = False
        self._lock = threading.Lock()

    def column(self, name: str) -> Sequence:
        """One field of every row, without making the records (texts are decoded when read)."""
        return self._columns[name]

    def _make(self, i: int):
        record = object.__new__(self.cls)
        for name in self._names:  # in class order, as __init__ sets them (a shared attribute layout)
            object.__setattr__(record, name, self._columns[name][i])
        return self._made.setdefault(i, record)  # another thread may have made it first: one object per row

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(self._n)))
        if i.__class__ is not int:
            i = int(i)  # numpy integers
        if i < 0:
            i += self._n
        made = self._made.get(i)
        if made is None:
            if not 0 <= i < self._n:
                raise IndexError(i)
            made = self._make(i)
        return made

    def __iter__(self):
        if not self._all:
            with self._lock:
                if not self._all:
                    columns = [iter(self._columns[name]) for name in self._names]  # one read per column
                    new, setattr_, names, made = object.__new__, object.__setattr__, self._names, self._made
                    for i, row in enumerate(zip(*columns)):
                        if i not in made:
                            record = new(self.cls)
                            for name, value in zip(names, row):
                                setattr_(record, name, value)
                            made.setdefault(i, record)
                    self._all = True
        made = self._made
        return (made[i] for i in range(self._n))

    def __eq__(self, other) -> bool:
        if isinstance(other, (Records, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{self._n} {self.cls.__name__} records>"


class _Constant(Sequence):
    """A field the folder lacks (written before the field existed): its default on every row."""

    def __init__(self, value, n: int):
        self._value, self._n = value, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._value] * len(range(*i.indices(self._n)))
        return self._value

    def __iter__(self):
        return iter([self._value] * self._n)


class KeyRows:
    """Rows of a record folder by (doc_id, a whole number of the record: n, start, sentence_start): sorted int64
    keys (article row × 2**32 + number) and the rows in that order (equal keys in record order), written at index
    time and memory-mapped, so a look-up is a binary search instead of a dict over every record."""

    def __init__(self, doc_rows: Mapping[str, int], keys: np.ndarray, rows: np.ndarray):
        if keys.shape != rows.shape or keys.ndim != 1:
            raise ValueError("a key index has arrays of different lengths")
        self._doc_rows, self._keys, self._rows = doc_rows, keys, rows

    @staticmethod
    def keys_of(doc_rows: Mapping[str, int], doc_ids: Sequence[str], numbers: Sequence[int]) -> np.ndarray:
        """The key of each record (what write_key_rows sorts)."""
        docs = np.array([doc_rows[d] for d in doc_ids], dtype=np.int64)
        numbers = np.asarray(numbers, dtype=np.int64)
        if len(numbers) and (numbers.min() < 0 or numbers.max() >= 2**32):
            raise ValueError("a record offset is outside 0 .. 2**32")
        return docs * 2**32 + numbers

    def rows(self, doc_id: str, number: int) -> np.ndarray:
        """The rows with this key, ascending (empty when none)."""
        doc = self._doc_rows.get(doc_id)
        if doc is None or not 0 <= number < 2**32:
            return self._rows[:0]
        key = doc * 2**32 + number
        lo = int(np.searchsorted(self._keys, key, side="left"))
        hi = int(np.searchsorted(self._keys, key, side="right"))
        return self._rows[lo:hi]

    def doc_range(self, doc_id: str) -> np.ndarray:
        """Every row of one article, in record order."""
        doc = self._doc_rows.get(doc_id)
        if doc is None:
            return self._rows[:0]
        lo = int(np.searchsorted(self._keys, doc * 2**32, side="left"))
        hi = int(np.searchsorted(self._keys, (doc + 1) * 2**32, side="left"))
        return np.sort(self._rows[lo:hi])


def write_key_rows(folder: Path, name: str, keys: np.ndarray) -> None:
    """Save the sorted keys and the rows in that order (a stable sort: equal keys keep record order)."""
    order = np.argsort(keys, kind="stable")
    np.save(folder / f"{name}.keys.npy", keys[order])
    np.save(folder / f"{name}.rows.npy", order.astype(np.int64))


def read_key_rows(folder: Path, name: str, doc_rows: Mapping[str, int], n: int) -> KeyRows:
    """The KeyRows written by write_key_rows, memory-mapped; a length other than n is damage."""
    index = KeyRows(doc_rows, _mapped(folder / f"{name}.keys.npy"), _mapped(folder / f"{name}.rows.npy"))
    if len(index._rows) != n:
        raise ValueError(f"{name} indexes {len(index._rows)} records, not {n}")
    return index
