"""SandboxRequest: a python-telegram-bot BaseRequest that talks to a Sandbox in-process."""

from __future__ import annotations

import json
import re
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from .errors import UNAUTHORIZED, SandboxTimeout

if TYPE_CHECKING:
    from .core import FileTuple, Sandbox

# .../bot<token>/<method>  or  .../file/bot<token>/<file_path>
URL_RE = re.compile(r"/(?P<file>file/)?bot(?P<token>[^/]+)/(?P<rest>[^?]+)")


def _read(content: bytes | IO[bytes]) -> bytes:
    return content if isinstance(content, bytes) else content.read()


class SandboxRequest(BaseRequest):
    """Hands Bot API calls straight to `sandbox.call`; injected timeouts raise TimedOut."""

    def __init__(self, sandbox: Sandbox, *, read_timeout: float | None = 5.0) -> None:
        self.sandbox = sandbox
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout (PTB adds getUpdates' long-poll timeout to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route one request to the sandbox; returns (HTTP status, JSON bytes)."""
        match = URL_RE.search(unquote(url))
        if match is None:
            return 404, json.dumps(
                {"ok": False, "error_code": 404, "description": "Not Found"}
            ).encode()
        if match["token"] != self.sandbox.token:
            return 401, json.dumps(UNAUTHORIZED).encode()
        if match["file"]:
            content = self.sandbox.file_content(match["rest"])
            return (200, content) if content is not None else (404, b"Not Found")
        params: dict[str, Any] = {}
        files: dict[str, FileTuple] = {}
        if request_data is not None:
            # Round-trip through JSON: what the sandbox sees is exactly what would be sent.
            params = json.loads(json.dumps(request_data.parameters))
            if request_data.contains_files:
                for name, (filename, data, mime) in request_data.multipart_data.items():
                    files[name] = (filename, _read(data), mime)
        try:
            status, body = await self.sandbox.call(match["rest"], params, files)
        except SandboxTimeout as exc:
            raise TimedOut(f"Timed out (sandbox: {exc})") from exc
        return status, json.dumps(body).encode()
