"""Reads outside a write transaction come from a read-only connection on the event loop's
thread; inside one they see its uncommitted rows, as before; nothing keeps an old snapshot."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, people


async def test_reads_see_what_is_committed_and_what_the_transaction_wrote(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        await people.set_language(db, 1, "nl")
        await people.set_language(db, 2, "ar")
        # A query giving more rows than fetchone takes does not pin the reader's snapshot.
        first = await db.fetchone("SELECT id, language FROM people ORDER BY id")
        assert first is not None and tuple(first) == (1, "nl")
        await people.set_language(db, 1, "en")
        person = await people.get(db, 1)
        assert person is not None and person.language == "en"
        async with db.transaction() as conn:
            await conn.execute("UPDATE people SET language = 'tr' WHERE id = 2")
            inside = await db.fetchone("SELECT language FROM people WHERE id = 2")
            assert inside is not None and inside[0] == "tr"  # its own, not yet committed
        rows = await db.fetchall("SELECT language FROM people ORDER BY id")
        assert [r[0] for r in rows] == ["en", "tr"]
    finally:
        await db.close()


async def test_a_rolled_back_write_is_not_seen(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO people (id, language, created_at, updated_at) "
                    "VALUES (7, 'nl', 'x', 'x')"
                )
                raise RuntimeError("abandon")
        assert await people.get(db, 7) is None
    finally:
        await db.close()


async def test_the_reader_cannot_write(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.fetchall("DELETE FROM people")
    finally:
        await db.close()


async def test_an_in_memory_database_still_reads(tmp_path: Path) -> None:
    db = await Database.open(":memory:")
    try:
        await people.set_language(db, 3, "so")
        person = await people.get(db, 3)
        assert person is not None and person.language == "so"
    finally:
        await db.close()
