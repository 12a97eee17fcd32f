"""Fixtures for the sandbox's own tests: a frozen-clock sandbox, a PTB Bot on it, a recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Update

from bot.sandbox import Clock, FloodLimits, Sandbox, SandboxRequest

T0 = 1_750_000_000.0


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error under -W error) when RetryAfter.retry_after is an int."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sbx() -> Sandbox:
    """A sandbox on a frozen clock, flood limits off (flood tests build their own)."""
    return Sandbox(clock=Clock(T0), limits=FloodLimits(enabled=False))


@pytest.fixture
async def tg(sbx: Sandbox) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot talking to the sandbox in-process."""
    async with Bot(
        sbx.token, request=SandboxRequest(sbx), get_updates_request=SandboxRequest(sbx)
    ) as bot:
        yield bot


@pytest.fixture
def seen(sbx: Sandbox, tg: Bot) -> list[Update]:
    """Every update the bot receives, parsed by PTB (dispatcher mode)."""
    updates: list[Update] = []

    async def record(data: dict[str, Any]) -> None:
        update = Update.de_json(data, tg)
        assert update is not None
        updates.append(update)

    sbx.dispatcher = record
    return updates
