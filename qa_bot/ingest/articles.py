"""Ingest: the only module that reads corpus files. A folder of .txt/.md/.html files (+ optional manifest) → Articles."""

from __future__ import annotations

import csv
import hashlib
import html
import logging
import os
import re
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from ..errors import CorpusError
from ..records import Article

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MANIFESTS = ("sources.csv", "sources.toml")
MAX_FILE_BYTES = 20_000_000  # a 20 MB "article" is a dump, not an article


@dataclass(frozen=True)
class CorpusFile:
    """A candidate file found in the corpus folder, before it is read."""

    doc_id: str
    path: Path
    # (path, size, mtime_ns, ctime_ns, inode) when it was listed: equal stamps mean the same file, unchanged
    stamp: tuple = ()


@dataclass(frozen=True)
class Listing:
    """The article files of a corpus folder (and extra roots) as listed now, with the stamps of their manifests."""

    roots: tuple[tuple[Path, str, tuple[CorpusFile, ...]], ...]  # (folder, doc_id prefix, its files)
    manifests: tuple[tuple, ...]  # (folder, name, stamp or None) for every manifest name of every folder
    taken_ns: int  # wall clock when the listing started

    @property
    def files(self) -> tuple[CorpusFile, ...]:
        """Every file of every root, in reading order."""
        return tuple(f for _, _, files in self.roots for f in files)


@dataclass(frozen=True)
class Ingested:
    """Articles read from a folder, plus one human-readable line per file that was skipped or repaired, and the
    stamps of what was read (files.json of the generation built from them)."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...]
    stamps: dict = field(default_factory=dict)


# A file changed within this long of the listing may change again without moving its times (timestamps are
# coarse: a jiffy on Linux, 2 s on FAT), so its stamp is not trusted by the next check: it is hashed once more.
RACY_NS = 2_000_000_000


def _stamp(path: str, st: os.stat_result) -> tuple:
    return (path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _scan(folder: str, rel: tuple[str, ...], found: list[tuple[tuple[str, ...], str, tuple]]) -> None:
    """Article files under folder (os.scandir, one stat per file): hidden entries and symlinked folders are
    skipped, an unreadable subfolder too (as Path.rglob did)."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except PermissionError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _scan(entry.path, rel + (name,), found)
                continue
            dot = name.rfind(".")
            if not 0 < dot < len(name) - 1 or name[dot:].lower() not in SUFFIXES or not entry.is_file():
                continue
            st = entry.stat()  # follows a symlink, as reading it will
        except OSError:
            continue
        found.append((rel + (name,), entry.path, _stamp(entry.path, st)))


def list_files(root: Path, prefix: str = "") -> list[CorpusFile]:
    """Article files under root, recursively, sorted, each with its stamp; hidden files and folders are ignored."""
    root = Path(root)
    if not root.exists():
        raise CorpusError(f"Corpus folder {root} does not exist. Pass --corpus with a folder of "
                          ".txt, .md or .html articles.")
    if not root.is_dir():
        raise CorpusError(f"Corpus path {root} is a file, not a folder. Pass the folder that holds it.")
    found: list[tuple[tuple[str, ...], str, tuple]] = []
    _scan(str(root), (), found)
    found.sort(key=lambda f: f[0])  # the order of sorted(root.rglob("*")): by path parts
    return [CorpusFile(prefix + "/".join(parts), Path(path), stamp) for parts, path, stamp in found]


def list_corpus(root: Path, extra_roots: tuple[tuple[Path, str], ...] = ()) -> Listing:
    """The corpus as it is now, without reading any article: files with stamps, and the manifests' stamps."""
    taken = time.time_ns()
    roots: list[tuple[Path, str, tuple[CorpusFile, ...]]] = []
    manifests: list[tuple] = []
    for folder, prefix in ((Path(root), ""), *extra_roots):
        if prefix and not folder.exists():
            continue
        roots.append((folder, prefix, tuple(_distinct(list_files(folder, prefix), folder))))
        for name in MANIFESTS:
            path = folder / name
            try:
                stamp = list(_stamp(str(path), path.stat()))
            except OSError:
                stamp = None
            manifests.append((str(folder), name, stamp))
    return Listing(tuple(roots), tuple(manifests), taken)


def stamps_of(listing: Listing, articles: dict[str, str]) -> dict:
    """What files.json holds for a listing: every file's stamp and its warning ("" if none), the manifests'
    stamps. A racy stamp (changed within RACY_NS of the listing) is stored with mtime -1: it never matches."""
    rows = []
    for f in listing.files:
        path, size, mtime, ctime, inode = f.stamp
        if max(mtime, ctime) >= listing.taken_ns - RACY_NS:
            mtime = -1
        rows.append([f.doc_id, path, size, mtime, ctime, inode, articles.get(f.doc_id, "")])
    return {"version": 1, "files": rows, "manifests": [list(m) for m in listing.manifests]}


def stored_stamps(stamps: dict) -> dict[str, tuple[tuple, str]]:
    """doc_id → (stamp, warning) from a files.json; {} when it is not one."""
    try:
        return {row[0]: (tuple(row[1:6]), row[6]) for row in stamps.get("files", ())}
    except (TypeError, IndexError, AttributeError):
        return {}


def same_manifests(stamps: dict, listing: Listing) -> bool:
    """Are the manifests (and the folders holding them) those of the stored stamps?"""
    return isinstance(stamps, dict) and stamps.get("manifests") == [list(m) for m in listing.manifests]


def unchanged_by_stamps(stamps: dict, listing: Listing) -> bool:
    """The corpus as listed is the one the stamps were taken of: same files, same stamps, same manifests."""
    if not same_manifests(stamps, listing):
        return False
    stored = stored_stamps(stamps)
    return len(stored) == len(listing.files) and all(
        stored.get(f.doc_id, ((),))[0] == f.stamp for f in listing.files)


def file_sha256(path: Path) -> str:
    """Content hash of a file: decides whether an indexed article changed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


MANIFEST_KEYS = ("file", "title", "outlet", "published", "url")


def read_manifest(root: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Per-file metadata from sources.csv or sources.toml (file, title, outlet, published, url), and one warning
    per entry that was skipped (naming the file, the entry and what is wrong); ({}, []) if there is none."""
    csv_path, toml_path = root / "sources.csv", root / "sources.toml"
    warnings: list[str] = []
    try:
        if csv_path.exists():
            path = csv_path
            with open(csv_path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                rows: list = list(reader)
                columns = [c for c in reader.fieldnames or () if c]
            if "file" not in columns:
                return {}, [f"{path}: no 'file' column (columns: {', '.join(columns) or 'none'}); the manifest is "
                            f"ignored. Its first line must name the columns {', '.join(MANIFEST_KEYS)}"]
            if not rows:
                return {}, [f"{path}: no entries below its header; the manifest is ignored"]
        elif toml_path.exists():
            path = toml_path
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            rows = data.get("source", data.get("sources", []))
            if not isinstance(rows, list):
                return {}, [f"{path}: 'source' is a {_kind(rows)}, not a list of [[source]] tables; "
                            "the manifest is ignored"]
        else:
            return {}, []
    except (OSError, UnicodeDecodeError, csv.Error, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"Cannot read the manifest in {root} ({exc}). Fix it or remove it; "
                          "it needs columns file, title, outlet, published, url.") from None
    meta: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows, 1):
        problem, entry = _manifest_entry(row)
        if problem:
            warnings.append(f"{path}, entry {i}: {problem}; the entry is skipped")
        else:
            meta[entry["file"]] = {k: v for k, v in entry.items() if k != "file"}
    return meta, warnings


def _kind(value: object) -> str:
    return {str: "text", int: "number", float: "number", bool: "true/false", dict: "table"}.get(type(value),
                                                                                         type(value).__name__)


def _manifest_entry(row: object) -> tuple[str, dict[str, str]]:
    """("", the entry's cleaned values) or (what is wrong with it, {})."""
    if not isinstance(row, dict):
        return f"is a {_kind(row)}, not a table with keys {', '.join(MANIFEST_KEYS)}", {}
    bad = [k for k in MANIFEST_KEYS if row.get(k) is not None and not isinstance(row.get(k), (str, date))]
    if bad:
        return f"{bad[0]} is a {_kind(row[bad[0]])}, not text", {}
    entry = {k: str(row.get(k) or "").strip() for k in MANIFEST_KEYS}
    if not entry["file"]:
        return "has no 'file' value naming the article it describes", {}
    if entry["published"]:
        try:
            entry["published"] = date.fromisoformat(entry["published"]).isoformat()
        except ValueError:
            return f"published date {entry['published']!r} for {entry['file']} is not YYYY-MM-DD", {}
    return "", entry


def decode(raw: bytes) -> tuple[str, str]:
    """Text of a file and, if it was not clean UTF-8 (or UTF-16 with a BOM), how it was decoded instead."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), ""
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "it is not UTF-8 and was read as Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), "some bytes were not valid text and were replaced with \ufffd"


def looks_binary(raw: bytes) -> bool:
    """NUL bytes or mostly control characters in the first 4 KB: not an article."""
    head = raw[:4096]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.1


class _TextExtractor(HTMLParser):
    """Collects visible text of an HTML page with, for every character, its offset in the source."""

    SKIP = {"script", "style", "noscript", "template", "head", "svg"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
             "blockquote", "header", "footer", "ul", "ol", "table", "title", "pre", "hr"}

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars: list[str] = []
        self.offsets: list[int] = []
        self.skip_depth = 0
        self.title = ""
        self._in_title = False

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _newline(self) -> None:
        if self.chars and self.chars[-1] != "\n":
            self.chars.append("\n")
            self.offsets.append(self._pos())

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip_depth += 1
        if tag == "title":
            self._in_title = True
        if tag in self.BLOCK:
            self._newline()

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self._newline()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self.skip_depth:
            return
        start = self._pos()
        for i, ch in enumerate(data):
            if ch in "\r\n\t":
                ch = " "
            if ch == " " and (not self.chars or self.chars[-1] in " \n"):
                continue
            self.chars.append(ch)
            self.offsets.append(start + i)

    def _ref(self, text: str, raw: str):
        if self.skip_depth:
            return
        start = self._pos()
        for ch in text:
            self.chars.append(ch)
            self.offsets.append(start)
        if self._in_title:
            self.title += text

    def handle_entityref(self, name):
        self._ref(html.unescape(f"&{name};"), name)

    def handle_charref(self, name):
        self._ref(html.unescape(f"&#{name};"), name)


def html_to_text(source: str) -> tuple[str, tuple[int, ...], str]:
    """Visible text of an HTML document, source offset per character (plus end), and its <title>."""
    parser = _TextExtractor(source)
    parser.feed(source)
    parser.close()
    chars, offsets = parser.chars, parser.offsets
    # Trim trailing spaces before newlines and the text ends, keeping offsets aligned.
    keep = [i for i, ch in enumerate(chars)
            if not (ch == " " and (i + 1 == len(chars) or chars[i + 1] == "\n"))]
    chars = [chars[i] for i in keep]
    offsets = [offsets[i] for i in keep]
    lo, hi = 0, len(chars)  # trimmed by index: popping from the front is quadratic on a long blank start
    while lo < hi and chars[lo] in " \n":
        lo += 1
    while hi > lo and chars[hi - 1] in " \n":
        hi -= 1
    return "".join(chars[lo:hi]), tuple(offsets[lo:hi]) + (len(source),), " ".join(parser.title.split())


# A dateline opens the body, not a headline: "VIENNA, Austria (AP) -- ...", "date 2024-08-12 kyiv, Ukraine.- ...",
# "WASHINGTON — ...", "PARIS (AP) _ ..." (wire copy of the 1990s); the agency it credits is its group "credit". A
# wire slug names a story for editors: "BC-Ukraine-Russia-Kursk", "UKRAINE-CRISIS/KURSK".
_DATE_MARK = re.compile(r"^date\s+\d{4}-\d{2}-\d{2}\s+", re.I)
_DATELINE = re.compile(r"^(?:[A-Z][A-Z.'’ -]{2,40}|[\w.'’ -]{2,40}?,[\w.'’ -]{2,40}?)(?:,[\w.'’ -]{2,40}?)?\s*"
                       r"(?P<credit>\([A-Za-z ]{2,20}\))?\s*(?:\.-|--|—|–|[-_](?=\s))\s*")
_SLUG = re.compile(r"^[\w.]+(?:[-/_][\w.]+)+,?\d*$")


def dateline(text: str, reach: int = 600) -> str:
    """The dateline opening the body of an article ("LYON, France, June 27 (Xinhua) -- "), "" if none: the first
    line within `reach` characters that starts with one."""
    for line in text[:reach].splitlines():
        m = _DATELINE.match(line.strip())
        if m:
            return m.group(0)
    return ""


def dateline_credit(text: str) -> tuple[int, int] | None:
    """Offsets of the agency a dateline credits ("LYON, France, June 27 (Xinhua) -- ...": "(Xinhua)") at the start
    of a text, else None: who wrote the report, never someone the report is about."""
    m = _DATELINE.match(text)
    return m.span("credit") if m and m.group("credit") else None
_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’']?\s+(?=[“\"A-Z0-9])")


def _cut(text: str, limit: int) -> str:
    """Text cut at a word before `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–-") + "…"


def first_line_title(text: str, limit: int = 120, sentence_limit: int = 90) -> str:
    """A title from the text: the first headline-like line (short, not a dateline or a wire slug), else the
    first sentence of the body (without its dateline), cut at a word. Markdown heading marks and wrapping
    quotes go."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip().strip("“”\"'").strip()
        if not line or _SLUG.match(line):
            continue
        body = _DATE_MARK.sub("", line)
        dated = body != line
        if dated or _DATELINE.match(body):
            body = _DATELINE.sub("", body, count=1) if (dated or _DATELINE.match(body)) else body
        elif len(line) <= limit:
            return line
        first = _SENTENCE_END.split(body, maxsplit=1)[0].strip()
        return _cut(first[:1].upper() + first[1:], sentence_limit)
    return ""


def read_article(file: CorpusFile, meta: dict[str, str] | None = None) -> tuple[Article | None, str]:
    """One Article from one file, or None and the reason it was skipped; a non-empty reason with an Article
    means it was read with repairs (undecodable bytes replaced)."""
    try:
        size = file.path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"{file.doc_id}: skipped, larger than {MAX_FILE_BYTES // 1_000_000} MB"
        raw = file.path.read_bytes()
    except OSError as exc:
        return None, f"{file.doc_id}: skipped, cannot be read ({exc.strerror or exc})"
    if not raw.strip():
        return None, f"{file.doc_id}: skipped, the file is empty"
    if looks_binary(raw):
        return None, f"{file.doc_id}: skipped, looks like a binary file, not text"
    source, repair = decode(raw)
    warning = f"{file.doc_id}: {repair}" if repair else ""
    offsets: tuple[int, ...] = ()
    html_title = ""
    if file.path.suffix.lower() in (".html", ".htm"):
        text, offsets, html_title = html_to_text(source)
    else:
        text = source
    if not text.strip():
        return None, f"{file.doc_id}: skipped, no text left after removing markup"
    meta = meta or {}
    article = Article(
        doc_id=file.doc_id, path=str(file.path.resolve()),
        title=meta.get("title") or html_title or first_line_title(text) or file.path.stem,
        text=text, sha256=hashlib.sha256(raw).hexdigest(), outlet=meta.get("outlet", ""),
        published=meta.get("published", ""), url=meta.get("url", ""), source_offsets=offsets)
    return article, warning


def real_path(path: Path, root: str, real_root: str) -> Path:
    """path.resolve() of a file list_files found under root (real_root: root resolved): a file that is no link, in
    the folders of the listing (never links: list_files skips linked folders), is real_root and its own path below
    root; one lstat instead of one per folder of its path."""
    p = str(path)
    if p.startswith(root) and p[len(root):len(root) + 1] == os.sep and not os.path.islink(p):
        return Path(real_root + p[len(root):])
    return path.resolve()


def _distinct(files: list[CorpusFile], root: Path) -> list[CorpusFile]:
    """One CorpusFile per file on disk: an article reached through symbolic links too (link.txt → real/a.txt) is
    read once, under the name of the real file when that is in the corpus (else the first link's), so its
    figures are not counted twice as two sources agreeing."""
    chosen: dict[Path, CorpusFile] = {}
    top, real_top = str(Path(root)), os.path.realpath(root)
    for f in files:
        try:
            target = real_path(f.path, top, real_top)
        except (OSError, RuntimeError):  # a link loop: read_article says it cannot be read
            target = f.path
        if target not in chosen or chosen[target].path.is_symlink() and not f.path.is_symlink():
            if target in chosen:
                log.debug("%s and %s are the same file; reading it once", chosen[target].doc_id, f.doc_id)
            chosen[target] = f
    keep = {id(f) for f in chosen.values()}
    return [f for f in files if id(f) in keep]


Known = Callable[[CorpusFile], "tuple[Article | None, str] | None"]


def read_corpus(root: Path, extra_roots: tuple[tuple[Path, str], ...] = (), listing: Listing | None = None,
                known: Known | None = None) -> Ingested:
    """Every readable article under root (and extra roots with a doc_id prefix, e.g. uploads). `known(file)` may
    give the article (or None) and warning of a file read before, when its stamp says it is unchanged: that file
    is not read again."""
    listing = listing or list_corpus(root, extra_roots)
    articles: list[Article] = []
    warnings: list[str] = []
    file_warnings: dict[str, str] = {}
    for folder, prefix, files in listing.roots:
        meta, problems = read_manifest(folder)
        for problem in problems:
            log.debug(problem)
        warnings.extend(problems)
        names = {f.doc_id[len(prefix):] for f in files}
        for name in sorted(set(meta) - names):
            warnings.append(f"manifest entry {name!r} in {folder} names no article file; it is ignored")
        for file in files:
            got = known(file) if known else None
            article, warning = got if got is not None else read_article(file, meta.get(file.doc_id[len(prefix):]))
            if warning:
                warnings.append(warning)
                file_warnings[file.doc_id] = warning
                if got is None:
                    log.debug(warning)  # returned, not logged: the caller shows each once
            if article is not None:
                articles.append(article)
    if not articles:
        detail = f" ({'; '.join(warnings[:3])})" if warnings else ""
        raise CorpusError(f"No readable article in {root}{detail}. Put .txt, .md or .html files there "
                          "(subfolders are read too).")
    stamps = stamps_of(listing, file_warnings)
    stamps["warnings"] = warnings
    return Ingested(tuple(articles), tuple(warnings), stamps)
