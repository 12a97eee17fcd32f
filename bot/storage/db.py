"""One aiosqlite connection with WAL, foreign keys, a busy timeout and versioned migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing
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
        self._reader: sqlite3.Connection | None = None

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
            if target != ":memory:":
                db._reader = _reader(target)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection (checkpoints the WAL)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
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

    # Reads. A trip to aiosqlite's thread costs a few hundred microseconds of hand-over (two
    # thread switches and the event loop's wake-up pipe), while the indexed lookups a handler
    # makes take SQLite some ten: outside a write transaction, reads therefore run right here
    # on a second, read-only connection (WAL lets it read while the other writes; it sees what
    # is committed). While any coroutine holds `transaction()`, reads go to the writing
    # connection as they always did, so they see that transaction's uncommitted rows. The cost:
    # a read that scans a large table holds the event loop for as long as SQLite takes.

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """One row or None (the first row, for a query meant to give at most one)."""
        if self._reader is not None and not self._write_lock.locked():
            with closing(self._reader.execute(sql, tuple(params))) as cur:
                row: aiosqlite.Row | None = cur.fetchone()
                return row
        rows = await self.conn.execute_fetchall(sql, tuple(params))  # one trip, not three
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """All rows."""
        if self._reader is not None and not self._write_lock.locked():
            with closing(self._reader.execute(sql, tuple(params))) as cur:
                return cur.fetchall()
        return list(await self.conn.execute_fetchall(sql, tuple(params)))


def _reader(path: str) -> sqlite3.Connection:
    """The read-only connection, with the writing connection's settings."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for pragma in (
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        "foreign_keys = ON",
        "synchronous = NORMAL",
        "query_only = ON",
    ):
        conn.execute(f"PRAGMA {pragma}")
    return conn


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
