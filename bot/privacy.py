"""Personal data: every place the database ties a row to a person, what /mydata exports, what
/forget removes or anonymises, and the retention purge of closed sponsorships."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.storage import Database
from bot.storage.db import utcnow

Action = Literal["delete", "null", "anonymise"]


@dataclass(frozen=True)
class PersonColumn:
    """A column holding a Telegram user id, and what /forget does with its rows."""

    table: str
    column: str
    action: Action  # delete the row; set the column NULL; or set a random anonymous id
    texts: tuple[str, ...] = ()  # columns with what the person wrote (cleared on anonymise)
    where: str = ""  # an extra condition, e.g. only free tasks


# Every table that refers to a person. tests/test_privacy.py fails when a table with a person
# column is missing here, so a new feature cannot forget to handle erasure.
PERSON_DATA: tuple[PersonColumn, ...] = (
    PersonColumn("people", "id", "delete"),
    PersonColumn("participants", "person_id", "delete"),
    PersonColumn("coordinators", "id", "delete"),
    PersonColumn("coordinators", "added_by", "null"),
    PersonColumn("audit", "actor_id", "null"),
    PersonColumn("audit", "target_id", "null"),
    PersonColumn("sponsorships", "created_by", "anonymise"),
    PersonColumn("invites", "used_by", "null"),
    PersonColumn("checkin_schedules", "updated_by", "null"),
    PersonColumn("checkin_responses", "person_id", "anonymise", texts=("note",)),
    PersonColumn("checkin_alerts", "person_id", "anonymise"),
    PersonColumn("checkin_alerts", "handled_by", "null"),
    PersonColumn("outbox", "person_id", "delete"),
    PersonColumn("outbox", "chat_id", "delete"),  # a private chat's id is the person's id
    PersonColumn("tasks", "created_by", "delete", texts=("title",), where="template_key IS NULL"),
    PersonColumn("tasks", "created_by", "null"),
    PersonColumn("tasks", "owner_id", "null"),
    PersonColumn("tasks", "done_by", "null"),
    PersonColumn("task_helpers", "person_id", "delete"),
    PersonColumn("questions", "person_id", "delete"),
    PersonColumn("concerns", "person_id", "delete", texts=("text",)),
    PersonColumn("concerns", "acknowledged_by", "null"),
    PersonColumn("broadcasts", "created_by", "anonymise"),  # the coordinator who sent it
    PersonColumn("group_profiles", "contact_id", "null"),  # no longer the contact person
    PersonColumn("group_profiles", "created_by", "anonymise"),  # the coordinator
    PersonColumn("household_profiles", "consent_by", "anonymise"),  # the coordinator
    PersonColumn("household_profiles", "created_by", "anonymise"),  # the coordinator
)
# Columns that hold other ids, never a person's (checked by the coverage test).
NOT_PERSONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("checkin_schedules", "sponsorship_id"),
        ("checkin_occurrences", "sponsorship_id"),
        ("checkin_alerts", "sponsorship_id"),
        ("checkin_alerts", "occurrence_id"),
        ("checkin_responses", "occurrence_id"),
        ("questions", "chat_id"),
        ("questions", "message_id"),
        ("questions", "sponsorship_id"),
        ("outbox", "message_id"),
        ("sponsorships", "chat_id"),
        ("concerns", "sponsorship_id"),
        ("audit", "sponsorship_id"),
    }
)


async def export(db: Database, person_id: int) -> dict[str, Any]:
    """Every row about the person, table by table (for /mydata)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in dict.fromkeys(c.table for c in PERSON_DATA):
        columns = [c.column for c in PERSON_DATA if c.table == table]
        where = " OR ".join(f"{col} = ?" for col in dict.fromkeys(columns))
        rows = await db.fetchall(
            f"SELECT * FROM {table} WHERE {where}", [person_id] * len(dict.fromkeys(columns))
        )
        if rows:
            out[table] = [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]
    return {"person_id": person_id, "exported_at": utcnow(), "tables": out}


async def texts_of(db: Database, person_id: int) -> list[str]:
    """What the person wrote that the database keeps (notes, free tasks, concerns)."""
    found: list[str] = []
    for c in PERSON_DATA:
        for text_column in c.texts:
            extra = f" AND {c.where}" if c.where else ""
            rows = await db.fetchall(
                f"SELECT {text_column} FROM {c.table} WHERE {c.column} = ?{extra}", (person_id,)
            )
            found += [str(r[0]) for r in rows if r[0]]
    return found


async def forget(db: Database, person_id: int) -> int:
    """Remove or anonymise every row tied to the person; how many rows changed. Statistics
    (answers on the scale, tasks done, alerts raised) stay, under a random anonymous id."""
    anonymous = -1 - secrets.randbelow(2**52)
    texts = await texts_of(db, person_id)
    changed = 0
    async with db.transaction() as conn:
        for text in texts:  # messages that quoted them (a note passed on, a concern ...)
            for form in {text, html.escape(text, quote=False)}:
                cur = await conn.execute("DELETE FROM outbox WHERE instr(text, ?) > 0", (form,))
                changed += cur.rowcount
        for c in PERSON_DATA:
            extra = f" AND {c.where}" if c.where else ""
            if c.action == "delete":
                sql = f"DELETE FROM {c.table} WHERE {c.column} = ?{extra}"
                params: tuple[Any, ...] = (person_id,)
            elif c.action == "null":
                sql = f"UPDATE {c.table} SET {c.column} = NULL WHERE {c.column} = ?{extra}"
                params = (person_id,)
            else:
                cleared = "".join(f", {t} = NULL" for t in c.texts)
                sql = f"UPDATE {c.table} SET {c.column} = ?{cleared} WHERE {c.column} = ?{extra}"
                params = (anonymous, person_id)
            cur = await conn.execute(sql, params)
            changed += cur.rowcount
        # Sent messages are history the outbox no longer needs; translations are a cache.
        cur = await conn.execute("DELETE FROM outbox WHERE state IN ('sent', 'dropped', 'failed')")
        changed += cur.rowcount
        cur = await conn.execute("DELETE FROM translation_cache")
        changed += cur.rowcount
        await conn.execute(
            "INSERT INTO audit (at, actor_id, action, details) VALUES (?, NULL, ?, '')",
            (utcnow(), "person_forgotten"),
        )
    return changed


@dataclass(frozen=True)
class Due:
    """A closed sponsorship and when its data is purged."""

    sponsorship_id: int
    name: str
    created_by: int
    purge_at: datetime


async def closed_sponsorships(db: Database, retention: timedelta) -> list[Due]:
    """Closed sponsorships with the moment their data goes (closing time + retention)."""
    rows = await db.fetchall(
        "SELECT s.id, s.name, s.created_by, max(a.at) FROM sponsorships s "
        "JOIN audit a ON a.sponsorship_id = s.id AND a.action = 'status_closed' "
        "WHERE s.status = 'closed' GROUP BY s.id"
    )
    return [Due(r[0], r[1], r[2], datetime.fromisoformat(r[3]) + retention) for r in rows]


async def notice_due(db: Database, sponsorship_id: int) -> bool:
    """Record that the coordinator was told about the purge; False when told before."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO purge_notices (sponsorship_id, notified_at) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (sponsorship_id, utcnow()),
        )
        return bool(cur.rowcount)


async def purge(db: Database, sponsorship_id: int) -> None:
    """Delete a closed sponsorship and everything tied only to it; keep anonymous counts."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO archive (municipality, created_at, purged_at, members, tasks_done, "
            "tasks_total, checkins) SELECT s.municipality, s.created_at, ?, "
            "(SELECT count(*) FROM participants WHERE sponsorship_id = s.id), "
            "(SELECT count(*) FROM tasks WHERE sponsorship_id = s.id AND status = 'done'), "
            "(SELECT count(*) FROM tasks WHERE sponsorship_id = s.id), "
            "(SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = s.id) "
            "FROM sponsorships s WHERE s.id = ?",
            (utcnow(), sponsorship_id),
        )
        people_ids = [
            r[0]
            for r in await conn.execute_fetchall(
                "SELECT person_id FROM participants WHERE sponsorship_id = ?", (sponsorship_id,)
            )
        ]
        await conn.execute(
            "DELETE FROM checkin_responses WHERE occurrence_id IN "
            "(SELECT id FROM checkin_occurrences WHERE sponsorship_id = ?)",
            (sponsorship_id,),
        )
        await conn.execute(
            "DELETE FROM checkin_occurrences WHERE sponsorship_id = ?", (sponsorship_id,)
        )
        await conn.execute(
            "DELETE FROM checkin_schedules WHERE sponsorship_id = ?", (sponsorship_id,)
        )
        await conn.execute(
            "DELETE FROM outbox WHERE chat_id = (SELECT chat_id FROM sponsorships WHERE id = ?)",
            (sponsorship_id,),
        )
        await conn.execute("DELETE FROM audit WHERE sponsorship_id = ?", (sponsorship_id,))
        await conn.execute("DELETE FROM purge_notices WHERE sponsorship_id = ?", (sponsorship_id,))
        await conn.execute("DELETE FROM sponsorships WHERE id = ?", (sponsorship_id,))
        for person_id in sorted(set(people_ids)):
            await conn.execute(
                "DELETE FROM people WHERE id = ? AND NOT EXISTS (SELECT 1 FROM participants "
                "WHERE person_id = ?) AND NOT EXISTS (SELECT 1 FROM coordinators WHERE id = ?)",
                (person_id, person_id, person_id),
            )


async def retention_tick(
    db: Database, retention: timedelta, now: datetime
) -> tuple[list[Due], list[Due]]:
    """Which closed sponsorships to announce (a week before) and which to purge now."""
    announce, purged = [], []
    for due in await closed_sponsorships(db, retention):
        if due.purge_at <= now:
            await purge(db, due.sponsorship_id)
            purged.append(due)
        elif due.purge_at - timedelta(days=7) <= now and await notice_due(db, due.sponsorship_id):
            announce.append(due)
    return announce, purged
