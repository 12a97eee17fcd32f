"""Joining a sponsorship from an invite link: language, consent, roles (members) or a warm
introduction of the group (the newcomer), then the link to the shared chat."""

from __future__ import annotations

import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import Ctx
from bot.i18n import Lang, resolve_language
from bot.labels import ROLE_LABELS, roles_text
from bot.storage import invites, participants, sponsorships
from bot.storage.participants import Participant
from bot.storage.sponsorships import Sponsorship
from handlers import home

JOIN_KEY = "join"
BAD_LINK_WINDOW = 15 * 60  # seconds
BAD_LINK_LIMIT = 5  # bad links per window before we stop checking for a while


def too_many_bad_links(context: Ctx, user_id: int) -> bool:
    """True while this user has tried too many links that do not work."""
    now = time.monotonic()
    recent = [
        t
        for t in context.bot_data.get("bad_links", {}).get(user_id, [])
        if now - t < BAD_LINK_WINDOW
    ]
    return len(recent) >= BAD_LINK_LIMIT


def note_bad_link(context: Ctx, user_id: int) -> None:
    """Remember a failed link (in memory only: nothing is stored about strangers)."""
    now = time.monotonic()
    attempts: dict[int, list[float]] = context.bot_data.setdefault("bad_links", {})
    attempts[user_id] = [t for t in attempts.get(user_id, []) if now - t < BAD_LINK_WINDOW]
    attempts[user_id].append(now)


def bad_link_text(lang: Lang) -> str:
    """One answer for unknown, expired, used and revoked links alike."""
    return lang.t(
        "This link does not work. Links expire after a while, and some work only "
        "once. Please ask your coordinator for a new link."
    )


def slow_down_text(lang: Lang) -> str:
    """The answer after too many bad links."""
    return lang.t(
        "You tried several links that do not work. Please wait 15 minutes, or ask your "
        "coordinator for a new link."
    )


def chat_link_markup(lang: Lang, link: str) -> InlineKeyboardMarkup:
    """A button that opens the join request for the shared chat."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(lang.t("Join the shared chat"), url=link)]])


def _language_keyboard(context: Ctx, preselected: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == preselected else "") + name, callback_data=f"join:lang:{code}"
        )
        for code, name in context.i18n.choices()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _roles_keyboard(lang: Lang, chosen: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if key in chosen else "") + lang.t(label), callback_data=f"join:role:{key}"
        )
        for key, label in ROLE_LABELS.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(lang.t("Done"), callback_data="join:done")])
    return InlineKeyboardMarkup(rows)


async def start_with_token(update: Update, context: Ctx) -> None:
    """/start TOKEN in a private chat: check the invite, then ask for a language."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = context.lang
    if too_many_bad_links(context, user.id):
        await message.reply_text(slow_down_text(lang))
        return
    token = (context.args or [""])[0]
    invite = await invites.find_valid(context.db, token, ("member", "newcomer"))
    s = await sponsorships.get(context.db, invite.sponsorship_id) if invite else None
    if invite is None or s is None or s.status == "closed":
        note_bad_link(context, user.id)
        await message.reply_text(bad_link_text(lang))
        return
    if await participants.get(context.db, s.id, user.id) is not None:
        text = lang.t("You already take part in {name}.", name=s.name)
        markup = chat_link_markup(lang, s.chat_invite_link) if s.chat_invite_link else None
        await message.reply_text(text, reply_markup=markup)
        return
    default = s.newcomer_language if invite.kind == "newcomer" else context.i18n.group_language
    telegram_language = resolve_language(user.language_code, context.i18n.languages)
    preselected = (
        (context.person.language if context.person else None) or telegram_language or default
    )
    lang = context.i18n.get(preselected)
    assert context.user_data is not None
    context.user_data[JOIN_KEY] = {
        "invite": invite.id,
        "sponsorship": s.id,
        "kind": invite.kind,
        "language": preselected,
        "roles": [],
    }
    await message.reply_text(
        lang.t("Welcome! You are invited to take part in {name}.", name=s.name)
        + "\n\n"
        + lang.t("Which language would you like me to use?"),
        reply_markup=_language_keyboard(context, preselected),
    )


def _consent_text(lang: Lang, kind: str, name: str) -> str:
    if kind == "newcomer":
        stored = lang.t(
            "What I store about you: your first name, your Telegram ID, your language "
            "and the moment you agreed."
        )
    else:
        stored = lang.t(
            "What I store about you: your first name, your Telegram ID, your "
            "language, your roles in the group and the moment you agreed."
        )
    return "\n\n".join(
        [
            lang.t("Before you join {name}:", name=name),
            stored,
            lang.t("Who can see it: your coordinator and the people in this sponsorship."),
            lang.t(
                "You can ask your coordinator at any time to show you this data or to delete it."
            ),
            lang.t("Do you agree?"),
        ]
    )


async def on_button(update: Update, context: Ctx) -> None:
    """Language, consent, roles and done buttons of the join flow."""
    query = update.callback_query
    assert query is not None and query.data is not None
    state = (context.user_data or {}).get(JOIN_KEY)
    s = await sponsorships.get(context.db, state["sponsorship"]) if state else None
    if state is None or s is None:
        await query.answer(
            context.lang.t("This button no longer works. Please open your invite link again."),
            show_alert=True,
        )
        return
    _, action, *rest = query.data.split(":")
    value = rest[0] if rest else ""
    lang = context.i18n.get(state["language"])
    if action == "lang" and value in context.i18n.languages:
        state["language"] = value
        lang = context.i18n.get(value)
        await query.answer()
        await query.edit_message_text(
            _consent_text(lang, state["kind"], s.name),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            lang.t("Yes, I agree"), callback_data="join:consent:yes"
                        ),
                        InlineKeyboardButton(
                            lang.t("No, thank you"), callback_data="join:consent:no"
                        ),
                    ]
                ]
            ),
        )
    elif action == "consent" and value == "no":
        assert context.user_data is not None
        context.user_data.pop(JOIN_KEY, None)
        await query.answer()
        await query.edit_message_text(
            lang.t(
                "That is fine. I have not stored anything about you. "
                "If you change your mind, open the link again."
            )
        )
    elif action == "consent" and value == "yes" and state["kind"] == "newcomer":
        await query.answer()
        await _finish(update, context, s, state)
    elif action == "consent" and value == "yes":
        await query.answer()
        await query.edit_message_text(
            lang.t(
                "Which roles will you take on in the group? Choose one or more, then press Done."
            ),
            reply_markup=_roles_keyboard(lang, state["roles"]),
        )
    elif action == "role" and value in ROLE_LABELS:
        roles: list[str] = state["roles"]
        if value in roles:
            roles.remove(value)
        else:
            roles.append(value)
        await query.answer()
        await query.edit_message_reply_markup(_roles_keyboard(lang, roles))
    elif action == "done":
        if not state["roles"]:
            await query.answer(lang.t("Please choose at least one role."), show_alert=True)
            return
        await query.answer()
        await _finish(update, context, s, state)
    else:
        await query.answer(
            lang.t("This button no longer works. Please open your invite link again."),
            show_alert=True,
        )


async def _finish(update: Update, context: Ctx, s: Sponsorship, state: dict[str, Any]) -> None:
    """Register the person; spend a single-use invite; say welcome; hand over the chat link."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    user = query.from_user
    lang = context.i18n.get(state["language"])
    context.user_data.pop(JOIN_KEY, None)
    if state["kind"] == "newcomer" and not await invites.mark_used(
        context.db, state["invite"], user.id
    ):
        await query.edit_message_text(bad_link_text(lang))
        return
    if state["kind"] == "member" and not await invites.still_valid(context.db, state["invite"]):
        await query.edit_message_text(bad_link_text(lang))
        return
    await participants.join(
        context.db,
        sponsorship_id=s.id,
        person_id=user.id,
        first_name=user.first_name,
        language=lang.code,
        kind=state["kind"],
        roles=tuple(state["roles"]),
    )
    if state["kind"] == "newcomer":
        group = [
            p for p in await participants.of_sponsorship(context.db, s.id) if p.kind == "member"
        ]
        text = _newcomer_welcome(lang, user.first_name, group)
    else:
        text = lang.t(
            "Welcome to {name}! Your roles: {roles}.",
            name=s.name,
            roles=roles_text(lang, state["roles"]),
        )
    if state["kind"] == "newcomer":
        await context.bot.send_message(
            user.id,
            lang.t("Your menu is below. You can always write to me in your language."),
            reply_markup=home.keyboard(lang),
        )
    fresh = await sponsorships.get(context.db, s.id)
    if fresh is not None and fresh.chat_ready and fresh.chat_invite_link:
        text += "\n\n" + lang.t(
            "The shared chat is ready. Press the button to ask to join; I will let you in."
        )
        await query.edit_message_text(
            text, reply_markup=chat_link_markup(lang, fresh.chat_invite_link)
        )
    else:
        text += "\n\n" + lang.t(
            "I will send you the link to the shared chat as soon as it is ready."
        )
        await query.edit_message_text(text)


def _newcomer_welcome(lang: Lang, name: str, group: list[Participant]) -> str:
    lines = [lang.t("Welcome, {name}! We are glad you are here.", name=name), ""]
    if group:
        lines.append(
            lang.t(
                "A group of people from your new town will support you during your "
                "first year. They are volunteers:"
            )
        )
        lines += [
            lang.t("• {name} – {roles}", name=p.first_name, roles=roles_text(lang, p.roles))
            for p in group
        ]
    else:
        lines.append(
            lang.t(
                "A group of people from your new town is getting ready to support "
                "you during your first year. You will meet them soon."
            )
        )
    lines += [
        "",
        lang.t(
            "You decide together what you need. You can always write to me in your own language."
        ),
    ]
    return "\n".join(lines)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the join flow (before onboarding's plain /start)."""
    app.add_handler(
        CommandHandler("start", start_with_token, filters=filters.ChatType.PRIVATE, has_args=True),
        group=group,
    )
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^join:"), group=group)
