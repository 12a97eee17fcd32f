"""The Sandbox: Telegram's state for one bot, method dispatch, faults and inspection."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from . import api_bot, api_chats, api_messages
from .clock import Clock
from .delivery import Delivery, Dispatcher
from .errors import ApiError, SandboxTimeout, bad_request, forbidden, not_found, too_many_requests
from .limits import FloodControl, FloodLimits
from .models import (
    ADMIN_RIGHTS,
    JSON,
    PRESENT,
    CallbackQueryState,
    ChatState,
    InviteLink,
    SimMessage,
    StoredFile,
    UserInfo,
    WebhookState,
)
from .params import Params

if TYPE_CHECKING:
    from .users import SimUser

FileTuple = tuple[str, bytes] | tuple[str, bytes, str]
Files = Mapping[str, FileTuple]
FaultKind = Literal["5xx", "timeout", "429", "migrate", "kicked"]

HANDLERS: dict[str, Callable[..., Any]] = {
    **api_bot.METHODS,
    **api_chats.METHODS,
    **api_messages.METHODS,
}
_CANONICAL = {name.lower(): name for name in (*HANDLERS, "getUpdates")}
# Sends that count against flood limits.
COUNTED = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"})
_TOKEN_RE = re.compile(r"[0-9]+:[A-Za-z0-9_-]{10,}")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")


@dataclass
class _Fault:
    kind: FaultKind
    method: str | None
    chat_id: int | None
    times: int
    retry_after: int


class Sandbox:
    """A strict, stateful fake of the Telegram Bot API for one bot."""

    def __init__(
        self,
        *,
        token: str = "123456789:SANDBOXsandboxSANDBOXsandbox000",
        bot_username: str = "samenhier_test_bot",
        bot_first_name: str = "Samen Hier",
        clock: Clock | None = None,
        limits: FloodLimits | None = None,
        privacy_mode: bool = True,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.clock = clock or Clock()
        self.limits = limits or FloodLimits()
        self.privacy_mode = privacy_mode
        self.bot = UserInfo(self.bot_id, bot_first_name, is_bot=True, username=bot_username)
        self.flood = FloodControl(self.limits, self.clock)
        self.api_calls: list[tuple[str, dict[str, Any]]] = []
        self.served_429 = 0
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.default_menu_button: JSON | None = None
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.files: dict[str, StoredFile] = {}
        self.closed = False
        self._people: dict[int, UserInfo] = {self.bot_id: self.bot}
        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, ChatState] = {}
        self._faults: list[_Fault] = []
        self._delivery = Delivery(self.clock)
        self._serial = 0
        self._inflight = 0
        self._last_call = time.monotonic()

    # -- settable/inspectable delivery state ---------------------------------------------

    @property
    def dispatcher(self) -> Dispatcher | None:
        """In-process delivery: user actions await dispatcher(update) before returning."""
        return self._delivery.dispatcher

    @dispatcher.setter
    def dispatcher(self, value: Dispatcher | None) -> None:
        self._delivery.dispatcher = value

    @property
    def allowed_updates(self) -> list[str] | None:
        """The last allowed_updates the bot set (None: Telegram's default)."""
        return self._delivery.allowed_updates

    @allowed_updates.setter
    def allowed_updates(self, value: Sequence[str] | None) -> None:
        self._delivery.allowed_updates = list(value) if value else None

    @property
    def webhook(self) -> WebhookState:
        """url, secret_token, allowed_updates and delivery outcomes of the webhook."""
        return self._delivery.webhook

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued for getUpdates/webhook and not yet acknowledged."""
        return list(self._delivery.queue)

    @property
    def polling(self) -> bool:
        """A getUpdates long poll is waiting right now (the bot is idle and listening)."""
        return self._delivery.polling

    # -- the Bot API ---------------------------------------------------------------------

    async def call(
        self, method: str, params: Mapping[str, Any], files: Files | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method; returns (HTTP status, JSON body) like Telegram.

        Raises SandboxTimeout for an injected "timeout" fault (the transports turn it into a
        client-side timeout).
        """
        name = _CANONICAL.get(method.lower())
        recorded = dict(params)
        self.api_calls.append((name or method, recorded))
        polling = name == "getUpdates"
        if not polling:
            self._inflight += 1
        try:
            if name is None:
                raise not_found()
            result = await self._run(name, Params(recorded), files or {})
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            if exc.code == 429:
                self.served_429 += 1
            return exc.code, exc.body()
        finally:
            if not polling:
                self._inflight -= 1
                self._last_call = time.monotonic()

    async def _run(self, name: str, p: Params, files: Files) -> Any:
        self._apply_faults(name, p)
        if name == "getUpdates":
            return await api_bot.get_updates(self, p)
        chat_key = self._flood_key(p) if name in COUNTED else None
        if chat_key is not None:
            wait = self.flood.retry_after(chat_key)
            if wait:
                raise too_many_requests(wait)
        result = HANDLERS[name](self, p, files)
        if chat_key is not None:
            self.flood.consume(chat_key)
        return result

    def _flood_key(self, p: Params) -> int | None:
        try:
            chat = self.resolve_chat(p)
        except ApiError:
            return None
        return chat.id

    # -- faults --------------------------------------------------------------------------

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 1,
    ) -> None:
        """Make the next `times` matching calls fail ("5xx", "timeout", "429").

        "migrate" and "kicked" change real state when the next matching call arrives: the
        basic group `chat_id` becomes a supergroup, or the bot is removed from `chat_id`
        (blocked, for a private chat). getUpdates is only hit when named in `method`.
        """
        if kind not in ("5xx", "timeout", "429", "migrate", "kicked"):
            raise ValueError(f"unknown fault {kind!r}")
        if kind in ("migrate", "kicked"):
            chat = self._chats.get(chat_id) if chat_id is not None else None
            if chat is None:
                raise ValueError(f"fault {kind!r} needs the chat_id of an existing chat")
            if kind == "migrate" and chat.type != "group":
                raise ValueError("only a basic group can migrate to a supergroup")
            times = 1
        canonical = _CANONICAL.get(method.lower(), method) if method else None
        self._faults.append(_Fault(kind, canonical, chat_id, times, retry_after))

    def _apply_faults(self, name: str, p: Params) -> None:
        for fault in list(self._faults):
            if fault.method is None and name == "getUpdates":
                continue
            if fault.method is not None and fault.method != name:
                continue
            if fault.chat_id is not None:
                try:
                    chat_id = p.opt_int("chat_id")
                except ApiError:
                    continue
                if chat_id != fault.chat_id:
                    continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            self._fire(fault)

    def _fire(self, fault: _Fault) -> None:
        if fault.kind == "5xx":
            raise ApiError(502, "Bad Gateway")
        if fault.kind == "timeout":
            raise SandboxTimeout(f"injected timeout for {fault.method or 'any method'}")
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        assert fault.chat_id is not None
        chat = self._chats[fault.chat_id]
        if fault.kind == "migrate":
            if chat.migrated_to is None:
                self.migrate(chat, self._owner(chat))
        elif chat.type == "private":
            self.set_status(chat, self.bot_id, "kicked", actor=chat.id)
        elif chat.status(self.bot_id) in PRESENT:
            self.set_status(chat, self.bot_id, "kicked", actor=self._owner(chat))

    def _owner(self, chat: ChatState) -> int:
        for uid, status in chat.members.items():
            if status == "creator":
                return uid
        return next(iter(chat.members))

    # -- lookups used by the method handlers ---------------------------------------------

    def person(self, user_id: int) -> UserInfo:
        """A known account (KeyError if unknown)."""
        return self._people[user_id]

    def knows(self, user_id: int) -> bool:
        """Whether the account exists."""
        return user_id in self._people

    def current_id(self, chat_id: int) -> int:
        """Follow supergroup migrations."""
        chat = self._chats.get(chat_id)
        while chat is not None and chat.migrated_to is not None:
            chat_id = chat.migrated_to
            chat = self._chats.get(chat_id)
        return chat_id

    def private_chat(self, user_id: int) -> ChatState:
        """The private chat between a person and the bot (created on first use)."""
        chat = self._chats.get(user_id)
        if chat is None:
            chat = ChatState(
                id=user_id, type="private", members={user_id: "member", self.bot_id: "member"}
            )
            self._chats[user_id] = chat
        return chat

    def resolve_chat(self, p: Params, name: str = "chat_id") -> ChatState:
        """The chat named by a chat_id parameter: 400 if unknown or migrated."""
        raw = p.raw.get(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            raise bad_request("chat not found")
        chat_id = p.req_int(name)
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id in self._people and chat_id != self.bot_id:
                return self.private_chat(chat_id)
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def bot_chat(self, p: Params, name: str = "chat_id", *, write: bool = False) -> ChatState:
        """A chat the bot can act in: 403 when kicked/blocked/not a member."""
        chat = self.resolve_chat(p, name)
        if chat.type == "private":
            if chat.blocked:
                if write:
                    raise forbidden("bot was blocked by the user")
            elif write and not chat.started and not self._pending_request(chat.id):
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        status = chat.status(self.bot_id)
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status not in PRESENT:
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def _pending_request(self, user_id: int) -> bool:
        """A join request lets the bot write to the requester (user_chat_id)."""
        return any(user_id in c.join_requests for c in self._chats.values())

    def has_right(self, chat: ChatState, user_id: int, right: str) -> bool:
        """Whether a member holds an administrator right (the creator holds all)."""
        status = chat.status(user_id)
        if status == "creator":
            return True
        return status == "administrator" and chat.rights.get(user_id, {}).get(right, False)

    def find_link(self, url: str) -> InviteLink | None:
        """An invite link by its URL, in whichever chat holds it now."""
        for chat in self._chats.values():
            if chat.migrated_to is None and url in chat.invite_links:
                return chat.invite_links[url]
        return None

    def new_serial(self) -> int:
        """A process-unique number for ids."""
        self._serial += 1
        return self._serial

    # -- JSON views ----------------------------------------------------------------------

    def chat_json(self, chat: ChatState) -> JSON:
        """The Bot API Chat object."""
        if chat.type == "private":
            person = self._people[chat.id]
            data: JSON = {"id": chat.id, "type": "private", "first_name": person.first_name}
            if person.last_name:
                data["last_name"] = person.last_name
            if person.username:
                data["username"] = person.username
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title or ""}
        if chat.type == "supergroup":
            data["is_forum"] = False
        return data

    def full_chat_json(self, chat: ChatState) -> JSON:
        """The Bot API ChatFullInfo object (getChat)."""
        data = self.chat_json(chat)
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if chat.pinned and chat.pinned[-1] in chat.msgs:
            data["pinned_message"] = self.message_json(chat.msgs[chat.pinned[-1]], nested=False)
        if chat.is_group:
            data["permissions"] = {"can_send_messages": True, "can_invite_users": True}
        return data

    def member_json(self, chat: ChatState, user_id: int) -> JSON:
        """The Bot API ChatMember object for a user's current status."""
        user = self._people[user_id].to_json()
        status = chat.status(user_id)
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = chat.rights.get(user_id, {})
            data: JSON = {"status": status, "user": user, "can_be_edited": False}
            data.update({r: bool(rights.get(r, False)) for r in ADMIN_RIGHTS})
            return data
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def link_json(self, link: InviteLink) -> JSON:
        """The Bot API ChatInviteLink object."""
        data: JSON = {
            "invite_link": link.url,
            "creator": self._people[link.creator_id].to_json(),
            "creates_join_request": link.creates_join_request,
            "is_primary": link.is_primary,
            "is_revoked": link.is_revoked,
        }
        for key in ("name", "expire_date", "member_limit"):
            value = getattr(link, key)
            if value is not None:
                data[key] = value
        if link.creates_join_request:
            chat = self._chats[link.chat_id]
            data["pending_join_request_count"] = sum(
                1 for r in chat.join_requests.values() if r.invite_link == link.url
            )
        return data

    def message_json(self, msg: SimMessage, *, nested: bool = True) -> JSON:
        """The Bot API Message object."""
        chat = self._chats[msg.chat_id]
        data: JSON = {
            "message_id": msg.message_id,
            "from": self._people[msg.from_id].to_json(),
            "chat": self.chat_json(chat),
            "date": int(msg.date),
        }
        text_key, entities_key = "text", "entities"
        if msg.kind in ("document", "photo") and msg.document is not None:
            text_key, entities_key = "caption", "caption_entities"
            stored = self.files[msg.document["file_id"]]
            file: JSON = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
            if msg.kind == "photo":
                file.update(width=msg.document["width"], height=msg.document["height"])
                data["photo"] = [file]
            else:
                file.update(file_name=stored.file_name, mime_type=stored.mime_type)
                data["document"] = file
        if msg.kind != "service" and msg.text:
            data[text_key] = msg.text
            if msg.entities:
                data[entities_key] = msg.entities
        data.update(msg.service)
        if nested and msg.reply_to_message_id is not None:
            replied = chat.msgs.get(msg.reply_to_message_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_json(replied, nested=False)
        if msg.reply_markup is not None and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        if msg.edit_date is not None:
            data["edit_date"] = int(msg.edit_date)
        return data

    # -- state changes shared by the bot and user sides ----------------------------------

    def store(self, chat: ChatState, from_id: int, **fields: Any) -> SimMessage:
        """Add a message to a chat."""
        msg = SimMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_id=from_id,
            date=self.clock.now(),
            **fields,
        )
        chat.next_message_id += 1
        chat.msgs[msg.message_id] = msg
        return msg

    def service(self, chat: ChatState, actor: int, spawn: bool = True, **fields: Any) -> SimMessage:
        """Store a service message (new_chat_members, ...) and deliver it."""
        msg = self.store(chat, actor, kind="service", service=fields)
        self.deliver(chat, msg, spawn=spawn)
        return msg

    def deliver(
        self, chat: ChatState, msg: SimMessage, *, edited: bool = False, spawn: bool = True
    ) -> None:
        """Send a message update to the bot if Telegram would (privacy mode, membership)."""
        if msg.from_id == self.bot_id:
            return
        if chat.type == "private":
            if chat.blocked:
                return
        else:
            status = chat.status(self.bot_id)
            if status not in PRESENT:
                return
            if not (
                msg.kind == "service"
                or not self.privacy_mode
                or status == "administrator"
                or _COMMAND_RE.match(msg.text)
                or self._replies_to_bot(chat, msg)
            ):
                return
        kind = "edited_message" if edited else "message"
        self.emit(kind, self.message_json(msg), spawn=spawn)

    def _replies_to_bot(self, chat: ChatState, msg: SimMessage) -> bool:
        if msg.reply_to_message_id is None:
            return False
        replied = chat.msgs.get(msg.reply_to_message_id)
        return replied is not None and replied.from_id == self.bot_id

    def emit(self, kind: str, payload: JSON, *, spawn: bool = True) -> None:
        """Queue an update of type `kind`."""
        self._delivery.emit(kind, payload, spawn=spawn)

    async def flush(self) -> None:
        """Dispatch pending updates (dispatcher mode); a no-op otherwise."""
        await self._delivery.flush()

    def set_status(
        self,
        chat: ChatState,
        user_id: int,
        status: str,
        *,
        actor: int,
        rights: dict[str, bool] | None = None,
        invite_link: InviteLink | None = None,
        via_join_request: bool = False,
        spawn: bool = True,
    ) -> None:
        """Change a member's status and send my_chat_member / chat_member updates."""
        old = self.member_json(chat, user_id)
        chat.members[user_id] = status
        if status == "administrator":
            chat.rights[user_id] = dict(rights or {})
        else:
            chat.rights.pop(user_id, None)
        if chat.type == "private" and user_id == self.bot_id:
            chat.blocked = status == "kicked"
        payload: JSON = {
            "chat": self.chat_json(chat),
            "from": self._people[actor].to_json(),
            "date": int(self.clock.now()),
            "old_chat_member": old,
            "new_chat_member": self.member_json(chat, user_id),
        }
        if invite_link is not None:
            payload["invite_link"] = self.link_json(invite_link)
        if via_join_request:
            payload["via_join_request"] = True
        if user_id == self.bot_id:
            self.emit("my_chat_member", payload, spawn=spawn)
        elif chat.is_group and chat.status(self.bot_id) == "administrator":
            self.emit("chat_member", payload, spawn=spawn)

    def migrate(self, chat: ChatState, actor: int, *, spawn: bool = True) -> ChatState:
        """Upgrade a basic group to a supergroup with a new id."""
        new = ChatState(
            id=-(1_002_000_000_000 + self.new_serial()),
            type="supergroup",
            title=chat.title,
            members=dict(chat.members),
            rights={uid: dict(r) for uid, r in chat.rights.items()},
            invite_links=chat.invite_links,
            join_requests=dict(chat.join_requests),
            migrated_from=chat.id,
        )
        for link in new.invite_links.values():
            link.chat_id = new.id
        chat.invite_links = {}
        chat.join_requests = {}
        self._chats[new.id] = new
        self.service(chat, actor, spawn=spawn, migrate_to_chat_id=new.id)
        chat.migrated_to = new.id
        self.service(new, actor, spawn=spawn, migrate_from_chat_id=chat.id)
        return new

    def add_group(self, title: str, creator: int, members: Sequence[int]) -> ChatState:
        """A new basic group."""
        chat = ChatState(id=-(4_000_000_000 + self.new_serial()), type="group", title=title)
        chat.members[creator] = "creator"
        for uid in members:
            chat.members.setdefault(uid, "member")
        self._chats[chat.id] = chat
        self.store(chat, creator, kind="service", service={"group_chat_created": True})
        return chat

    # -- people --------------------------------------------------------------------------

    def user(
        self,
        first_name: str,
        *,
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimUser:
        """A new person who can act in Telegram."""
        from .users import SimUser

        info = UserInfo(
            id=700_000_000 + self.new_serial(),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._people[info.id] = info
        sim = SimUser(self, info)
        self._users[info.id] = sim
        return sim

    # -- inspection ----------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SimMessage]:
        """All messages in a chat, in order (bot's, users', service; deleted ones flagged)."""
        chat = self._chats.get(chat_id)
        return chat.messages if chat is not None else []

    def chat(self, chat_id: int) -> ChatState:
        """The state of a chat (KeyError if unknown)."""
        return self._chats[chat_id]

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        key = (api_bot.scope_key(scope or {"type": "default"}), language_code)
        return [(c["command"], c["description"]) for c in self.commands.get(key, [])]

    def last_callback(self) -> CallbackQueryState:
        """The most recent button press (AssertionError if none)."""
        if not self.callback_queries:
            raise AssertionError("no callback query yet")
        return list(self.callback_queries.values())[-1]

    def summary(self, calls: int = 8) -> str:
        """A readable account of recent activity, for failure messages."""
        lines = [f"last {calls} API calls:"]
        for method, params in self.api_calls[-calls:]:
            shown = json.dumps(params, ensure_ascii=False, default=str)
            lines.append(f"  {method} {shown[:160]}")
        lines.append(f"queued updates: {len(self._delivery.queue)}; served 429: {self.served_429}")
        recent = sorted(
            (m for c in self._chats.values() for m in c.msgs.values()), key=lambda m: m.date
        )[-5:]
        for m in recent:
            who = "bot" if m.from_id == self.bot_id else self._people[m.from_id].first_name
            lines.append(f"  [{m.chat_id}] {who}: {m.text[:80]!r} {m.buttons or ''}")
        return "\n".join(lines)

    # -- waiting -------------------------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Poll (real time) until predicate() is true, else TimeoutError with a summary."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout} s\n{self.summary()}")
            await asyncio.sleep(0.01)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until no update is pending and the bot has been quiet for a moment."""
        quiet = 0.02 if self.dispatcher is not None else 0.2
        deadline = time.monotonic() + timeout
        while self._delivery.busy() or self._inflight or time.monotonic() - self._last_call < quiet:
            if time.monotonic() > deadline:
                raise TimeoutError(f"sandbox did not settle within {timeout} s\n{self.summary()}")
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        """Stop background delivery work (webhook worker, pending dispatches, long polls)."""
        await self._delivery.aclose()

    def wake_pollers(self) -> None:
        """Answer a waiting getUpdates now."""
        self._delivery.wake_pollers()

    def drop_pending_updates(self) -> None:
        """Forget queued updates."""
        self._delivery.drop_pending()

    def start_webhook_delivery(self) -> None:
        """Begin POSTing queued updates to the webhook."""
        if self.webhook.url:
            self._delivery.ensure_webhook_worker()

    def file_content(self, file_path: str) -> bytes | None:
        """Bytes of an uploaded file by its getFile file_path."""
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored.content
        return None

    async def get_updates(self, offset: int | None, limit: int, wait: float) -> list[JSON]:
        """getUpdates semantics (used by the getUpdates handler)."""
        return await self._delivery.get_updates(offset, limit, wait)
