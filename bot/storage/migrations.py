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
    # 2: coordinators, sponsorships, invites, participants, the audit trail.
    """
    CREATE TABLE coordinators (
        id         INTEGER PRIMARY KEY,           -- Telegram user id
        added_by   INTEGER,                       -- NULL: bootstrapped from the config
        added_at   TEXT NOT NULL
    ) STRICT;
    CREATE TABLE sponsorships (
        id                INTEGER PRIMARY KEY,
        name              TEXT NOT NULL,
        municipality      TEXT NOT NULL,
        newcomer_language TEXT NOT NULL,
        arrival_date      TEXT,                   -- ISO date; NULL while not yet known
        status            TEXT NOT NULL DEFAULT 'preparing'
                          CHECK (status IN ('preparing', 'active', 'paused', 'closed')),
        chat_id           INTEGER UNIQUE,         -- the shared group chat, follows migrations
        chat_ready        INTEGER NOT NULL DEFAULT 0,  -- 1 once the bot has the rights it needs
        chat_invite_link  TEXT,                   -- join-request link of the shared chat
        flag              TEXT,                   -- e.g. 'bot_removed': needs the coordinator
        created_by        INTEGER NOT NULL,
        created_at        TEXT NOT NULL
    ) STRICT;
    CREATE TABLE invites (
        id             INTEGER PRIMARY KEY,
        sponsorship_id INTEGER NOT NULL REFERENCES sponsorships (id) ON DELETE CASCADE,
        kind           TEXT NOT NULL CHECK (kind IN ('member', 'newcomer', 'group')),
        token_hash     TEXT NOT NULL UNIQUE,      -- sha256 of the token; the token is never stored
        expires_at     TEXT NOT NULL,
        single_use     INTEGER NOT NULL,
        used_at        TEXT,
        used_by        INTEGER,
        revoked_at     TEXT,
        created_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX invites_by_sponsorship ON invites (sponsorship_id);
    CREATE TABLE participants (
        sponsorship_id INTEGER NOT NULL REFERENCES sponsorships (id) ON DELETE CASCADE,
        person_id      INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind           TEXT NOT NULL CHECK (kind IN ('member', 'newcomer')),
        roles          TEXT NOT NULL DEFAULT '',  -- comma-separated role keys
        consent_at     TEXT NOT NULL,
        in_chat        INTEGER NOT NULL DEFAULT 0,
        removed_at     TEXT,
        PRIMARY KEY (sponsorship_id, person_id)
    ) STRICT;
    CREATE INDEX participants_by_person ON participants (person_id);
    CREATE TABLE audit (
        id             INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,
        actor_id       INTEGER,                   -- who did it (NULL: the bot itself)
        action         TEXT NOT NULL,
        sponsorship_id INTEGER,
        target_id      INTEGER,
        details        TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX audit_by_sponsorship ON audit (sponsorship_id, id);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
