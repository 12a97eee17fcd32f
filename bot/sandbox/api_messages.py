"""Message methods: send, edit, delete, files, callbacks, chat actions, copies, pins."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request
from .html import HtmlError, parse_html, utf16_len
from .markup import parse_markup
from .models import JSON, ChatState, SimMessage, StoredFile
from .params import Params

if TYPE_CHECKING:
    from .core import Files, Sandbox

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ANSWER_LIMIT = 200
FILE_LIMIT = 50 * 1024 * 1024
CALLBACK_TTL = 15.0  # seconds a callback query can be answered (sandbox clock)
DELETE_TTL = 48 * 3600.0
_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def formatted(
    p: Params, field: str, *, caption: bool = False
) -> tuple[str, list[JSON], str | None]:
    """(plain text, entities, raw HTML or None) of `text`/`caption`, checked like Telegram."""
    raw = p.opt_str(field)
    if not raw:
        if caption:
            return "", [], None
        raise bad_request("message text is empty")
    mode = (p.opt_str("parse_mode") or "").lower()
    html: str | None = None
    if mode == "html":
        try:
            plain, entities = parse_html(raw)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        html = raw
    elif mode in ("markdown", "markdownv2"):
        raise bad_request("can't parse entities: the sandbox only supports parse_mode HTML")
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        plain, entities = raw, list(p.array("caption_entities" if caption else "entities") or [])
    if not plain.strip():
        if caption:
            return "", [], html
        raise bad_request("message text is empty")
    if utf16_len(plain) > (CAPTION_LIMIT if caption else TEXT_LIMIT):
        raise bad_request("message caption is too long" if caption else "message is too long")
    return plain, entities, html


def reply_target(chat: ChatState, p: Params) -> int | None:
    """The message being replied to (reply_parameters or reply_to_message_id)."""
    reply = p.obj("reply_parameters")
    rp = Params(reply) if reply is not None else p
    message_id = rp.opt_int("message_id" if reply is not None else "reply_to_message_id")
    if message_id is None:
        return None
    target = chat.msgs.get(message_id)
    if target is None or target.deleted:
        if rp.flag("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return message_id


def send_message(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = sb.bot_chat(p, write=True)
    plain, entities, html = formatted(p, "text")
    markup = parse_markup(p.value("reply_markup"))
    reply_to = reply_target(chat, p)
    msg = sb.store(
        chat,
        sb.bot_id,
        text=plain,
        html=html,
        entities=entities,
        buttons=markup.buttons,
        reply_keyboard=markup.keyboard,
        reply_markup=markup.raw,
        reply_to_message_id=reply_to,
    )
    return sb.message_json(msg)


def _own_message(sb: Sandbox, p: Params, what: str) -> tuple[ChatState, SimMessage]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the sandbox")
    chat = sb.bot_chat(p, write=True)
    msg = chat.msgs.get(p.req_int("message_id"))
    if msg is None or msg.deleted:
        raise bad_request(f"message to {what} not found")
    if msg.from_id != sb.bot_id:
        raise bad_request("message can't be edited")
    return chat, msg


def _not_modified() -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def _apply_inline(msg: SimMessage, raw: JSON | None, buttons: list[list[str]]) -> None:
    if msg.reply_markup is None or "inline_keyboard" in msg.reply_markup:
        msg.reply_markup = raw
        msg.buttons = buttons


def _inline_of(msg: SimMessage) -> JSON | None:
    if msg.reply_markup is not None and "inline_keyboard" in msg.reply_markup:
        return msg.reply_markup
    return None


def edit_message_text(sb: Sandbox, p: Params, files: Files) -> JSON:
    _, msg = _own_message(sb, p, "edit")
    if msg.kind != "text":
        raise bad_request("there is no text in the message to edit")
    plain, entities, html = formatted(p, "text")
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    markup = parse_markup(p.value("reply_markup"), inline_only=True)
    if plain == msg.text and entities == msg.entities and markup.inline == _inline_of(msg):
        raise _not_modified()
    msg.text, msg.entities, msg.html = plain, entities, html
    _apply_inline(msg, markup.raw, markup.buttons)
    msg.edited, msg.edit_date = True, sb.clock.now()
    return sb.message_json(msg)


def edit_message_caption(sb: Sandbox, p: Params, files: Files) -> JSON:
    _, msg = _own_message(sb, p, "edit")
    if msg.kind not in ("document", "photo"):
        raise bad_request("there is no caption in the message to edit")
    plain, entities, html = formatted(p, "caption", caption=True)
    markup = parse_markup(p.value("reply_markup"), inline_only=True)
    if plain == msg.text and entities == msg.entities and markup.inline == _inline_of(msg):
        raise _not_modified()
    msg.text, msg.entities, msg.html = plain, entities, html
    _apply_inline(msg, markup.raw, markup.buttons)
    msg.edited, msg.edit_date = True, sb.clock.now()
    return sb.message_json(msg)


def edit_message_reply_markup(sb: Sandbox, p: Params, files: Files) -> JSON:
    _, msg = _own_message(sb, p, "edit")
    markup = parse_markup(p.value("reply_markup"), inline_only=True)
    if markup.inline == _inline_of(msg):
        raise _not_modified()
    _apply_inline(msg, markup.raw, markup.buttons)
    msg.edited, msg.edit_date = True, sb.clock.now()
    return sb.message_json(msg)


def delete_message(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p)
    msg = chat.msgs.get(p.req_int("message_id"))
    if msg is None or msg.deleted:
        raise bad_request("message to delete not found")
    too_old = sb.clock.now() - msg.date > DELETE_TTL
    others = chat.is_group and msg.from_id != sb.bot_id
    if too_old or (others and not sb.has_right(chat, sb.bot_id, "can_delete_messages")):
        raise bad_request("message can't be deleted")
    msg.deleted = True
    return True


def answer_callback_query(sb: Sandbox, p: Params, files: Files) -> bool:
    query = sb.callback_queries.get(p.req_str("callback_query_id"))
    if query is None or query.answered or sb.clock.now() - query.date > CALLBACK_TTL:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.opt_str("text")
    if text is not None and len(text) > ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    url = p.opt_str("url")
    if url is not None and not url.lower().startswith(
        (f"https://t.me/{sb.bot_username.lower()}?", f"t.me/{sb.bot_username.lower()}?")
    ):
        raise bad_request("URL_INVALID")
    query.answered = True
    query.text, query.show_alert, query.url = text, p.flag("show_alert"), url
    return True


def _upload(sb: Sandbox, p: Params, files: Files, field: str) -> StoredFile:
    value = p.raw.get(field)
    upload: tuple[str, bytes, str] | None = None
    if isinstance(value, str) and value.startswith("attach://"):
        entry = files.get(value.removeprefix("attach://"))
        if entry is None:
            raise bad_request(f"can't find attached file {value}")
        upload = _normalise(entry)
    elif value is None or value == "":
        entry = files.get(field)
        if entry is None:
            raise bad_request(f"there is no {field} in the request")
        upload = _normalise(entry)
    elif isinstance(value, str):
        stored = sb.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored
    else:
        raise bad_request(f"wrong type of the {field} parameter")
    name, content, mime = upload
    if not content:
        raise bad_request("file must be non-empty")
    if len(content) > FILE_LIMIT:
        raise ApiError(413, "Request Entity Too Large")
    digest = hashlib.sha1(content).hexdigest()[:16]
    serial = sb.new_serial()
    file_id = f"SBX{field[:3].upper()}{serial:06d}{digest}"
    folder = "photos" if field == "photo" else "documents"
    stored = StoredFile(
        file_id=file_id,
        file_unique_id=f"U{digest}",
        file_name=name,
        content=content,
        mime_type=mime,
        file_path=f"{folder}/file_{serial}{_suffix(name)}",
    )
    sb.files[file_id] = stored
    return stored


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def _normalise(entry: tuple[str, bytes] | tuple[str, bytes, str]) -> tuple[str, bytes, str]:
    name, content = entry[0] or "file", entry[1]
    mime = entry[2] if len(entry) == 3 else None
    if not mime:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content, mime


def _image_size(content: bytes) -> tuple[int, int] | None:
    for magic in _IMAGE_MAGIC:
        if content.startswith(magic):
            if magic.startswith(b"\x89PNG") and len(content) >= 24:
                width, height = struct.unpack(">II", content[16:24])
                return int(width), int(height)
            return 512, 512
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return 512, 512
    return None


def _send_file(sb: Sandbox, p: Params, files: Files, field: str) -> JSON:
    chat = sb.bot_chat(p, write=True)
    stored = _upload(sb, p, files, field)
    plain, entities, html = formatted(p, "caption", caption=True)
    markup = parse_markup(p.value("reply_markup"))
    reply_to = reply_target(chat, p)
    document: JSON = {
        "file_name": stored.file_name,
        "content": stored.content,
        "mime_type": stored.mime_type,
        "file_id": stored.file_id,
    }
    if field == "photo":
        size = _image_size(stored.content)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        document.update(file_name="photo.png", width=size[0], height=size[1])
    msg = sb.store(
        chat,
        sb.bot_id,
        kind=field,
        text=plain,
        html=html,
        entities=entities,
        buttons=markup.buttons,
        reply_keyboard=markup.keyboard,
        reply_markup=markup.raw,
        reply_to_message_id=reply_to,
        document=document,
    )
    return sb.message_json(msg)


def send_document(sb: Sandbox, p: Params, files: Files) -> JSON:
    return _send_file(sb, p, files, "document")


def send_photo(sb: Sandbox, p: Params, files: Files) -> JSON:
    return _send_file(sb, p, files, "photo")


def send_chat_action(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p, write=True)
    action = p.req_str("action")
    if action not in _ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.chat_actions.append(action)
    return True


def _source(sb: Sandbox, p: Params, what: str) -> SimMessage:
    source = sb.bot_chat(p, "from_chat_id")
    msg = source.msgs.get(p.req_int("message_id"))
    if msg is None or msg.deleted:
        raise bad_request(f"message to {what} not found")
    if msg.kind == "service":
        raise bad_request(f"message can't be {what}ed")
    return msg


def _copy_fields(msg: SimMessage) -> dict[str, Any]:
    return {
        "kind": msg.kind,
        "text": msg.text,
        "html": msg.html,
        "entities": list(msg.entities),
        "document": dict(msg.document) if msg.document else None,
    }


def copy_message(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = sb.bot_chat(p, write=True)
    source = _source(sb, p, "copy")
    fields = _copy_fields(source)
    if p.has("caption") and source.kind != "text":
        fields["text"], fields["entities"], fields["html"] = formatted(p, "caption", caption=True)
    markup = parse_markup(p.value("reply_markup"))
    fields.update(
        buttons=markup.buttons,
        reply_keyboard=markup.keyboard,
        reply_markup=markup.raw,
        reply_to_message_id=reply_target(chat, p),
    )
    msg = sb.store(chat, sb.bot_id, **fields)
    return {"message_id": msg.message_id}


def forward_message(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = sb.bot_chat(p, write=True)
    source = _source(sb, p, "forward")
    fields = _copy_fields(source)
    fields["service"] = {
        "forward_origin": {
            "type": "user",
            "sender_user": sb.person(source.from_id).to_json(),
            "date": int(source.date),
        }
    }
    msg = sb.store(chat, sb.bot_id, **fields)
    return sb.message_json(msg)


def pin_chat_message(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p)
    if chat.is_group and not sb.has_right(chat, sb.bot_id, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    msg = chat.msgs.get(p.req_int("message_id"))
    if msg is None or msg.deleted:
        raise bad_request("message to pin not found")
    if msg.message_id in chat.pinned:
        chat.pinned.remove(msg.message_id)
    chat.pinned.append(msg.message_id)
    return True


def unpin_chat_message(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p)
    if chat.is_group and not sb.has_right(chat, sb.bot_id, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    message_id = p.opt_int("message_id")
    if message_id is None:
        if chat.pinned:
            chat.pinned.pop()
    elif message_id in chat.pinned:
        chat.pinned.remove(message_id)
    else:
        raise bad_request("message to unpin not found")
    return True


def unpin_all_chat_messages(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p)
    if chat.is_group and not sb.has_right(chat, sb.bot_id, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    chat.pinned.clear()
    return True


METHODS: Mapping[str, Callable[..., Any]] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendChatAction": send_chat_action,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "pinChatMessage": pin_chat_message,
    "unpinChatMessage": unpin_chat_message,
    "unpinAllChatMessages": unpin_all_chat_messages,
}
