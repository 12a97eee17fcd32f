"""Sponsorships: a sponsor group, its newcomer household and their shared chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, utcnow

STATUSES = ("preparing", "active", "paused", "closed")
_COLUMNS = (
    "id, name, municipality, newcomer_language, arrival_date, status, chat_id, chat_ready, "
    "chat_invite_link, flag, created_by, created_at, template_id, auto_translate"
)


@dataclass(frozen=True)
class Sponsorship:
    """One sponsorship."""

    id: int
    name: str
    municipality: str
    newcomer_language: str
    arrival_date: date | None
    status: str
    chat_id: int | None
    chat_ready: bool
    chat_invite_link: str | None
    flag: str | None
    created_by: int
    created_at: str
    template_id: str | None = None
    auto_translate: bool = False


def _row(row: aiosqlite.Row) -> Sponsorship:
    arrival = row["arrival_date"]
    return Sponsorship(
        id=row["id"],
        name=row["name"],
        municipality=row["municipality"],
        newcomer_language=row["newcomer_language"],
        arrival_date=date.fromisoformat(arrival) if arrival else None,
        status=row["status"],
        chat_id=row["chat_id"],
        chat_ready=bool(row["chat_ready"]),
        chat_invite_link=row["chat_invite_link"],
        flag=row["flag"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        template_id=row["template_id"],
        auto_translate=bool(row["auto_translate"]),
    )


async def create(
    db: Database,
    *,
    name: str,
    municipality: str,
    newcomer_language: str,
    arrival_date: date | None,
    created_by: int,
    template_id: str | None = None,
) -> Sponsorship:
    """A new sponsorship in the preparing state."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO sponsorships (name, municipality, newcomer_language, arrival_date, "
            "created_by, created_at, template_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                municipality,
                newcomer_language,
                arrival_date.isoformat() if arrival_date else None,
                created_by,
                utcnow(),
                template_id,
            ),
        )
        sponsorship_id = cur.lastrowid
        assert sponsorship_id is not None
        await audit.record(conn, created_by, "sponsorship_create", sponsorship_id=sponsorship_id)
    found = await get(db, sponsorship_id)
    assert found is not None
    return found


async def set_arrival(db: Database, sponsorship_id: int, arrival: date, by: int) -> None:
    """Record the (new) arrival date."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE sponsorships SET arrival_date = ? WHERE id = ?",
            (arrival.isoformat(), sponsorship_id),
        )
        await audit.record(
            conn, by, "arrival_set", sponsorship_id=sponsorship_id, details=arrival.isoformat()
        )


async def get(db: Database, sponsorship_id: int) -> Sponsorship | None:
    """A sponsorship by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM sponsorships WHERE id = ?", (sponsorship_id,))
    return _row(row) if row else None


async def by_chat(db: Database, chat_id: int) -> Sponsorship | None:
    """The sponsorship that owns a chat."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM sponsorships WHERE chat_id = ?", (chat_id,))
    return _row(row) if row else None


async def list_all(db: Database) -> list[Sponsorship]:
    """Every sponsorship, newest first."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM sponsorships ORDER BY id DESC")
    return [_row(r) for r in rows]


async def municipalities(db: Database, limit: int = 6) -> list[str]:
    """Municipalities used before, most used first (for quick buttons)."""
    rows = await db.fetchall(
        "SELECT municipality FROM sponsorships GROUP BY municipality "
        "ORDER BY count(*) DESC, municipality LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


async def claim_chat(db: Database, sponsorship_id: int, chat_id: int, by: int) -> bool:
    """Tie a chat to a sponsorship that has none; False when either is taken already."""
    async with db.transaction() as conn:
        taken = await conn.execute_fetchall(
            "SELECT 1 FROM sponsorships WHERE chat_id = ? OR (id = ? AND chat_id IS NOT NULL)",
            (chat_id, sponsorship_id),
        )
        if list(taken):
            return False
        await conn.execute(
            "UPDATE sponsorships SET chat_id = ?, chat_ready = 0 WHERE id = ?",
            (chat_id, sponsorship_id),
        )
        await audit.record(conn, by, "chat_link", sponsorship_id=sponsorship_id, target_id=chat_id)
    return True


async def set_chat_ready(db: Database, sponsorship_id: int, invite_link: str) -> None:
    """The bot has its rights and a join-request link for the chat."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE sponsorships SET chat_ready = 1, chat_invite_link = ?, flag = NULL "
            "WHERE id = ?",
            (invite_link, sponsorship_id),
        )


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """Follow a group that became a supergroup; False when the old id is not ours."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE sponsorships SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        await conn.execute(
            "UPDATE questions SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        if cur.rowcount:
            await audit.record(
                conn, None, "chat_migrated", target_id=new_chat_id, details=f"from {old_chat_id}"
            )
        return bool(cur.rowcount)


async def set_flag(db: Database, sponsorship_id: int, flag: str | None) -> None:
    """Flag a sponsorship for the coordinator's attention (None clears it)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE sponsorships SET flag = ?, chat_ready = CASE WHEN ? IS NULL THEN chat_ready "
            "ELSE 0 END WHERE id = ?",
            (flag, flag, sponsorship_id),
        )
        await audit.record(conn, None, f"flag_{flag or 'cleared'}", sponsorship_id=sponsorship_id)


async def set_status(db: Database, sponsorship_id: int, status: str, by: int | None) -> None:
    """Move a sponsorship to another status."""
    async with db.transaction() as conn:
        await set_status_in(conn, sponsorship_id, status, by)


async def set_status_in(
    conn: aiosqlite.Connection, sponsorship_id: int, status: str, by: int | None
) -> None:
    """Move a sponsorship to another status inside a transaction (with what goes with it)."""
    if status not in STATUSES:
        raise ValueError(status)
    await conn.execute("UPDATE sponsorships SET status = ? WHERE id = ?", (status, sponsorship_id))
    await audit.record(conn, by, f"status_{status}", sponsorship_id=sponsorship_id)


async def set_auto_translate(db: Database, sponsorship_id: int, on: bool, by: int) -> None:
    """Switch automatic translation in the shared chat on or off."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE sponsorships SET auto_translate = ? WHERE id = ?", (int(on), sponsorship_id)
        )
        await audit.record(
            conn, by, f"auto_translate_{'on' if on else 'off'}", sponsorship_id=sponsorship_id
        )
