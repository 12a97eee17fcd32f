"""The database under faults: a process killed in the middle of a schema migration, and two
writers at once. Each test names the promise it checks."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import Database, outbox
from bot.storage.db import _statements
from bot.storage.migrations import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]

# Runs the real migrations (Database.open) on a file, and stops dead at a chosen point of one
# migration, printing "paused", so that the test can SIGKILL it there.
MIGRATE_AND_PAUSE = """
import asyncio, sys, time
import aiosqlite
from bot.storage import db
from bot.storage.migrations import MIGRATIONS

path, version, point = sys.argv[1], int(sys.argv[2]), sys.argv[3]
PAUSE = "SELECT 'the test kills me here'"
split = db._statements

def statements(script):
    out = split(script)
    if MIGRATIONS.index(script) + 1 == version:
        out.insert(len(out) // 2 if point == "middle" else len(out), PAUSE)
    return out

execute = aiosqlite.Connection.execute

def pausing(self, sql, parameters=None):
    if sql == PAUSE:
        print("paused", flush=True)
        time.sleep(600)
    return execute(self, sql, parameters)

db._statements = statements
aiosqlite.Connection.execute = pausing
asyncio.run(db.Database.open(path))
print("finished", flush=True)
"""

# Opens the database with the bot's own Database class and writes `count` transactions of
# five rows each, starting when the file `go` appears (so that both writers really overlap).
WRITE = """
import asyncio, os, sys, time
from datetime import UTC, datetime
from bot.storage import Database, outbox
from bot.storage import outbox

path, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

async def main():
    db = await Database.open(path)
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.001)
    now = datetime.now(UTC)
    for i in range(count):
        async with db.transaction() as conn:
            for k in range(5):
                await outbox.enqueue(conn, -1, f"{name} {i} {k}", now=now, ref=name)
            await conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE ref = ?", (name,))
    await db.close()
    print("done", flush=True)

asyncio.run(main())
"""


def migrate_to(path: Path, version: int) -> None:
    """A database at an older schema version, as that version of the bot left it."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for v in range(1, version + 1):
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(MIGRATIONS[v - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {v}")
            conn.execute("COMMIT")
        if version >= 1:
            conn.execute(
                "INSERT INTO people (id, first_name, language, created_at, updated_at) "
                "VALUES (700000001, 'Amal', 'ar', '2027-01-01T00:00:00+00:00', "
                "'2027-01-01T00:00:00+00:00')"
            )
    conn.close()


def schema(path: Path) -> tuple[int, list[tuple[str, str, str | None]]]:
    """The schema version and every table, index and trigger with its SQL."""
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    return version, objects


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


async def kill_while_migrating(path: Path, version: int, point: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", MIGRATE_AND_PAUSE, str(path), str(version), point,
        env=env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line == b"paused\n", (line, await proc.stderr.read() if proc.stderr else b"")
    finally:
        proc.send_signal(signal.SIGKILL)  # no rollback, no cleanup: the power went out
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("point", ["middle", "end"])
@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION + 1))
async def test_sigkill_during_a_migration_leaves_the_old_schema_or_the_new(
    tmp_path: Path, version: int, point: str
) -> None:
    """Promise: a bot killed (SIGKILL) in the middle of a schema migration, or after its last
    statement but before its commit, leaves the database exactly at the previous version, with
    its data, never half-migrated; the next start completes every migration."""
    path = tmp_path / "bot.db"
    migrate_to(path, version - 1)
    reference = tmp_path / "reference.db"
    migrate_to(reference, version - 1)

    await kill_while_migrating(path, version, point)

    assert schema(path) == schema(reference)  # the old version, exactly
    db = await Database.open(path)  # the next start
    try:
        assert await db.user_version() == SCHEMA_VERSION
        people = await db.fetchall("SELECT id, first_name FROM people")
        assert [tuple(r) for r in people] == ([(700000001, "Amal")] if version > 1 else [])
    finally:
        await db.close()
    fresh = tmp_path / "fresh.db"
    fresh_db = await Database.open(fresh)
    await fresh_db.close()
    assert schema(path) == schema(fresh)  # the new version, exactly


async def writer(path: Path, name: str, count: int, go: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITE, str(path), name, str(count), str(go),
        env=env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    """Promise: two processes writing to the database at the same time (the bot and, say, a
    maintenance command) both succeed: the busy timeout makes one wait for the other's
    transaction, nothing is lost, nothing is half-written."""
    path = tmp_path / "bot.db"
    await (await Database.open(path)).close()  # the schema first
    go = tmp_path / "go"
    count = 150
    procs = [await writer(path, name, count, go) for name in ("first", "second")]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert await asyncio.wait_for(proc.stdout.readline(), 60) == b"ready\n"
        go.touch()
        results = [await asyncio.wait_for(proc.communicate(), 120) for proc in procs]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0 and out == b"done\n", err.decode()

    with sqlite3.connect(path) as conn:
        for name in ("first", "second"):
            rows = conn.execute(
                "SELECT text, attempts FROM outbox WHERE ref = ? ORDER BY id", (name,)
            ).fetchall()
            assert [text for text, _ in rows] == [
                f"{name} {i} {k}" for i in range(count) for k in range(5)
            ]  # every row, in each writer's own order
            # Each transaction's UPDATE saw all of its writer's earlier rows: none half-written.
            assert [a for _, a in rows[:5]] == [count] * 5
            assert [a for _, a in rows[-5:]] == [1] * 5
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_a_writer_in_process_and_one_outside_lose_nothing(tmp_path: Path) -> None:
    """Promise: the bot's own connection and a second one in the same process (aiosqlite runs
    each in its own thread) write at once without "database is locked"."""
    path = tmp_path / "bot.db"
    first, second = await Database.open(path), await Database.open(path)
    try:

        async def write(db: Database, name: str) -> None:
            for i in range(100):
                async with db.transaction() as conn:
                    await outbox.enqueue(conn, -1, f"{name} {i}", now=datetime.now(UTC), ref=name)

        await asyncio.gather(write(first, "first"), write(second, "second"))
        for name in ("first", "second"):
            sql = "SELECT text FROM outbox WHERE ref = ? ORDER BY id"
            rows = await first.fetchall(sql, (name,))
            assert [r[0] for r in rows] == [f"{name} {i}" for i in range(100)]
    finally:
        await first.close()
        await second.close()
