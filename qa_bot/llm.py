"""Optional LLM answerer: rewrites the extractive answer from the same cited quotes; figures stay deterministic."""

from __future__ import annotations

import logging
import re
from typing import Mapping, Sequence

from .answering.compose import md_escape, source_label
from .answering.evidence import Scored
from .errors import ModelError
from .records import Article
from .settings import PROJECT_DIR, Settings

log = logging.getLogger(__name__)
PROMPT = PROJECT_DIR / "prompts" / "answer.txt"


def make_llm(settings: Settings):
    """A llama-index LLM for the configured server; explicit, never the OpenAI default."""
    try:
        if settings.llm_provider == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(model=settings.llm_model, base_url=settings.llm_url, request_timeout=60.0)
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(model=settings.llm_model, api_base=settings.llm_url, api_key=settings.llm_api_key or "none",
                          is_chat_model=True, timeout=60.0, max_retries=0, temperature=0.0)
    except ImportError:
        raise ModelError("The LLM answerer needs its llama-index integration: "
                         "`.venv/bin/pip install -e '.[llm]'`.") from None


def build_prompt(question: str, chosen: Sequence[Scored], articles: Mapping[str, Article]) -> str:
    """The prompt: the question and the numbered quotes the extractive answer chose."""
    quotes = "\n".join(f"[{i}] ({source_label(articles[s.sentence.doc_id])}) {s.sentence.text}"
                       for i, s in enumerate(chosen, 1))
    return PROMPT.read_text(encoding="utf-8").format(question=question, quotes=quotes)


def keep_known_markers(text: str, allowed: int) -> str:
    """Drop [n] markers that name no quote (an LLM may invent [7] with six quotes)."""
    return re.sub(r"\[(\d+)\]", lambda m: m.group(0) if 1 <= int(m.group(1)) <= allowed else "", text)


def llm_body(question: str, chosen: Sequence[Scored], articles: Mapping[str, Article], settings: Settings,
             llm=None) -> tuple[str | None, str]:
    """(answer text written by the LLM from the chosen quotes, with only valid [n] markers and no markup from
    the model; "") — or (None, why) when the LLM fails or cites nothing, so the extractive text is used."""
    llm = llm or make_llm(settings)
    try:
        reply = llm.complete(build_prompt(question, chosen, articles)).text
    except Exception as exc:  # noqa: BLE001 - network and server errors come in many classes
        log.warning("LLM at %s did not answer (%s); using the extractive answer", settings.llm_url, exc)
        return None, (f"The LLM at {settings.llm_url} did not answer ({exc.__class__.__name__}); showing the "
                      "extractive answer. Check QA_BOT_LLM_URL / QA_BOT_LLM_MODEL and that the server runs.")
    text = re.sub(r"\\\[(\d+)\\\]", r"[\1]", md_escape(keep_known_markers(reply.strip(), len(chosen))))
    if not re.search(r"\[\d+\]", text):
        log.warning("LLM answer cited no quote; using the extractive answer")
        return None, "The LLM's answer cited none of the quotes, so the extractive answer is shown."
    return text, ""
