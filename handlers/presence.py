"""Whether the bot can reach a person: blocking it marks them unreachable (no retry loop)
until they unblock it or write to it again."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler

from bot.context import Ctx
from bot.storage import people


async def private_membership(update: Update, context: Ctx) -> None:
    """A person blocked or unblocked the bot."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    await people.set_reachable(context.db, change.chat.id, not blocked)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install in its own group, so the shared-chat handler sees group changes too."""
    app.add_handler(
        ChatMemberHandler(private_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=group
    )
