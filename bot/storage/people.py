"""People who use the bot: Telegram id, first name, chosen language, consent."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from bot.storage.db import Database, utcnow


@dataclass(frozen=True)
class Person:
    """A registered person."""

    id: int
    first_name: str | None
    language: str
    consent_at: str | None
    unreachable: bool
    translate_consent: bool | None = None  # machine translation: None = never asked


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        id=row["id"],
        first_name=row["first_name"],
        language=row["language"],
        consent_at=row["consent_at"],
        unreachable=bool(row["unreachable"]),
        translate_consent=None
        if row["translate_consent"] is None
        else bool(row["translate_consent"]),
    )


async def get(db: Database, person_id: int) -> Person | None:
    """The person with this Telegram id, if registered."""
    row = await db.fetchone(
        "SELECT id, first_name, language, consent_at, unreachable, translate_consent "
        "FROM people WHERE id = ?",
        (person_id,),
    )
    return _person(row) if row else None


async def set_language(db: Database, person_id: int, language: str) -> Person:
    """Register the person (if new) with this language, or change their language."""
    now = utcnow()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (id, language, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET language = excluded.language, "
            "updated_at = excluded.updated_at",
            (person_id, language, now, now),
        )
    person = await get(db, person_id)
    assert person is not None
    return person


async def set_reachable(db: Database, person_id: int, reachable: bool) -> None:
    """Mark a person unreachable (blocked the bot) or reachable again."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE people SET unreachable = ?, updated_at = ? WHERE id = ?",
            (0 if reachable else 1, utcnow(), person_id),
        )


async def set_translate_consent(db: Database, person_id: int, consent: bool) -> None:
    """Record the person's yes or no to machine translation of their text."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE people SET translate_consent = ?, translate_consent_at = ?, updated_at = ? "
            "WHERE id = ?",
            (int(consent), utcnow(), utcnow(), person_id),
        )
