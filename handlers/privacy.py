"""/privacy: what is stored about the person and who sees it; consent to machine translation,
given or withdrawn with one button."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot import relay
from bot.context import Ctx


async def show_privacy(update: Update, context: Ctx) -> None:
    """/privacy in a private chat."""
    message = update.effective_message
    if message is None:
        return
    lang = context.lang
    lines = [
        lang.t("<b>Your privacy</b>"),
        lang.t(
            "What I store about you: your first name, your Telegram ID, your language, your "
            "roles in a sponsorship and when you agreed. Your coordinator and the people in "
            "your sponsorship can see it."
        ),
    ]
    translator = context.services.translator
    markup = None
    if translator is None or not translator.is_external:
        lines.append(lang.t("Machine translation: none of your text leaves Samen Hier."))
    else:
        person = context.person
        consent = person.translate_consent if person else None
        state = {
            True: lang.t("allowed"),
            False: lang.t("not allowed"),
            None: lang.t("not asked yet"),
        }[consent]
        lines.append(
            lang.t(
                "Machine translation of your messages by {service}: {state}.",
                service=relay.service_name(context.services),
                state=state,
            )
        )
        if person is not None:
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(lang.t("Allow translation"), callback_data="tc:yes"),
                        InlineKeyboardButton(lang.t("Stop translation"), callback_data="tc:no"),
                    ]
                ]
            )
    await message.reply_text("\n\n".join(lines), reply_markup=markup)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /privacy."""
    app.add_handler(
        CommandHandler("privacy", show_privacy, filters=filters.ChatType.PRIVATE), group=group
    )
