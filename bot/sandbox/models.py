"""The state the sandbox keeps, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# ChatAdministratorRights fields, in Bot API order.
ADMIN_RIGHTS: tuple[str, ...] = (
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
)
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})


def rights_from_names(names: Any) -> dict[str, bool]:
    """Deep-link style names ("invite_users", "anonymous") to a full rights dict."""
    rights = dict.fromkeys(ADMIN_RIGHTS, False)
    for name in names:
        key = "is_anonymous" if name == "anonymous" else name
        key = key if key in rights else f"can_{key}"
        if key not in rights:
            raise ValueError(f"unknown administrator right {name!r}")
        rights[key] = True
    rights["can_manage_chat"] = True  # every administrator can manage the chat
    return rights


@dataclass
class UserInfo:
    """A Telegram account (a person or the bot)."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_json(self) -> JSON:
        """The Bot API User object."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SimMessage:
    """A message as it exists in a chat (bot's, user's or a service message)."""

    message_id: int
    chat_id: int
    from_id: int
    date: float
    text: str = ""
    html: str | None = None
    buttons: list[list[str]] = field(default_factory=list)
    reply_keyboard: list[list[str]] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    document: JSON | None = None
    edited: bool = False
    deleted: bool = False
    kind: str = "text"  # text | document | photo | service
    entities: list[JSON] = field(default_factory=list)
    service: JSON = field(default_factory=dict)
    edit_date: float | None = None

    def button_data(self, label: str) -> str:
        """callback_data of the inline button labelled exactly `label`."""
        button = self.inline_button(label)
        data = button.get("callback_data")
        if data is None:
            raise KeyError(f"button {label!r} has no callback_data: {button}")
        return str(data)

    def inline_button(self, label: str) -> JSON:
        """The inline button dict labelled exactly `label` (KeyError listing the labels)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        for row in rows:
            for button in row:
                if button.get("text") == label:
                    return dict(button)
        raise KeyError(
            f"no inline button {label!r} on message {self.message_id}; buttons: {self.buttons}"
        )


@dataclass
class InviteLink:
    """A link made with createChatInviteLink (or the primary link)."""

    url: str
    chat_id: int
    creator_id: int
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    joined: int = 0


@dataclass
class JoinRequest:
    """A pending request to join a chat."""

    user_id: int
    date: float
    invite_link: str | None


@dataclass
class ChatState:
    """A private chat, basic group or supergroup."""

    id: int
    type: str
    title: str | None = None
    members: dict[int, str] = field(default_factory=dict)
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)
    invite_links: dict[str, InviteLink] = field(default_factory=dict)
    join_requests: dict[int, JoinRequest] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    msgs: dict[int, SimMessage] = field(default_factory=dict)
    next_message_id: int = 1
    migrated_to: int | None = None
    migrated_from: int | None = None
    started: bool = False  # private: the user has written to the bot
    blocked: bool = False  # private: the user blocked the bot
    menu_button: JSON | None = None
    chat_actions: list[str] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        """A basic group or a supergroup."""
        return self.type in ("group", "supergroup")

    @property
    def messages(self) -> list[SimMessage]:
        """All messages, in order (deleted ones flagged)."""
        return list(self.msgs.values())

    def status(self, user_id: int) -> str:
        """ChatMember status of a user ("left" if never a member)."""
        return self.members.get(user_id, "left")


@dataclass
class StoredFile:
    """An uploaded file, addressable by file_id."""

    file_id: str
    file_unique_id: str
    file_name: str
    content: bytes
    mime_type: str
    file_path: str


@dataclass
class CallbackQueryState:
    """A button press and how the bot answered it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    date: float
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class WebhookState:
    """What setWebhook stored, and how delivery went."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: list[tuple[int, int | str]] = field(default_factory=list)
