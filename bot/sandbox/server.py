"""SandboxServer: the sandbox behind real Bot API URLs on loopback (tornado)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from .errors import UNAUTHORIZED, SandboxTimeout

if TYPE_CHECKING:
    from .core import FileTuple, Sandbox

log = logging.getLogger(__name__)

# Form fields that are plain strings even when they look like JSON ("123", "true").
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "name",
        "title",
        "description",
        "short_description",
        "secret_token",
        "callback_query_id",
        "action",
        "language_code",
        "invite_link",
        "file_id",
        "ip_address",
        "emoji",
        "document",
        "photo",
        "video",
        "audio",
        "animation",
        "voice",
        "sticker",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
    }
)


def decode_field(name: str, raw: str) -> Any:
    """A form value: JSON-decoded unless it is a string field (PTB's HTTPXRequest encoding)."""
    if name in STRING_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class _ApiHandler(tornado.web.RequestHandler):
    """/bot<token>/<method>, GET or POST, JSON / urlencoded / multipart."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server
        self.gone = asyncio.Event()

    def on_connection_close(self) -> None:
        self.gone.set()

    async def get(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._handle(token, method)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def _params(self) -> tuple[dict[str, Any], dict[str, FileTuple]]:
        params: dict[str, Any] = {}
        for name, values in self.request.query_arguments.items():
            params[name] = decode_field(name, values[-1].decode("utf-8"))
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            body = json.loads(self.request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
        else:
            for name, values in self.request.body_arguments.items():
                params[name] = decode_field(name, values[-1].decode("utf-8"))
        files: dict[str, FileTuple] = {}
        for name, uploads in self.request.files.items():
            upload = uploads[-1]
            files[name] = (upload.filename, upload.body, upload.content_type)
        return params, files

    async def _handle(self, token: str, method: str) -> None:
        sandbox = self.server.sandbox
        if token != sandbox.token:
            self._reply(401, UNAUTHORIZED)
            return
        try:
            params, files = self._params()
        except ValueError:
            self._reply(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse request JSON",
                },
            )
            return
        self.server.active.add(self)
        try:
            call = asyncio.ensure_future(sandbox.call(method, params, files))
            gone = asyncio.ensure_future(self.gone.wait())
            await asyncio.wait({call, gone}, return_when=asyncio.FIRST_COMPLETED)
            gone.cancel()
            if not call.done():
                call.cancel()  # the client went away (e.g. a cancelled long poll)
                with contextlib.suppress(asyncio.CancelledError, SandboxTimeout):
                    await call
                return
            try:
                status, body = call.result()
            except SandboxTimeout:
                await self._stall()
                return
            if not self.gone.is_set():
                self._reply(status, body)
        finally:
            self.server.active.discard(self)

    async def _stall(self) -> None:
        """An injected timeout: answer nothing until the client gives up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.gone.wait(), self.server.stall_seconds)
        if not self.gone.is_set():
            self._reply(504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"})


class _FileHandler(tornado.web.RequestHandler):
    """/file/bot<token>/<file_path>: downloads of uploaded files."""

    def initialize(self, server: SandboxServer) -> None:
        self.server = server

    def get(self, token: str, path: str) -> None:
        sandbox = self.server.sandbox
        content = sandbox.file_content(path) if token == sandbox.token else None
        if content is None:
            self.set_status(404 if token == sandbox.token else 401)
            self.finish(b"Not Found" if token == sandbox.token else b"Unauthorized")
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Access log at DEBUG: refusals are normal traffic for a strict fake."""
    request = handler.request
    log.debug("%s %s %s", handler.get_status(), request.method, request.path)


class SandboxServer:
    """Serve a Sandbox over HTTP on the running asyncio loop."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.stall_seconds = 30.0  # how long an injected timeout withholds the answer
        self.active: set[_ApiHandler] = set()
        self._http: tornado.httpserver.HTTPServer | None = None

    @property
    def base_url(self) -> str:
        """For Bot(base_url=...): PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For Bot(base_file_url=...)."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen (port 0 picks a free port, readable afterwards from .port)."""
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _ApiHandler, {"server": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"server": self}),
            ],
            log_function=_log_request,
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(app)
        self._http.add_sockets(sockets)

    async def stop(self) -> None:
        """Stop listening, end pending requests and close connections."""
        if self._http is None:
            return
        self._http.stop()
        self.sandbox.wake_pollers()  # a waiting getUpdates answers [] at once
        for _ in range(50):
            if not self.active:
                break
            await asyncio.sleep(0.01)
        for handler in list(self.active):  # e.g. a stalled (injected timeout) request
            handler.gone.set()
        await asyncio.sleep(0)
        await self._http.close_all_connections()
        self._http = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
