"""Coordinators: who may run the admin commands."""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage import audit
from bot.storage.db import Database, utcnow


async def is_coordinator(db: Database, user_id: int) -> bool:
    """True when this Telegram user is a coordinator."""
    return await db.fetchone("SELECT 1 FROM coordinators WHERE id = ?", (user_id,)) is not None


async def all_ids(db: Database) -> list[int]:
    """Every coordinator's Telegram id."""
    return [row[0] for row in await db.fetchall("SELECT id FROM coordinators ORDER BY id")]


async def bootstrap(db: Database, ids: Iterable[int]) -> None:
    """Make sure the coordinators named in the config exist."""
    async with db.transaction() as conn:
        for uid in ids:
            cur = await conn.execute(
                "INSERT INTO coordinators (id, added_by, added_at) VALUES (?, NULL, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (uid, utcnow()),
            )
            if cur.rowcount:
                await audit.record(conn, None, "coordinator_bootstrap", target_id=uid)


async def add(db: Database, user_id: int, by: int) -> bool:
    """Add a coordinator; False when they already were one."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO coordinators (id, added_by, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (user_id, by, utcnow()),
        )
        if cur.rowcount:
            await audit.record(conn, by, "coordinator_add", target_id=user_id)
        return bool(cur.rowcount)


async def remove(db: Database, user_id: int, by: int) -> bool:
    """Remove a coordinator; False when they were not one."""
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM coordinators WHERE id = ?", (user_id,))
        if cur.rowcount:
            await audit.record(conn, by, "coordinator_remove", target_id=user_id)
        return bool(cur.rowcount)
