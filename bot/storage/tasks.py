"""Tasks of a sponsorship's settlement plan: from a template or written by a person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, utcnow

_COLUMNS = (
    "t.id, t.sponsorship_id, t.template_key, t.phase, t.title, t.owner_role, t.owner_id, "
    "t.due_date, t.status, t.done_at, t.done_by, t.created_by, t.created_at, "
    "coalesce(p.first_name, '') AS owner_name, "
    "(SELECT group_concat(h.person_id) FROM task_helpers h WHERE h.task_id = t.id) AS helpers"
)
_FROM = " FROM tasks t LEFT JOIN people p ON p.id = t.owner_id "


@dataclass(frozen=True)
class Task:
    """One step of the plan."""

    id: int
    sponsorship_id: int
    template_key: str | None  # a task from the plan template (texts from the template)
    phase: str | None
    title: str | None  # a free task, shown as written
    owner_role: str | None  # "newcomer", "together" or a group role, until a person takes it
    owner_id: int | None
    due_date: date | None
    status: str  # "open" or "done"
    done_at: str | None
    done_by: int | None
    created_by: int | None
    created_at: str
    owner_name: str
    helpers: tuple[int, ...]

    def overdue(self, today: date) -> bool:
        """Open and past its due date."""
        return self.status == "open" and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class NewTask:
    """A task to create."""

    template_key: str | None
    phase: str | None
    title: str | None
    owner_role: str | None
    owner_id: int | None
    due_date: date | None
    due_days: int | None = None  # from the template: due date = arrival + due_days


def _row(row: aiosqlite.Row) -> Task:
    due = row["due_date"]
    helpers = tuple(int(h) for h in (row["helpers"] or "").split(",") if h)
    return Task(
        id=row["id"],
        sponsorship_id=row["sponsorship_id"],
        template_key=row["template_key"],
        phase=row["phase"],
        title=row["title"],
        owner_role=row["owner_role"],
        owner_id=row["owner_id"],
        due_date=date.fromisoformat(due) if due else None,
        status=row["status"],
        done_at=row["done_at"],
        done_by=row["done_by"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        owner_name=row["owner_name"],
        helpers=helpers,
    )


async def add_many(
    db: Database, sponsorship_id: int, new: Iterable[NewTask], by: int | None
) -> list[int]:
    """Create tasks in one transaction; their ids."""
    ids: list[int] = []
    now = utcnow()
    async with db.transaction() as conn:
        for task in new:
            cur = await conn.execute(
                "INSERT INTO tasks (sponsorship_id, template_key, phase, title, owner_role, "
                "owner_id, due_date, due_days, status, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                (
                    sponsorship_id,
                    task.template_key,
                    task.phase,
                    task.title,
                    task.owner_role,
                    task.owner_id,
                    task.due_date.isoformat() if task.due_date else None,
                    task.due_days,
                    by,
                    now,
                ),
            )
            assert cur.lastrowid is not None
            ids.append(cur.lastrowid)
        await audit.record(
            conn, by, "tasks_add", sponsorship_id=sponsorship_id, details=f"{len(ids)} tasks"
        )
    return ids


async def get(db: Database, task_id: int) -> Task | None:
    """A task by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS}{_FROM}WHERE t.id = ?", (task_id,))
    return _row(row) if row else None


async def of_sponsorship(db: Database, sponsorship_id: int) -> list[Task]:
    """All tasks of a sponsorship: open first by due date, then done."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS}{_FROM}WHERE t.sponsorship_id = ? "
        "ORDER BY t.status = 'done', t.due_date IS NULL, t.due_date, t.id",
        (sponsorship_id,),
    )
    return [_row(r) for r in rows]


async def due_on(db: Database, day: date) -> list[Task]:
    """Open tasks due on a day (for reminders), across sponsorships that are not paused."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS}{_FROM}JOIN sponsorships s ON s.id = t.sponsorship_id "
        "WHERE t.status = 'open' AND t.due_date = ? AND s.status IN ('preparing', 'active')",
        (day.isoformat(),),
    )
    return [_row(r) for r in rows]


async def set_arrival(db: Database, sponsorship_id: int, arrival: date) -> None:
    """Give template tasks their real due dates from the arrival date."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE tasks SET due_date = date(?, due_days || ' days') "
            "WHERE sponsorship_id = ? AND due_days IS NOT NULL AND status = 'open'",
            (arrival.isoformat(), sponsorship_id),
        )


async def complete(db: Database, task_id: int, by: int) -> bool:
    """Mark done; False when it was done already (or is gone)."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE tasks SET status = 'done', done_at = ?, done_by = ? "
            "WHERE id = ? AND status = 'open'",
            (utcnow(), by, task_id),
        )
        return bool(cur.rowcount)


async def take(db: Database, task_id: int, person_id: int) -> str:
    """The person takes the task: owner when nobody owns it, else a helper. Returns which."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE tasks SET owner_id = ? WHERE id = ? AND owner_id IS NULL", (person_id, task_id)
        )
        if cur.rowcount:
            return "owner"
        await conn.execute(
            "INSERT INTO task_helpers (task_id, person_id) SELECT ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM tasks WHERE id = ? AND owner_id = ?) "
            "ON CONFLICT DO NOTHING",
            (task_id, person_id, task_id, person_id),
        )
        return "helper"


async def postpone(db: Database, task_id: int, days: int, today: date) -> date:
    """Move the due date forward (from today when it had none or is overdue)."""
    task = await get(db, task_id)
    assert task is not None
    base = task.due_date if task.due_date and task.due_date >= today else today
    new = date.fromordinal(base.toordinal() + days)
    async with db.transaction() as conn:
        await conn.execute("UPDATE tasks SET due_date = ? WHERE id = ?", (new.isoformat(), task_id))
    return new


async def record_reminder(conn: aiosqlite.Connection, task_id: int, kind: str, day: date) -> bool:
    """Inside a transaction: record a reminder before it is queued; False if already sent."""
    cur = await conn.execute(
        "INSERT INTO task_reminders (task_id, kind, day) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (task_id, kind, day.isoformat()),
    )
    return bool(cur.rowcount)
