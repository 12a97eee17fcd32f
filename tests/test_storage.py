"""Storage: pragmas, migrations by user_version, refusal of a newer schema, people."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, SchemaTooNewError, people
from bot.storage import migrations as migrations_module
from bot.storage.migrations import SCHEMA_VERSION


async def _one(db: Database, sql: str) -> object:
    row = await db.fetchone(sql)
    assert row is not None
    return row[0]


async def test_pragmas_and_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        assert await _one(db, "PRAGMA journal_mode") == "wal"
        assert await _one(db, "PRAGMA foreign_keys") == 1
        assert await _one(db, "PRAGMA busy_timeout") == 5000
        assert await db.user_version() == SCHEMA_VERSION
    finally:
        await db.close()


async def test_reopen_does_not_migrate_again(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    await people.set_language(db, 42, "ar")
    await db.close()
    db = await Database.open(tmp_path / "x.db")
    try:
        person = await people.get(db, 42)
        assert person is not None and person.language == "ar"
    finally:
        await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="upgrade the bot"):
        await Database.open(path)


async def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = (*migrations_module.MIGRATIONS, "CREATE TABLE extra (x INTEGER);\nNOT SQL;")
    monkeypatch.setattr("bot.storage.db.MIGRATIONS", broken)
    monkeypatch.setattr("bot.storage.db.SCHEMA_VERSION", len(broken))
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "x.db")
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables and "people" in tables


async def test_people_language_and_reachability(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        assert await people.get(db, 7) is None
        await people.set_language(db, 7, "ti")
        await people.set_language(db, 7, "so")
        await people.set_reachable(db, 7, False)
        person = await people.get(db, 7)
        assert person is not None
        assert (person.language, person.unreachable, person.first_name) == ("so", True, None)
        assert await _one(db, "SELECT count(*) FROM people") == 1
    finally:
        await db.close()
