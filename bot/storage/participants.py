"""Participants: the members of a sponsor group and the newcomer, with roles and consent."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage import audit
from bot.storage.db import Database, utcnow

ROLES = ("contact", "buddy", "housing", "money", "health", "language", "other")


@dataclass(frozen=True)
class Participant:
    """A person in a sponsorship."""

    sponsorship_id: int
    person_id: int
    first_name: str
    language: str
    kind: str  # "member" or "newcomer"
    roles: tuple[str, ...]
    in_chat: bool
    unreachable: bool

    @property
    def is_contact(self) -> bool:
        """The group's contact person."""
        return "contact" in self.roles


_SELECT = (
    "SELECT p.sponsorship_id, p.person_id, coalesce(pe.first_name, '?') AS first_name, "
    "pe.language, p.kind, p.roles, p.in_chat, pe.unreachable FROM participants p "
    "JOIN people pe ON pe.id = p.person_id "
)


def _row(row: aiosqlite.Row) -> Participant:
    roles = tuple(r for r in row["roles"].split(",") if r)
    return Participant(
        row["sponsorship_id"],
        row["person_id"],
        row["first_name"],
        row["language"],
        row["kind"],
        roles,
        bool(row["in_chat"]),
        bool(row["unreachable"]),
    )


async def join(
    db: Database,
    *,
    sponsorship_id: int,
    person_id: int,
    first_name: str,
    language: str,
    kind: str,
    roles: tuple[str, ...] = (),
) -> Participant:
    """Register a consenting person in a sponsorship (again, if they were removed before)."""
    now = utcnow()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (id, first_name, language, consent_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "first_name = excluded.first_name, language = excluded.language, "
            "consent_at = excluded.consent_at, unreachable = 0, updated_at = excluded.updated_at",
            (person_id, first_name, language, now, now, now),
        )
        await conn.execute(
            "INSERT INTO participants (sponsorship_id, person_id, kind, roles, consent_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sponsorship_id, person_id) DO UPDATE SET "
            "kind = excluded.kind, roles = excluded.roles, consent_at = excluded.consent_at, "
            "removed_at = NULL",
            (sponsorship_id, person_id, kind, ",".join(roles), now),
        )
    found = await get(db, sponsorship_id, person_id)
    assert found is not None
    return found


async def get(db: Database, sponsorship_id: int, person_id: int) -> Participant | None:
    """A current (not removed) participant."""
    row = await db.fetchone(
        _SELECT + "WHERE p.sponsorship_id = ? AND p.person_id = ? AND p.removed_at IS NULL",
        (sponsorship_id, person_id),
    )
    return _row(row) if row else None


async def of_sponsorship(db: Database, sponsorship_id: int) -> list[Participant]:
    """Current participants: the newcomer first, then members in the order they joined."""
    rows = await db.fetchall(
        _SELECT + "WHERE p.sponsorship_id = ? AND p.removed_at IS NULL "
        "ORDER BY p.kind = 'member', p.consent_at, p.person_id",
        (sponsorship_id,),
    )
    return [_row(r) for r in rows]


async def of_person(db: Database, person_id: int) -> list[Participant]:
    """The sponsorships a person currently takes part in."""
    rows = await db.fetchall(
        _SELECT + "WHERE p.person_id = ? AND p.removed_at IS NULL ORDER BY p.sponsorship_id",
        (person_id,),
    )
    return [_row(r) for r in rows]


async def set_roles(
    db: Database, sponsorship_id: int, person_id: int, roles: tuple[str, ...], by: int
) -> None:
    """Change a member's roles."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE participants SET roles = ? WHERE sponsorship_id = ? AND person_id = ?",
            (",".join(roles), sponsorship_id, person_id),
        )
        await audit.record(
            conn,
            by,
            "roles_set",
            sponsorship_id=sponsorship_id,
            target_id=person_id,
            details=",".join(roles),
        )


async def set_in_chat(db: Database, sponsorship_id: int, person_id: int, in_chat: bool) -> None:
    """Remember whether the participant is in the shared chat."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE participants SET in_chat = ? WHERE sponsorship_id = ? AND person_id = ?",
            (int(in_chat), sponsorship_id, person_id),
        )


async def remove(db: Database, sponsorship_id: int, person_id: int, by: int) -> bool:
    """Take a participant out of a sponsorship; False when they were not in it."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE participants SET removed_at = ?, in_chat = 0 WHERE sponsorship_id = ? "
            "AND person_id = ? AND removed_at IS NULL",
            (utcnow(), sponsorship_id, person_id),
        )
        if cur.rowcount:
            await audit.record(
                conn, by, "participant_remove", sponsorship_id=sponsorship_id, target_id=person_id
            )
        return bool(cur.rowcount)
