"""Guards and the loader: drop what we never handle, then resolve the person and language."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import Ctx
from bot.storage import people


async def guard(update: Update, context: Ctx) -> None:
    """Stop updates from other bots, channel posts and edits: nothing of ours answers them."""
    user = update.effective_user
    if update.channel_post or update.edited_channel_post or update.edited_message:
        raise ApplicationHandlerStop
    if user is not None and user.is_bot and update.my_chat_member is None:
        raise ApplicationHandlerStop


async def load(update: Update, context: Ctx) -> None:
    """Attach the registered person (if any) and the language to speak to them in."""
    user = update.effective_user
    if user is None:
        return
    person = await people.get(context.db, user.id)
    if (
        person is not None
        and person.unreachable
        and update.effective_chat is not None
        and update.effective_chat.type == "private"
        and update.my_chat_member is None
    ):
        await people.set_reachable(context.db, user.id, True)  # they wrote to us again
    context.person = person
    context.lang = context.i18n.get(person.language if person else user.language_code)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, guards: int, loader: int) -> None:
    """Install the guard and the loader in their groups."""
    app.add_handler(TypeHandler(Update, guard), group=guards)
    app.add_handler(TypeHandler(Update, load), group=loader)
