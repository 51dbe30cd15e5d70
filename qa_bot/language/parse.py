"""The dependency parser: spaCy's English pipeline, loaded once per process; the only module that imports spaCy."""

from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Iterable, Iterator

from ..errors import ModelError
from .rules import quicken
from .tok2vec import flatten_single_texts

if TYPE_CHECKING:  # spaCy is imported lazily: importing qa_bot must stay cheap
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

# What frames read: POS tags and lemmas, the dependency tree and named entities. The pipeline's sentence
# recognizer ("senter") is left out: sentences are split by ingest/sentences.py and parsed one by one.
COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


def _import_spacy():
    """spaCy without PyTorch: thinc imports torch at start-up only to offer it as a backend (1.5-4 s)."""
    from ..imports import import_without

    return import_without("spacy", ("torch",))


_LOADING = threading.Lock()  # one load per name even when a warm-up thread and a question ask at once


def load_nlp(name: str) -> "Language":
    """The spaCy pipeline installed as package `name`, with only the components frames need (cached)."""
    with _LOADING:
        return _load_nlp(name)


@functools.cache
def _load_nlp(name: str) -> "Language":
    try:
        spacy = _import_spacy()
    except ImportError:
        raise ModelError("spaCy is not installed; run `bash scripts/setup.sh` to install it and its "
                         "English model.") from None
    try:
        nlp = spacy.load(name)
    except OSError:
        raise ModelError(f"The spaCy model {name!r} is not installed; run `bash scripts/setup.sh`, which installs "
                         "it from requirements/spacy-model.txt.") from None
    unused = [p for p in nlp.pipe_names if p not in COMPONENTS]
    for pipe in unused:
        nlp.remove_pipe(pipe)
    missing = [p for p in COMPONENTS if p not in nlp.pipe_names]
    if missing:
        raise ModelError(f"The spaCy model {name!r} lacks {', '.join(missing)}; set QA_BOT_SPACY_MODEL to an "
                         "English pipeline with a parser and NER, or run `bash scripts/setup.sh`.")
    flat = flatten_single_texts(nlp)
    quick = quicken(nlp)
    log.debug("loaded spaCy model %s (%s; %d tok2vec stacks with the flat forward for one text; attribute ruler "
              "matches kept by token: %s)", name, ", ".join(nlp.pipe_names), flat, quick)
    return nlp


def parse(nlp: "Language", texts: Iterable[str], batch_size: int = 64) -> Iterator["Doc"]:
    """Parsed Docs for texts, in order (one process: the CPU is shared with the embedder). A text that occurs
    again (a sentence of a copied or updated article) is parsed once: its Doc is kept until its last use."""
    texts = list(texts)
    left: dict[str, int] = {}
    for t in texts:
        left[t] = left.get(t, 0) + 1
    distinct = iter(nlp.pipe(list(left), batch_size=batch_size))  # in order of first occurrence
    held: dict[str, "Doc"] = {}
    for t in texts:
        doc = held.get(t)
        if doc is None:
            doc = next(distinct)
        left[t] -= 1
        if left[t]:
            held[t] = doc
        else:
            held.pop(t, None)
        yield doc


def content_lemmas(doc) -> list[str]:
    """Lower-case lemmas of the words that carry meaning (spaCy's stop words, punctuation and one-letter tokens
    dropped): the one word normalisation used to match questions with sentences."""
    from .lexicon import title_abbreviations

    short = title_abbreviations()
    # an abbreviated title stands for its full word ("Gov. Paul Cellucci" answers "who is the governor")
    return [short.get(t.lower_.rstrip("."), t.lemma_.lower()) if t.text[:1].isupper() else t.lemma_.lower()
            for t in doc if not (t.is_stop or t.is_punct or t.is_space or len(t.text) < 2)]
