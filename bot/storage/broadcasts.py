"""Broadcasts: a coordinator's message to many shared chats, and how its delivery went."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, utcnow

_COLUMNS = "id, created_by, municipality, chats, created_at, reported_at"


@dataclass(frozen=True)
class Broadcast:
    """One broadcast."""

    id: int
    created_by: int
    municipality: str | None
    chats: int
    created_at: str
    reported_at: str | None


def ref(broadcast_id: int) -> str:
    """The outbox ref of a broadcast's messages."""
    return f"broadcast:{broadcast_id}"


async def create(conn: aiosqlite.Connection, by: int, municipality: str | None, chats: int) -> int:
    """Record a broadcast (inside the transaction that queues its messages); its id."""
    cur = await conn.execute(
        "INSERT INTO broadcasts (created_by, municipality, chats, created_at) VALUES (?, ?, ?, ?)",
        (by, municipality, chats, utcnow()),
    )
    assert cur.lastrowid is not None
    await audit.record(
        conn,
        by,
        "broadcast",
        target_id=cur.lastrowid,
        details=f"{municipality or 'all'}: {chats} chats",
    )
    return cur.lastrowid


async def unreported(db: Database) -> list[Broadcast]:
    """Broadcasts whose delivery summary has not been queued yet, oldest first."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE reported_at IS NULL ORDER BY id"
    )
    return [Broadcast(*tuple(r)) for r in rows]


async def mark_reported(
    conn: aiosqlite.Connection, broadcast_id: int, delivered: int, unreachable: int, failed: int
) -> bool:
    """Note the outcome (inside the transaction that queues the summary); False when it was
    reported already."""
    cur = await conn.execute(
        "UPDATE broadcasts SET reported_at = ?, delivered = ?, unreachable = ?, failed = ? "
        "WHERE id = ? AND reported_at IS NULL",
        (utcnow(), delivered, unreachable, failed, broadcast_id),
    )
    return bool(cur.rowcount)
