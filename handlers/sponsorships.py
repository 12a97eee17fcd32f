"""Coordinators set up and look after sponsorships: /new_sponsorship, /sponsorships,
/sponsorship ID, invite links, revoking them, removing a participant."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import desk, prompts
from bot.context import Ctx
from bot.i18n import Lang, native_name
from bot.labels import STATUS_LABELS, roles_text
from bot.messaging import remove_from_chat, send_private
from bot.storage import invites, participants, sponsorships, tasks
from bot.storage.sponsorships import Sponsorship
from handlers.coordinator import allowed, cancel_keyboard, coordinator_only
from handlers.prompting import CANCEL_DATA
from handlers.tasks import template_tasks

FLOW = "new_sponsorship"
ARRIVAL_FLOW = "arrival_date"
MAX_NAME = 80
MAX_LISTED = 30
# The rights the bot asks for when it is added to a group from the startgroup link.
ADMIN_RIGHTS = "invite_users+restrict_members+delete_messages+pin_messages"
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")


def parse_arrival(text: str, today: date) -> date | None:
    """A typed arrival date (15-01-2027, 15/1/2027, 2027-01-15), within a sensible range."""
    cleaned = re.sub(r"\s+", "", text)
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if today - timedelta(days=366) <= day <= today + timedelta(days=3 * 366):
            return day
        return None
    return None


def _card(lang: Lang, s: Sponsorship, people: list[participants.Participant]) -> str:
    arrival = lang.date(s.arrival_date) if s.arrival_date else lang.t("not yet known")
    if s.flag == "bot_removed":
        chat = lang.t("needs attention: I was removed from the chat")
    elif s.chat_id is None:
        chat = lang.t("not linked yet")
    elif not s.chat_ready:
        chat = lang.t("linked, but I am missing admin rights")
    else:
        chat = lang.t("linked")
    lines = [
        lang.t("<b>Sponsorship {id}: {name}</b>", id=s.id, name=s.name),
        lang.t("Municipality: {municipality}", municipality=s.municipality),
        lang.t("Newcomer language: {language}", language=native_name(s.newcomer_language)),
        lang.t("Expected arrival: {date}", date=arrival),
        lang.t("Status: {status}", status=lang.t(STATUS_LABELS[s.status])),
        lang.t("Shared chat: {state}", state=chat),
    ]
    if people:
        lines.append(lang.t("Participants:"))
        for p in people:
            what = lang.t("newcomer") if p.kind == "newcomer" else roles_text(lang, p.roles)
            lines.append(lang.t("• {name} – {roles}", name=p.first_name, roles=what))
    else:
        lines.append(lang.t("Nobody has joined yet."))
    return "\n".join(lines)


def _card_keyboard(lang: Lang, s: Sponsorship) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(lang.t("New invite links"), callback_data=f"sp:links:{s.id}"),
                InlineKeyboardButton(
                    lang.t("Revoke open links"), callback_data=f"sp:revoke:{s.id}"
                ),
            ],
            [
                InlineKeyboardButton(
                    lang.t("Remove a participant"), callback_data=f"sp:people:{s.id}"
                ),
                InlineKeyboardButton(
                    lang.t("Set the arrival date"), callback_data=f"sp:arrival:{s.id}"
                ),
            ],
        ]
    )


async def _links_text(context: Ctx, s: Sponsorship, by: int) -> str:
    """Fresh invite links for a sponsorship (tokens exist only in this message)."""
    cfg, lang, bot = context.config.invites, context.lang, context.bot.username
    member, member_until = await invites.create(
        context.db, s.id, "member", cfg.member_days, single_use=False, by=by
    )
    newcomer, newcomer_until = await invites.create(
        context.db, s.id, "newcomer", cfg.newcomer_days, single_use=True, by=by
    )
    parts = [
        lang.t(
            "Invite link for the members of the sponsor group (valid until {date}):",
            date=lang.date(member_until),
        ),
        f"https://t.me/{bot}?start={member}",
        "",
        lang.t(
            "Invite link for the newcomer (works once, valid until {date}):",
            date=lang.date(newcomer_until),
        ),
        f"https://t.me/{bot}?start={newcomer}",
    ]
    if s.chat_id is None:
        group, group_until = await invites.create(
            context.db, s.id, "group", cfg.group_days, single_use=True, by=by
        )
        parts += [
            "",
            lang.t(
                "Add me to a new group for the shared chat (valid until {date}):",
                date=lang.date(group_until),
            ),
            f"https://t.me/{bot}?startgroup={group}&amp;admin={ADMIN_RIGHTS}",
            lang.t("Or add me to an existing group and send this there:"),
            f"<code>/link {group}</code>",
        ]
    parts += ["", lang.t("Send each link only to the person it is meant for.")]
    return "\n".join(parts)


@coordinator_only
async def new_sponsorship(update: Update, context: Ctx) -> None:
    """/new_sponsorship: start the step-by-step set-up."""
    prompts.expect(context, FLOW, step="name", draft={})
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.lang.t(
            "Let's set up a new sponsorship. What is its name? For example: Kralingen – family A."
        ),
        reply_markup=cancel_keyboard(context.lang),
    )


async def _ask_municipality(update: Update, context: Ctx, draft: dict[str, Any]) -> None:
    known = await sponsorships.municipalities(context.db)
    draft["known"] = known
    rows = [[InlineKeyboardButton(m, callback_data=f"ns:muni:{i}")] for i, m in enumerate(known)]
    rows.append([InlineKeyboardButton(context.lang.t("Cancel"), callback_data=CANCEL_DATA)])
    prompts.expect(context, FLOW, step="municipality", draft=draft)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.lang.t("Which municipality? Type its name or choose one below."),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _ask_language(update: Update, context: Ctx, draft: dict[str, Any]) -> None:
    buttons = [
        InlineKeyboardButton(name, callback_data=f"ns:lang:{code}")
        for code, name in context.i18n.choices()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(context.lang.t("Cancel"), callback_data=CANCEL_DATA)])
    prompts.expect(context, FLOW, step="language", draft=draft)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.lang.t("Which language does the newcomer household speak?"),
        reply_markup=InlineKeyboardMarkup(rows),
    )


def _arrival_question(lang: Lang) -> tuple[str, InlineKeyboardMarkup]:
    return (
        lang.t(
            'When is the expected arrival? Send a date like 15-01-2027, or press "Not yet known".'
        ),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(lang.t("Not yet known"), callback_data="ns:arrival:none")],
                [InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)],
            ]
        ),
    )


async def on_input(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """Typed answers during /new_sponsorship."""
    if not await allowed(update, context):
        prompts.stop(context)
        return
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    lang, step, draft = context.lang, state["step"], state["draft"]
    if step in ("name", "municipality") and not 2 <= len(text) <= MAX_NAME:
        await message.reply_text(
            lang.t("Please send a name of 2 to {max} characters.", max=MAX_NAME),
            reply_markup=cancel_keyboard(lang),
        )
    elif step == "name":
        # No trailing full stop: the name often ends a sentence ("Welcome to {name}!").
        draft["name"] = " ".join(text.split()).rstrip(" .")
        await _ask_municipality(update, context, draft)
    elif step == "municipality":
        draft["municipality"] = " ".join(text.split())
        await _ask_language(update, context, draft)
    elif step == "arrival":
        arrival = parse_arrival(text, datetime.now(context.lang.tz).date())
        if arrival is None:
            question, keyboard = _arrival_question(lang)
            await message.reply_text(
                lang.t("I could not read that date.") + " " + question, reply_markup=keyboard
            )
            return
        draft["arrival"] = arrival.isoformat()
        await _ask_plan(update, context, draft)
    else:
        await message.reply_text(lang.t("Please choose one of the buttons."))


async def on_button(update: Update, context: Ctx) -> None:
    """Buttons during /new_sponsorship: municipality, language, arrival not yet known."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    state = prompts.waiting(context)
    _, field, value = [*query.data.split(":", 2), "", ""][:3]  # forged data: too few parts
    expected = {
        "muni": "municipality",
        "lang": "language",
        "arrival": "arrival",
        "plan": "plan",
    }.get(field)
    if state is None or state.get("name") != FLOW or state.get("step") != expected:
        await query.answer(
            context.lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    draft = state["draft"]
    await query.answer()
    if field == "muni":
        known = draft.get("known", [])
        if not value.isdigit() or int(value) >= len(known):
            return
        draft["municipality"] = known[int(value)]
        await query.edit_message_reply_markup(None)
        await _ask_language(update, context, draft)
    elif field == "lang":
        if value not in context.i18n.languages:
            return
        draft["language"] = value
        question, keyboard = _arrival_question(context.lang)
        prompts.expect(context, FLOW, step="arrival", draft=draft)
        await query.edit_message_text(question, reply_markup=keyboard)
    elif field == "arrival":
        draft["arrival"] = None
        await query.edit_message_reply_markup(None)
        await _ask_plan(update, context, draft)
    else:
        if value != "-" and value not in context.services.templates:
            return
        draft["template"] = None if value == "-" else value
        await query.edit_message_reply_markup(None)
        await _create(update, context, draft)


async def _ask_plan(update: Update, context: Ctx, draft: dict[str, Any]) -> None:
    lang = context.lang
    templates = context.services.templates
    first = context.config.tasks.default_template
    ordered = sorted(templates.values(), key=lambda t: (t.id != first, t.id))
    rows = [
        [InlineKeyboardButton(t.name_in(lang.code)[:60], callback_data=f"ns:plan:{t.id}")]
        for t in ordered
    ]
    rows.append([InlineKeyboardButton(lang.t("No plan"), callback_data="ns:plan:-")])
    prompts.expect(context, FLOW, step="plan", draft=draft)
    user = update.effective_user
    assert user is not None
    await context.bot.send_message(
        user.id,
        lang.t(
            "Which settlement plan should the group start with? Its tasks get due dates "
            "from the arrival date."
        ),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _create(update: Update, context: Ctx, draft: dict[str, Any]) -> None:
    prompts.stop(context)
    user = update.effective_user
    assert user is not None
    s = await sponsorships.create(
        context.db,
        name=draft["name"],
        municipality=draft["municipality"],
        newcomer_language=draft["language"],
        arrival_date=date.fromisoformat(draft["arrival"]) if draft.get("arrival") else None,
        created_by=user.id,
        template_id=draft.get("template"),
    )
    if s.template_id is not None:
        await tasks.add_many(
            context.db, s.id, template_tasks(context, s.template_id, s.arrival_date), user.id
        )
    await context.bot.send_message(
        user.id, _card(context.lang, s, []), reply_markup=_card_keyboard(context.lang, s)
    )
    await context.bot.send_message(user.id, await _links_text(context, s, user.id))


@coordinator_only
async def list_sponsorships(update: Update, context: Ctx) -> None:
    """/sponsorships: every sponsorship with its status."""
    lang = context.lang
    assert update.effective_message is not None
    items = await sponsorships.list_all(context.db)
    if not items:
        await update.effective_message.reply_text(
            lang.t("There are no sponsorships yet. Start one with /new_sponsorship.")
        )
        return
    lines = [lang.t("<b>Sponsorships</b>")]
    for s in items[:MAX_LISTED]:
        lines.append(
            lang.t(
                "{id}. {name} – {municipality} – {status}",
                id=s.id,
                name=s.name,
                municipality=s.municipality,
                status=lang.t(STATUS_LABELS[s.status]),
            )
        )
    if len(items) > MAX_LISTED:
        lines.append(
            lang.t("…and {n} more. Use /sponsorship ID to open one.", n=len(items) - MAX_LISTED)
        )
    buttons = [
        InlineKeyboardButton(f"{s.id}. {s.name}"[:60], callback_data=f"sp:show:{s.id}")
        for s in items[:MAX_LISTED]
    ]
    await update.effective_message.reply_text(
        "\n".join(lines),
        reply_markup=InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]),
    )


@coordinator_only
async def show_sponsorship(update: Update, context: Ctx) -> None:
    """/sponsorship ID: the card with its actions."""
    assert update.effective_message is not None
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9:
        await update.effective_message.reply_text(
            context.lang.t(
                "Please add the number of the sponsorship, for example /sponsorship 3. "
                "/sponsorships lists them all."
            )
        )
        return
    await _show(update, context, int(args[0]))


async def _show(update: Update, context: Ctx, sponsorship_id: int) -> None:
    s = await sponsorships.get(context.db, sponsorship_id)
    lang = context.lang
    user = update.effective_user
    assert user is not None
    if s is None:
        await context.bot.send_message(
            user.id,
            lang.t(
                "There is no sponsorship {id}. /sponsorships lists them all.", id=sponsorship_id
            ),
        )
        return
    people = await participants.of_sponsorship(context.db, s.id)
    today = context.clock.now().astimezone(context.config.tz).date()
    members = sum(1 for p in people if p.kind == "member")
    more = await desk.detail(
        context.db, lang, s, members, context.services.templates, today, user.id
    )
    await context.bot.send_message(
        user.id, desk.fit([_card(lang, s, people), *more]), reply_markup=_card_keyboard(lang, s)
    )


async def on_card_button(update: Update, context: Ctx) -> None:
    """Card actions; every press re-checks that a coordinator presses it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    parts = query.data.split(":")
    lang = context.lang
    if len(parts) < 3 or not all(p.isdigit() and len(p) <= 12 for p in parts[2:]):
        await query.answer(
            lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    action, sponsorship_id = parts[1], int(parts[2])
    s = await sponsorships.get(context.db, sponsorship_id)
    if s is None:
        await query.answer(lang.t("This sponsorship does not exist any more."), show_alert=True)
        return
    user_id = query.from_user.id
    if action == "show":
        await query.answer()
        await _show(update, context, s.id)
    elif action == "links":
        await query.answer()
        await context.bot.send_message(user_id, await _links_text(context, s, user_id))
    elif action == "revoke":
        count = await invites.revoke_all(context.db, s.id, user_id)
        await query.answer(
            lang.tn("{n} open link revoked.", "{n} open links revoked.", count), show_alert=True
        )
    elif action == "people":
        await query.answer()
        await _choose_participant(context, s, user_id)
    elif action == "arrival":
        await query.answer()
        prompts.expect(context, ARRIVAL_FLOW, sponsorship=s.id)
        await context.bot.send_message(
            user_id,
            lang.t(
                "Send the arrival date of the household for {name}, for example 15-01-2027.",
                name=s.name,
            ),
            reply_markup=cancel_keyboard(lang),
        )
    elif action in ("rm", "rmok") and len(parts) == 4:
        await _remove(update, context, s, int(parts[3]), confirmed=action == "rmok")
    else:
        await query.answer(
            lang.t("This button no longer works. Please start again."), show_alert=True
        )


async def _choose_participant(context: Ctx, s: Sponsorship, user_id: int) -> None:
    lang = context.lang
    people = await participants.of_sponsorship(context.db, s.id)
    if not people:
        await context.bot.send_message(user_id, lang.t("Nobody has joined yet."))
        return
    rows = [
        [InlineKeyboardButton(p.first_name[:40], callback_data=f"sp:rm:{s.id}:{p.person_id}")]
        for p in people
    ]
    rows.append([InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)])
    await context.bot.send_message(
        user_id,
        lang.t("Who should no longer take part in {name}?", name=s.name),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _remove(
    update: Update, context: Ctx, s: Sponsorship, person_id: int, *, confirmed: bool
) -> None:
    query = update.callback_query
    assert query is not None
    lang = context.lang
    person = await participants.get(context.db, s.id, person_id)
    if person is None:
        await query.answer(
            lang.t("This person is not part of this sponsorship any more."), show_alert=True
        )
        return
    await query.answer()
    if not confirmed:
        await query.edit_message_text(
            lang.t(
                "Remove {person} from {name}? They will also be removed from the shared chat.",
                person=person.first_name,
                name=s.name,
            ),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            lang.t("Yes, remove"), callback_data=f"sp:rmok:{s.id}:{person_id}"
                        ),
                        InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA),
                    ]
                ]
            ),
        )
        return
    await participants.remove(context.db, s.id, person_id, query.from_user.id)
    if s.chat_id is not None and s.chat_ready:
        await remove_from_chat(context.bot, s.chat_id, person_id)
    await query.edit_message_text(
        lang.t("{person} no longer takes part in {name}.", person=person.first_name, name=s.name)
    )
    theirs = context.i18n.get(person.language)
    await send_private(
        context.bot,
        context.db,
        person_id,
        theirs.t(
            "You no longer take part in {name}. If you think this is a mistake, please "
            "contact your coordinator.",
            name=s.name,
        ),
    )


async def on_arrival_input(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """The arrival date typed after "Set the arrival date": the plan gets its due dates."""
    if not await allowed(update, context):
        prompts.stop(context)
        return
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = context.lang
    arrival = parse_arrival(message.text or "", datetime.now(lang.tz).date())
    if arrival is None:
        await message.reply_text(
            lang.t("I could not read that date.")
            + " "
            + lang.t("Send the arrival date of the household, for example 15-01-2027."),
            reply_markup=cancel_keyboard(lang),
        )
        return
    prompts.stop(context)
    await sponsorships.set_arrival(context.db, state["sponsorship"], arrival, user.id)
    await tasks.set_arrival(context.db, state["sponsorship"], arrival)
    await message.reply_text(
        lang.t(
            "The arrival date is now {date}. The tasks of the plan have their due dates.",
            date=lang.date(arrival),
        )
    )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the sponsorship commands and buttons."""
    app.add_handler(CommandHandler("new_sponsorship", new_sponsorship), group=group)
    app.add_handler(CommandHandler("sponsorships", list_sponsorships), group=group)
    app.add_handler(CommandHandler("sponsorship", show_sponsorship), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^ns:"), group=group)
    app.add_handler(CallbackQueryHandler(on_card_button, pattern=r"^sp:"), group=group)
    prompts.on_input(app, FLOW, on_input)
    prompts.on_input(app, ARRIVAL_FLOW, on_arrival_input)
