"""Check-ins: schedules per sponsorship, recorded occurrences, answers, notes and alerts.

Instants are stored as UTC ISO strings (seconds); rules as a weekday and a local HH:MM. An
occurrence's key (sponsorship, kind, scheduled instant) is unique: recording it twice is a
no-op, which is what keeps a restart from sending anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database

DIGEST = 0  # the sponsorship id of the coordinators' digest schedule and occurrences


def iso(when: datetime) -> str:
    """An instant as stored."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def instant(text: str) -> datetime:
    """A stored instant."""
    return datetime.fromisoformat(text).astimezone(UTC)


# -- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    """A stored schedule."""

    sponsorship_id: int
    kind: str
    weekday: int
    local_time: str
    rhythm: str
    paused: bool
    starts_at: datetime
    active: bool


_SCHEDULE = "sponsorship_id, kind, weekday, local_time, rhythm, paused, starts_at, active"


def _schedule(row: aiosqlite.Row) -> ScheduleRow:
    return ScheduleRow(
        row["sponsorship_id"],
        row["kind"],
        row["weekday"],
        row["local_time"],
        row["rhythm"],
        bool(row["paused"]),
        instant(row["starts_at"]),
        bool(row["active"]),
    )


async def ensure(
    db: Database,
    sponsorship_ids: Iterable[int],
    *,
    weekday: int,
    local_time: str,
    now: datetime,
    active: bool,
    kinds: tuple[str, ...] = ("group", "newcomer"),
) -> int:
    """Give sponsorships without schedules the default ones, starting `now`; how many were
    new. `active`: the sponsorships are active (else they start when they become active)."""
    created = 0
    ids = list(sponsorship_ids)
    if not ids:
        return 0
    async with db.transaction() as conn:
        for sponsorship_id in ids:
            for kind in kinds:
                cur = await conn.execute(
                    f"INSERT INTO checkin_schedules ({_SCHEDULE}, updated_at) "
                    "VALUES (?, ?, ?, ?, 'auto', 0, ?, ?, ?) "
                    "ON CONFLICT (sponsorship_id, kind) DO NOTHING",
                    (sponsorship_id, kind, weekday, local_time, iso(now), int(active), iso(now)),
                )
                created += cur.rowcount
    return created


async def set_digest(db: Database, *, weekday: int, local_time: str, now: datetime) -> None:
    """The digest follows the configuration; a changed rule starts counting from now."""
    async with db.transaction() as conn:
        await conn.execute(
            f"INSERT INTO checkin_schedules ({_SCHEDULE}, updated_at) "
            "VALUES (?, 'digest', ?, ?, 'weekly', 0, ?, 1, ?) "
            "ON CONFLICT (sponsorship_id, kind) DO UPDATE SET "
            "weekday = excluded.weekday, local_time = excluded.local_time, "
            "starts_at = excluded.starts_at, updated_at = excluded.updated_at "
            "WHERE weekday != excluded.weekday OR local_time != excluded.local_time",
            (DIGEST, weekday, local_time, iso(now), iso(now)),
        )


async def set_active(
    db: Database, sponsorship_ids: Iterable[int], active: bool, now: datetime
) -> None:
    """Note that sponsorships became active (their check-ins count from now: nothing from
    before, while they were preparing or paused, is due or missed) or stopped being active."""
    ids = list(sponsorship_ids)
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    async with db.transaction() as conn:
        if active:
            await conn.execute(
                f"UPDATE checkin_schedules SET active = 1, starts_at = max(starts_at, ?) "
                f"WHERE sponsorship_id IN ({marks}) AND kind != 'digest'",
                (iso(now), *ids),
            )
        else:
            await conn.execute(
                f"UPDATE checkin_schedules SET active = 0 "
                f"WHERE sponsorship_id IN ({marks}) AND kind != 'digest'",
                ids,
            )


async def all_schedules(db: Database) -> list[ScheduleRow]:
    """Every stored schedule."""
    rows = await db.fetchall(f"SELECT {_SCHEDULE} FROM checkin_schedules ORDER BY 1, 2")
    return [_schedule(r) for r in rows]


async def schedules_of(db: Database, sponsorship_id: int) -> list[ScheduleRow]:
    """The schedules of one sponsorship (group first)."""
    rows = await db.fetchall(
        f"SELECT {_SCHEDULE} FROM checkin_schedules WHERE sponsorship_id = ? ORDER BY kind",
        (sponsorship_id,),
    )
    return [_schedule(r) for r in rows]


async def change(
    db: Database,
    sponsorship_id: int,
    *,
    by: int,
    now: datetime,
    weekday: int | None = None,
    local_time: str | None = None,
    rhythm: str | None = None,
    paused: bool | None = None,
) -> None:
    """Change the check-ins of a sponsorship (both kinds). Nothing before now becomes due: a
    new day or time does not fire for a moment just passed, and a pause is not caught up."""
    sets: list[str] = ["starts_at = ?", "updated_by = ?", "updated_at = ?"]
    params: list[object] = [iso(now), by, iso(now)]
    details: list[str] = []
    for column, value in (
        ("weekday", weekday),
        ("local_time", local_time),
        ("rhythm", rhythm),
        ("paused", None if paused is None else int(paused)),
    ):
        if value is not None:
            sets.append(f"{column} = ?")
            params.append(value)
            details.append(f"{column}={value}")
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE checkin_schedules SET {', '.join(sets)} "
            "WHERE sponsorship_id = ? AND kind IN ('group', 'newcomer')",
            (*params, sponsorship_id),
        )
        await audit.record(
            conn, by, "checkins_change", sponsorship_id=sponsorship_id, details=" ".join(details)
        )


# -- occurrences -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """A recorded occurrence of a schedule."""

    id: int
    sponsorship_id: int
    kind: str
    scheduled_at: datetime
    status: str
    started_at: datetime | None
    reminded: bool
    detail: str


_OCCURRENCE = (
    "id, sponsorship_id, kind, scheduled_at, status, started_at, reminded_at IS NOT NULL, detail"
)


def _occurrence(row: aiosqlite.Row) -> Occurrence:
    started = row[5]
    return Occurrence(
        row[0],
        row[1],
        row[2],
        instant(row[3]),
        row[4],
        instant(started) if started else None,
        bool(row[6]),
        row[7],
    )


async def last_scheduled(db: Database) -> dict[tuple[int, str], datetime]:
    """The latest recorded instant of every schedule."""
    rows = await db.fetchall(
        "SELECT sponsorship_id, kind, max(scheduled_at) FROM checkin_occurrences "
        "GROUP BY sponsorship_id, kind"
    )
    return {(r[0], r[1]): instant(r[2]) for r in rows}


async def open_occurrences(db: Database) -> list[Occurrence]:
    """Check-ins that still take answers."""
    rows = await db.fetchall(
        f"SELECT {_OCCURRENCE} FROM checkin_occurrences WHERE status = 'open' ORDER BY id"
    )
    return [_occurrence(r) for r in rows]


async def record(
    conn: aiosqlite.Connection,
    sponsorship_id: int,
    kind: str,
    scheduled_at: datetime,
    status: str,
    now: datetime,
    detail: str = "",
) -> int | None:
    """Record an occurrence (inside the transaction that also queues its messages); None when
    it was recorded before."""
    started = iso(now) if status in ("open", "sent") else None
    cur = await conn.execute(
        "INSERT INTO checkin_occurrences (sponsorship_id, kind, scheduled_at, status, "
        "started_at, detail) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sponsorship_id, kind, scheduled_at) DO NOTHING",
        (sponsorship_id, kind, iso(scheduled_at), status, started, detail),
    )
    if not cur.rowcount:
        return None
    return cur.lastrowid


async def get(db: Database, occurrence_id: int) -> Occurrence | None:
    """An occurrence by id."""
    row = await db.fetchone(
        f"SELECT {_OCCURRENCE} FROM checkin_occurrences WHERE id = ?", (occurrence_id,)
    )
    return _occurrence(row) if row else None


async def mark_reminded(conn: aiosqlite.Connection, occurrence_id: int, now: datetime) -> bool:
    """Note the reminder; False when it was reminded (or closed) already."""
    cur = await conn.execute(
        "UPDATE checkin_occurrences SET reminded_at = ? "
        "WHERE id = ? AND status = 'open' AND reminded_at IS NULL",
        (iso(now), occurrence_id),
    )
    return bool(cur.rowcount)


async def close(conn: aiosqlite.Connection, occurrence_id: int, now: datetime) -> bool:
    """Stop taking answers; False when it was closed already."""
    cur = await conn.execute(
        "UPDATE checkin_occurrences SET status = 'closed', closed_at = ? "
        "WHERE id = ? AND status = 'open'",
        (iso(now), occurrence_id),
    )
    return bool(cur.rowcount)


async def history(
    db: Database, sponsorship_id: int, kind: str, *, limit: int, before: datetime | None = None
) -> list[Occurrence]:
    """The latest occurrences of a schedule, newest first (optionally scheduled before)."""
    bound = iso(before) if before else "9999"
    rows = await db.fetchall(
        f"SELECT {_OCCURRENCE} FROM checkin_occurrences WHERE sponsorship_id = ? AND kind = ? "
        "AND scheduled_at < ? ORDER BY scheduled_at DESC LIMIT ?",
        (sponsorship_id, kind, bound, limit),
    )
    return [_occurrence(r) for r in rows]


# -- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One person's answer to one check-in."""

    occurrence_id: int
    person_id: int
    answer: int | None
    wants_talk: bool
    note: str | None


async def answer(
    db: Database, occurrence_id: int, person_id: int, value: int, now: datetime
) -> int | None:
    """Store or change an answer; returns the previous answer (None if there was none)."""
    async with db.transaction() as conn:
        rows = list(
            await conn.execute_fetchall(
                "SELECT answer FROM checkin_responses WHERE occurrence_id = ? AND person_id = ?",
                (occurrence_id, person_id),
            )
        )
        await conn.execute(
            "INSERT INTO checkin_responses (occurrence_id, person_id, answer, answered_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (occurrence_id, person_id) DO UPDATE SET "
            "answer = excluded.answer, answered_at = excluded.answered_at",
            (occurrence_id, person_id, value, iso(now)),
        )
    if not rows:
        return None
    previous = rows[0][0]
    return int(previous) if previous is not None else None


async def want_talk(db: Database, occurrence_id: int, person_id: int, now: datetime) -> None:
    """The person asked to talk to someone."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO checkin_responses (occurrence_id, person_id, wants_talk, answered_at) "
            "VALUES (?, ?, 1, ?) ON CONFLICT (occurrence_id, person_id) DO UPDATE SET "
            "wants_talk = 1",
            (occurrence_id, person_id, iso(now)),
        )


async def set_note(
    db: Database, occurrence_id: int, person_id: int, note: str, now: datetime
) -> None:
    """Store a person's note (replacing an earlier one)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO checkin_responses (occurrence_id, person_id, note, answered_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (occurrence_id, person_id) DO UPDATE SET "
            "note = excluded.note",
            (occurrence_id, person_id, note, iso(now)),
        )


async def responses(db: Database, occurrence_id: int) -> list[Response]:
    """Everything people answered to one check-in, in the order they first answered."""
    rows = await db.fetchall(
        "SELECT occurrence_id, person_id, answer, wants_talk, note FROM checkin_responses "
        "WHERE occurrence_id = ? ORDER BY rowid",
        (occurrence_id,),
    )
    return [Response(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


async def previous_answer(
    db: Database, sponsorship_id: int, person_id: int, before: datetime
) -> int | None:
    """A newcomer's last scale answer to an earlier check-in."""
    row = await db.fetchone(
        "SELECT r.answer FROM checkin_responses r JOIN checkin_occurrences o "
        "ON o.id = r.occurrence_id WHERE o.sponsorship_id = ? AND o.kind = 'newcomer' "
        "AND r.person_id = ? AND r.answer BETWEEN 1 AND 4 AND o.scheduled_at < ? "
        "ORDER BY o.scheduled_at DESC LIMIT 1",
        (sponsorship_id, person_id, iso(before)),
    )
    return int(row[0]) if row else None


# -- alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """Something the coordinator must know about, until they mark it handled."""

    id: int
    sponsorship_id: int
    occurrence_id: int
    kind: str
    person_id: int
    raised_at: datetime
    handled_at: datetime | None


_ALERT = "id, sponsorship_id, occurrence_id, kind, person_id, raised_at, handled_at"


def _alert(row: aiosqlite.Row) -> Alert:
    return Alert(
        row[0], row[1], row[2], row[3], row[4], instant(row[5]), instant(row[6]) if row[6] else None
    )


async def raise_alert(
    conn: aiosqlite.Connection,
    sponsorship_id: int,
    occurrence_id: int,
    kind: str,
    now: datetime,
    person_id: int = 0,
) -> int | None:
    """Record an alert (inside the transaction that queues the message about it); None when the
    same alert was raised for this check-in before."""
    cur = await conn.execute(
        "INSERT INTO checkin_alerts (sponsorship_id, occurrence_id, kind, person_id, raised_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (occurrence_id, kind, person_id) DO NOTHING",
        (sponsorship_id, occurrence_id, kind, person_id, iso(now)),
    )
    if not cur.rowcount:
        return None
    await audit.record(
        conn, None, f"alert_{kind}", sponsorship_id=sponsorship_id, target_id=person_id or None
    )
    return cur.lastrowid


async def get_alert(db: Database, alert_id: int) -> Alert | None:
    """An alert by id."""
    row = await db.fetchone(f"SELECT {_ALERT} FROM checkin_alerts WHERE id = ?", (alert_id,))
    return _alert(row) if row else None


async def handle_alert(db: Database, alert_id: int, by: int, now: datetime) -> bool:
    """Mark an alert handled; False when it was handled already."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE checkin_alerts SET handled_at = ?, handled_by = ? "
            "WHERE id = ? AND handled_at IS NULL",
            (iso(now), by, alert_id),
        )
        if cur.rowcount:
            await audit.record(conn, by, "alert_handled", target_id=alert_id)
        return bool(cur.rowcount)


async def open_alerts(db: Database, sponsorship_id: int | None = None) -> list[Alert]:
    """Alerts nobody marked handled yet, oldest first."""
    where, params = ("AND sponsorship_id = ?", (sponsorship_id,)) if sponsorship_id else ("", ())
    rows = await db.fetchall(
        f"SELECT {_ALERT} FROM checkin_alerts WHERE handled_at IS NULL {where} ORDER BY id",
        params,
    )
    return [_alert(r) for r in rows]
