"""Download files of the page: one folder per process, the newest files kept, removed at close, exit or SIGTERM."""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "qa-bot-exports-"
KEEP = 32  # files per page: ten answers' Markdown/CSV/JSON and a disputes list; older ones go (each set is 3)


def process_folder(root: Path | None = None, pid: int | None = None) -> Path:
    """tempdir/qa-bot-exports-<pid>: where this process's pages write their downloads."""
    return Path(root or tempfile.gettempdir()) / f"{PREFIX}{os.getpid() if pid is None else pid}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True


def remove_stale(root: Path | None = None) -> list[Path]:
    """Remove the export folders of processes that are gone (killed before they could clean up); returns them."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        match = re.fullmatch(rf"{re.escape(PREFIX)}(\d+)", folder.name)
        if match and folder.is_dir() and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("removed %d export folder(s) of stopped qa-bot processes", len(removed))
    return removed


class Exports:
    """The download files of one page: a folder inside this process's export folder, holding at most `keep`
    files (the oldest sets go first); removed by close(), and the process folder at exit or SIGTERM."""

    def __init__(self, root: Path | None = None, keep: int = KEEP):
        self.root = process_folder(root)
        self.keep = keep
        remove_stale(self.root.parent)
        self.root.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="page-", dir=self.root))
        self._lock = threading.Lock()
        atexit.register(shutil.rmtree, self.root, True)

    def write(self, stem: str, texts: dict[str, str]) -> list[Path]:
        """One set of files `stem.<ext>` (CSV with a BOM, so spreadsheets read UTF-8) in a new subfolder, then
        the oldest sets removed until at most `keep` files are left. Returns the new files."""
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=self.folder))
            out = []
            for ext, text in texts.items():
                path = folder / f"{stem}.{ext}"
                path.write_text(text, encoding="utf-8-sig" if ext == "csv" else "utf-8", newline="")
                out.append(path)
            self._prune(keep_folder=folder)
            return out

    def _prune(self, keep_folder: Path) -> None:
        sets = sorted((p for p in self.folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns)
        count = sum(len(list(p.iterdir())) for p in sets)
        for old in sets:
            if count <= self.keep or old == keep_folder:
                break
            count -= len(list(old.iterdir()))
            shutil.rmtree(old, ignore_errors=True)

    def files(self) -> list[Path]:
        """Every download file this page still holds."""
        return sorted(p for p in self.folder.rglob("*") if p.is_file())

    def close(self) -> None:
        """Remove this page's files (and the process folder when no other page uses it)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            self.root.rmdir()
        except OSError:  # another page of this process still has files, or it is gone already
            pass


def remove_on_sigterm() -> None:
    """On SIGTERM remove this process's export folder, then exit as SIGTERM would (status 143). Only the main
    thread can set a handler; elsewhere the exit handler still removes it at a normal exit."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    folder = process_folder()

    def handler(signum, frame):
        shutil.rmtree(folder, ignore_errors=True)
        if callable(previous):
            previous(signum, frame)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
