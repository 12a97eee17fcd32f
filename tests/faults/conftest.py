"""Fault tests run on fake time: PTB's own rate limiter, which waits in real time, is off, so
that the outbox's pacing and its handling of 429s, 5xx and timeouts are what is tested."""

from __future__ import annotations

import pytest
from telegram.ext import AIORateLimiter

import bot.app


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error here) when RetryAfter.retry_after is an int."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(autouse=True)
def _no_real_time_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application's AIORateLimiter without its limits or retries (real time)."""

    def limiter(max_retries: int = 0) -> AIORateLimiter:
        return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)

    monkeypatch.setattr(bot.app, "AIORateLimiter", limiter)
