"""Questions a newcomer asked the group: only where they were posted, never their text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import Database, utcnow


@dataclass(frozen=True)
class Question:
    """A question posted in a shared chat on behalf of a person."""

    id: int
    sponsorship_id: int
    person_id: int
    chat_id: int
    message_id: int


async def add(
    db: Database, sponsorship_id: int, person_id: int, chat_id: int, message_id: int
) -> int:
    """Remember where a question was posted; its id."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO questions (sponsorship_id, person_id, chat_id, message_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (sponsorship_id, person_id, chat_id, message_id, utcnow()),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid


async def by_message(db: Database, chat_id: int, message_id: int) -> Question | None:
    """The question carried by a bot message in a shared chat."""
    row = await db.fetchone(
        "SELECT id, sponsorship_id, person_id, chat_id, message_id FROM questions "
        "WHERE chat_id = ? AND message_id = ?",
        (chat_id, message_id),
    )
    return Question(*tuple(row)) if row else None


async def get(db: Database, question_id: int) -> Question | None:
    """A question by id."""
    row = await db.fetchone(
        "SELECT id, sponsorship_id, person_id, chat_id, message_id FROM questions WHERE id = ?",
        (question_id,),
    )
    return Question(*tuple(row)) if row else None
