"""Chat methods: info, members, invite links, join requests, bans, leaving."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .models import JSON, PRESENT, ChatState, InviteLink
from .params import Params

if TYPE_CHECKING:
    from .core import Files, Sandbox

NO_LINK_RIGHTS = "not enough rights to manage chat invite link"
NO_RESTRICT_RIGHTS = "not enough rights to restrict/unrestrict chat member"


def _group(sb: Sandbox, p: Params, what: str) -> ChatState:
    chat = sb.bot_chat(p)
    if not chat.is_group:
        raise bad_request(f"{what} in a private chat is not supported")
    return chat


def get_chat(sb: Sandbox, p: Params, files: Files) -> JSON:
    return sb.full_chat_json(sb.bot_chat(p))


def _member_id(sb: Sandbox, chat: ChatState, p: Params) -> int:
    user_id = p.req_int("user_id")
    if not sb.knows(user_id) or (chat.type == "private" and user_id not in chat.members):
        raise bad_request("user not found")
    return user_id


def get_chat_member(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = sb.bot_chat(p)
    return sb.member_json(chat, _member_id(sb, chat, p))


def get_chat_administrators(sb: Sandbox, p: Params, files: Files) -> list[JSON]:
    chat = sb.bot_chat(p)
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    return [
        sb.member_json(chat, uid)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator")
    ]


def get_chat_member_count(sb: Sandbox, p: Params, files: Files) -> int:
    chat = sb.bot_chat(p)
    return sum(1 for status in chat.members.values() if status in PRESENT)


def _link_chat(sb: Sandbox, p: Params) -> ChatState:
    chat = _group(sb, p, "invite links")
    if not sb.has_right(chat, sb.bot_id, "can_invite_users"):
        raise bad_request(NO_LINK_RIGHTS)
    return chat


def _link_options(p: Params, link: InviteLink) -> None:
    """Apply name/expire_date/member_limit/creates_join_request, checked like Telegram."""
    if p.has("name"):
        name = p.opt_str("name") or ""
        if len(name) > 32:
            raise bad_request("invite link name is too long")
        link.name = name or None
    if p.has("expire_date"):
        link.expire_date = p.opt_int("expire_date") or None
    if p.has("member_limit"):
        limit = p.opt_int("member_limit") or 0
        if limit and not 1 <= limit <= 99_999:
            raise bad_request("member limit must be between 1 and 99999")
        link.member_limit = limit or None
    if p.has("creates_join_request"):
        link.creates_join_request = p.flag("creates_join_request")
    if link.creates_join_request and link.member_limit:
        raise bad_request(
            "member limit can't be specified for links requiring administrator approval"
        )


def create_chat_invite_link(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = _link_chat(sb, p)
    link = InviteLink(
        url=f"https://t.me/+{secrets.token_urlsafe(12)}", chat_id=chat.id, creator_id=sb.bot_id
    )
    _link_options(p, link)
    chat.invite_links[link.url] = link
    return sb.link_json(link)


def _existing_link(sb: Sandbox, chat: ChatState, p: Params) -> InviteLink:
    link = chat.invite_links.get(p.req_str("invite_link"))
    if link is None or link.is_revoked:
        raise bad_request("INVITE_HASH_EXPIRED")
    if link.creator_id != sb.bot_id:
        raise bad_request("CHAT_ADMIN_REQUIRED")
    return link


def edit_chat_invite_link(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = _link_chat(sb, p)
    link = _existing_link(sb, chat, p)
    before = (link.name, link.expire_date, link.member_limit, link.creates_join_request)
    try:
        _link_options(p, link)
    except Exception:
        link.name, link.expire_date, link.member_limit, link.creates_join_request = before
        raise
    return sb.link_json(link)


def revoke_chat_invite_link(sb: Sandbox, p: Params, files: Files) -> JSON:
    chat = _link_chat(sb, p)
    link = _existing_link(sb, chat, p)
    link.is_revoked = True
    return sb.link_json(link)


def export_chat_invite_link(sb: Sandbox, p: Params, files: Files) -> str:
    chat = _link_chat(sb, p)
    for link in chat.invite_links.values():
        if link.is_primary:
            link.is_revoked, link.is_primary = True, False
    link = InviteLink(
        url=f"https://t.me/+{secrets.token_urlsafe(12)}",
        chat_id=chat.id,
        creator_id=sb.bot_id,
        is_primary=True,
    )
    chat.invite_links[link.url] = link
    return link.url


def _join_request(sb: Sandbox, p: Params) -> tuple[ChatState, int]:
    chat = _group(sb, p, "join requests")
    if not sb.has_right(chat, sb.bot_id, "can_invite_users"):
        raise bad_request("CHAT_ADMIN_REQUIRED")
    user_id = p.req_int("user_id")
    if user_id not in chat.join_requests:
        if chat.status(user_id) in PRESENT:
            raise bad_request("USER_ALREADY_PARTICIPANT")
        raise bad_request("HIDE_REQUESTER_MISSING")
    return chat, user_id


def approve_chat_join_request(sb: Sandbox, p: Params, files: Files) -> bool:
    chat, user_id = _join_request(sb, p)
    request = chat.join_requests.pop(user_id)
    link = chat.invite_links.get(request.invite_link or "")
    if link is not None:
        link.joined += 1
    sb.set_status(chat, user_id, "member", actor=sb.bot_id, invite_link=link, via_join_request=True)
    sb.service(chat, user_id, new_chat_members=[sb.person(user_id).to_json()])
    return True


def decline_chat_join_request(sb: Sandbox, p: Params, files: Files) -> bool:
    chat, user_id = _join_request(sb, p)
    del chat.join_requests[user_id]
    return True


def _restrict_target(sb: Sandbox, p: Params) -> tuple[ChatState, int]:
    chat = _group(sb, p, "restricting members")
    if not sb.has_right(chat, sb.bot_id, "can_restrict_members"):
        raise bad_request(NO_RESTRICT_RIGHTS)
    user_id = p.req_int("user_id")
    if not sb.knows(user_id):
        raise bad_request("user not found")
    status = chat.status(user_id)
    if status == "creator":
        raise bad_request("can't remove chat owner")
    if user_id == sb.bot_id:
        raise bad_request("can't restrict self")
    if status == "administrator":
        raise bad_request("user is an administrator of the chat")
    return chat, user_id


def ban_chat_member(sb: Sandbox, p: Params, files: Files) -> bool:
    chat, user_id = _restrict_target(sb, p)
    was_present = chat.status(user_id) in PRESENT
    chat.join_requests.pop(user_id, None)
    if chat.status(user_id) != "kicked":
        sb.set_status(chat, user_id, "kicked", actor=sb.bot_id)
    if was_present:
        sb.service(chat, sb.bot_id, left_chat_member=sb.person(user_id).to_json())
    return True


def unban_chat_member(sb: Sandbox, p: Params, files: Files) -> bool:
    chat, user_id = _restrict_target(sb, p)
    status = chat.status(user_id)
    if status == "kicked":
        sb.set_status(chat, user_id, "left", actor=sb.bot_id)
    elif status in PRESENT and not p.flag("only_if_banned"):
        sb.set_status(chat, user_id, "left", actor=sb.bot_id)
        sb.service(chat, sb.bot_id, left_chat_member=sb.person(user_id).to_json())
    return True


def leave_chat(sb: Sandbox, p: Params, files: Files) -> bool:
    chat = sb.bot_chat(p)
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    sb.set_status(chat, sb.bot_id, "left", actor=sb.bot_id)
    return True


METHODS: Mapping[str, Callable[..., Any]] = {
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "createChatInviteLink": create_chat_invite_link,
    "editChatInviteLink": edit_chat_invite_link,
    "revokeChatInviteLink": revoke_chat_invite_link,
    "exportChatInviteLink": export_chat_invite_link,
    "approveChatJoinRequest": approve_chat_join_request,
    "declineChatJoinRequest": decline_chat_join_request,
    "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member,
    "leaveChat": leave_chat,
}
