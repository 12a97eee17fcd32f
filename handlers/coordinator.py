"""Coordinators: the admin guard, /coordinator_add and /coordinator_remove."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler

from bot import prompts
from bot.commands import Audience, menu
from bot.context import Ctx
from bot.i18n import Lang
from bot.messaging import send_private
from bot.storage import coordinators, people
from handlers.prompting import CANCEL_DATA

Callback = Callable[[Update, Ctx], Coroutine[Any, Any, None]]


async def allowed(update: Update, context: Ctx) -> bool:
    """True for a coordinator in a private chat; everyone else gets a short refusal."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    refusal: str | None = None
    if not await coordinators.is_coordinator(context.db, user.id):
        refusal = context.lang.t("Sorry, only coordinators can do this.")
    elif chat.type != "private":
        refusal = context.lang.t("Please do this in a private chat with me.")
    if refusal is None:
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    return False


def coordinator_only(callback: Callback) -> Callback:
    """Run the handler only for a coordinator in a private chat."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: Ctx) -> None:
        if await allowed(update, context):
            await callback(update, context)

    return wrapper


def cancel_keyboard(lang: Lang) -> InlineKeyboardMarkup:
    """A single Cancel button."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)]]
    )


async def publish_menu(context: Ctx, user_id: int, coordinator: bool) -> None:
    """Give a coordinator the admin commands in their menu (or take them away)."""
    person = await people.get(context.db, user_id)
    lang = context.i18n.get(person.language if person else context.i18n.group_language)
    audience = Audience.COORDINATOR if coordinator else Audience.EVERYONE
    with contextlib.suppress(BadRequest):  # no chat with the bot yet: the menu follows later
        await context.bot.set_my_commands(menu(lang, audience), scope=BotCommandScopeChat(user_id))


def _target(update: Update) -> int | None:
    """A Telegram user id from a contact, a forwarded message or a number."""
    message = update.effective_message
    if message is None:
        return None
    if message.contact is not None:
        return message.contact.user_id
    if isinstance(message.forward_origin, MessageOriginUser):
        return message.forward_origin.sender_user.id
    text = (message.text or "").strip()
    if text.isdigit() and 0 < len(text) <= 15:
        return int(text)
    return None


async def _ask(update: Update, context: Ctx, action: str) -> None:
    prompts.expect(context, action)
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.lang.t(
                "Forward me a message from the person, share their contact, or send their "
                "Telegram ID (a number)."
            ),
            reply_markup=cancel_keyboard(context.lang),
        )


async def _apply(update: Update, context: Ctx, action: str, target: int) -> None:
    message = update.effective_message
    actor = update.effective_user
    assert message is not None and actor is not None
    lang = context.lang
    if action == "coordinator_add":
        if await coordinators.add(context.db, target, actor.id):
            await message.reply_text(lang.t("{id} is now a coordinator.", id=target))
            await publish_menu(context, target, True)
            theirs = context.i18n.get(context.i18n.group_language)
            await send_private(
                context.bot,
                context.db,
                target,
                theirs.t(
                    "You are now a coordinator of the Samen Hier bot. Send /help to see "
                    "what you can do."
                ),
            )
        else:
            await message.reply_text(lang.t("{id} is already a coordinator.", id=target))
        return
    if target == actor.id and len(await coordinators.all_ids(context.db)) == 1:
        await message.reply_text(lang.t("You are the last coordinator, so you cannot be removed."))
    elif await coordinators.remove(context.db, target, actor.id):
        await message.reply_text(lang.t("{id} is no longer a coordinator.", id=target))
        await publish_menu(context, target, False)
    else:
        await message.reply_text(lang.t("{id} is not a coordinator.", id=target))


def _command(action: str) -> Callback:
    @coordinator_only
    async def command(update: Update, context: Ctx) -> None:
        if not context.args:
            await _ask(update, context, action)
            return
        target = context.args[0] if len(context.args) == 1 else ""
        if not target.isdigit() or len(target) > 15:
            assert update.effective_message is not None
            await update.effective_message.reply_text(
                context.lang.t(
                    "Please send a Telegram ID (a number), for example /{command} 123456789.",
                    command=action,
                )
            )
            return
        await _apply(update, context, action, int(target))

    return command


async def on_input(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """The forwarded message, contact or number a coordinator sent after the prompt."""
    if not await allowed(update, context):
        prompts.stop(context)
        return
    message = update.effective_message
    assert message is not None
    if isinstance(message.forward_origin, MessageOriginHiddenUser):
        await message.reply_text(
            context.lang.t(
                "This person's privacy settings hide who they are. Ask them for their "
                "Telegram ID instead, or share their contact."
            ),
            reply_markup=cancel_keyboard(context.lang),
        )
        return
    target = _target(update)
    if target is None:
        await message.reply_text(
            context.lang.t(
                "I could not find a person in that. Forward a message from them, "
                "share their contact, or send their Telegram ID."
            ),
            reply_markup=cancel_keyboard(context.lang),
        )
        return
    prompts.stop(context)
    await _apply(update, context, state["name"], target)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the coordinator management commands."""
    for action in ("coordinator_add", "coordinator_remove"):
        app.add_handler(CommandHandler(action, _command(action)), group=group)
        prompts.on_input(app, action, on_input)
