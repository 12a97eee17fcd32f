"""Telegram's flood limits: the bot waits out 429s and loses no message."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import FloodLimits, Sandbox
from tests.helpers import run_bot, sandbox_config


async def test_bot_waits_out_429_without_losing_a_message(tmp_path: Path) -> None:
    # One message a second per chat, no burst: every quick second answer hits a 429.
    sandbox = Sandbox(limits=FloodLimits(per_chat_per_second=1.0, per_chat_burst=1))
    async with run_bot(sandbox, sandbox_config(tmp_path, sandbox)):
        kim = sandbox.user("Kim", language_code="en")
        for i in range(3):
            await kim.send(f"/unknown{i}")
    replies = [m.text for m in kim.inbox()]
    assert replies == [
        f"I do not know the command /unknown{i}. Send /help to see what you can do."
        for i in range(3)
    ]
    assert sandbox.served_429 >= 2
