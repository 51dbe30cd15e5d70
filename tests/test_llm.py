"""The optional LLM answerer, against a fake OpenAI-compatible server on loopback: it writes the text, the
citations and figures stay the same, invented markers are dropped, and a dead server falls back."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qa_bot.engine import Engine


def _server(reply: str):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": reply}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def llm_engine(fake_engine):
    def make(url):
        settings = fake_engine.settings.with_(answerer="llm", llm_url=url, llm_model="fake")
        return Engine(settings, embedder=fake_engine.embedder)
    return make


def test_llm_writes_the_text_but_citations_stay_extractive(fake_engine, llm_engine):
    server = _server("About 2,400 residents were evacuated [1], later put at more than 3,000 [2][9]. "
                     "[x](javascript:alert(1))")
    try:
        plain = fake_engine.ask("How many residents were evacuated?")
        answer = llm_engine(f"http://127.0.0.1:{server.server_port}/v1").ask("How many residents were evacuated?")
    finally:
        server.shutdown()
    assert "About 2,400 residents were evacuated [1]" in answer.answer
    assert "From the articles" not in answer.answer
    assert "[9]" not in answer.answer  # no such quote
    assert "[x](javascript" not in answer.answer and "\\[x\\]" in answer.answer  # text, not markup
    assert answer.citations == plain.citations and answer.figures == plain.figures


def test_an_unreachable_llm_falls_back_to_the_extractive_answer_and_says_so(fake_engine, llm_engine):
    answer = llm_engine("http://127.0.0.1:9/v1").ask("How many residents were evacuated?")
    assert answer.found and answer.citations
    assert "did not answer" in answer.answer and "From the articles" in answer.answer
