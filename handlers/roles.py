"""/roles: the group's contact person (or a coordinator) changes the roles of members."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import Ctx
from bot.i18n import Lang
from bot.labels import ROLE_LABELS, roles_text
from bot.storage import coordinators, participants, sponsorships
from bot.storage.participants import Participant


async def _may_edit(context: Ctx, user_id: int, sponsorship_id: int) -> bool:
    """The contact person of this sponsorship, or any coordinator."""
    if await coordinators.is_coordinator(context.db, user_id):
        return True
    me = await participants.get(context.db, sponsorship_id, user_id)
    return me is not None and me.is_contact


def _member_keyboard(lang: Lang, sponsorship_id: int, members: list[Participant]) -> Any:
    rows = [
        [
            InlineKeyboardButton(
                f"{m.first_name[:30]} – {roles_text(lang, m.roles)}"[:60],
                callback_data=f"roles:pick:{sponsorship_id}:{m.person_id}",
            )
        ]
        for m in members
    ]
    return InlineKeyboardMarkup(rows)


def _roles_keyboard(lang: Lang, member: Participant) -> InlineKeyboardMarkup:
    base = f"roles:t:{member.sponsorship_id}:{member.person_id}"
    buttons = [
        InlineKeyboardButton(
            ("✓ " if key in member.roles else "") + lang.t(label), callback_data=f"{base}:{key}"
        )
        for key, label in ROLE_LABELS.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(lang.t("Done"), callback_data="roles:done")])
    return InlineKeyboardMarkup(rows)


async def roles_command(update: Update, context: Ctx) -> None:
    """/roles [ID]: choose a member whose roles to change."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = context.lang
    args = context.args or []
    if args and args[0].isdigit() and len(args[0]) <= 9:
        candidates = [int(args[0])]
    else:
        mine = await participants.of_person(context.db, user.id)
        candidates = [p.sponsorship_id for p in mine if p.is_contact]
    allowed = [sid for sid in candidates if await _may_edit(context, user.id, sid)]
    if not allowed:
        await message.reply_text(
            lang.t("Only the contact person of a group or a coordinator can change roles.")
        )
        return
    if len(allowed) > 1:
        await message.reply_text(
            lang.t(
                "Please add the number of the sponsorship, for example /roles {id}.", id=allowed[0]
            )
        )
        return
    s = await sponsorships.get(context.db, allowed[0])
    members = [
        p for p in await participants.of_sponsorship(context.db, allowed[0]) if p.kind == "member"
    ]
    if s is None or not members:
        await message.reply_text(lang.t("Nobody has joined yet."))
        return
    await message.reply_text(
        lang.t("Whose roles in {name} do you want to change?", name=s.name),
        reply_markup=_member_keyboard(lang, s.id, members),
    )


async def on_button(update: Update, context: Ctx) -> None:
    """Pick a member, toggle a role (saved at once), or finish."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang = context.lang
    parts = query.data.split(":")
    if parts[1:] == ["done"]:
        await query.answer()
        await query.edit_message_text(lang.t("The roles are saved."))
        return
    ids_ok = len(parts) >= 4 and all(p.isdigit() and len(p) <= 15 for p in parts[2:4])
    if not ids_ok or not await _may_edit(context, query.from_user.id, int(parts[2])):
        await query.answer(
            lang.t("Only the contact person of a group or a coordinator can change roles."),
            show_alert=True,
        )
        return
    member = await participants.get(context.db, int(parts[2]), int(parts[3]))
    if member is None or member.kind != "member":
        await query.answer(
            lang.t("This person is not part of this sponsorship any more."), show_alert=True
        )
        return
    if parts[1] == "t" and len(parts) == 5 and parts[4] in ROLE_LABELS:
        roles = [r for r in member.roles if r != parts[4]]
        if parts[4] not in member.roles:
            roles.append(parts[4])
        await participants.set_roles(
            context.db, member.sponsorship_id, member.person_id, tuple(roles), query.from_user.id
        )
        member = await participants.get(context.db, member.sponsorship_id, member.person_id)
        assert member is not None
    elif parts[1] != "pick":
        await query.answer(
            lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    await query.answer()
    await query.edit_message_text(
        lang.t(
            "Roles of {person}: {roles}",
            person=member.first_name,
            roles=roles_text(lang, member.roles) or "–",
        ),
        reply_markup=_roles_keyboard(lang, member),
    )


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /roles and its buttons."""
    app.add_handler(
        CommandHandler("roles", roles_command, filters=filters.ChatType.PRIVATE), group=group
    )
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^roles:"), group=group)
