"""The user side: people who chat with the bot, press buttons, open links, run groups."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .html import utf16_len
from .models import (
    PRESENT,
    CallbackQueryState,
    ChatState,
    JoinRequest,
    SimMessage,
    UserInfo,
    rights_from_names,
)

if TYPE_CHECKING:
    from .core import Sandbox

_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)")
_TG_HOSTS = ("t.me", "telegram.me", "www.t.me", "telegram.dog")


class SimGroup:
    """A group a person created; `id` follows a migration to a supergroup."""

    def __init__(self, sandbox: Sandbox, chat_id: int) -> None:
        self._sb = sandbox
        self._origin = chat_id

    @property
    def id(self) -> int:
        """The current chat id."""
        return self._sb.current_id(self._origin)

    @property
    def title(self) -> str:
        """The group's title."""
        return self._sb.chat(self.id).title or ""

    @property
    def type(self) -> str:
        """ "group" or "supergroup"."""
        return self._sb.chat(self.id).type

    def __repr__(self) -> str:
        return f"SimGroup(id={self.id}, title={self.title!r}, type={self.type!r})"


GroupRef = SimGroup | int


class SimUser:
    """A person acting in Telegram; every action reaches the bot as Telegram would."""

    def __init__(self, sandbox: Sandbox, info: UserInfo) -> None:
        self._sb = sandbox
        self.info = info

    @property
    def id(self) -> int:
        """Telegram user id."""
        return self.info.id

    @property
    def first_name(self) -> str:
        """First name."""
        return self.info.first_name

    @property
    def last_name(self) -> str | None:
        """Last name."""
        return self.info.last_name

    @property
    def username(self) -> str | None:
        """@username without the @."""
        return self.info.username

    @property
    def language_code(self) -> str | None:
        """The language of this person's Telegram app."""
        return self.info.language_code

    @property
    def private_chat_id(self) -> int:
        """Id of the private chat with the bot (equals the user id)."""
        return self.info.id

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r})"

    # -- helpers -------------------------------------------------------------------------

    def _group(self, group: GroupRef) -> ChatState:
        chat_id = group.id if isinstance(group, SimGroup) else self._sb.current_id(group)
        try:
            chat = self._sb.chat(chat_id)
        except KeyError:
            raise ValueError(f"unknown chat {chat_id}") from None
        if not chat.is_group:
            raise ValueError(f"chat {chat_id} is not a group")
        return chat

    def _member(self, group: GroupRef) -> ChatState:
        chat = self._group(group)
        if chat.status(self.id) not in PRESENT:
            raise ValueError(f"{self.first_name} is not a member of chat {chat.id}")
        return chat

    def _can(self, chat: ChatState, right: str) -> bool:
        return self._sb.has_right(chat, self.id, right)

    def _chat_for_send(self, chat_id: int | None) -> ChatState:
        sb = self._sb
        if chat_id is None or chat_id == self.id:
            chat = sb.private_chat(self.id)
            if chat.blocked:
                raise ValueError(f"{self.first_name} blocked the bot; call start() to unblock")
            return chat
        try:
            chat = sb.chat(chat_id)
        except KeyError:
            raise ValueError(f"unknown chat {chat_id}") from None
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} became supergroup {chat.migrated_to}")
        if chat.type == "private" or chat.status(self.id) not in PRESENT:
            raise ValueError(f"{self.first_name} is not a member of chat {chat_id}")
        return chat

    # -- messages ------------------------------------------------------------------------

    async def send(
        self, text: str, *, chat_id: int | None = None, reply_to: SimMessage | int | None = None
    ) -> SimMessage:
        """Type a message (private chat with the bot unless chat_id is given)."""
        msg = self._compose(text, chat_id, reply_to)
        await self._sb.flush()
        return msg

    def _compose(
        self, text: str, chat_id: int | None, reply_to: SimMessage | int | None
    ) -> SimMessage:
        sb = self._sb
        chat = self._chat_for_send(chat_id)
        if not text.strip():
            raise ValueError("Telegram does not send empty messages")
        if utf16_len(text) > 4096:
            raise ValueError("Telegram splits messages over 4096 characters")
        reply_id: int | None = None
        if reply_to is not None:
            reply_id = reply_to.message_id if isinstance(reply_to, SimMessage) else reply_to
            target = chat.msgs.get(reply_id)
            if target is None or target.deleted:
                raise ValueError(f"no message {reply_id} in chat {chat.id} to reply to")
        entities: list[dict[str, Any]] = []
        command = _COMMAND.match(text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
        if chat.type == "private":
            chat.started = True
        msg = sb.store(chat, self.id, text=text, entities=entities, reply_to_message_id=reply_id)
        sb.deliver(chat, msg, spawn=False)
        return msg

    async def reply(self, message: SimMessage, text: str) -> SimMessage:
        """Reply to a message in its chat."""
        chat_id = None if message.chat_id == self.id else message.chat_id
        return await self.send(text, chat_id=chat_id, reply_to=message)

    async def edit(self, message: SimMessage, new_text: str) -> SimMessage:
        """Edit one's own text message (edited_message update)."""
        if message.from_id != self.id or message.kind != "text" or message.deleted:
            raise ValueError("only one's own, existing text messages can be edited")
        if new_text == message.text or not new_text.strip():
            raise ValueError("the new text must differ and not be empty")
        sb = self._sb
        chat = sb.chat(message.chat_id)
        command = _COMMAND.match(new_text)
        message.text = new_text
        message.entities = (
            [{"type": "bot_command", "offset": 0, "length": command.end()}] if command else []
        )
        message.edited, message.edit_date = True, sb.clock.now()
        sb.deliver(chat, message, edited=True, spawn=False)
        await sb.flush()
        return message

    async def start(self, payload: str | None = None) -> SimMessage:
        """Press Start (or Restart after blocking), with an optional deep-link payload."""
        if payload is not None and not _PAYLOAD.fullmatch(payload):
            raise ValueError("a start payload is 1-64 characters of A-Z a-z 0-9 _ -")
        sb = self._sb
        chat = sb.private_chat(self.id)
        if chat.blocked:
            sb.set_status(chat, sb.bot_id, "member", actor=self.id, spawn=False)
        chat.started = True
        return await self.send(f"/start {payload}" if payload else "/start")

    async def press(self, message: SimMessage, label: str) -> None:
        """Press a button by its exact label (inline: callback_query; keyboard: its text)."""
        sb = self._sb
        if message.deleted:
            raise ValueError(f"message {message.message_id} was deleted")
        in_private = message.chat_id == self.id
        if not in_private:
            self._chat_for_send(message.chat_id)
        if any(label in row for row in message.buttons):
            button = message.inline_button(label)
            if "callback_data" in button:
                self._callback(message, str(button["callback_data"]))
                await sb.flush()
                return
            if "url" in button:
                url = str(button["url"])
                if urlsplit(url).hostname in _TG_HOSTS or url.startswith("tg:"):
                    await self.open_link(url)
                return  # other sites open in a browser: nothing happens in Telegram
            raise ValueError(f"the sandbox cannot press button {button}")
        if any(label in row for row in message.reply_keyboard):
            await self.send(label, chat_id=None if in_private else message.chat_id)
            return
        raise KeyError(
            f"no button {label!r} on message {message.message_id}; inline: {message.buttons}, "
            f"keyboard: {message.reply_keyboard}"
        )

    def _callback(self, message: SimMessage, data: str) -> None:
        sb = self._sb
        chat = sb.chat(message.chat_id)
        if chat.type == "private" and chat.blocked:
            raise ValueError(f"{self.first_name} blocked the bot")
        query_id = str(4_000_000_000_000_000 + sb.new_serial())
        sb.callback_queries[query_id] = CallbackQueryState(
            id=query_id,
            user_id=self.id,
            chat_id=chat.id,
            message_id=message.message_id,
            data=data,
            date=sb.clock.now(),
        )
        if chat.is_group and chat.status(sb.bot_id) not in PRESENT:
            return
        instance = (chat.id * 7919 + sb.bot_id) % 10**19
        sb.emit(
            "callback_query",
            {
                "id": query_id,
                "from": self.info.to_json(),
                "message": sb.message_json(message),
                "chat_instance": str(instance),
                "data": data,
            },
            spawn=False,
        )

    async def block_bot(self) -> None:
        """Block the bot: later sends to this person get 403."""
        sb = self._sb
        chat = sb.private_chat(self.id)
        if not chat.blocked:
            sb.set_status(chat, sb.bot_id, "kicked", actor=self.id, spawn=False)
        await sb.flush()

    # -- links ---------------------------------------------------------------------------

    async def open_link(self, url: str, *, group: GroupRef | None = None) -> SimMessage | None:
        """Open a t.me link: bot deep link, startgroup link or chat invite link."""
        sb = self._sb
        parts = urlsplit(url)
        path = parts.path.strip("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.scheme == "tg" and parts.netloc == "resolve":
            path = query.get("domain", [""])[0]
        elif parts.scheme not in ("http", "https") or parts.hostname not in _TG_HOSTS:
            raise ValueError(f"not a Telegram link: {url}")
        if path.startswith("+") or path.startswith("joinchat/"):
            return await self._join("https://t.me/+" + path.split("/")[-1].lstrip("+"))
        if path.lower() != sb.bot_username.lower():
            raise ValueError(f"{url} does not lead to @{sb.bot_username}")
        if "startgroup" in query:
            if group is None:
                raise ValueError("a startgroup link needs group=")
            rights = " ".join(query.get("admin", [])).replace("+", " ").split()
            return await self._start_group(self._member(group), query["startgroup"][0], rights)
        if "start" in query:
            return await self.start(query["start"][0] or None)
        return None

    async def _start_group(self, chat: ChatState, payload: str, rights: list[str]) -> SimMessage:
        sb = self._sb
        if payload and not _PAYLOAD.fullmatch(payload):
            raise ValueError("a startgroup payload is 1-64 characters of A-Z a-z 0-9 _ -")
        if rights and not self._can(chat, "can_promote_members"):
            raise ValueError(f"{self.first_name} cannot add administrators to {chat.title}")
        if chat.status(sb.bot_id) not in PRESENT:
            self._add_bot(chat, rights)
        elif rights:
            merged = dict(chat.rights.get(sb.bot_id, {}))
            merged.update({k: v for k, v in rights_from_names(rights).items() if v})
            sb.set_status(
                chat, sb.bot_id, "administrator", actor=self.id, rights=merged, spawn=False
            )
        command = f"/start@{sb.bot_username}"
        msg = self._compose(f"{command} {payload}" if payload else command, chat.id, None)
        await sb.flush()
        return msg

    async def _join(self, url: str) -> SimMessage | None:
        sb = self._sb
        link = sb.find_link(url)
        if link is None or link.is_revoked:
            raise ValueError(f"invite link {url} is invalid or revoked")
        if link.expire_date is not None and sb.clock.now() >= link.expire_date:
            raise ValueError(f"invite link {url} has expired")
        chat = sb.chat(link.chat_id)
        status = chat.status(self.id)
        if status in PRESENT:
            return None
        if status == "kicked":
            raise ValueError(f"{self.first_name} is banned from {chat.title}")
        if link.creates_join_request:
            if self.id not in chat.join_requests:
                chat.join_requests[self.id] = JoinRequest(self.id, sb.clock.now(), link.url)
                sb.private_chat(self.id)
                if sb.has_right(chat, sb.bot_id, "can_invite_users"):
                    sb.emit(
                        "chat_join_request",
                        {
                            "chat": sb.chat_json(chat),
                            "from": self.info.to_json(),
                            "user_chat_id": self.id,
                            "date": int(sb.clock.now()),
                            "invite_link": sb.link_json(link),
                        },
                        spawn=False,
                    )
                await sb.flush()
            return None
        if link.member_limit is not None and link.joined >= link.member_limit:
            raise ValueError(f"invite link {url} reached its member limit")
        link.joined += 1
        sb.set_status(chat, self.id, "member", actor=self.id, invite_link=link, spawn=False)
        msg = sb.service(chat, self.id, spawn=False, new_chat_members=[self.info.to_json()])
        await sb.flush()
        return msg

    # -- groups --------------------------------------------------------------------------

    async def create_group(self, title: str, members: Sequence[SimUser] = ()) -> SimGroup:
        """A new basic group with this person as creator."""
        chat = self._sb.add_group(title, self.id, [m.id for m in members])
        return SimGroup(self._sb, chat.id)

    def _add_bot(self, chat: ChatState, rights: Sequence[str]) -> None:
        sb = self._sb
        if rights:
            sb.set_status(
                chat,
                sb.bot_id,
                "administrator",
                actor=self.id,
                rights=rights_from_names(rights),
                spawn=False,
            )
        else:
            sb.set_status(chat, sb.bot_id, "member", actor=self.id, spawn=False)
        sb.service(chat, self.id, spawn=False, new_chat_members=[sb.bot.to_json()])

    async def add_bot(self, group: GroupRef, *, admin_rights: Sequence[str] = ()) -> None:
        """Add the bot to a group (as administrator when rights are given)."""
        chat = self._member(group)
        if admin_rights and not self._can(chat, "can_promote_members"):
            raise ValueError(f"{self.first_name} cannot add administrators")
        if chat.status(self._sb.bot_id) in PRESENT:
            raise ValueError("the bot is already in this group")
        self._add_bot(chat, admin_rights)
        await self._sb.flush()

    async def promote_bot(self, group: GroupRef, admin_rights: Sequence[str]) -> None:
        """Make the bot an administrator with these rights."""
        sb = self._sb
        chat = self._member(group)
        if not self._can(chat, "can_promote_members"):
            raise ValueError(f"{self.first_name} cannot promote members")
        if chat.status(sb.bot_id) not in PRESENT:
            raise ValueError("the bot is not in this group")
        sb.set_status(
            chat,
            sb.bot_id,
            "administrator",
            actor=self.id,
            rights=rights_from_names(admin_rights),
            spawn=False,
        )
        await sb.flush()

    async def remove_bot(self, group: GroupRef) -> None:
        """Remove (ban) the bot from a group: later sends there get 403."""
        sb = self._sb
        chat = self._member(group)
        if not self._can(chat, "can_restrict_members"):
            raise ValueError(f"{self.first_name} cannot remove members")
        if chat.status(sb.bot_id) not in PRESENT:
            raise ValueError("the bot is not in this group")
        sb.set_status(chat, sb.bot_id, "kicked", actor=self.id, spawn=False)
        sb.store(chat, self.id, kind="service", service={"left_chat_member": sb.bot.to_json()})
        await sb.flush()

    async def add_member(self, group: GroupRef, user: SimUser) -> None:
        """Add another person to a group."""
        sb = self._sb
        chat = self._member(group)
        if chat.status(user.id) in PRESENT:
            raise ValueError(f"{user.first_name} is already a member")
        sb.set_status(chat, user.id, "member", actor=self.id, spawn=False)
        sb.service(chat, self.id, spawn=False, new_chat_members=[user.info.to_json()])
        await sb.flush()

    async def leave(self, group: GroupRef) -> None:
        """Leave a group."""
        sb = self._sb
        chat = self._member(group)
        sb.set_status(chat, self.id, "left", actor=self.id, spawn=False)
        sb.service(chat, self.id, spawn=False, left_chat_member=self.info.to_json())
        await sb.flush()

    async def migrate_to_supergroup(self, group: GroupRef) -> int:
        """Upgrade a basic group this person created; returns the new -100... id."""
        sb = self._sb
        chat = self._member(group)
        if chat.type != "group" or chat.status(self.id) != "creator":
            raise ValueError("only the creator of a basic group can upgrade it")
        new = sb.migrate(chat, self.id, spawn=False)
        await sb.flush()
        return new.id

    # -- reading -------------------------------------------------------------------------

    def inbox(self, chat_id: int | None = None) -> list[SimMessage]:
        """The bot's messages in a chat (default: the private chat), not deleted."""
        sb = self._sb
        cid = sb.current_id(self.id if chat_id is None else chat_id)
        return [m for m in sb.messages(cid) if m.from_id == sb.bot_id and not m.deleted]

    def last(self, chat_id: int | None = None) -> SimMessage:
        """The bot's last message in a chat (AssertionError if none)."""
        inbox = self.inbox(chat_id)
        if not inbox:
            where = "the private chat" if chat_id is None else f"chat {chat_id}"
            raise AssertionError(
                f"{self.first_name} has no message from the bot in {where}\n{self._sb.summary()}"
            )
        return inbox[-1]
