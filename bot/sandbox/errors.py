"""Bot API refusals as exceptions that the dispatcher turns into Telegram's JSON errors."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal: HTTP status, Telegram's description and optional ResponseParameters."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class SandboxTimeout(Exception):
    """An injected timeout: the transport must behave as if no answer came."""


def bad_request(text: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """400 "Bad Request: <text>"."""
    return ApiError(400, f"Bad Request: {text}", parameters)


def forbidden(text: str) -> ApiError:
    """403 "Forbidden: <text>"."""
    return ApiError(403, f"Forbidden: {text}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ResponseParameters.retry_after."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def not_found() -> ApiError:
    """404, Telegram's answer to an unknown method."""
    return ApiError(404, "Not Found")


UNAUTHORIZED: dict[str, Any] = {"ok": False, "error_code": 401, "description": "Unauthorized"}
