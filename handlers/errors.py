"""The one error handler: log the failure (never message text) and answer kindly."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import logs
from bot.context import Ctx

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the error type, where it happened and the frames (no exception message, no text);
    tell the person something short and kind."""
    error = context.error
    if isinstance(update, Update):
        kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "?")
        where = f"update {update.update_id} ({kind})"
    else:
        where = f"job {context.job.name}" if context.job is not None else "a job"
    if error is None:
        log.error("error while handling %s, without an exception", where)
    else:
        # The type, the place and the frames; never the exception's message or arguments,
        # which can quote what someone wrote (bot.logs).
        log.error(
            "error while handling %s at %s: %s\n%s",
            where,
            logs.where(error),
            logs.exception_label(error),
            logs.describe_exception(error),
        )
    if not isinstance(update, Update):
        return
    try:
        text = context.lang.t(
            "Sorry, something went wrong on my side. Please try again in a moment."
        )
    except Exception:  # services not ready: still answer, in English
        text = "Sorry, something went wrong on my side. Please try again in a moment."
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat is not None and update.effective_chat.type == "private":
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about the error in %s", where)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Install the error handler."""
    app.add_error_handler(on_error)
