"""Routes a private message to the flow that is waiting for it; /cancel stops any flow."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import prompts
from bot.context import Ctx

CANCEL_DATA = "cancel"


async def route_input(update: Update, context: Ctx) -> None:
    """Hand the message to the waiting flow; unclaimed messages go on to the fallbacks."""
    state = prompts.waiting(context)
    if state is None:
        return
    callback = prompts.route(context, state["name"])
    if callback is None:
        prompts.stop(context)
        return
    await callback(update, context, state)
    raise ApplicationHandlerStop


async def cancel(update: Update, context: Ctx) -> None:
    """/cancel or the Cancel button: stop waiting."""
    stopped = prompts.stop(context)
    text = (
        context.lang.t("Okay, I stopped. Send /help to see what you can do.")
        if stopped
        else context.lang.t("There is nothing to stop. Send /help to see what you can do.")
    )
    query = update.callback_query
    if query is not None:
        await query.answer()
        if getattr(query.message, "text", None) != text:  # pressed twice: nothing to change
            await query.edit_message_text(text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop  # answered: the features' fallbacks must not answer again


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the router and /cancel in their own group, before the features."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    app.add_handler(MessageHandler(private, route_input), group=group)
    app.add_handler(CommandHandler("cancel", cancel, filters=filters.ChatType.PRIVATE), group=group)
    app.add_handler(CallbackQueryHandler(cancel, pattern=f"^{CANCEL_DATA}$"), group=group)
