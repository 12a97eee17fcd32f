"""Schema migrations: MIGRATIONS[i] brings the database to `PRAGMA user_version` i + 1."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: people who chose to use the bot.
    """
    CREATE TABLE people (
        id          INTEGER PRIMARY KEY,          -- Telegram user id
        first_name  TEXT,                         -- as shown in Telegram, only once needed
        language    TEXT NOT NULL,                -- chosen language code (nl, ar, fa_AF, ...)
        consent_at  TEXT,                         -- UTC ISO time of consent, NULL until given
        unreachable INTEGER NOT NULL DEFAULT 0,   -- 1 when the person blocked the bot
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    ) STRICT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
