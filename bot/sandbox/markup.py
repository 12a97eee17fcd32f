"""reply_markup validation: inline keyboards, reply keyboards, remove/force reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import bad_request
from .models import JSON

_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100


@dataclass
class Markup:
    """A validated reply_markup: the raw object and the labels a person sees."""

    raw: JSON | None = None
    buttons: list[list[str]] = field(default_factory=list)
    keyboard: list[list[str]] = field(default_factory=list)

    @property
    def inline(self) -> JSON | None:
        """The markup as it appears in a Message (inline keyboards only)."""
        if self.raw is not None and "inline_keyboard" in self.raw:
            return self.raw
        return None


def valid_url(url: str) -> bool:
    """http(s) with a host, or tg://."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return bool(parts.netloc or parts.path)
    return scheme in ("http", "https") and bool(parts.hostname)


def _rows(value: Any, what: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
        raise bad_request(f'field "{what}" of the markup should be an Array of Arrays')
    return value


def _inline_button(button: Any) -> str:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: object expected")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    actions = [a for a in _ACTIONS if button.get(a) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    data = button.get("callback_data")
    if data is not None and (not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not valid_url(url)):
        raise bad_request("BUTTON_URL_INVALID")
    return text


def _keyboard_button(button: Any) -> str:
    text = button.get("text") if isinstance(button, dict) else button
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    return text


def parse_markup(value: Any, *, inline_only: bool = False) -> Markup:
    """Validate a reply_markup object like Telegram does."""
    if value is None:
        return Markup()
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = _rows(value["inline_keyboard"], "inline_keyboard")
        labels = [[_inline_button(b) for b in row] for row in rows]
        if sum(map(len, labels)) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        return Markup(raw=value, buttons=[row for row in labels if row])
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        rows = _rows(value["keyboard"], "keyboard")
        labels = [[_keyboard_button(b) for b in row] for row in rows]
        if sum(map(len, labels)) > MAX_BUTTONS:
            raise bad_request("reply markup is too long")
        return Markup(raw=value, keyboard=[row for row in labels if row])
    if value.get("remove_keyboard") or value.get("force_reply"):
        return Markup(raw=value)
    raise bad_request("can't parse reply keyboard markup JSON object")
