"""Sending to people and chats without loops: unreachable people are skipped, moved chats
followed, and a chat that removed the bot is flagged for the coordinator."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.i18n import I18n
from bot.storage import Database, coordinators, people, sponsorships

log = logging.getLogger(__name__)


async def send_private(
    bot: Bot, db: Database, person_id: int, text: str, **kwargs: Any
) -> Message | None:
    """Write to a person; None when they blocked the bot or never started it."""
    person = await people.get(db, person_id)
    if person is not None and person.unreachable:
        return None
    try:
        return await bot.send_message(person_id, text, **kwargs)
    except Forbidden:
        log.info("person %d is unreachable (blocked the bot or never started it)", person_id)
        await people.set_reachable(db, person_id, False)
        return None
    except BadRequest as exc:  # an id Telegram does not know, e.g. typed by a coordinator
        if "chat not found" not in exc.message.lower():
            raise
        log.info("person %d is unreachable (no chat with the bot)", person_id)
        return None


async def send_chat(
    bot: Bot, db: Database, chat_id: int, text: str, **kwargs: Any
) -> Message | None:
    """Write to a shared chat, following a migration to a supergroup once."""
    try:
        return await bot.send_message(chat_id, text, **kwargs)
    except ChatMigrated as exc:
        await sponsorships.migrate_chat(db, chat_id, exc.new_chat_id)
        return await bot.send_message(exc.new_chat_id, text, **kwargs)
    except Forbidden:
        sponsorship = await sponsorships.by_chat(db, chat_id)
        if sponsorship is not None:
            await sponsorships.set_flag(db, sponsorship.id, "bot_removed")
        log.warning("the bot can no longer write to chat %d", chat_id)
        return None
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            log.warning("chat %d does not exist any more", chat_id)
            return None
        raise


async def tell_coordinators(
    bot: Bot, db: Database, i18n: I18n, message: str, *, owner: int | None = None, **values: Any
) -> int:
    """Tell the sponsorship's own coordinator (else every coordinator), each in their language."""
    ids = await coordinators.all_ids(db)
    if owner is not None and owner in ids:
        ids = [owner]
    sent = 0
    for coordinator_id in ids:
        person = await people.get(db, coordinator_id)
        lang = i18n.get(person.language if person else i18n.group_language)
        if await send_private(bot, db, coordinator_id, lang.t(message, **values)):
            sent += 1
    return sent


async def remove_from_chat(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Take someone out of a chat (ban, then unban so a later invite could work); False on
    failure, for instance when the bot lacks the right or the person was not there."""
    try:
        await bot.ban_chat_member(chat_id, user_id)
        await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
    except (BadRequest, Forbidden) as exc:
        log.warning("could not remove a person from chat %d: %s", chat_id, type(exc).__name__)
        return False
    return True
