"""The one error handler: log the failure (never message text) and answer kindly."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import Ctx

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the error type and where it happened; tell the person something short and kind."""
    error = context.error
    where = f"update {update.update_id}" if isinstance(update, Update) else "a job"
    log.error(
        "error while handling %s: %s",
        where,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
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
