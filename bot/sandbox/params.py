"""Typed, Telegram-lenient access to method parameters (JSON values or form strings)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import bad_request

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


class Params:
    """Read one method's parameters; wrong types answer 400 like Telegram."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        """Whether the parameter was given (and not null)."""
        return self.raw.get(name) is not None

    def opt_str(self, name: str, default: str | None = None) -> str | None:
        """An optional string."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad_request(f'parameter "{name}" must be a String')
        return str(value)

    def req_str(self, name: str) -> str:
        """A required string ("<name> is empty" when missing)."""
        value = self.opt_str(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def opt_int(self, name: str, default: int | None = None) -> int | None:
        """An optional integer (numeric strings accepted, as Telegram does)."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'parameter "{name}" must be an Integer')

    def req_int(self, name: str) -> int:
        """A required integer."""
        value = self.opt_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """An optional boolean."""
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise bad_request(f'parameter "{name}" must be a Boolean')

    def value(self, name: str) -> Any:
        """A structured value (object/array), decoding a JSON string if needed."""
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def obj(self, name: str) -> dict[str, Any] | None:
        """An optional JSON object."""
        value = self.value(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def array(self, name: str) -> list[Any] | None:
        """An optional JSON array."""
        value = self.value(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {name} JSON array")
        return value
