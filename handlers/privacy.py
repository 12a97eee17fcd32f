"""/privacy: what is stored about the person, who sees it, which outside services see which
text, how long it is kept; /mydata exports it as a file; /forget erases it after a confirmation.
Consent to machine translation is given or withdrawn here too."""

from __future__ import annotations

import json
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update, User
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import privacy, relay
from bot.context import Ctx
from bot.storage import coordinators

MYDATA_FILE = "samenhier-mydata.json"


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
        lang.t(
            "Also stored: your check-in answers and notes (only the coordinator sees them), "
            "tasks you wrote or took on (your sponsorship sees them) and concerns you raised "
            "(only the coordinator). Questions you ask the group are not stored, only where "
            "they were posted."
        ),
        lang.t(
            "How long: until {days} days after your sponsorship ends, or until you ask me to "
            "forget you.",
            days=context.config.privacy.retention_days,
        ),
        lang.t("Outside services: Telegram carries every message."),
    ]
    translator = context.services.translator
    rows = [
        [
            InlineKeyboardButton("📄 " + lang.t("My data"), callback_data="pv:mydata"),
            InlineKeyboardButton("🗑 " + lang.t("Forget me"), callback_data="pv:forget"),
        ]
    ]
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
            rows.append(
                [
                    InlineKeyboardButton(lang.t("Allow translation"), callback_data="tc:yes"),
                    InlineKeyboardButton(lang.t("Stop translation"), callback_data="tc:no"),
                ]
            )
    markup = InlineKeyboardMarkup(rows) if context.person is not None else None
    if context.person is None:
        lines.append(lang.t("I store nothing about you yet."))
    await message.reply_text("\n\n".join(lines), reply_markup=markup)


async def _known_person(update: Update, context: Ctx) -> User | None:
    """The person behind a command or button, when the bot stores something about them;
    otherwise they are told there is nothing (and None is returned)."""
    user = update.effective_user
    if user is None:
        return None
    if update.callback_query is not None:
        await update.callback_query.answer()
    if context.person is None:
        await context.bot.send_message(user.id, context.lang.t("I store nothing about you yet."))
        return None
    return user


async def send_my_data(update: Update, context: Ctx) -> None:
    """/mydata or the button: every record about the person, as a JSON file."""
    user = await _known_person(update, context)
    if user is None:
        return
    lang = context.lang
    data = await privacy.export(context.db, user.id)
    blob = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(
        user.id,
        InputFile(blob, filename=MYDATA_FILE),
        caption=lang.t("Everything I store about you."),
    )


async def ask_forget(update: Update, context: Ctx) -> None:
    """/forget or the button: explain and ask for a confirmation."""
    user = await _known_person(update, context)
    if user is None:
        return
    lang = context.lang
    await context.bot.send_message(
        user.id,
        "\n\n".join(
            [
                lang.t(
                    "This deletes everything I store about you: your profile, your answers and "
                    "notes, tasks you wrote, concerns, and messages waiting for you. Answers "
                    "stay only as anonymous numbers in the statistics."
                ),
                lang.t(
                    "You stay in your shared chat on Telegram until you leave it yourself. "
                    "This cannot be undone. Are you sure?"
                ),
            ]
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(lang.t("Yes, forget me"), callback_data="pv:forget:yes"),
                    InlineKeyboardButton(lang.t("Cancel"), callback_data="cancel"),
                ]
            ]
        ),
    )


async def forget(update: Update, context: Ctx) -> None:
    """pv:forget:yes: erase."""
    query = update.callback_query
    assert query is not None
    user = query.from_user
    lang = context.lang
    if context.person is None:
        await query.answer(lang.t("I store nothing about you yet."), show_alert=True)
        return
    ids = await coordinators.all_ids(context.db)
    if ids == [user.id]:
        await query.answer(
            lang.t("You are the last coordinator. Add another coordinator first."), show_alert=True
        )
        return
    await privacy.forget(context.db, user.id)
    if context.user_data is not None:
        context.user_data.clear()
    await query.answer()
    await query.edit_message_text(
        lang.t(
            "Done: I have deleted what I stored about you. If you send /start, you begin again as "
            "a new person."
        )
    )


async def on_button(update: Update, context: Ctx) -> None:
    """pv:mydata, pv:forget, pv:forget:yes."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data == "pv:mydata":
        await send_my_data(update, context)
    elif query.data == "pv:forget":
        await ask_forget(update, context)
    elif query.data == "pv:forget:yes":
        await forget(update, context)
    else:
        await query.answer(context.lang.t("This button no longer works."), show_alert=True)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /privacy, /mydata, /forget and their buttons."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("privacy", show_privacy, filters=private), group=group)
    app.add_handler(CommandHandler("mydata", send_my_data, filters=private), group=group)
    app.add_handler(CommandHandler("forget", ask_forget, filters=private), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^pv:"), group=group)
