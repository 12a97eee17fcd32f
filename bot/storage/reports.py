"""Read-only queries for the coordinator's overview and the impact report: check-ins, answers,
tasks, alerts and closing dates across all sponsorships, a few queries in all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from bot.storage.db import Database

# Instants are stored as UTC ISO strings of one shape, so they compare as text.
_EVER = "0000"
_NEVER = "9999"


@lru_cache(maxsize=65536)  # many answers share their check-in's instant
def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _iso(when: datetime | None, default: str) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else default


@dataclass(frozen=True)
class SentCheckin:
    """A check-in that went out (open or closed), and whether anybody answered it."""

    id: int
    sponsorship_id: int
    kind: str  # group or newcomer
    scheduled_at: datetime
    answered: bool


async def sent_checkins(
    db: Database, since: datetime | None = None, until: datetime | None = None
) -> list[SentCheckin]:
    """Check-ins sent in [since, until), oldest first. Answered: somebody tapped the scale,
    "something needs attention" or "I would like to talk to someone"."""
    rows = await db.fetchall(
        "SELECT o.id, o.sponsorship_id, o.kind, o.scheduled_at, EXISTS (SELECT 1 FROM "
        "checkin_responses r WHERE r.occurrence_id = o.id AND (r.answer IS NOT NULL OR "
        "r.wants_talk = 1)) FROM checkin_occurrences o WHERE o.kind IN ('group', 'newcomer') "
        "AND o.status IN ('open', 'closed') AND o.scheduled_at >= ? AND o.scheduled_at < ? "
        "ORDER BY o.scheduled_at, o.id",
        (_iso(since, _EVER), _iso(until, _NEVER)),
    )
    return [SentCheckin(r[0], r[1], r[2], _instant(r[3]), bool(r[4])) for r in rows]


@dataclass(frozen=True)
class ScaleAnswer:
    """One answer on the four-step scale (1 worst .. 4 best)."""

    occurrence_id: int
    sponsorship_id: int
    kind: str  # newcomer: the newcomer's private check-in; group: a member in the shared chat
    scheduled_at: datetime
    answer: int


async def scale_answers(
    db: Database, since: datetime | None = None, until: datetime | None = None
) -> list[ScaleAnswer]:
    """Scale answers to check-ins scheduled in [since, until), oldest first ("something needs
    attention" and notes without an answer are not on the scale)."""
    rows = await db.fetchall(
        "SELECT o.id, o.sponsorship_id, o.kind, o.scheduled_at, r.answer FROM checkin_responses r "
        "JOIN checkin_occurrences o ON o.id = r.occurrence_id "
        "WHERE o.kind IN ('group', 'newcomer') AND r.answer BETWEEN 1 AND 4 "
        "AND o.scheduled_at >= ? AND o.scheduled_at < ? ORDER BY o.scheduled_at, o.id, r.rowid",
        (_iso(since, _EVER), _iso(until, _NEVER)),
    )
    return [ScaleAnswer(r[0], r[1], r[2], _instant(r[3]), int(r[4])) for r in rows]


@dataclass(frozen=True)
class AlertRow:
    """An alert raised for a sponsorship, and when it was handled."""

    sponsorship_id: int
    kind: str
    raised_at: datetime
    handled_at: datetime | None


async def alerts(
    db: Database, since: datetime | None = None, until: datetime | None = None
) -> list[AlertRow]:
    """Alerts raised in [since, until), oldest first."""
    rows = await db.fetchall(
        "SELECT sponsorship_id, kind, raised_at, handled_at FROM checkin_alerts "
        "WHERE raised_at >= ? AND raised_at < ? ORDER BY raised_at, id",
        (_iso(since, _EVER), _iso(until, _NEVER)),
    )
    return [AlertRow(r[0], r[1], _instant(r[2]), _instant(r[3]) if r[3] else None) for r in rows]


@dataclass(frozen=True)
class TaskRow:
    """What the report needs of a task."""

    sponsorship_id: int
    phase: str | None
    due_date: date | None
    created_at: datetime
    done_at: datetime | None


async def tasks(db: Database) -> list[TaskRow]:
    """Every task of every sponsorship."""
    rows = await db.fetchall(
        "SELECT sponsorship_id, phase, due_date, created_at, "
        "CASE WHEN status = 'done' THEN done_at END FROM tasks ORDER BY id"
    )
    return [
        TaskRow(
            r[0],
            r[1],
            date.fromisoformat(r[2]) if r[2] else None,
            _instant(r[3]),
            _instant(r[4]) if r[4] else None,
        )
        for r in rows
    ]


async def closed_at(db: Database) -> dict[int, datetime]:
    """When each closed sponsorship was closed (its last move to 'closed' in the audit)."""
    rows = await db.fetchall(
        "SELECT s.id, max(a.at) FROM sponsorships s JOIN audit a ON a.sponsorship_id = s.id "
        "AND a.action = 'status_closed' WHERE s.status = 'closed' GROUP BY s.id"
    )
    return {int(r[0]): _instant(r[1]) for r in rows}


async def members(db: Database) -> dict[int, int]:
    """How many current members each sponsor group has (the newcomer not counted)."""
    rows = await db.fetchall(
        "SELECT sponsorship_id, count(*) FROM participants WHERE kind = 'member' "
        "AND removed_at IS NULL GROUP BY sponsorship_id"
    )
    return {int(r[0]): int(r[1]) for r in rows}
