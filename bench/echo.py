"""The yardstick: a bare python-telegram-bot echo bot, polling like the real bot does.

    python -m bench.echo --token TOKEN --base-url http://127.0.0.1:PORT

It answers what the real bot answers, in the same shape and with the same number of calls, and
does nothing else: a command in a private chat gets one message (with two buttons, so there is
something to press), a button press is answered and its message edited, a plain message in a
group gets nothing (the real bot only reads it when automatic translation is off). No database,
no catalogs, no rate limiter, no job queue: what is left is the framework and the HTTP calls.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("A", callback_data="echo:a"),
            InlineKeyboardButton("B", callback_data="echo:b"),
        ]
    ]
)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo a command back, with two buttons."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(f"echo: {message.text[:100]}", reply_markup=KEYBOARD)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain message in a group: read, no answer (the real bot with auto-translate off)."""


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit its message (new text each time: Telegram refuses no-op edits)."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(
        f"pressed {query.data} ({update.update_id})", reply_markup=KEYBOARD
    )


def build(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """A minimal Application against `base_url` (the sandbox's root URL)."""
    base = base_url.rstrip("/")
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base + "/bot")
        .base_file_url(base + "/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, on_command))
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, on_group_text)
    )
    app.add_handler(CallbackQueryHandler(on_button))
    return app


def main(argv: list[str] | None = None) -> int:
    """Run the echo bot until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.echo", description=__doc__)
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True, help="the sandbox's root URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    build(args.token, args.base_url).run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
