"""One aiosqlite connection with WAL, foreign keys, a busy timeout and versioned migrations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot."""


def utcnow() -> str:
    """The current UTC time as stored in the database (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """The bot's database. Writes go through `transaction()`, which serialises them."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Connect, set the pragmas and bring the schema up to date."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            db = cls(conn, target)
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection (checkpoints the WAL)."""
        await self.conn.close()

    async def user_version(self) -> int:
        """The schema version stored in the file."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply each pending migration in its own transaction; refuse a newer schema."""
        current = await self.user_version()
        if current > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"the database {self.path} has schema version {current}, but this version of "
                f"samenhier-bot knows only up to {SCHEMA_VERSION}: upgrade the bot, or restore "
                "a backup made by this version"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            log.info("migrating database to schema version %d", version)
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[version - 1]):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {version}")
                await self.conn.execute("COMMIT")
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    # Each read is one trip to aiosqlite's thread (execute and fetch together), not three
    # (execute, fetch, close): the trips, not SQLite, are most of what a query costs here.

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """One row or None (the first row, for a query meant to give at most one)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """All rows."""
        return list(await self.conn.execute_fetchall(sql, tuple(params)))


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3.complete_statement)."""
    import sqlite3

    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
