"""First contact in a private chat: /start, the language picker, /language and /help."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.commands import Audience, for_audience
from bot.context import Ctx
from bot.i18n import I18n, Lang
from bot.storage import coordinators, people
from handlers import home
from handlers.coordinator import publish_menu

LANG_PREFIX = "lang:"


def language_keyboard(i18n: I18n, current: str | None) -> InlineKeyboardMarkup:
    """Native language names, two to a row, the current one ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == current else "") + name, callback_data=LANG_PREFIX + code
        )
        for code, name in i18n.choices()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def help_text(lang: Lang, audience: Audience = Audience.EVERYONE) -> str:
    """The commands this person can use, in their language."""
    lines = [lang.t("Here is what you can do:")]
    lines += [f"/{c.name} – {lang.t(c.description)}" for c in for_audience(audience)]
    return "\n".join(lines)


async def start(update: Update, context: Ctx) -> None:
    """Greet; a new person chooses a language first."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    lang = context.lang
    if context.person is None:
        text = lang.t(
            "Hello {name}! I am the Samen Hier assistant. I help newcomers and their sponsor "
            "group work together, each in their own language.\n\n"
            "Which language would you like me to use?",
            name=user.first_name,
        )
        await message.reply_text(text, reply_markup=language_keyboard(context.i18n, None))
        return
    audience = await _audience(context, user.id)
    newcomer = await home.is_newcomer(context, user.id)
    await message.reply_text(
        lang.t("Welcome back, {name}!", name=user.first_name) + "\n\n" + help_text(lang, audience),
        reply_markup=home.keyboard(lang) if newcomer else None,
    )


async def choose_language(update: Update, context: Ctx) -> None:
    """/language: show the picker."""
    if update.effective_message is None:
        return
    current = context.person.language if context.person else None
    await update.effective_message.reply_text(
        context.lang.t("Which language would you like me to use?"),
        reply_markup=language_keyboard(context.i18n, current),
    )


async def language_chosen(update: Update, context: Ctx) -> None:
    """A press on the picker: store the language, confirm in it, localise the command menu."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    code = query.data.removeprefix(LANG_PREFIX)
    if code not in context.i18n.languages:
        await query.answer(context.lang.t("This button no longer works. Please send /start again."))
        return
    person = await people.set_language(context.db, query.from_user.id, code)
    lang = context.i18n.get(person.language)
    context.person, context.lang = person, lang
    await query.answer()
    await query.edit_message_text(
        lang.t("From now on I will write to you in {language}.", language=lang.name)
        + "\n\n"
        + help_text(lang, await _audience(context, query.from_user.id))
    )
    is_coordinator = await coordinators.is_coordinator(context.db, query.from_user.id)
    await publish_menu(context, query.from_user.id, is_coordinator)


async def _audience(context: Ctx, user_id: int) -> Audience:
    if await coordinators.is_coordinator(context.db, user_id):
        return Audience.COORDINATOR
    return Audience.EVERYONE


async def show_help(update: Update, context: Ctx) -> None:
    """/help: what this person can do."""
    if update.effective_message is not None and update.effective_user is not None:
        audience = await _audience(context, update.effective_user.id)
        await update.effective_message.reply_text(help_text(context.lang, audience))


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the onboarding handlers (private chats only)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private), group=group)
    app.add_handler(CommandHandler("language", choose_language, filters=private), group=group)
    app.add_handler(CommandHandler("help", show_help, filters=private), group=group)
    app.add_handler(CallbackQueryHandler(language_chosen, pattern=f"^{LANG_PREFIX}"), group=group)
