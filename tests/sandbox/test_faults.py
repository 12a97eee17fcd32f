"""Injected faults: 5xx, timeouts, 429, a migration or a kick at the worst moment."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import Bot, Update
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sandbox import Sandbox


async def test_5xx_timeout_and_429(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    amal = sbx.user("Amal")
    await amal.start()
    sbx.inject_fault("5xx", method="sendMessage", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await tg.send_message(amal.id, "hi")
    sbx.inject_fault("timeout", method="sendmessage", chat_id=amal.id)
    with pytest.raises(TimedOut):
        await tg.send_message(amal.id, "hi")
    sbx.inject_fault("429", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await tg.get_chat(amal.id)
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert sbx.served_429 == 1
    await tg.send_message(amal.id, "finally")
    assert [m.text for m in amal.inbox()] == ["finally"]  # failed calls left no trace


async def test_fault_filters_by_chat(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    amal, jan = sbx.user("Amal"), sbx.user("Jan")
    await amal.start()
    await jan.start()
    sbx.inject_fault("5xx", chat_id=jan.id)
    await tg.send_message(amal.id, "unaffected")
    with pytest.raises(NetworkError):
        await tg.send_message(jan.id, "affected")


async def test_migrate_fault(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("Buddies")
    await sanne.add_bot(group)
    old_id = group.id
    sbx.inject_fault("migrate", method="sendMessage", chat_id=old_id)
    await tg.get_chat(old_id)  # other methods are not the trigger
    with pytest.raises(ChatMigrated) as caught:
        await tg.send_message(old_id, "reminder")
    assert caught.value.new_chat_id == group.id != old_id
    await sbx.settle()
    migrated = [u.message.migrate_to_chat_id for u in seen if u.message]
    assert group.id in migrated


async def test_kicked_fault(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne = sbx.user("Sanne")
    await sanne.start()
    group = await sanne.create_group("Buddies")
    await sanne.add_bot(group)
    sbx.inject_fault("kicked", chat_id=group.id)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await tg.send_message(group.id, "hello")
    sbx.inject_fault("kicked", chat_id=sanne.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(sanne.id, "hello")
    await sbx.settle()
    statuses = [u.my_chat_member.new_chat_member.status for u in seen if u.my_chat_member]
    assert statuses[-2:] == ["kicked", "kicked"]
    with pytest.raises(ValueError, match="existing chat"):
        sbx.inject_fault("kicked", chat_id=123)
