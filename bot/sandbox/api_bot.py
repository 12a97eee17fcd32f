"""Bot-level methods: getMe, updates and webhooks, commands, descriptions, menu button, files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import bad_request
from .models import JSON
from .params import Params

if TYPE_CHECKING:
    from .core import Sandbox

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANG = re.compile(r"[a-z]{2}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_MENU_TYPES = ("commands", "web_app", "default")


def scope_key(scope: Mapping[str, Any]) -> str:
    """Canonical JSON of a BotCommandScope (the key of Sandbox.commands)."""
    return json.dumps(dict(scope), sort_keys=True, separators=(",", ":"))


def get_me(sb: Sandbox, p: Params, files: Any) -> JSON:
    data = sb.bot.to_json()
    data.update(
        can_join_groups=True,
        can_read_all_group_messages=not sb.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return data


def log_out(sb: Sandbox, p: Params, files: Any) -> bool:
    sb.closed = True
    return True


async def get_updates(sb: Sandbox, p: Params) -> list[JSON]:
    """getUpdates with offset, limit, timeout and allowed_updates."""
    limit = min(100, max(1, p.opt_int("limit", 100) or 100))
    timeout = max(0, p.opt_int("timeout", 0) or 0)
    allowed = p.array("allowed_updates")
    if allowed is not None:
        sb.allowed_updates = allowed
    return await sb.get_updates(p.opt_int("offset"), limit, timeout)


def set_webhook(sb: Sandbox, p: Params, files: Any) -> bool:
    url = p.opt_str("url") or ""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
    secret = p.opt_str("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.opt_int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.array("allowed_updates")
    if allowed is not None:
        sb.allowed_updates = allowed
    if p.flag("drop_pending_updates"):
        sb.drop_pending_updates()
    hook = sb.webhook
    hook.url = url
    hook.secret_token = secret if url else None
    hook.allowed_updates = sb.allowed_updates
    hook.max_connections = max_connections
    sb.start_webhook_delivery()
    return True


def delete_webhook(sb: Sandbox, p: Params, files: Any) -> bool:
    if p.flag("drop_pending_updates"):
        sb.drop_pending_updates()
    sb.webhook.url = ""
    sb.webhook.secret_token = None
    return True


def get_webhook_info(sb: Sandbox, p: Params, files: Any) -> JSON:
    hook = sb.webhook
    data: JSON = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(sb.pending_updates),
    }
    if hook.url:
        data["max_connections"] = hook.max_connections
        if sb.allowed_updates:
            data["allowed_updates"] = sb.allowed_updates
        if hook.last_error_date is not None:
            data["last_error_date"] = hook.last_error_date
            data["last_error_message"] = hook.last_error_message
    return data


def _scope(sb: Sandbox, p: Params) -> str:
    scope = p.obj("scope") or {"type": "default"}
    kind = scope.get("type")
    if kind not in _SCOPES:
        raise bad_request("unsupported bot command scope type")
    sp = Params(scope)
    canonical: JSON = {"type": kind}
    for field in _SCOPES[kind]:
        if field == "chat_id":
            chat = sb.resolve_chat(sp)
            if kind != "chat" and not chat.is_group:
                raise bad_request("chat administrators scope is available only in groups")
            canonical["chat_id"] = chat.id
        else:
            canonical[field] = sp.req_int(field)
    return scope_key(canonical)


def _language(p: Params) -> str:
    lang = p.opt_str("language_code") or ""
    if lang and not _LANG.fullmatch(lang):
        raise bad_request("invalid language code specified")
    return lang


def set_my_commands(sb: Sandbox, p: Params, files: Any) -> bool:
    commands = p.array("commands")
    if commands is None:
        raise bad_request("commands is empty")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    clean: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand")
        name, description = item.get("command"), item.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    key = (_scope(sb, p), _language(p))
    if clean:
        sb.commands[key] = clean
    else:
        sb.commands.pop(key, None)
    return True


def get_my_commands(sb: Sandbox, p: Params, files: Any) -> list[dict[str, str]]:
    return list(sb.commands.get((_scope(sb, p), _language(p)), []))


def delete_my_commands(sb: Sandbox, p: Params, files: Any) -> bool:
    sb.commands.pop((_scope(sb, p), _language(p)), None)
    return True


def set_chat_menu_button(sb: Sandbox, p: Params, files: Any) -> bool:
    button = p.obj("menu_button") or {"type": "default"}
    if button.get("type") not in _MENU_TYPES:
        raise bad_request("unsupported menu button type")
    if p.has("chat_id"):
        chat = sb.bot_chat(p)
        if chat.type != "private":
            raise bad_request("menu button can be set only in private chats")
        chat.menu_button = button
    else:
        sb.default_menu_button = button
    return True


def get_chat_menu_button(sb: Sandbox, p: Params, files: Any) -> JSON:
    fallback = sb.default_menu_button or {"type": "commands"}
    if p.has("chat_id"):
        return sb.bot_chat(p).menu_button or fallback
    return fallback


def _text_setting(
    store_name: str, field: str, limit: int
) -> tuple[Callable[..., bool], Callable[..., JSON]]:
    def setter(sb: Sandbox, p: Params, files: Any) -> bool:
        store: dict[str, str] = getattr(sb, store_name)
        value = p.opt_str(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        lang = _language(p)
        if value:
            store[lang] = value
        else:
            store.pop(lang, None)
        return True

    def getter(sb: Sandbox, p: Params, files: Any) -> JSON:
        store: dict[str, str] = getattr(sb, store_name)
        lang = _language(p)
        default = sb.bot.first_name if field == "name" else ""
        return {field: store.get(lang, store.get("", default))}

    return setter, getter


def get_file(sb: Sandbox, p: Params, files: Any) -> JSON:
    stored = sb.files.get(p.req_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }


_set_desc, _get_desc = _text_setting("descriptions", "description", 512)
_set_short, _get_short = _text_setting("short_descriptions", "short_description", 120)
_set_name, _get_name = _text_setting("names", "name", 64)

METHODS: dict[str, Callable[..., Any]] = {
    "getMe": get_me,
    "logOut": log_out,
    "close": log_out,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "setMyDescription": _set_desc,
    "getMyDescription": _get_desc,
    "setMyShortDescription": _set_short,
    "getMyShortDescription": _get_short,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "getFile": get_file,
}
