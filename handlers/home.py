"""The newcomer's home menu: a keyboard in their own language for what they use most."""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot import prompts
from bot.context import Ctx
from bot.i18n import N_, Lang
from bot.storage import participants
from handlers import concern, questions, tasks

MY_TASKS = N_("📋 My tasks")
QUESTIONS = N_("❓ Everyday questions")
ASK = N_("💬 Ask my group")
CONCERN = N_("🛟 Talk to the coordinator")
LABELS = (MY_TASKS, QUESTIONS, ASK, CONCERN)


def keyboard(lang: Lang) -> ReplyKeyboardMarkup:
    """The home menu in the reader's language."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(lang.t(MY_TASKS)), KeyboardButton(lang.t(QUESTIONS))],
            [KeyboardButton(lang.t(ASK))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


async def is_newcomer(context: Ctx, user_id: int) -> bool:
    """True for a person who takes part in a sponsorship as its newcomer."""
    return any(p.kind == "newcomer" for p in await participants.of_person(context.db, user_id))


async def on_text(update: Update, context: Ctx) -> None:
    """A press on the home menu (it arrives as text in the person's language)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    lang = context.lang
    chosen = next((label for label in LABELS if lang.t(label) == message.text), None)
    if chosen is None:
        return
    prompts.stop(context)
    if chosen == MY_TASKS:
        context.args = []
        await tasks.show_tasks(update, context)
    elif chosen == QUESTIONS:
        await questions.show_topics(update, context)
    elif chosen == ASK:
        await questions.start_asking(update, context)
    else:
        await concern.start(update, context)
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install before the waiting flows, so the menu always works."""
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(private_text, on_text), group=group)
