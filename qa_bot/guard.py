"""Guard in front of the page's web server (plain ASGI, no Gradio): failed logins are rate-limited per client and
logged, and a call to the ask API that does not carry exactly one question as text (or is over 1 MB) gets a 422 with
one sentence instead of a server error or an answer to part of it."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from typing import Callable

log = logging.getLogger(__name__)

ASK_PATHS = ("/call/ask", "/run/ask", "/api/ask")  # Gradio's HTTP routes of the `ask` endpoint
ASK_EXAMPLE = 'Send one question as JSON: {"data": ["How many people were evacuated?"]}.'
MAX_BODY = 1_000_000  # an ask body is a question of at most a few KB


class Guard:
    """ASGI middleware: at most `max_failures` failed logins per client address within `window` seconds (then
    429 until the oldest failure is `window` old), each failure logged; ask calls must carry a question."""

    def __init__(self, app, max_failures: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        path = scope.get("path", "").rstrip("/")
        if path.endswith("/login"):
            return await self._login(scope, receive, send)
        if path.endswith(ASK_PATHS):
            body = await _read_body(receive)
            problem = (f"The request body is over {MAX_BODY // 1_000_000} MB; send one question of at most a few "
                       f"thousand characters. {ASK_EXAMPLE}") if len(body) > MAX_BODY else ask_body_problem(body)
            if problem:
                return await _reply(send, 422, {"error": problem})
            return await self.app(scope, _replay(body, receive), send)
        return await self.app(scope, receive, send)

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        times = self.failures.setdefault(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(self.failures) > 10_000:  # many clients: forget those with no recent failure
            for other in [c for c, t in self.failures.items() if c != client and (not t or now - t[-1] >= self.window)]:
                del self.failures[other]
        return times

    async def _login(self, scope, receive, send):
        client = (scope.get("client") or ("unknown", 0))[0]
        times = self._recent(client)
        if len(times) >= self.max_failures:
            wait = max(1, round(self.window - (self.clock() - times[0])))
            log.warning("login refused for %s: %d failed logins in the last %.0f s", client, len(times), self.window)
            return await _reply(send, 429, {"detail": f"Too many failed logins from your address; try again in "
                                                      f"{wait} s."}, {"retry-after": str(wait)})
        status = 0

        async def watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status == 200:
            times.clear()
        elif 400 <= status < 500:
            times.append(self.clock())
            log.warning("failed login from %s (%d in the last %.0f s)", client, len(times), self.window)


def ask_body_problem(body: bytes) -> str:
    """What is wrong with the JSON body of an ask call ("" if nothing Gradio itself reports well)."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return f"The request body is not JSON. {ASK_EXAMPLE}"
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return f"The request body has no \"data\" list. {ASK_EXAMPLE}"
    if not data["data"]:
        return f"The \"data\" list is empty: it must hold the question. {ASK_EXAMPLE}"
    if len(data["data"]) > 1:  # Gradio would answer the first and drop the rest without a word
        return (f"The \"data\" list holds {len(data['data'])} items; ask one question per call. {ASK_EXAMPLE}")
    if not isinstance(data["data"][0], str):
        kind = {list: "a list", dict: "an object", bool: "true/false", int: "a number", float: "a number",
                type(None): "null"}.get(type(data["data"][0]), "something else")
        return f"The question must be text (a string), not {kind}. {ASK_EXAMPLE}"
    return ""


async def _read_body(receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if not message.get("more_body") or size > MAX_BODY:
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    """A receive() that hands the already-read body to the app, then the client's further messages."""
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _reply(send, status: int, content: dict, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(content).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
