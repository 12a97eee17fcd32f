"""The audit trail: who did what, when (coordinator actions and the bot's own decisions)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.db import Database, utcnow


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    id: int
    at: str
    actor_id: int | None
    action: str
    sponsorship_id: int | None
    target_id: int | None
    details: str


async def record(
    conn: aiosqlite.Connection,
    actor_id: int | None,
    action: str,
    *,
    sponsorship_id: int | None = None,
    target_id: int | None = None,
    details: str = "",
) -> None:
    """Write an entry; call inside the transaction of the action itself."""
    await conn.execute(
        "INSERT INTO audit (at, actor_id, action, sponsorship_id, target_id, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (utcnow(), actor_id, action, sponsorship_id, target_id, details),
    )


async def recent(
    db: Database, *, sponsorship_id: int | None = None, limit: int = 20
) -> list[AuditEntry]:
    """The newest entries first, optionally for one sponsorship."""
    where, params = ("WHERE sponsorship_id = ?", (sponsorship_id,)) if sponsorship_id else ("", ())
    rows = await db.fetchall(
        "SELECT id, at, actor_id, action, sponsorship_id, target_id, details FROM audit "
        f"{where} ORDER BY id DESC LIMIT ?",
        (*params, limit),
    )
    return [AuditEntry(*tuple(row)) for row in rows]
