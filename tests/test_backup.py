"""`samenhier backup` while a writer is busy gives a copy that passes integrity_check and
restores; `samenhier restore` refuses while a bot has the database open."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.backup import BackupError, DatabaseInUse, DatabaseLock, backup, restore
from bot.cli import main
from bot.sandbox import Sandbox
from bot.storage import Database
from bot.storage.migrations import SCHEMA_VERSION
from tests.scenarios import world

TOKEN = "123456789:SANDBOXsandboxSANDBOXsandbox000"
STARTED = 300  # rows written before the backup starts


def make_database(path: Path) -> None:
    async def create() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(create())


class Writer(threading.Thread):
    """Writes audit rows, one small transaction each, until told to stop (WAL, like the bot)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.started = threading.Event()
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        try:
            while not self.stop.is_set() or self.written < STARTED:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "INSERT INTO audit (at, action, details) VALUES ('2027-01-01', 'load', ?)",
                    ("x" * 200,),
                )
                conn.execute(
                    "UPDATE audit SET details = details || 'y' WHERE id = (SELECT max(id) - 1 "
                    "FROM audit)"
                )
                conn.execute("COMMIT")
                self.written += 1
                if self.written == STARTED:
                    self.started.set()
        finally:
            conn.close()


def check(path: Path) -> tuple[str, int, int]:
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count, highest = conn.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM audit WHERE action = 'load'"
        ).fetchone()
    finally:
        conn.close()
    return ok, count, highest


def test_backup_while_writing_passes_integrity_check_and_restores(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    make_database(database)
    writer = Writer(database)
    writer.start()
    assert writer.started.wait(60)
    try:
        copy = backup(database, f"{tmp_path}/backups/")  # a folder: a dated file inside
        during = writer.written
    finally:
        writer.stop.set()
        writer.join(60)
    assert not writer.is_alive()
    assert copy.path.parent == tmp_path / "backups" and copy.path.suffix == ".db"
    assert copy.schema_version == SCHEMA_VERSION
    ok, count, _ = check(copy.path)
    assert ok == "ok"
    assert STARTED <= count <= during  # a snapshot taken while the writer went on
    final = check(database)[1]
    assert final >= count
    assert not Path(f"{copy.path}-wal").exists()  # one self-contained file

    # Restore it over the live file (no bot running): the data is the snapshot's; the database
    # it replaced is kept next to it.
    restored, kept = restore(database, copy.path)
    assert restored.path == database and kept is not None
    assert check(database) == ("ok", count, check(copy.path)[2])
    assert check(kept)[1] == final
    assert not Path(f"{database}-wal").exists()


def test_the_cli_backs_up_and_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "data" / "bot.db"
    make_database(database)
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[database]\npath = "data/bot.db"\n')
    assert main(["backup", str(tmp_path / "copy.db"), "-c", str(config)]) == 0
    assert "written and checked" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "copy.db"), "-c", str(config)]) == 0
    assert "restored from" in capsys.readouterr().out
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(tmp_path / "junk.db"), "-c", str(config)]) == 1
    assert "restore refused" in capsys.readouterr().err
    assert main(["backup", str(database), "-c", str(config)]) == 1  # not over itself


async def test_restore_refuses_while_the_bot_runs(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    async with world(tmp_path, Sandbox()) as (bot, carla):
        assert bot.config.database.path == str(database)
        copy = await asyncio.to_thread(backup, database, tmp_path / "copy.db")  # online
        with pytest.raises(DatabaseInUse, match="samenhier run pid"):
            await asyncio.to_thread(restore, database, copy.path)
        with pytest.raises(DatabaseInUse):  # nor can a second bot start on it
            DatabaseLock(database).acquire("samenhier run")
        await carla.send("/help")  # the bot is fine
        assert carla.last().text
    # Stopped: now it may.
    restored, kept = await asyncio.to_thread(restore, database, copy.path)
    assert restored.schema_version == SCHEMA_VERSION and kept is not None


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    make_database(database)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(BackupError, match="not a Samen Hier database"):
        restore(database, other)
    with pytest.raises(BackupError, match="no such file"):
        restore(database, tmp_path / "missing.db")
