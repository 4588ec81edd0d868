"""A provider's HTTP API on 127.0.0.1, in a thread (stdlib http.server), for the SMS
provider tests: it records every request and answers what the test queued."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class Answer:
    payload: Any = None  # JSON answer
    raw: str | None = None  # or a body as is (a broken proxy page, say)
    status: int = 200
    delay: float = 0.0  # seconds before answering (longer than the client's read timeout)


Responder = Callable[[Request], Answer]


@dataclass
class FakeProvider:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    answers: list[Answer | Responder] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self, payload: Any = None, **kwargs: Any) -> None:
        self.answers.append(Answer(payload=payload, **kwargs))

    def respond_with(self, responder: Responder) -> None:
        """Answer every request from now on with ``responder(request)``."""
        self.answers.append(responder)

    def _next(self, request: Request) -> Answer:
        if not self.answers:
            return Answer(raw="no answer queued", status=500)
        first = self.answers[0]
        if callable(first):
            return first(request)
        return self.answers.pop(0)


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, form)
            provider.requests.append(request)
            answer = provider._next(request)
            if answer.delay:
                provider.released.wait(answer.delay)
            text = answer.raw if answer.raw is not None else json.dumps(answer.payload)
            data = text.encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield provider
    finally:
        provider.released.set()
        server.shutdown()
        server.server_close()
