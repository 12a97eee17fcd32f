"""/pause, /resume and /close [ID]: a coordinator stops and starts a sponsorship's check-ins
and reminders, or closes it at the end of the sponsorship year (after a confirmation)."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import checkins, lifecycle
from bot.context import Ctx
from bot.i18n import Lang
from bot.lifecycle import Refused
from bot.storage import sponsorships
from bot.storage.sponsorships import Sponsorship
from handlers.coordinator import Callback, allowed, coordinator_only
from handlers.prompting import CANCEL_DATA

MAX_LISTED = 30
ACTIONS = ("pause", "resume", "close")
_DATA = re.compile(r"^lc:(pause|resume|close|closeok):(\d{1,9})$")


def _eligible(action: str, s: Sponsorship) -> bool:
    if action == "pause":
        return s.status in ("preparing", "active")
    if action == "resume":
        return s.status == "paused"
    return s.status != "closed"


def _refusal(lang: Lang, refused: Refused, s: Sponsorship) -> str:
    if refused is Refused.CLOSED:
        return lang.t("{name} is closed.", name=s.name)
    if refused is Refused.ALREADY_PAUSED:
        return lang.t(
            "{name} is paused already. /resume {id} starts it again.", name=s.name, id=s.id
        )
    return lang.t("{name} is not paused.", name=s.name)


async def _pause(context: Ctx, s: Sponsorship, by: int) -> str:
    lang = context.lang
    refused = await lifecycle.pause(context.db, s, by)
    if refused is not None:
        return _refusal(lang, refused, s)
    return lang.t(
        "{name} is paused: no check-ins and no reminders until you send /resume {id}.",
        name=s.name,
        id=s.id,
    )


async def _resume(context: Ctx, s: Sponsorship, by: int) -> str:
    lang = context.lang
    result = await lifecycle.resume(context.db, s, by)
    if isinstance(result, Refused):
        return _refusal(lang, result, s)
    if result == "preparing":
        return lang.t(
            "{name} is preparing again: check-ins start when the newcomer has joined the shared "
            "chat.",
            name=s.name,
        )
    service = checkins.service(context.application)
    fresh = await sponsorships.get(context.db, s.id)
    assert fresh is not None
    rows = await service.ensure_schedules(fresh)
    group = next(r for r in rows if r.kind == "group")
    when = await service.next_checkin(fresh, group)
    text = lang.t("{name} is running again.", name=s.name)
    if when is None:
        return text + " " + lang.t("Check-ins are paused.")
    return (
        text
        + " "
        + lang.t(
            "Next check-in: {date} at {time}", date=lang.date(when, "full"), time=lang.time(when)
        )
    )


def _confirm_close(lang: Lang, s: Sponsorship) -> tuple[str, InlineKeyboardMarkup]:
    return (
        lang.t(
            "Close {name}? I will thank everyone in the shared chat, send the newcomer the tasks "
            "that are still open, and stop check-ins and reminders. The chat stays as it is.",
            name=s.name,
        ),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(lang.t("Yes, close"), callback_data=f"lc:closeok:{s.id}"),
                    InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA),
                ]
            ]
        ),
    )


async def _close(context: Ctx, s: Sponsorship, by: int) -> str:
    lang = context.lang
    refused = await lifecycle.close(
        context.db, context.i18n, context.services.templates, s, by, context.clock.now()
    )
    if refused is not None:
        return _refusal(lang, refused, s)
    service = checkins.service(context.application)
    await service.close_open(s.id)
    service.outbox.notify()
    return lang.t(
        "{name} is closed. I thanked the group in the shared chat and sent the newcomer the open "
        "tasks. Check-ins and reminders have stopped.",
        name=s.name,
    )


def _command(action: str) -> Callback:
    @coordinator_only
    async def command(update: Update, context: Ctx) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        lang, args = context.lang, list(context.args or [])
        if args:
            if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9:
                await message.reply_text(
                    lang.t(
                        "Please add the number of the sponsorship, for example /{command} 3.",
                        command=action,
                    )
                )
                return
            s = await sponsorships.get(context.db, int(args[0]))
            if s is None:
                await message.reply_text(
                    lang.t(
                        "There is no sponsorship {id}. /sponsorships lists them all.", id=args[0]
                    )
                )
                return
            if action == "close" and s.status != "closed":
                text, keyboard = _confirm_close(lang, s)
                await message.reply_text(text, reply_markup=keyboard)
                return
            handler = {"pause": _pause, "resume": _resume, "close": _close}[action]
            await message.reply_text(await handler(context, s, user.id))
            return
        found = [
            s
            for s in sorted(await sponsorships.list_all(context.db), key=lambda s: s.id)
            if _eligible(action, s)
        ]
        if not found:
            await message.reply_text(
                {
                    "pause": lang.t("There is no sponsorship to pause."),
                    "resume": lang.t("No sponsorship is paused."),
                    "close": lang.t("There is no sponsorship to close."),
                }[action]
            )
            return
        rows = [
            [InlineKeyboardButton(f"{s.id}. {s.name}"[:60], callback_data=f"lc:{action}:{s.id}")]
            for s in found[:MAX_LISTED]
        ]
        rows.append([InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)])
        question = {
            "pause": lang.t("Which sponsorship should pause?"),
            "resume": lang.t("Which sponsorship should start again?"),
            "close": lang.t("Which sponsorship should be closed?"),
        }[action]
        await message.reply_text(question, reply_markup=InlineKeyboardMarkup(rows))

    return command


async def on_button(update: Update, context: Ctx) -> None:
    """lc:ACTION:ID from the chooser, lc:closeok:ID from the confirmation."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    lang = context.lang
    found = _DATA.match(query.data)
    s = await sponsorships.get(context.db, int(found.group(2))) if found else None
    if found is None or s is None:
        await query.answer(
            lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    action, by = found.group(1), query.from_user.id
    await query.answer()
    if action == "close" and s.status != "closed":
        text, keyboard = _confirm_close(lang, s)
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    handler = {"pause": _pause, "resume": _resume, "close": _close, "closeok": _close}[action]
    await query.edit_message_text(await handler(context, s, by))


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /pause, /resume, /close and their buttons."""
    for action in ACTIONS:
        app.add_handler(CommandHandler(action, _command(action)), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^lc:"), group=group)
