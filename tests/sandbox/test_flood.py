"""Flood limits on the sandbox clock, and PTB's AIORateLimiter living with them."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from bot.sandbox import Clock, FloodLimits, Sandbox, SandboxRequest, SimUser
from tests.sandbox.conftest import T0


@pytest.fixture
async def fast() -> AsyncIterator[tuple[Sandbox, Bot, Clock]]:
    clock = Clock(T0)
    sandbox = Sandbox(clock=clock)
    async with Bot(sandbox.token, request=SandboxRequest(sandbox)) as bot:
        yield sandbox, bot, clock


async def started(sandbox: Sandbox, name: str) -> SimUser:
    user = sandbox.user(name)
    await user.start()
    return user


async def test_private_chat_burst_then_one_per_second(
    fast: tuple[Sandbox, Bot, Clock],
) -> None:
    sandbox, bot, clock = fast
    amal = await started(sandbox, "Amal")
    for i in range(3):
        await bot.send_message(amal.id, f"m{i}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(amal.id, "m3")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert sandbox.served_429 == 1
    # A refused call consumes nothing; other chats are unaffected.
    jan = await started(sandbox, "Jan")
    await bot.send_message(jan.id, "hello Jan")
    clock.advance(1)
    await bot.send_message(amal.id, "m3")
    with pytest.raises(RetryAfter):
        await bot.send_message(amal.id, "m4")
    assert [m.text for m in amal.inbox()] == ["m0", "m1", "m2", "m3"]
    status, body = await sandbox.call("sendMessage", {"chat_id": amal.id, "text": "x"})
    assert status == 429
    assert body["description"] == "Too Many Requests: retry after 1"
    assert body["parameters"] == {"retry_after": 1}


async def test_twenty_one_group_messages_in_a_minute() -> None:
    clock = Clock(T0)
    sandbox = Sandbox(clock=clock, limits=FloodLimits(per_chat_burst=100))
    sanne = sandbox.user("Sanne")
    group = await sanne.create_group("G")
    await sanne.add_bot(group)
    async with Bot(sandbox.token, request=SandboxRequest(sandbox)) as bot:
        for i in range(20):
            await bot.send_message(group.id, f"g{i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(group.id, "g20")
        # The group bucket refills 20 per 60 s: one message every 3 s.
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        clock.advance(3)
        await bot.send_message(group.id, "g20")
        assert len(sanne.inbox(group.id)) == 21


async def test_default_limits_in_a_group() -> None:
    clock = Clock(T0)
    sandbox = Sandbox(clock=clock)
    sanne = sandbox.user("Sanne")
    group = await sanne.create_group("G")
    await sanne.add_bot(group)
    async with Bot(sandbox.token, request=SandboxRequest(sandbox)) as bot:
        for _ in range(3):
            await bot.send_message(group.id, "burst")
        with pytest.raises(RetryAfter):  # the per-chat burst applies to groups too
            await bot.send_message(group.id, "burst")
        clock.advance(60)
        for _ in range(29):  # one a second is fine for a while...
            await bot.send_message(group.id, "tick")
            clock.advance(1)
        with pytest.raises(RetryAfter):  # ...until 20 per minute catches up
            await bot.send_message(group.id, "tick")
        assert sandbox.served_429 == 2


async def test_global_limit_of_thirty_per_second() -> None:
    sandbox = Sandbox(clock=Clock(T0))
    users = [await started(sandbox, f"u{i}") for i in range(31)]
    async with Bot(sandbox.token, request=SandboxRequest(sandbox)) as bot:
        for user in users[:30]:
            await bot.send_message(user.id, "broadcast")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[30].id, "broadcast")


async def test_aioratelimiter_waits_out_a_429() -> None:
    """Real clock, tiny numbers: one 429 costs PTB about a second, nothing is lost."""
    sandbox = Sandbox(limits=FloodLimits(per_chat_per_second=50, per_chat_burst=2))
    amal = await started(sandbox, "Amal")
    bot = ExtBot(
        sandbox.token, request=SandboxRequest(sandbox), rate_limiter=AIORateLimiter(max_retries=3)
    )
    async with bot:
        for i in range(4):
            await bot.send_message(amal.id, f"m{i}")
    assert sandbox.served_429 == 1
    assert [m.text for m in amal.inbox()] == ["m0", "m1", "m2", "m3"]
