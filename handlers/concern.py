"""/concern: any participant, the newcomer first, privately raises a concern with the
coordinator. It never reaches the group; the coordinator acknowledges it and the person is told,
in their own language."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import prompts
from bot.context import Ctx
from bot.messaging import send_private
from bot.storage import concerns, coordinators, participants, people, sponsorships
from handlers.coordinator import cancel_keyboard

FLOW = "concern"
MAX_CONCERN = 2000


async def start(update: Update, context: Ctx) -> None:
    """/concern (or the menu button): ask what is wrong."""
    user = update.effective_user
    if user is None:
        return
    lang = context.lang
    if context.person is None or not await participants.of_person(context.db, user.id):
        await context.bot.send_message(
            user.id,
            lang.t(
                "You can raise a concern once you take part in a sponsorship. Until then, please "
                "contact the organisation that invited you."
            ),
        )
        return
    prompts.expect(context, FLOW)
    await context.bot.send_message(
        user.id,
        lang.t(
            "What worries you? Write it in your own language. Only the coordinator reads it, "
            "never your group."
        ),
        reply_markup=cancel_keyboard(lang),
    )


async def on_text(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """The concern itself: stored, sent to the coordinators with an Acknowledge button."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = context.lang
    text = (message.text or "").strip()
    if not text or len(text) > MAX_CONCERN:
        await message.reply_text(
            lang.t(
                "Please write your concern as text, in at most {max} characters.", max=MAX_CONCERN
            ),
            reply_markup=cancel_keyboard(lang),
        )
        return
    prompts.stop(context)
    mine = await participants.of_person(context.db, user.id)
    s = await sponsorships.get(context.db, mine[0].sponsorship_id) if mine else None
    concern_id = await concerns.raise_concern(context.db, user.id, s.id if s else None, text)
    targets = await coordinators.all_ids(context.db)
    if s is not None and s.created_by in targets:
        targets = [s.created_by]
    for coordinator_id in targets:
        person = await people.get(context.db, coordinator_id)
        theirs = context.i18n.get(person.language if person else context.i18n.group_language)
        await send_private(
            context.bot,
            context.db,
            coordinator_id,
            "🛟 "
            + theirs.t(
                "{person} ({name}) raised a concern, privately:",
                person=user.first_name,
                name=s.name if s else "–",
            )
            + "\n\n"
            + theirs.value(text),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            theirs.t("Acknowledge"), callback_data=f"cc:ack:{concern_id}"
                        )
                    ]
                ]
            ),
        )
    await message.reply_text(
        lang.t(
            "Thank you for telling me. I passed your concern on to the coordinator, and only to "
            "them. I will tell you when they have read it."
        )
    )


async def acknowledge(update: Update, context: Ctx) -> None:
    """cc:ack:ID: a coordinator acknowledges; the person is told in their language."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = context.lang
    parts = query.data.split(":")
    if not await coordinators.is_coordinator(context.db, query.from_user.id):
        await query.answer(lang.t("Sorry, only coordinators can do this."), show_alert=True)
        return
    concern = (
        await concerns.get(context.db, int(parts[2]))
        if len(parts) == 3 and parts[2].isdigit() and len(parts[2]) <= 12
        else None
    )
    if concern is None:
        await query.answer(lang.t("This concern no longer exists."), show_alert=True)
        return
    if not await concerns.acknowledge(context.db, concern.id, query.from_user.id):
        await query.answer(lang.t("This concern was already acknowledged."), show_alert=True)
        return
    await query.answer(lang.t("Acknowledged. I told the person."))
    await query.edit_message_reply_markup(None)
    person = await people.get(context.db, concern.person_id)
    if person is not None:
        theirs = context.i18n.get(person.language)
        await send_private(
            context.bot,
            context.db,
            person.id,
            theirs.t("The coordinator has read your concern and will contact you."),
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /concern and the Acknowledge button."""
    app.add_handler(CommandHandler("concern", start, filters=filters.ChatType.PRIVATE), group=group)
    app.add_handler(CallbackQueryHandler(acknowledge, pattern=r"^cc:ack:"), group=group)
    prompts.on_input(app, FLOW, on_text)
