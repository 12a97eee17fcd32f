"""Last resort in private chats: unknown commands, plain text and stale buttons get an answer."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import Ctx

MAX_SHOWN_COMMAND = 32


async def unknown_command(update: Update, context: Ctx) -> None:
    """An unknown command in a private chat."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0][:MAX_SHOWN_COMMAND]
    await message.reply_text(
        context.lang.t(
            "I do not know the command {command}. Send /help to see what you can do.",
            command=command,
        )
    )


async def group_command(update: Update, context: Ctx) -> None:
    """An unknown command addressed to the bot by name in a group (/cmd@bot)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    first = message.text.split()[0]
    if not first.lower().endswith(f"@{context.bot.username}".lower()):
        return  # meant for another bot, or for nobody in particular
    await message.reply_text(
        context.lang.t(
            "I do not know the command {command}. In a shared chat you can use /members.",
            command=first.split("@")[0][:MAX_SHOWN_COMMAND],
        )
    )


async def plain_message(update: Update, context: Ctx) -> None:
    """Text, photos, stickers... in a private chat that no feature took."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.lang.t("I understand commands and buttons. Send /help to see what you can do.")
        )


async def stale_button(update: Update, context: Ctx) -> None:
    """A button no handler recognises (old, or forged)."""
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.lang.t("This button no longer works. Please send /start again."),
            show_alert=True,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the fallbacks; register them last in the features' group."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command), group=group)
    app.add_handler(MessageHandler(private & ~filters.COMMAND, plain_message), group=group)
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND
    app.add_handler(MessageHandler(groups, group_command), group=group)
    app.add_handler(CallbackQueryHandler(stale_button), group=group)
