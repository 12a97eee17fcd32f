"""Everyday questions in the newcomer's language (/questions), "Ask my group" with the question
posted in the shared chat (original + machine translation), answers relayed back privately, and
"this translation is unclear"."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import faq, prompts, relay
from bot.context import Ctx
from bot.i18n import Lang
from bot.messaging import send_chat, send_private
from bot.storage import participants, people, questions, sponsorships
from bot.storage.participants import Participant
from handlers.coordinator import cancel_keyboard

ASK_FLOW = "ask_group"
MAX_QUESTION = 1000
PENDING_KEY = "pending_question"


def topics_keyboard(lang: Lang) -> InlineKeyboardMarkup:
    """One button per topic, two to a row, and "Ask my group"."""
    buttons = [
        InlineKeyboardButton(
            f"{t.emoji} {faq.text_in(t.title, lang.code)}", callback_data=f"faq:t:{t.key}"
        )
        for t in faq.load_topics()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton("💬 " + lang.t("Ask my group"), callback_data="faq:ask")])
    return InlineKeyboardMarkup(rows)


async def show_topics(update: Update, context: Ctx) -> None:
    """/questions: the everyday topics."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.lang.t("Everyday questions. Choose a topic:"),
            reply_markup=topics_keyboard(context.lang),
        )


async def on_faq_button(update: Update, context: Ctx) -> None:
    """faq:t:TOPIC, faq:q:TOPIC:QUESTION, faq:home, faq:ask."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = context.lang
    parts = query.data.split(":")
    if parts[1] == "ask":
        await query.answer()
        await start_asking(update, context)
        return
    if parts[1] == "home":
        await query.answer()
        await query.edit_message_text(
            lang.t("Everyday questions. Choose a topic:"), reply_markup=topics_keyboard(lang)
        )
        return
    topic = faq.topic_by_key(parts[2]) if len(parts) > 2 else None
    if topic is None:
        await query.answer(
            lang.t("This button no longer works. Please send /questions again."), show_alert=True
        )
        return
    back = [
        InlineKeyboardButton("⬅️ " + lang.t("All topics"), callback_data="faq:home"),
        InlineKeyboardButton("💬 " + lang.t("Ask my group"), callback_data="faq:ask"),
    ]
    if parts[1] == "t":
        rows = [
            [
                InlineKeyboardButton(
                    faq.text_in(q.question, lang.code)[:60],
                    callback_data=f"faq:q:{topic.key}:{q.key}",
                )
            ]
            for q in topic.questions
        ]
        await query.answer()
        await query.edit_message_text(
            f"{topic.emoji} <b>{lang.value(faq.text_in(topic.title, lang.code))}</b>",
            reply_markup=InlineKeyboardMarkup([*rows, back]),
        )
        return
    question = topic.question(parts[3]) if len(parts) > 3 else None
    if question is None:
        await query.answer(
            lang.t("This button no longer works. Please send /questions again."), show_alert=True
        )
        return
    await query.answer()
    await query.edit_message_text(
        "<b>"
        + lang.value(faq.text_in(question.question, lang.code))
        + "</b>\n\n"
        + lang.value(faq.text_in(question.answer, lang.code)),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        f"⬅️ {topic.emoji} " + faq.text_in(topic.title, lang.code)[:40],
                        callback_data=f"faq:t:{topic.key}",
                    )
                ],
                back,
            ]
        ),
    )


async def _newcomer_self(context: Ctx, user_id: int) -> Participant | None:
    mine = await participants.of_person(context.db, user_id)
    return next((p for p in mine if p.kind == "newcomer"), None)


async def start_asking(update: Update, context: Ctx) -> None:
    """Ask my group: wait for the newcomer's question."""
    user = update.effective_user
    assert user is not None
    lang = context.lang
    me = await _newcomer_self(context, user.id)
    if me is None:
        await context.bot.send_message(
            user.id, lang.t("You can ask your question in the shared chat of your group.")
        )
        return
    prompts.expect(context, ASK_FLOW)
    await context.bot.send_message(
        user.id,
        lang.t(
            "Write your question in your own language. I will post it in your shared chat "
            "with a translation, and send you the answers here."
        ),
        reply_markup=cancel_keyboard(lang),
    )


async def on_question(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """The question the newcomer wrote after "Ask my group"."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = context.lang
    text = (message.text or "").strip()
    if not text or len(text) > MAX_QUESTION:
        await message.reply_text(
            lang.t(
                "Please write your question as text, in at most {max} characters.", max=MAX_QUESTION
            ),
            reply_markup=cancel_keyboard(lang),
        )
        return
    prompts.stop(context)
    if await relay.needs_consent(context.services, user.id):
        person = await people.get(context.db, user.id)
        if person is None or person.translate_consent is None:
            assert context.user_data is not None
            context.user_data[PENDING_KEY] = text
            ask, markup = relay.consent_request(lang, relay.service_name(context.services))
            await message.reply_text(ask, reply_markup=markup)
            return
    await post_question(update, context, text)


async def post_question(update: Update, context: Ctx, text: str) -> None:
    """Post the question in the shared chat: translation for the group, and the original."""
    user = update.effective_user
    assert user is not None
    lang = context.lang
    me = await _newcomer_self(context, user.id)
    s = await sponsorships.get(context.db, me.sponsorship_id) if me else None
    if me is None or s is None or s.chat_id is None or not s.chat_ready:
        await context.bot.send_message(
            user.id,
            lang.t(
                "Your shared chat is not ready yet, so I could not post your question. Please try "
                "again later."
            ),
        )
        return
    group = context.i18n.get(context.i18n.group_language)
    result = await relay.translate_for(context.services, user.id, text, me.language, group.code)
    body = (
        "❓ <b>"
        + group.t("Question from {person}", person=me.first_name)
        + "</b>\n\n"
        + relay.with_original(group, result)
    )
    posted = await send_chat(
        context.bot,
        context.db,
        s.chat_id,
        body,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        group.t("This translation is unclear"), callback_data="q:unclear"
                    )
                ]
            ]
        ),
    )
    if posted is None:
        await context.bot.send_message(
            user.id,
            lang.t(
                "I could not reach your shared chat. Please try again later, or tell your "
                "coordinator."
            ),
        )
        return
    await questions.add(context.db, s.id, user.id, posted.chat_id, posted.message_id)
    await context.bot.send_message(
        user.id,
        lang.t(
            "I posted your question in your shared chat. When someone answers, I will send the "
            "answer to you here."
        ),
    )


async def relay_answer(update: Update, context: Ctx) -> None:
    """A reply in the shared chat to a posted question goes to the newcomer, translated."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    replied = message.reply_to_message
    question = await questions.by_message(context.db, message.chat_id, replied.message_id)
    if question is None or not message.text:
        return  # not an answer to a question: other features may want it
    member = await participants.get(context.db, question.sponsorship_id, user.id)
    newcomer = await participants.get(context.db, question.sponsorship_id, question.person_id)
    if member is None or newcomer is None:
        raise ApplicationHandlerStop
    theirs = context.i18n.get(newcomer.language)
    result = await relay.translate_for(
        context.services, user.id, message.text, member.language, newcomer.language
    )
    sent = await send_private(
        context.bot,
        context.db,
        newcomer.person_id,
        "💬 <b>"
        + theirs.t("{person} answered your question:", person=member.first_name)
        + "</b>\n\n"
        + relay.with_original(theirs, result),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        theirs.t("This translation is unclear"),
                        callback_data=f"q:unclear:{question.id}",
                    )
                ]
            ]
        ),
    )
    lang = context.lang
    note = (
        lang.t("✓ Passed on to {person}.", person=newcomer.first_name)
        if sent
        else lang.t(
            "I could not pass this on to {person}: they cannot be reached.",
            person=newcomer.first_name,
        )
    )
    await message.reply_text(note)
    if result.note == relay.NO_CONSENT and user.id not in context.bot_data.setdefault(
        "consent_asked", set()
    ):
        context.bot_data["consent_asked"].add(user.id)
        ask, markup = relay.consent_request(lang, relay.service_name(context.services))
        await send_private(context.bot, context.db, user.id, ask, reply_markup=markup)
    raise ApplicationHandlerStop


async def unclear(update: Update, context: Ctx) -> None:
    """q:unclear (on the question in the chat) or q:unclear:ID (on an answer the newcomer got)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = context.lang
    parts = query.data.split(":")
    if len(parts) == 3:
        question = (
            await questions.get(context.db, int(parts[2]))
            if parts[2].isdigit() and len(parts[2]) <= 12
            else None
        )
    elif query.message is not None:
        question = await questions.by_message(
            context.db, query.message.chat.id, query.message.message_id
        )
    else:
        question = None
    s = await sponsorships.get(context.db, question.sponsorship_id) if question else None
    allowed = s is not None and await participants.get(context.db, s.id, query.from_user.id)
    if question is None or s is None or not allowed or s.chat_id is None:
        await query.answer(lang.t("This button no longer works."), show_alert=True)
        return
    parts_out = []
    for code in dict.fromkeys([context.i18n.group_language, s.newcomer_language]):
        theirs = context.i18n.get(code)
        parts_out.append(
            theirs.t(
                "{person} says a machine translation here is unclear. Could someone say it again "
                "in short, simple words?",
                person=query.from_user.first_name,
            )
        )
    await send_chat(
        context.bot,
        context.db,
        s.chat_id,
        "\n\n".join(parts_out),
        reply_to_message_id=question.message_id,
        allow_sending_without_reply=True,
    )
    await query.answer(lang.t("Thank you. I asked the group to explain it more simply."))


async def on_consent(update: Update, context: Ctx) -> None:
    """tc:yes / tc:no: the person's answer about machine translation of their text."""
    query = update.callback_query
    assert query is not None and query.data is not None
    yes = query.data == "tc:yes"
    user = query.from_user
    lang = context.lang
    if context.person is None:
        await query.answer(lang.t("This button no longer works."), show_alert=True)
        return
    await people.set_translate_consent(context.db, user.id, yes)
    await query.answer()
    await query.edit_message_text(
        lang.t("Thank you. I will translate your messages.")
        if yes
        else lang.t("Okay. I will not send your text to a translation service.")
    )
    pending = (context.user_data or {}).pop(PENDING_KEY, None)
    if pending is not None:
        await post_question(update, context, pending)


def register(
    app: Application[Any, Any, Any, Any, Any, Any], *, group: int, relay_group: int
) -> None:
    """Install /questions, the buttons, the question flow and the answer relay."""
    app.add_handler(
        CommandHandler("questions", show_topics, filters=filters.ChatType.PRIVATE), group=group
    )
    app.add_handler(CallbackQueryHandler(on_faq_button, pattern=r"^faq:"), group=group)
    app.add_handler(CallbackQueryHandler(unclear, pattern=r"^q:unclear"), group=group)
    app.add_handler(CallbackQueryHandler(on_consent, pattern=r"^tc:(yes|no)$"), group=group)
    replies = filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(replies, relay_answer), group=relay_group)
    prompts.on_input(app, ASK_FLOW, on_question)
