"""A loopback fake of the translation services deep-translator talks to, for tests and benches.

One threaded HTTP server on 127.0.0.1 (random port) answers like
- LibreTranslate: POST /translate with q, source, target, api_key (form body or query);
- Google's web page: GET /m?q=&sl=&tl= -> HTML with <div class="result-container">;
- DeepL: POST /v2/translate (form body, Authorization: DeepL-Auth-Key ...);
- Azure Translator: POST /translate?api-version=3.0&from=&to= with a JSON body;
- MyMemory: GET /get?q=&langpair=nl-NL|ar-SA.

It "translates" deterministically (`fake_translate`: "[target] " + the words reversed and
upper-cased), counts calls, and can be told to wait before answering, to fail with a status, or
to refuse some languages (400, as LibreTranslate does).
"""

from __future__ import annotations

import html
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


def fake_translate(text: str, target: str) -> str:
    """What the fake answers: "[target] " + words in reverse order, upper-cased."""
    return f"[{target}] " + " ".join(reversed(text.split())).upper()


def free_port() -> int:
    """A port nobody listens on (for "connection refused")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeTranslator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is expected: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        form: dict[str, str] = {}
        if raw and self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw)
        elif raw:
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        fake._enter(method, url.path, query, form, dict(self.headers))
        try:
            fake._wait()
            if fake.fail_status is not None:
                self._send(fake.fail_status, "application/json", b'{"error": "fake failure"}')
                return
            self._route(method, url.path, query, form, body)
        finally:
            fake._leave()

    def _route(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str], body: Any
    ) -> None:
        fake = self.server.fake
        if method == "GET" and path == "/m":  # Google's web page
            out = fake_translate(query["q"], query["tl"])
            page = f'<html><body><div class="result-container">{html.escape(out)}</div></body>'
            self._send(200, "text/html; charset=utf-8", page.encode())
        elif method == "POST" and path == "/translate" and "api-version" in query:  # Azure
            target = query["to"]
            if target in fake.unsupported:
                self._json(400, {"error": {"code": 400036, "message": "bad target"}})
                return
            texts = [item["text"] for item in body]
            answer = [
                {"translations": [{"text": fake_translate(t, target), "to": target}]} for t in texts
            ]
            self._json(200, answer)
        elif method == "POST" and path == "/translate":  # LibreTranslate
            params = {**query, **form}
            if fake.api_key is not None and params.get("api_key") != fake.api_key:
                self._json(403, {"error": "Invalid API key"})
                return
            for lang in (params["source"], params["target"]):
                if lang in fake.unsupported:
                    self._json(400, {"error": f"{lang} is not supported"})
                    return
            self._json(200, {"translatedText": fake_translate(params["q"], params["target"])})
        elif method == "POST" and path == "/v2/translate":  # DeepL
            if not self.headers.get("Authorization", "").startswith("DeepL-Auth-Key "):
                self._json(403, {"message": "Forbidden"})
                return
            target = form["target_lang"]
            out = fake_translate(form["text"], target)
            self._json(200, {"translations": [{"detected_source_language": "NL", "text": out}]})
        elif method == "GET" and path == "/get":  # MyMemory
            target = query["langpair"].split("|")[1]
            out = fake_translate(query["q"], target)
            self._json(200, {"responseData": {"translatedText": out}, "matches": []})
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, "application/json", json.dumps(payload).encode())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeTranslator:
    """The fake server; use as a (sync) context manager, or start() and stop()."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail_status: int | None = None,
        unsupported: tuple[str, ...] = (),
        api_key: str | None = None,
    ) -> None:
        self.delay = delay
        self.fail_status = fail_status
        self.unsupported = set(unsupported)
        self.api_key = api_key  # LibreTranslate: require this key when set
        self.calls = 0
        self.requests: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    def url(self, path: str = "") -> str:
        """http://127.0.0.1:PORT + path."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FakeTranslator:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release handlers that are still waiting
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTranslator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _enter(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.requests.append(
                {"method": method, "path": path, "query": query, "form": form, "headers": headers}
            )

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1

    def _wait(self) -> None:
        if self.delay > 0:
            self._stopping.wait(self.delay)
