"""Concerns a participant raised privately with the coordinator (never shown to the group)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import audit
from bot.storage.db import Database, utcnow


@dataclass(frozen=True)
class Concern:
    """A concern and whether a coordinator acknowledged it."""

    id: int
    person_id: int
    sponsorship_id: int | None
    text: str
    raised_at: str
    acknowledged_at: str | None
    acknowledged_by: int | None


async def raise_concern(db: Database, person_id: int, sponsorship_id: int | None, text: str) -> int:
    """Store a concern; its id."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO concerns (person_id, sponsorship_id, text, raised_at) VALUES (?, ?, ?, ?)",
            (person_id, sponsorship_id, text, utcnow()),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid


async def get(db: Database, concern_id: int) -> Concern | None:
    """A concern by id."""
    row = await db.fetchone(
        "SELECT id, person_id, sponsorship_id, text, raised_at, acknowledged_at, "
        "acknowledged_by FROM concerns WHERE id = ?",
        (concern_id,),
    )
    return Concern(*tuple(row)) if row else None


async def acknowledge(db: Database, concern_id: int, by: int) -> bool:
    """Mark a concern acknowledged; False when it was already (or is gone)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE concerns SET acknowledged_at = ?, acknowledged_by = ? "
            "WHERE id = ? AND acknowledged_at IS NULL",
            (utcnow(), by, concern_id),
        )
        if cur.rowcount:
            await audit.record(conn, by, "concern_acknowledge", target_id=concern_id)
        return bool(cur.rowcount)
