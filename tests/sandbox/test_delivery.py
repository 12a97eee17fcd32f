"""getUpdates semantics and in-process dispatch ordering."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.error import Conflict

from bot.sandbox import Sandbox


async def test_get_updates_offset_limit_and_default_allowed_updates(sbx: Sandbox, tg: Bot) -> None:
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("G")
    await sanne.add_bot(group, admin_rights=["invite_users"])  # my_chat_member + service message
    await sanne.add_member(group, sbx.user("Bo"))  # chat_member is not sent by default
    first = await tg.get_updates(limit=1)
    assert len(first) == 1 and first[0].my_chat_member is not None
    rest = await tg.get_updates(offset=first[0].update_id + 1)
    assert [bool(u.message) for u in rest] == [True, True]  # two new_chat_members messages
    assert await tg.get_updates(offset=rest[-1].update_id + 1) == ()
    # Asking for chat_member turns it on for later updates.
    await tg.get_updates(allowed_updates=["message", "chat_member"])
    await sanne.add_member(group, sbx.user("Cas"))
    kinds = [u.chat_member is not None for u in await tg.get_updates()]
    assert kinds == [True, False]
    last = await tg.get_updates(offset=-1)
    assert len(last) == 1 and last[0].message is not None
    assert len(sbx.pending_updates) == 1


async def test_long_poll_wakes_up_and_a_second_poller_conflicts(sbx: Sandbox, tg: Bot) -> None:
    amal = sbx.user("Amal")
    poll = asyncio.ensure_future(tg.get_updates(timeout=30))
    await sbx.wait_until(lambda: sbx.polling)
    second = asyncio.ensure_future(tg.get_updates(timeout=30))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await poll
    await amal.start()
    updates = await second
    assert updates[0].message is not None and updates[0].message.text == "/start"


async def test_queued_updates_go_to_a_late_dispatcher(sbx: Sandbox, tg: Bot) -> None:
    amal = sbx.user("Amal")
    await amal.start()  # no dispatcher yet: queued for polling
    got: list[dict[str, Any]] = []

    async def record(data: dict[str, Any]) -> None:
        got.append(data)

    sbx.dispatcher = record
    await sbx.settle()
    assert got[0]["message"]["text"] == "/start" and sbx.pending_updates == []


async def test_updates_from_background_tasks_are_dispatched(sbx: Sandbox, tg: Bot) -> None:
    """A handler spawns a task that approves a join request after the handler returned."""
    sbx.allowed_updates = list(Update.ALL_TYPES)
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("G")
    await sanne.add_bot(group, admin_rights=["invite_users"])
    link = await tg.create_chat_invite_link(group.id, creates_join_request=True)
    got: list[Update] = []
    tasks: list[asyncio.Task[bool]] = []

    async def handler(data: dict[str, Any]) -> None:
        update = Update.de_json(data, tg)
        got.append(update)
        if update.chat_join_request:
            tasks.append(asyncio.ensure_future(update.chat_join_request.approve()))

    sbx.dispatcher = handler
    amal = sbx.user("Amal")
    await amal.open_link(link.invite_link)
    await asyncio.gather(*tasks)
    await sbx.settle()
    assert got[-2].chat_member is not None
    assert got[-1].message is not None and got[-1].message.new_chat_members[0].id == amal.id
    assert [u.update_id for u in got] == sorted(u.update_id for u in got)
