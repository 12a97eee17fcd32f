"""The shared chat: linking a group, checking the bot's rights, letting in only participants,
the bilingual welcome, /members, supergroup migration and the bot being removed."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, ChatMemberAdministrator, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import Ctx
from bot.i18n import N_, bilingual
from bot.labels import roles_text
from bot.messaging import remove_from_chat, send_chat, send_private, tell_coordinators
from bot.storage import coordinators, invites, participants, sponsorships
from bot.storage.sponsorships import Sponsorship
from handlers.joining import (
    bad_link_text,
    chat_link_markup,
    note_bad_link,
    slow_down_text,
    too_many_bad_links,
)

log = logging.getLogger(__name__)

GROUPS = filters.ChatType.GROUPS
UNLINKED_GRACE_SECONDS = 10 * 60  # how long the bot waits for a link before leaving a group
REQUIRED_RIGHTS: dict[str, str] = {
    "can_invite_users": N_("Invite users via link"),
    "can_restrict_members": N_("Ban users"),
    "can_delete_messages": N_("Delete messages"),
    "can_pin_messages": N_("Pin messages"),
}


def _languages(context: Ctx, s: Sponsorship | None) -> list[str]:
    """The shared chat speaks the group language and the newcomer's language."""
    second = s.newcomer_language if s is not None else "en"
    return [context.i18n.group_language, second]


async def _say(
    context: Ctx, chat_id: int, s: Sponsorship | None, message: str, **values: Any
) -> None:
    await send_chat(
        context.bot,
        context.db,
        chat_id,
        bilingual(context.i18n, _languages(context, s), message, **values),
    )


async def missing_rights(context: Ctx, chat_id: int) -> list[str] | None:
    """The admin rights the bot lacks in a chat (None when it is not in the chat at all)."""
    try:
        me = await context.bot.get_chat_member(chat_id, context.bot.id)
    except (BadRequest, Forbidden):
        return None
    if me.status == ChatMember.OWNER:
        return []
    if not isinstance(me, ChatMemberAdministrator):
        return list(REQUIRED_RIGHTS)
    return [right for right in REQUIRED_RIGHTS if not getattr(me, right, False)]


async def _is_member(context: Ctx, chat_id: int, user_id: int) -> bool:
    """True when the person is in the chat already (for instance, they created it)."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        return False
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def make_ready(context: Ctx, s: Sponsorship, chat_id: int) -> bool:
    """Check the rights; when complete, create the join-request link and hand it out."""
    missing = await missing_rights(context, chat_id)
    if missing is None:
        return False
    if missing:
        names = {}
        for code in _languages(context, s):
            lang = context.i18n.get(code)
            names[code] = lang.list(lang.t(REQUIRED_RIGHTS[r]) for r in missing)
        text = "\n\n".join(
            context.i18n.get(code).t(
                "I need these admin rights to keep this chat safe: {rights}. Please make me an "
                "administrator with them; I will check again by myself.",
                rights=names[code],
            )
            for code in dict.fromkeys(_languages(context, s))
        )
        await send_chat(context.bot, context.db, chat_id, text)
        return False
    link = await context.bot.create_chat_invite_link(
        chat_id, name=s.name[:32], creates_join_request=True
    )
    await sponsorships.set_chat_ready(context.db, s.id, link.invite_link)
    await _say(
        context,
        chat_id,
        s,
        N_("This chat now belongs to {name}. I let in only the people of this sponsorship."),
        name=s.name,
    )
    for p in await participants.of_sponsorship(context.db, s.id):
        if p.in_chat or await _is_member(context, chat_id, p.person_id):
            await participants.set_in_chat(context.db, s.id, p.person_id, True)
            continue
        lang = context.i18n.get(p.language)
        await send_private(
            context.bot,
            context.db,
            p.person_id,
            lang.t(
                "The shared chat of {name} is ready. Press the button to ask to join; I will "
                "let you in.",
                name=s.name,
            ),
            reply_markup=chat_link_markup(lang, link.invite_link),
        )
    return True


async def _link(update: Update, context: Ctx, token: str, *, from_link: bool) -> None:
    """Tie this group to the sponsorship of a group token (from the startgroup link, used by
    whoever was given it, or /link, by a coordinator or the contact person)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    assert chat is not None and user is not None and message is not None
    lang = context.lang
    if too_many_bad_links(context, user.id):
        await message.reply_text(slow_down_text(lang))
        return
    invite = await invites.find_valid(context.db, token, ("group",))
    s = await sponsorships.get(context.db, invite.sponsorship_id) if invite else None
    if invite is None or s is None or s.status == "closed":
        note_bad_link(context, user.id)
        await message.reply_text(bad_link_text(lang))
        return
    owner = await sponsorships.by_chat(context.db, chat.id)
    if owner is not None and owner.id != s.id:
        await message.reply_text(lang.t("This chat already belongs to another sponsorship."))
        return
    if s.chat_id is not None and s.chat_id != chat.id:
        await message.reply_text(lang.t("{name} already has a shared chat.", name=s.name))
        return
    if owner is None:
        allowed = await coordinators.is_coordinator(context.db, user.id)
        contact = await participants.get(context.db, s.id, user.id)
        if not (from_link or allowed or (contact is not None and contact.is_contact)):
            await message.reply_text(
                lang.t("Only a coordinator or the group's contact person can link this chat.")
            )
            return
        if not await sponsorships.claim_chat(context.db, s.id, chat.id, user.id):
            await message.reply_text(lang.t("This chat already belongs to another sponsorship."))
            return
        await invites.mark_used(context.db, invite.id, user.id)
    s = await sponsorships.get(context.db, s.id)
    assert s is not None
    await make_ready(context, s, chat.id)


async def group_start(update: Update, context: Ctx) -> None:
    """/start@bot TOKEN after the startgroup link, or a bare /start in a group."""
    if context.args:
        await _link(update, context, context.args[0], from_link=True)
        return
    await _unlinked_hint(update, context)


async def link_command(update: Update, context: Ctx) -> None:
    """/link CODE in a group: link it; /link alone re-checks a linked chat's rights."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if context.args:
        await _link(update, context, context.args[0], from_link=False)
        return
    s = await sponsorships.by_chat(context.db, chat.id)
    if s is None:
        await _unlinked_hint(update, context)
    elif not s.chat_ready:
        await make_ready(context, s, chat.id)
    else:
        await message.reply_text(
            bilingual(
                context.i18n,
                _languages(context, s),
                N_("This chat already belongs to {name}."),
                name=s.name,
            )
        )


async def _unlinked_hint(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    s = await sponsorships.by_chat(context.db, chat.id)
    if s is not None:
        await _say(
            context,
            chat.id,
            s,
            N_("This chat belongs to {name}. /members shows who is who."),
            name=s.name,
        )
        return
    await _say(
        context,
        chat.id,
        None,
        N_(
            "I work only in chats that a Samen Hier coordinator set up. A coordinator can link "
            "this chat with /link and the code from the sponsorship's card."
        ),
    )


async def my_membership(update: Update, context: Ctx) -> None:
    """The bot was added, promoted, demoted or removed in a group."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if chat.type == "private":
        return
    was_in = change.old_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    is_in = change.new_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED)
    s = await sponsorships.by_chat(context.db, chat.id)
    if s is None:
        if is_in and not was_in and context.job_queue is not None:
            context.job_queue.run_once(
                leave_if_unlinked,  # type: ignore[arg-type]  # PTB types jobs with the default context
                UNLINKED_GRACE_SECONDS,
                chat_id=chat.id,
                name=f"leave-unlinked:{chat.id}",
            )
        return
    if was_in and not is_in:
        await sponsorships.set_flag(context.db, s.id, "bot_removed")
        await tell_coordinators(
            context.bot,
            context.db,
            context.i18n,
            N_(
                "I was removed from the shared chat of {name}. Nobody can be let in until I am "
                "back: please add me again as an administrator."
            ),
            owner=s.created_by,
            name=s.name,
        )
    elif is_in and (not s.chat_ready or s.flag == "bot_removed"):
        await make_ready(context, s, chat.id)


async def leave_if_unlinked(context: Ctx) -> None:
    """Job: leave a group that nobody linked to a sponsorship in time."""
    job = context.job
    if job is None or job.chat_id is None:
        return
    if await sponsorships.by_chat(context.db, job.chat_id) is not None:
        return
    await _say(
        context,
        job.chat_id,
        None,
        N_("Nobody linked this chat to a sponsorship, so I am leaving it. Goodbye!"),
    )
    try:
        await context.bot.leave_chat(job.chat_id)
    except TelegramError:
        log.warning("could not leave chat %d", job.chat_id)


async def join_request(update: Update, context: Ctx) -> None:
    """Approve participants of this chat's sponsorship; decline and report everyone else."""
    request = update.chat_join_request
    assert request is not None
    user = request.from_user
    s = await sponsorships.by_chat(context.db, request.chat.id)
    participant = await participants.get(context.db, s.id, user.id) if s else None
    if s is not None and participant is not None:
        await request.approve()
        return
    await request.decline()
    if s is not None:
        await tell_coordinators(
            context.bot,
            context.db,
            context.i18n,
            N_(
                "{person} (Telegram ID {id}) asked to join the shared chat of {name} but is not "
                "part of it. I declined the request."
            ),
            owner=s.created_by,
            person=user.first_name,
            id=user.id,
            name=s.name,
        )


async def members_joined(update: Update, context: Ctx) -> None:
    """Mark participants as in the chat; welcome the newcomer; remove anyone else."""
    message = update.effective_message
    assert message is not None
    s = await sponsorships.by_chat(context.db, message.chat_id)
    if s is None:
        return
    for user in message.new_chat_members:
        if user.id == context.bot.id:
            continue
        p = await participants.get(context.db, s.id, user.id)
        if p is None:
            if await coordinators.is_coordinator(context.db, user.id):
                continue
            await remove_from_chat(context.bot, message.chat_id, user.id)
            await tell_coordinators(
                context.bot,
                context.db,
                context.i18n,
                N_(
                    "{person} (Telegram ID {id}) was added to the shared chat of {name} without "
                    "being part of it. I removed them."
                ),
                owner=s.created_by,
                person=user.first_name,
                id=user.id,
                name=s.name,
            )
            continue
        await participants.set_in_chat(context.db, s.id, user.id, True)
        if p.kind == "newcomer":
            if s.status == "preparing":
                await sponsorships.set_status(context.db, s.id, "active", None)
            await _welcome(context, s, p.first_name)


async def _welcome(context: Ctx, s: Sponsorship, newcomer: str) -> None:
    group = [p for p in await participants.of_sponsorship(context.db, s.id) if p.kind == "member"]
    parts = []
    for code in dict.fromkeys(_languages(context, s)):
        lang = context.i18n.get(code)
        lines = [
            lang.t(
                "Welcome, {name}! This is your shared chat with your sponsor group.", name=newcomer
            )
        ]
        lines += [
            lang.t("• {name} – {roles}", name=p.first_name, roles=roles_text(lang, p.roles))
            for p in group
        ]
        parts.append("\n".join(lines))
    await send_chat(context.bot, context.db, s.chat_id or 0, "\n\n".join(parts))


async def member_left(update: Update, context: Ctx) -> None:
    """Someone left the shared chat."""
    message = update.effective_message
    assert message is not None and message.left_chat_member is not None
    s = await sponsorships.by_chat(context.db, message.chat_id)
    if s is not None and message.left_chat_member.id != context.bot.id:
        await participants.set_in_chat(context.db, s.id, message.left_chat_member.id, False)


async def migrated(update: Update, context: Ctx) -> None:
    """A group became a supergroup: follow it to its new id and renew the join link."""
    message = update.effective_message
    assert message is not None
    old, new = message.chat_id, message.migrate_to_chat_id
    if new is None:
        return
    if await sponsorships.migrate_chat(context.db, old, new):
        s = await sponsorships.by_chat(context.db, new)
        if s is not None and s.chat_ready:
            link = await context.bot.create_chat_invite_link(
                new, name=s.name[:32], creates_join_request=True
            )
            await sponsorships.set_chat_ready(context.db, s.id, link.invite_link)


async def members(update: Update, context: Ctx) -> None:
    """/members in the shared chat: who is who, in both languages."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    s = await sponsorships.by_chat(context.db, chat.id)
    if s is None:
        await _unlinked_hint(update, context)
        return
    people = await participants.of_sponsorship(context.db, s.id)
    parts = []
    for code in dict.fromkeys(_languages(context, s)):
        lang = context.i18n.get(code)
        lines = [lang.t("Who is who in {name}:", name=s.name)]
        for p in people:
            what = lang.t("newcomer") if p.kind == "newcomer" else roles_text(lang, p.roles)
            lines.append(lang.t("• {name} – {roles}", name=p.first_name, roles=what))
        parts.append("\n".join(lines))
    await message.reply_text("\n\n".join(parts))


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the shared-chat handlers."""
    app.add_handler(CommandHandler("start", group_start, filters=GROUPS), group=group)
    app.add_handler(CommandHandler("link", link_command, filters=GROUPS), group=group)
    app.add_handler(CommandHandler("members", members, filters=GROUPS), group=group)
    app.add_handler(ChatMemberHandler(my_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=group)
    app.add_handler(ChatJoinRequestHandler(join_request), group=group)
    app.add_handler(
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS & GROUPS, members_joined), group=group
    )
    app.add_handler(
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER & GROUPS, member_left), group=group
    )
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE & GROUPS, migrated), group=group)
