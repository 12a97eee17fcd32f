"""/broadcast TEXT: a coordinator's message to the shared chats. The bot shows the text and asks
where it goes (every shared chat, or one municipality's); nothing is sent before a button is
pressed. It then goes through the outbox and the coordinator gets a delivery summary."""

from __future__ import annotations

import re
import secrets
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import broadcasts, checkins
from bot.context import Ctx
from handlers.coordinator import allowed, coordinator_only

DRAFT_KEY = "broadcast_draft"
MAX_MUNICIPALITIES = 12
_COMMAND = re.compile(r"^/broadcast(@\w+)?\s*", re.IGNORECASE)
_DATA = re.compile(r"^bc:(send|cancel):([0-9a-f]{8})(?::(all|\d{1,3}))?$")


def _stale(context: Ctx) -> str:
    return context.lang.t("This button no longer works. Please start again.")


@coordinator_only
async def broadcast(update: Update, context: Ctx) -> None:
    """/broadcast TEXT: show the text and the choice of chats."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    lang = context.lang
    text = _COMMAND.sub("", message.text_html or "", count=1).strip()
    if not text:
        await message.reply_text(
            lang.t(
                "Write the message after the command, for example: /broadcast The municipality "
                "office is closed on Monday."
            )
        )
        return
    if len(text) > broadcasts.MAX_TEXT:
        await message.reply_text(
            lang.t(
                "That message is too long. Please keep it under {max} characters.",
                max=broadcasts.MAX_TEXT,
            )
        )
        return
    everywhere = await broadcasts.targets(context.db)
    if not everywhere:
        await message.reply_text(lang.t("There is no shared chat to send to yet."))
        return
    places = (await broadcasts.municipalities(context.db))[:MAX_MUNICIPALITIES]
    token = secrets.token_hex(4)
    context.user_data[DRAFT_KEY] = {"token": token, "text": text, "places": [m for m, _ in places]}
    rows = [
        [
            InlineKeyboardButton(
                lang.t("Send to all shared chats ({n})", n=len(everywhere)),
                callback_data=f"bc:send:{token}:all",
            )
        ]
    ]
    if len(places) > 1:
        rows += [
            [
                InlineKeyboardButton(
                    lang.t("Only {municipality} ({n})", municipality=m, n=n)[:60],
                    callback_data=f"bc:send:{token}:{i}",
                )
            ]
            for i, (m, n) in enumerate(places)
        ]
    rows.append([InlineKeyboardButton(lang.t("Cancel"), callback_data=f"bc:cancel:{token}")])
    await message.reply_text(
        lang.t("<b>Broadcast to the shared chats</b>")
        + "\n\n"
        + text
        + "\n\n"
        + lang.t(
            "Each chat gets it with a short heading in the group's and the newcomer's language. "
            "Where should it go? Nothing is sent before you choose."
        ),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def on_button(update: Update, context: Ctx) -> None:
    """bc:send:TOKEN:CHOICE or bc:cancel:TOKEN."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    if not await allowed(update, context):
        return
    lang = context.lang
    found = _DATA.match(query.data)
    draft = context.user_data.get(DRAFT_KEY)
    if found is None or draft is None or draft.get("token") != found.group(2):
        await query.answer(_stale(context), show_alert=True)
        return
    action, choice = found.group(1), found.group(3)
    if action == "cancel":
        context.user_data.pop(DRAFT_KEY, None)
        await query.answer()
        await query.edit_message_text(lang.t("Okay, nothing was sent."))
        return
    municipality: str | None = None
    if choice != "all":
        places: list[str] = draft["places"]
        if choice is None or int(choice) >= len(places):
            await query.answer(_stale(context), show_alert=True)
            return
        municipality = places[int(choice)]
    context.user_data.pop(DRAFT_KEY, None)  # a second press sends nothing
    service = checkins.service(context.application)
    _, count = await broadcasts.send(
        context.db,
        context.i18n,
        by=query.from_user.id,
        text=draft["text"],
        municipality=municipality,
        now=context.clock.now(),
    )
    service.outbox.notify()
    broadcasts.watch(context.application)
    await query.answer()
    await query.edit_message_text(
        lang.t(
            "Sending to {n} shared chats. I will tell you when it is done.",
            n=count,
        )
        + "\n\n"
        + draft["text"]
    )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /broadcast and its buttons."""
    app.add_handler(CommandHandler("broadcast", broadcast), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^bc:"), group=group)
