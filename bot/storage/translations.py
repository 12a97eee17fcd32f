"""Cache of machine translations, keyed by hashes: the source text is never stored in clear.

`key` is sha256(version, backend, source language, target language, text); `source_hash` is
sha256(text) alone, so every cached translation of a person's text can be deleted given the
texts (`forget_texts`), whatever backend or language pair produced it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.storage.db import Database

KEY_VERSION = "1"  # bump to invalidate every cached row (e.g. when the glossary changes a lot)
_CHUNK = 500  # stay well under SQLite's limit on bound parameters


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def source_hash(text: str) -> str:
    """sha256 of a source text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(backend: str, source: str, target: str, text: str) -> str:
    """The cache key of one translation request, hex."""
    raw = "\x00".join((KEY_VERSION, backend, source, target, text))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


async def get(db: Database, key: str, *, not_before: datetime | None = None) -> str | None:
    """The cached translation for `key` (optionally only one created at or after `not_before`)."""
    if not_before is None:
        row = await db.fetchone("SELECT translated FROM translation_cache WHERE key = ?", (key,))
    else:
        row = await db.fetchone(
            "SELECT translated FROM translation_cache WHERE key = ? AND created_at >= ?",
            (key, _iso(not_before)),
        )
    return None if row is None else str(row[0])


async def put(
    db: Database,
    key: str,
    *,
    text: str,
    translated: str,
    backend: str,
    source: str,
    target: str,
    now: datetime,
) -> None:
    """Store (or refresh) one translation. `text` is only hashed."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO translation_cache "
            "(key, source_hash, backend, source, target, translated, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET translated = excluded.translated, "
            "created_at = excluded.created_at",
            (key, source_hash(text), backend, source, target, translated, _iso(now)),
        )


async def forget_source_hashes(db: Database, hashes: Iterable[str]) -> int:
    """Delete every cached translation of the texts with these sha256 hashes; how many rows."""
    wanted = sorted(set(hashes))
    deleted = 0
    async with db.transaction() as conn:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            cur = await conn.execute(
                f"DELETE FROM translation_cache WHERE source_hash IN ({marks})", chunk
            )
            deleted += cur.rowcount
    return deleted


async def forget_texts(db: Database, texts: Iterable[str]) -> int:
    """Delete every cached translation of these source texts; how many rows."""
    return await forget_source_hashes(db, (source_hash(t) for t in texts))


async def prune(db: Database, before: datetime) -> int:
    """Delete translations cached before `before`; how many rows."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "DELETE FROM translation_cache WHERE created_at < ?", (_iso(before),)
        )
        return cur.rowcount


async def count(db: Database) -> int:
    """How many translations are cached."""
    row = await db.fetchone("SELECT count(*) FROM translation_cache")
    return int(row[0]) if row else 0
