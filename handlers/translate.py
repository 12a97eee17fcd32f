"""/translate for anyone, and automatic translation in the shared chat (on or off per
sponsorship, only with the newcomer's consent), inside Telegram's 20 messages a minute."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import relay
from bot.context import Ctx
from bot.i18n import native_name
from bot.messaging import send_private
from bot.storage import coordinators, participants, people, sponsorships
from bot.storage.sponsorships import Sponsorship

MAX_TEXT = 2000
GROUP_BUDGET = 12  # translations a minute per shared chat, leaving room under Telegram's 20
WINDOW = 60.0


async def translate_command(update: Update, context: Ctx) -> None:
    """/translate TEXT: into your language; for the newcomer, into the group language."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = context.lang
    text = message.text.partition(" ")[2].strip() if message.text else ""
    if not text or len(text) > MAX_TEXT:
        await message.reply_text(
            lang.t(
                "Write the text after the command, for example: /translate Waar is het "
                "gemeentehuis?"
            )
        )
        return
    mine = await participants.of_person(context.db, user.id)
    newcomer = next((p for p in mine if p.kind == "newcomer"), None)
    if newcomer is not None:
        source, target = newcomer.language, context.i18n.group_language
    else:
        s = await sponsorships.get(context.db, mine[0].sponsorship_id) if mine else None
        source = s.newcomer_language if s else context.i18n.group_language
        target = lang.code
        if source == target:
            source = context.i18n.group_language
    if await relay.needs_consent(context.services, user.id):
        ask, markup = relay.consent_request(lang, relay.service_name(context.services))
        await message.reply_text(ask, reply_markup=markup)
        return
    result = await relay.translate_for(context.services, user.id, text, source, target)
    await message.reply_text(relay.with_original(lang, result))


async def _may_switch(context: Ctx, user_id: int, s: Sponsorship) -> bool:
    if await coordinators.is_coordinator(context.db, user_id):
        return True
    me = await participants.get(context.db, s.id, user_id)
    return me is not None and me.is_contact


async def autotranslate_command(update: Update, context: Ctx) -> None:
    """/autotranslate on|off, in the shared chat or (coordinators) /autotranslate ID on|off."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    lang = context.lang
    args = [a.lower() for a in context.args or []]
    if chat.type == "private" and args and args[0].isdigit() and len(args[0]) <= 9:
        s = await sponsorships.get(context.db, int(args.pop(0)))
    else:
        s = await sponsorships.by_chat(context.db, chat.id)
    if args not in (["on"], ["off"]) or s is None:
        await message.reply_text(
            lang.t("Send /autotranslate on or /autotranslate off in the shared chat.")
        )
        return
    if not await _may_switch(context, user.id, s):
        await message.reply_text(
            lang.t("Only a coordinator or the group's contact person can switch this.")
        )
        return
    on = args == ["on"]
    await sponsorships.set_auto_translate(context.db, s.id, on, user.id)
    if not on:
        await message.reply_text(lang.t("Automatic translation is off."))
        return
    people_in = await participants.of_sponsorship(context.db, s.id)
    newcomer = next((p for p in people_in if p.kind == "newcomer"), None)
    if newcomer is not None and await relay.needs_consent(context.services, newcomer.person_id):
        theirs = context.i18n.get(newcomer.language)
        ask, markup = relay.consent_request(theirs, relay.service_name(context.services))
        await send_private(context.bot, context.db, newcomer.person_id, ask, reply_markup=markup)
        await message.reply_text(
            lang.t(
                "Automatic translation starts as soon as {person} agrees to machine translation. "
                "I have asked them.",
                person=newcomer.first_name,
            )
        )
        return
    await message.reply_text(
        lang.t(
            "Automatic translation is on: I translate messages between {a} and {b} as replies.",
            a=native_name(context.i18n.group_language),
            b=native_name(s.newcomer_language),
        )
    )


def _budget(context: Ctx, chat_id: int) -> tuple[bool, bool]:
    """(may send, first refusal in this window) for a shared chat's translations."""
    now = time.monotonic()
    sent: dict[int, deque[float]] = context.bot_data.setdefault("auto_sent", {})
    noted: dict[int, float] = context.bot_data.setdefault("auto_noted", {})
    window = sent.setdefault(chat_id, deque())
    while window and now - window[0] > WINDOW:
        window.popleft()
    if len(window) < GROUP_BUDGET:
        window.append(now)
        return True, False
    first = now - noted.get(chat_id, 0.0) > WINDOW
    if first:
        noted[chat_id] = now
        window.append(now)
    return False, first


async def auto_translate(update: Update, context: Ctx) -> None:
    """A text in a shared chat with automatic translation on: reply with the translation."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    s = await sponsorships.by_chat(context.db, message.chat_id)
    if s is None or not s.auto_translate:
        return
    people_in = await participants.of_sponsorship(context.db, s.id)
    writer = next((p for p in people_in if p.person_id == user.id), None)
    newcomer = next((p for p in people_in if p.kind == "newcomer"), None)
    if writer is None or newcomer is None:
        return
    newcomer_person = await people.get(context.db, newcomer.person_id)
    if context.services.translator is None or not context.services.translator.enabled:
        return
    if context.services.translator.is_external and (
        newcomer_person is None or newcomer_person.translate_consent is not True
    ):
        return  # only with the newcomer's consent
    if writer.kind == "newcomer":
        source, target = writer.language, context.i18n.group_language
    else:
        source, target = writer.language, newcomer.language
    if source == target or await relay.needs_consent(context.services, user.id):
        return
    allowed, first_refusal = _budget(context, message.chat_id)
    if not allowed:
        if first_refusal:
            parts = [
                context.i18n.get(code).t(
                    "Many messages at once: I skip translating for a minute. Reply to a message "
                    "with /translate if you need it."
                )
                for code in dict.fromkeys([context.i18n.group_language, s.newcomer_language])
            ]
            await message.reply_text("\n\n".join(parts))
        return
    result = await relay.translate_for(context.services, user.id, message.text, source, target)
    if result.ok and result.text != result.source_text:
        await message.reply_text("🌐 " + context.i18n.get(target).value(result.text))


def register(
    app: Application[Any, Any, Any, Any, Any, Any], *, group: int, auto_group: int
) -> None:
    """Install /translate, /autotranslate and the automatic translation of chat messages."""
    app.add_handler(
        CommandHandler("translate", translate_command, filters=filters.ChatType.PRIVATE),
        group=group,
    )
    app.add_handler(CommandHandler("autotranslate", autotranslate_command), group=group)
    texts = filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(texts, auto_translate), group=auto_group)
