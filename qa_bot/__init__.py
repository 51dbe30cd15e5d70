"""qa-bot: cited answers over a folder of news articles, with the figures sources report differently side by side."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Collection, Sequence

from .errors import CorpusError, IndexStoreError, ModelError, QaBotError, QuestionError, SettingsError
from .records import Answer, Article, Citation, Conflict, Dispute, Disputes, Figure
from .settings import Settings

__all__ = ["ask", "disputes", "engine_for", "Answer", "Article", "Citation", "Conflict", "Dispute", "Disputes",
           "Figure", "Settings", "QaBotError",
           "QuestionError", "CorpusError", "IndexStoreError", "ModelError", "SettingsError"]
__version__ = "0.1.0"


@functools.lru_cache(maxsize=8)
def _fresh_engine(settings: Settings):
    from .engine import Engine

    engine = Engine(settings)
    engine.index()  # first use in this process: bring the index up to date with the corpus folder
    return engine


def engine_for(settings: Settings):
    """The process-wide Engine for these settings, its index updated to the corpus once per process."""
    return _fresh_engine(settings)


def ask(question: str, corpus: str | Path | None = None, index_dir: str | Path | None = None, *,
        history: Sequence[str] | None = (), doc_ids: Collection[str] | None = None,
        settings: Settings | None = None) -> Answer:
    """Answer a question from a corpus folder (default: the shipped one), building or updating its index as needed.
    Like disputes(), it reads no QA_BOT_* variable: pass settings (e.g. Settings.from_env()) to change more."""
    if settings is not None and not isinstance(settings, Settings):
        raise SettingsError(f"settings must be a qa_bot.Settings, not {type(settings).__name__}.")
    from .engine import check_doc_ids, check_history

    history, doc_ids = check_history(history), check_doc_ids(doc_ids)  # before any indexing: a typo needs none
    base = settings or Settings()  # the library reads no environment: the edges (CLI, page, eval) do
    return engine_for(base.with_(corpus=corpus, index_dir=index_dir)).ask(question, history=history, doc_ids=doc_ids)


def _folder(value: object, name: str) -> Path | None:
    """A folder argument as a Path (None stays None), or SettingsError saying what is wrong with it."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or isinstance(value, str) and not value.strip():
        raise SettingsError(f"{name} must be a folder path (text or pathlib.Path), not {value!r}.")
    return Path(value)


def disputes(corpus: str | Path | None = None, index_dir: str | Path | None = None, *,
             settings: Settings | None = None) -> Disputes:
    """What the sources of a corpus disagree about: every figure group whose sources disagree, were updated or
    revised, most consequential first (default: the shipped corpus), building or updating its index as needed."""
    corpus, index_dir = _folder(corpus, "corpus"), _folder(index_dir, "index_dir")
    if corpus is not None and not corpus.is_dir():
        raise CorpusError(f"The corpus folder {corpus} does not exist; pass a folder of .txt, .md or .html articles.")
    if settings is not None and not isinstance(settings, Settings):
        raise SettingsError(f"settings must be a qa_bot.Settings, not {type(settings).__name__}.")
    base = settings or Settings()  # the library reads no environment: pass settings to change more
    return engine_for(base.with_(corpus=corpus, index_dir=index_dir)).disputes()
