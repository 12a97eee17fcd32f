"""Nothing lost, little doubled: the real `python -m bot run` process is killed with SIGKILL in
the middle of a check-in fan-out to 200 groups over the HTTP sandbox, then started again. Every
group ends up with its check-in; only messages that were in flight at the kill can repeat."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.fanout import delivered, sandbox_server, seed, start_bot, stop_bot, write_config
from bot.outbox import Limits

GROUPS = 200
KILL_AT = 60


async def test_sigkill_in_the_middle_of_a_fan_out_then_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sandbox_server() as (sandbox, server):
        db_path = tmp_path / "bot.db"
        seeded = await seed(sandbox, db_path, GROUPS, late=timedelta(minutes=30))
        config = tmp_path / "config.toml"
        write_config(config, sandbox, server, db_path)

        first = await start_bot(config)
        sends = 0
        original = sandbox.call

        async def call(method: str, params: Any, files: Any = None) -> tuple[int, Any]:
            # The worst moment: Telegram has taken the message, the bot has not heard back.
            nonlocal sends
            answer = await original(method, params, files)
            sends += method.lower() == "sendmessage"
            if sends == KILL_AT and first.returncode is None:
                first.kill()  # SIGKILL: no shutdown, no cleanup
                await first.wait()
            return answer

        monkeypatch.setattr(sandbox, "call", call)
        try:
            await sandbox.wait_until(lambda: first.returncode is not None, 60)
        finally:
            if first.returncode is None:
                first.kill()
            await first.wait()
        monkeypatch.undo()
        await asyncio.sleep(0.1)  # requests that were still on their way are gone with it
        before = delivered(sandbox, seeded.chats)
        assert 50 <= sum(before) < GROUPS, "the kill did not land in the middle of the fan-out"
        with sqlite3.connect(db_path) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"))
            occurrences = conn.execute("SELECT count(*) FROM checkin_occurrences").fetchone()[0]
        conn.close()
        in_flight = states.get("inflight", 0)
        assert occurrences == GROUPS  # all recorded before anything was sent
        assert in_flight <= Limits().concurrency
        assert sum(states.values()) == GROUPS

        second = await start_bot(config)
        try:
            await sandbox.wait_until(lambda: all(delivered(sandbox, seeded.chats)), 60)
            await sandbox.settle()
        finally:
            log = await stop_bot(second)
        assert second.returncode == 0, log
        assert "Traceback" not in log, log

    after = delivered(sandbox, seeded.chats)
    assert all(count >= 1 for count in after)
    duplicates = sum(count - 1 for count in after)
    assert 1 <= duplicates <= in_flight  # only what was in flight at the kill (at least the
    # one the sandbox accepted as the process died)
    assert sandbox.served_429 == 0
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        recorded = conn.execute("SELECT count(*) FROM checkin_occurrences").fetchone()[0]
    conn.close()
    assert rows == [("sent", GROUPS)]
    assert recorded == GROUPS  # the restart recorded (and sent) nothing new
