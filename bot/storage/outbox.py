"""The outbox: outgoing messages as rows, written in the same transaction as what caused them.

A row is `pending` until the sender claims it (`inflight`, committed before the request goes
out), then `sent`, `dropped` (the target cannot be reached) or `failed` (given up). At start-up
rows left `inflight` by a crash go back to `pending`: only those can be sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.storage.db import Database

_COLUMNS = "id, chat_id, person_id, edit_of, text, markup, ref, state, attempts, message_id"


@dataclass(frozen=True)
class OutboxRow:
    """One outgoing message (or edit of a message the outbox sent before)."""

    id: int
    chat_id: int
    person_id: int | None
    edit_of: int | None
    text: str
    markup: str | None
    ref: str | None
    state: str
    attempts: int
    message_id: int | None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(*tuple(row))


async def enqueue(
    conn: aiosqlite.Connection,
    chat_id: int,
    text: str,
    *,
    now: datetime,
    markup: str | None = None,
    person_id: int | None = None,
    ref: str | None = None,
    edit_of: int | None = None,
) -> int:
    """Queue a message; call inside the transaction that decided to send it."""
    cur = await conn.execute(
        "INSERT INTO outbox (chat_id, person_id, edit_of, text, markup, ref, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (chat_id, person_id, edit_of, text, markup, ref, _iso(now)),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


async def recover(db: Database) -> int:
    """Put rows a crash left in flight back in the queue; how many there were."""
    async with db.transaction() as conn:
        cur = await conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'inflight'")
        return cur.rowcount


async def pending(db: Database, limit: int) -> list[OutboxRow]:
    """The oldest waiting rows, in sending order."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,)
    )
    return [_row(r) for r in rows]


async def get(db: Database, row_id: int) -> OutboxRow | None:
    """A row by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (row_id,))
    return _row(row) if row else None


async def claim(db: Database, row_id: int) -> bool:
    """Mark a pending row in flight (committed before sending); False if it is not pending."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE outbox SET state = 'inflight', attempts = attempts + 1 "
            "WHERE id = ? AND state = 'pending'",
            (row_id,),
        )
        return bool(cur.rowcount)


async def mark_sent(db: Database, row_id: int, message_id: int | None, now: datetime) -> None:
    """Telegram accepted it."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, error = NULL "
            "WHERE id = ?",
            (message_id, _iso(now), row_id),
        )


async def release(db: Database, row_id: int, error: str) -> None:
    """Back to the queue after a temporary failure."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET state = 'pending', error = ? WHERE id = ?", (error[:200], row_id)
        )


async def finish(db: Database, row_id: int, state: str, error: str) -> None:
    """Give up on a row: `dropped` (unreachable target) or `failed`."""
    assert state in ("dropped", "failed")
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET state = ?, error = ? WHERE id = ?", (state, error[:200], row_id)
        )


async def drop_chat(db: Database, chat_id: int, error: str) -> int:
    """Drop every waiting row for a chat the bot cannot write to; how many."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE outbox SET state = 'dropped', error = ? "
            "WHERE chat_id = ? AND state IN ('pending', 'inflight')",
            (error[:200], chat_id),
        )
        return cur.rowcount


async def retarget(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its waiting rows follow it."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state IN ('pending', 'inflight')",
            (new_chat_id, old_chat_id),
        )


async def sent_message(db: Database, ref: str) -> tuple[int, int] | None:
    """(chat id, message id) of the message sent for `ref`, once sent."""
    row = await db.fetchone(
        "SELECT chat_id, message_id FROM outbox WHERE ref = ? AND edit_of IS NULL "
        "AND state = 'sent' AND message_id IS NOT NULL ORDER BY id DESC LIMIT 1",
        (ref,),
    )
    return (row[0], row[1]) if row else None


async def first_row(db: Database, ref: str) -> int | None:
    """The id of the (first) message row queued for `ref`."""
    row = await db.fetchone(
        "SELECT id FROM outbox WHERE ref = ? AND edit_of IS NULL ORDER BY id LIMIT 1", (ref,)
    )
    return int(row[0]) if row else None


async def ref_of(db: Database, chat_id: int, message_id: int) -> str | None:
    """What a message the outbox sent was for."""
    row = await db.fetchone(
        "SELECT ref FROM outbox WHERE chat_id = ? AND message_id = ? AND state = 'sent' "
        "ORDER BY id DESC LIMIT 1",
        (chat_id, message_id),
    )
    return str(row[0]) if row and row[0] is not None else None


async def counts(db: Database) -> dict[str, int]:
    """How many rows are in each state."""
    rows = await db.fetchall("SELECT state, count(*) FROM outbox GROUP BY state")
    return {r[0]: int(r[1]) for r in rows}


async def states_of(db: Database, ref: str) -> list[tuple[int, str]]:
    """(chat id, state) of every message queued for `ref`, in queueing order (edits left out):
    how a batch such as a broadcast went."""
    rows = await db.fetchall(
        "SELECT chat_id, state FROM outbox WHERE ref = ? AND edit_of IS NULL ORDER BY id", (ref,)
    )
    return [(int(r[0]), str(r[1])) for r in rows]
