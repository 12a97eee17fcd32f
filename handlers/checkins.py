"""Check-ins: answers in the shared chat and in private, notes, alerts marked handled, and
/checkins, where a coordinator or the group's contact person sets day, time and rhythm."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import prompts, scheduling
from bot.checkins import Refusal, View, day_name, rhythm_text, service, time_text
from bot.context import Ctx
from bot.i18n import Lang
from bot.labels import STATUS_LABELS
from bot.messaging import send_private
from bot.storage import checkins as store
from bot.storage import coordinators, participants, sponsorships
from bot.storage.sponsorships import Sponsorship
from handlers.coordinator import allowed

NOTE_FLOW = "checkin_note"
# Replies to the check-in are read in a handler group of their own, after the features, so that
# a feature reading the shared chat still gets every message.
REPLIES_AFTER_FEATURES = 5
MAX_LISTED = 30
TIMES = tuple(f"{h:02d}:00" for h in range(8, 22))
_DIGITS = re.compile(r"^\d{1,12}$")


def _refusal_text(lang: Lang, refusal: Refusal) -> str:
    if refusal is Refusal.CLOSED:
        return lang.t("This check-in is closed.")
    if refusal is Refusal.NOT_MEMBER:
        return lang.t("Only the members of this sponsor group answer this check-in.")
    if refusal is Refusal.NEWCOMER:
        return lang.t("This question is for the sponsor group. I ask you privately.")
    return lang.t("This button no longer works. Please send /start again.")


async def _show(update: Update, view: View) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(view.text, reply_markup=view.keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


# -- answers ---------------------------------------------------------------------------------


async def on_answer(update: Update, context: Ctx) -> None:
    """ci:g:OCCURRENCE:VALUE in the shared chat, ci:n:OCCURRENCE:VALUE in private."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    lang = context.lang
    parts = query.data.split(":")
    if len(parts) != 4 or not _DIGITS.match(parts[2]):
        await query.answer(_refusal_text(lang, Refusal.STALE), show_alert=True)
        return
    where, occurrence_id, value = parts[1], int(parts[2]), parts[3]
    checkins = service(context.application)
    result: View | Refusal
    if where == "g" and value in ("0", "1", "2", "3", "4"):
        result = await checkins.answer_group(
            occurrence_id, query.message.chat.id, query.from_user.id, int(value)
        )
    elif (
        where == "n" and value in ("1", "2", "3", "4", "t") and query.message.chat.type == "private"
    ):
        answer = None if value == "t" else int(value)
        result = await checkins.answer_newcomer(occurrence_id, query.from_user.id, answer)
        if not isinstance(result, Refusal) and answer is not None:
            prompts.expect(context, NOTE_FLOW, occurrence=occurrence_id)
    else:
        result = Refusal.STALE
    if isinstance(result, Refusal):
        await query.answer(_refusal_text(lang, result), show_alert=True)
        return
    if where == "g":
        await query.answer(
            lang.t("Thank you! Your answer is saved. You can change it until the check-in closes.")
        )
    else:
        await query.answer()
    await _show(update, result)


async def on_note(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """The newcomer's note after answering."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = context.lang
    if not message.text:
        await message.reply_text(
            lang.t("Please write your note as text, or send /cancel."),
        )
        return
    prompts.stop(context)
    result = await service(context.application).newcomer_note(
        int(state["occurrence"]), user.id, message.text
    )
    if isinstance(result, Refusal):
        await message.reply_text(_refusal_text(lang, result))
        return
    await message.reply_text(lang.t("Thank you. I passed your note on to the coordinator."))


async def on_group_reply(update: Update, context: Ctx) -> None:
    """A member replies to the check-in in the shared chat: the reply is their note."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None or not message.text:
        return
    replied = message.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    s = await service(context.application).group_note(
        message.chat_id, replied.message_id, user.id, message.text
    )
    if s is not None:
        await send_private(
            context.bot,
            context.db,
            user.id,
            context.lang.t(
                "Thank you, I saved your note with the check-in of {name}. The coordinator will "
                "see it.",
                name=s.name,
            ),
        )


async def on_handled(update: Update, context: Ctx) -> None:
    """ci:h:ALERT: a coordinator marks an alert handled."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    raw = query.data.split(":")[-1]
    result: View | Refusal = Refusal.STALE
    if _DIGITS.match(raw):
        result = await service(context.application).handle_alert(
            int(raw), query.from_user.id, query.from_user.first_name, context.lang
        )
    if isinstance(result, Refusal):
        await query.answer(_refusal_text(context.lang, result), show_alert=True)
        return
    await query.answer()
    await _show(update, result)


# -- /checkins -------------------------------------------------------------------------------


async def _may_change(context: Ctx, user_id: int, sponsorship_id: int) -> bool:
    """A coordinator, or the contact person of this sponsorship."""
    if await coordinators.is_coordinator(context.db, user_id):
        return True
    me = await participants.get(context.db, sponsorship_id, user_id)
    return me is not None and me.is_contact


def _not_allowed(lang: Lang) -> str:
    return lang.t("Only a coordinator or the group's contact person can change the check-ins.")


async def _card(context: Ctx, s: Sponsorship, note: str | None = None) -> View:
    lang = context.lang
    checkins = service(context.application)
    rows = await checkins.ensure_schedules(s)
    group = next(r for r in rows if r.kind == "group")
    at = scheduling.parse_time(group.local_time)
    if group.rhythm == "auto":
        today = checkins.clock.now().astimezone(checkins.tz).date()
        current = scheduling.rhythm_on(checkins.schedule(group, s), today)
        rhythm = lang.t("automatic, now {rhythm}", rhythm=rhythm_text(lang, current, group.weekday))
    else:
        rhythm = rhythm_text(lang, group.rhythm, group.weekday)
    lines = [
        lang.t("<b>Check-ins of {name}</b>", name=s.name),
        lang.t(
            "Day and time: {day} at {time}",
            day=day_name(lang, group.weekday),
            time=time_text(lang, at),
        ),
        lang.t("Rhythm: {rhythm}", rhythm=rhythm),
    ]
    if group.paused:
        lines.append(lang.t("Check-ins are paused."))
    elif s.status != "active":
        lines.append(
            lang.t(
                "Check-ins start when the sponsorship is active (now: {status}).",
                status=lang.t(STATUS_LABELS[s.status]),
            )
        )
    else:
        when = await checkins.next_checkin(s, group)
        if when is not None:
            lines.append(
                lang.t(
                    "Next check-in: {date} at {time}",
                    date=lang.date(when, "full"),
                    time=lang.time(when),
                )
            )
    lines.append(
        lang.t(
            "The group gets a check-in in the shared chat, the newcomer a private one in their own "
            "language. Automatic rhythm: every week for the first 3 months after arrival, every 2 "
            "weeks until month 6, then every month."
        )
    )
    if note:
        lines.append("")
        lines.append(note)
    base = f"ci:s:{s.id}"
    pause = (
        InlineKeyboardButton(lang.t("Resume"), callback_data=f"{base}:resume")
        if group.paused
        else InlineKeyboardButton(lang.t("Pause"), callback_data=f"{base}:pause")
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(lang.t("Day"), callback_data=f"{base}:day"),
                InlineKeyboardButton(lang.t("Time"), callback_data=f"{base}:time"),
            ],
            [InlineKeyboardButton(lang.t("Rhythm"), callback_data=f"{base}:rhythm"), pause],
            [InlineKeyboardButton(lang.t("Done"), callback_data=f"{base}:done")],
        ]
    )
    return View("\n".join(lines), keyboard)


def _picker(lang: Lang, s: Sponsorship, what: str, weekday: int) -> View:
    base = f"ci:s:{s.id}"
    back = [InlineKeyboardButton(lang.t("Back"), callback_data=f"{base}:show")]
    if what == "day":
        buttons = [
            InlineKeyboardButton(day_name(lang, d), callback_data=f"{base}:setday:{d}")
            for d in range(7)
        ]
        rows = [buttons[i : i + 2] for i in range(0, 7, 2)]
        question = lang.t("On which day should the check-ins be?")
    elif what == "time":
        buttons = [
            InlineKeyboardButton(
                time_text(lang, scheduling.parse_time(t)),
                callback_data=f"{base}:settime:{t.replace(':', '')}",
            )
            for t in TIMES
        ]
        rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
        question = lang.t("At what time?")
    else:
        rows = [[InlineKeyboardButton(lang.t("Automatic"), callback_data=f"{base}:setrhythm:auto")]]
        rows += [
            [
                InlineKeyboardButton(
                    rhythm_text(lang, r, weekday), callback_data=f"{base}:setrhythm:{r}"
                )
            ]
            for r in ("weekly", "biweekly", "monthly")
        ]
        question = lang.t("How often?")
    return View(question, InlineKeyboardMarkup([*rows, back]))


async def checkins_command(update: Update, context: Ctx) -> None:
    """/checkins [ID]: the check-in settings of a sponsorship."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    lang = context.lang
    if chat.type != "private":
        await message.reply_text(lang.t("Please do this in a private chat with me."))
        return
    args = context.args or []
    if args and _DIGITS.match(args[0]):
        candidates = [int(args[0])]
    elif await coordinators.is_coordinator(context.db, user.id):
        candidates = [s.id for s in await sponsorships.list_all(context.db) if s.status != "closed"]
    else:
        mine = await participants.of_person(context.db, user.id)
        candidates = [p.sponsorship_id for p in mine if p.is_contact]
    permitted = [sid for sid in candidates if await _may_change(context, user.id, sid)]
    found = [s for sid in permitted if (s := await sponsorships.get(context.db, sid)) is not None]
    if not found:
        await message.reply_text(_not_allowed(lang))
        return
    if len(found) > 1:
        rows = [
            [InlineKeyboardButton(f"{s.id}. {s.name}"[:60], callback_data=f"ci:s:{s.id}:show")]
            for s in found[:MAX_LISTED]
        ]
        await message.reply_text(
            lang.t("Which sponsorship's check-ins?"), reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    view = await _card(context, found[0])
    await message.reply_text(view.text, reply_markup=view.keyboard)


async def on_settings(update: Update, context: Ctx) -> None:
    """ci:s:ID:ACTION[:VALUE]; every press checks again who may change what."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = context.lang
    parts = query.data.split(":")
    s = None
    if len(parts) >= 4 and _DIGITS.match(parts[2]):
        s = await sponsorships.get(context.db, int(parts[2]))
    if s is None or not await _may_change(context, query.from_user.id, s.id):
        await query.answer(_not_allowed(lang), show_alert=True)
        return
    action, value = parts[3], parts[4] if len(parts) == 5 else ""
    now, by = context.clock.now(), query.from_user.id
    note: str | None = None
    if action in ("day", "time", "rhythm") and not value:
        await query.answer()
        rows = await service(context.application).ensure_schedules(s)
        weekday = next(r.weekday for r in rows if r.kind == "group")
        await _show(update, _picker(lang, s, action, weekday))
        return
    if action == "done":
        await query.answer()
        await query.edit_message_text(lang.t("The check-in settings are saved."))
        return
    if action == "setday" and value in tuple("0123456"):
        await store.change(context.db, s.id, by=by, now=now, weekday=int(value))
        note = lang.t("Saved.")
    elif action == "settime" and f"{value[:2]}:{value[2:]}" in TIMES:
        await store.change(context.db, s.id, by=by, now=now, local_time=f"{value[:2]}:{value[2:]}")
        note = lang.t("Saved.")
    elif action == "setrhythm" and value in scheduling.RHYTHMS:
        await store.change(context.db, s.id, by=by, now=now, rhythm=value)
        note = lang.t("Saved.")
    elif action in ("pause", "resume"):
        await store.change(context.db, s.id, by=by, now=now, paused=action == "pause")
        note = (
            lang.t("Check-ins are paused.")
            if action == "pause"
            else lang.t("Check-ins are running again.")
        )
    elif action != "show":
        await query.answer(_refusal_text(lang, Refusal.STALE), show_alert=True)
        return
    await query.answer()
    await _show(update, await _card(context, s, note))


class _ReplyToBot(filters.MessageFilter):
    """A text reply to a message of a bot (ours is checked in the handler)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(
            message.text and replied is not None and replied.from_user and replied.from_user.is_bot
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the check-in handlers (before the fallbacks)."""
    app.add_handler(CommandHandler("checkins", checkins_command), group=group)
    app.add_handler(CallbackQueryHandler(on_answer, pattern=r"^ci:[gn]:"), group=group)
    app.add_handler(CallbackQueryHandler(on_handled, pattern=r"^ci:h:"), group=group)
    app.add_handler(CallbackQueryHandler(on_settings, pattern=r"^ci:s:"), group=group)
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & _ReplyToBot() & ~filters.COMMAND, on_group_reply),
        group=group + REPLIES_AFTER_FEATURES,
    )
    prompts.on_input(app, NOTE_FLOW, on_note)
