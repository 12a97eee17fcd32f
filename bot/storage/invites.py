"""Invite tokens: random, stored only as hashes, expiring, single-use where asked, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.storage import audit
from bot.storage.db import Database, utcnow

InviteKind = Literal["member", "newcomer", "group"]
TOKEN_BYTES = 24  # 192 bits, 32 characters of A-Za-z0-9_- (Telegram's /start payload alphabet)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class Invite:
    """A valid invite, found by its token."""

    id: int
    sponsorship_id: int
    kind: InviteKind
    expires_at: str
    single_use: bool


def token_hash(token: str) -> str:
    """What the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create(
    db: Database,
    sponsorship_id: int,
    kind: InviteKind,
    days: int,
    *,
    single_use: bool,
    by: int,
) -> tuple[str, datetime]:
    """A new token (returned once, never stored) and its expiry time."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO invites (sponsorship_id, kind, token_hash, expires_at, single_use, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                sponsorship_id,
                kind,
                token_hash(token),
                expires.isoformat(),
                int(single_use),
                utcnow(),
            ),
        )
        await audit.record(conn, by, "invite_create", sponsorship_id=sponsorship_id, details=kind)
    return token, expires


async def find_valid(db: Database, token: str, kinds: tuple[InviteKind, ...]) -> Invite | None:
    """The invite for a token when it exists, is of one of these kinds, and is still usable."""
    if not TOKEN_RE.match(token):
        return None
    row = await db.fetchone(
        "SELECT id, sponsorship_id, kind, expires_at, single_use FROM invites "
        "WHERE token_hash = ? AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ?",
        (token_hash(token), utcnow()),
    )
    if row is None or row["kind"] not in kinds:
        return None
    return Invite(
        row["id"], row["sponsorship_id"], row["kind"], row["expires_at"], bool(row["single_use"])
    )


async def still_valid(db: Database, invite_id: int) -> bool:
    """True while the invite can still be used (not expired, revoked or used)."""
    row = await db.fetchone(
        "SELECT 1 FROM invites WHERE id = ? AND revoked_at IS NULL AND used_at IS NULL "
        "AND expires_at > ?",
        (invite_id, utcnow()),
    )
    return row is not None


async def mark_used(db: Database, invite_id: int, person_id: int) -> bool:
    """Spend a single-use invite; False when someone else was first or it lapsed meanwhile."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL "
            "AND revoked_at IS NULL AND expires_at > ?",
            (utcnow(), person_id, invite_id, utcnow()),
        )
        return bool(cur.rowcount)


async def revoke_all(db: Database, sponsorship_id: int, by: int) -> int:
    """Revoke every open invite of a sponsorship; how many were revoked."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE invites SET revoked_at = ? WHERE sponsorship_id = ? AND revoked_at IS NULL "
            "AND used_at IS NULL AND expires_at > ?",
            (utcnow(), sponsorship_id, utcnow()),
        )
        await audit.record(
            conn,
            by,
            "invites_revoke",
            sponsorship_id=sponsorship_id,
            details=f"{cur.rowcount} revoked",
        )
        return cur.rowcount


async def open_count(db: Database, sponsorship_id: int) -> int:
    """How many invites of a sponsorship can still be used."""
    row = await db.fetchone(
        "SELECT count(*) FROM invites WHERE sponsorship_id = ? AND revoked_at IS NULL "
        "AND used_at IS NULL AND expires_at > ?",
        (sponsorship_id, utcnow()),
    )
    return int(row[0]) if row else 0
