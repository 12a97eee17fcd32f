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
    # 3: check-in schedules, occurrences, answers and alerts; the durable outbox.
    """
    CREATE TABLE checkin_schedules (
        sponsorship_id INTEGER NOT NULL,          -- 0: the coordinators' weekly digest
        kind           TEXT NOT NULL CHECK (kind IN ('group', 'newcomer', 'digest')),
        weekday        INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday, local
        local_time     TEXT NOT NULL,             -- HH:MM in [schedule] timezone
        rhythm         TEXT NOT NULL DEFAULT 'auto'
                       CHECK (rhythm IN ('auto', 'weekly', 'biweekly', 'monthly')),
        paused         INTEGER NOT NULL DEFAULT 0,
        active         INTEGER NOT NULL DEFAULT 0,  -- the sponsorship was active at the last
                                                  -- tick (becoming active moves starts_at)
        starts_at      TEXT NOT NULL,             -- UTC: nothing at or before it is due
        updated_by     INTEGER,                   -- NULL: the bot (defaults, config)
        updated_at     TEXT NOT NULL,
        PRIMARY KEY (sponsorship_id, kind)
    ) STRICT;
    CREATE TABLE checkin_occurrences (
        id             INTEGER PRIMARY KEY,
        sponsorship_id INTEGER NOT NULL,          -- 0: the digest
        kind           TEXT NOT NULL CHECK (kind IN ('group', 'newcomer', 'digest')),
        scheduled_at   TEXT NOT NULL,             -- UTC instant the rule gave
        status         TEXT NOT NULL
                       CHECK (status IN ('open', 'closed', 'sent', 'missed', 'skipped')),
        started_at     TEXT,                      -- recorded and queued for sending
        reminded_at    TEXT,
        closed_at      TEXT,
        detail         TEXT NOT NULL DEFAULT '',  -- why it was skipped
        UNIQUE (sponsorship_id, kind, scheduled_at)
    ) STRICT;
    CREATE INDEX checkin_occurrences_by_status ON checkin_occurrences (status);
    CREATE INDEX checkin_occurrences_history
        ON checkin_occurrences (sponsorship_id, kind, scheduled_at);
    CREATE TABLE checkin_responses (
        occurrence_id  INTEGER NOT NULL REFERENCES checkin_occurrences (id) ON DELETE CASCADE,
        person_id      INTEGER NOT NULL,
        answer         INTEGER CHECK (answer BETWEEN 0 AND 4),  -- 1 worst .. 4 best;
                                                  -- 0 something needs attention; NULL note only
        wants_talk     INTEGER NOT NULL DEFAULT 0,
        note           TEXT,
        answered_at    TEXT NOT NULL,
        PRIMARY KEY (occurrence_id, person_id)
    ) STRICT;
    CREATE TABLE checkin_alerts (
        id             INTEGER PRIMARY KEY,
        sponsorship_id INTEGER NOT NULL REFERENCES sponsorships (id) ON DELETE CASCADE,
        occurrence_id  INTEGER NOT NULL REFERENCES checkin_occurrences (id) ON DELETE CASCADE,
        kind           TEXT NOT NULL,             -- talk, newcomer_lowest, newcomer_low_twice,
                                                  -- group_attention, group_missed_twice
        person_id      INTEGER NOT NULL DEFAULT 0,  -- who it is about (0: the group)
        raised_at      TEXT NOT NULL,
        handled_at     TEXT,
        handled_by     INTEGER,
        UNIQUE (occurrence_id, kind, person_id)
    ) STRICT;
    CREATE INDEX checkin_alerts_open ON checkin_alerts (sponsorship_id) WHERE handled_at IS NULL;
    CREATE TABLE outbox (
        id             INTEGER PRIMARY KEY,       -- sending order within a chat
        chat_id        INTEGER NOT NULL,          -- follows a group's migration
        person_id      INTEGER,                   -- set for a private chat with a person
        edit_of        INTEGER REFERENCES outbox (id),  -- edit the message this row sent
        text           TEXT NOT NULL,             -- HTML
        markup         TEXT,                      -- inline keyboard JSON, NULL for none
        ref            TEXT,                      -- what it is for, e.g. occurrence:12
        state          TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'inflight', 'sent', 'dropped', 'failed')),
        attempts       INTEGER NOT NULL DEFAULT 0,
        error          TEXT,
        message_id     INTEGER,                   -- what Telegram answered
        created_at     TEXT NOT NULL,
        sent_at        TEXT
    ) STRICT;
    CREATE INDEX outbox_waiting ON outbox (id) WHERE state IN ('pending', 'inflight');
    CREATE INDEX outbox_by_ref ON outbox (ref);
    CREATE INDEX outbox_by_message ON outbox (chat_id, message_id);
    """,
    # 4: machine translations cache (hashes only, never the source text in clear).
    """
    CREATE TABLE translation_cache (
        key            TEXT PRIMARY KEY,          -- sha256(version, backend, source, target, text)
        source_hash    TEXT NOT NULL,             -- sha256(text): forget a person's texts
        backend        TEXT NOT NULL,
        source         TEXT NOT NULL,             -- our language codes (nl, ar, fa_AF ...)
        target         TEXT NOT NULL,
        translated     TEXT NOT NULL,
        created_at     TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX translation_cache_by_source ON translation_cache (source_hash);
    CREATE INDEX translation_cache_by_age ON translation_cache (created_at);
    """,
    # 5: the settlement plan: tasks, their helpers and the reminders sent for them.
    """
    ALTER TABLE sponsorships ADD COLUMN template_id TEXT;
    CREATE TABLE tasks (
        id             INTEGER PRIMARY KEY,
        sponsorship_id INTEGER NOT NULL REFERENCES sponsorships (id) ON DELETE CASCADE,
        template_key   TEXT,                      -- a task of the plan template
        phase          TEXT,
        title          TEXT,                      -- a task somebody wrote, shown as written
        owner_role     TEXT,                      -- newcomer, together or a role, until taken
        owner_id       INTEGER REFERENCES people (id) ON DELETE SET NULL,
        due_date       TEXT,                      -- ISO date; NULL until the arrival is known
        due_days       INTEGER,                   -- template: days after the arrival date
        status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        done_at        TEXT,
        done_by        INTEGER,
        created_by     INTEGER,
        created_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX tasks_by_sponsorship ON tasks (sponsorship_id, status, due_date);
    CREATE INDEX tasks_by_due ON tasks (status, due_date);
    CREATE TABLE task_helpers (
        task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, person_id)
    ) STRICT;
    CREATE TABLE task_reminders (
        task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        day     TEXT NOT NULL,
        PRIMARY KEY (task_id, kind, day)
    ) STRICT;
    """,
    # 6: consent to machine translation, auto-translate per sponsorship, relayed questions.
    """
    ALTER TABLE people ADD COLUMN translate_consent INTEGER;   -- NULL: never asked; 1 yes; 0 no
    ALTER TABLE people ADD COLUMN translate_consent_at TEXT;
    ALTER TABLE sponsorships ADD COLUMN auto_translate INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE questions (
        id              INTEGER PRIMARY KEY,
        sponsorship_id  INTEGER NOT NULL REFERENCES sponsorships (id) ON DELETE CASCADE,
        person_id       INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        chat_id         INTEGER NOT NULL,        -- where the question was posted
        message_id      INTEGER NOT NULL,        -- the bot's message carrying it (no text kept)
        created_at      TEXT NOT NULL,
        UNIQUE (chat_id, message_id)
    ) STRICT;
    """,
    # 7: concerns raised privately with the coordinator.
    """
    CREATE TABLE concerns (
        id              INTEGER PRIMARY KEY,
        person_id       INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        sponsorship_id  INTEGER REFERENCES sponsorships (id) ON DELETE SET NULL,
        text            TEXT NOT NULL,
        raised_at       TEXT NOT NULL,
        acknowledged_at TEXT,
        acknowledged_by INTEGER
    ) STRICT;
    """,
    # 8: retention: notices sent before a closed sponsorship is purged, anonymous archive.
    """
    CREATE TABLE purge_notices (
        sponsorship_id INTEGER PRIMARY KEY REFERENCES sponsorships (id) ON DELETE CASCADE,
        notified_at    TEXT NOT NULL
    ) STRICT;
    CREATE TABLE archive (
        id           INTEGER PRIMARY KEY,
        municipality TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        purged_at    TEXT NOT NULL,
        members      INTEGER NOT NULL,
        tasks_done   INTEGER NOT NULL,
        tasks_total  INTEGER NOT NULL,
        checkins     INTEGER NOT NULL
    ) STRICT;
    """,
    # 9: coordinators' broadcasts to the shared chats (the messages go through the outbox,
    # with ref 'broadcast:<id>'; the summary is queued once none of them is waiting).
    """
    CREATE TABLE broadcasts (
        id           INTEGER PRIMARY KEY,
        created_by   INTEGER NOT NULL,           -- the coordinator, who gets the summary
        municipality TEXT,                       -- NULL: the shared chats of every municipality
        chats        INTEGER NOT NULL,           -- how many shared chats it was queued for
        created_at   TEXT NOT NULL,
        reported_at  TEXT,                       -- the delivery summary was queued
        delivered    INTEGER,
        unreachable  INTEGER,
        failed       INTEGER
    ) STRICT;
    CREATE INDEX broadcasts_unreported ON broadcasts (id) WHERE reported_at IS NULL;
    """,
    # 10: profiles for matching before arrival (purposes: bot/storage/profiles.py, README).
    """
    CREATE TABLE group_profiles (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL,             -- becomes the sponsorship's name
        contact_id     INTEGER,                   -- Telegram id of the contact person
        municipality   TEXT NOT NULL,
        neighbourhood  TEXT NOT NULL DEFAULT '',
        languages      TEXT NOT NULL DEFAULT '',  -- code:level,... (1 basic, 2 good, 3 fluent)
        hours          INTEGER NOT NULL DEFAULT 0 CHECK (hours >= 0),  -- a week, together
        availability   TEXT NOT NULL DEFAULT '',  -- weekdays, evenings, weekends
        skills         TEXT NOT NULL DEFAULT '',  -- paperwork, health, school, jobs, ...
        interests      TEXT NOT NULL DEFAULT '',  -- what the group hopes to share
        sponsorship_id INTEGER UNIQUE REFERENCES sponsorships (id) ON DELETE CASCADE,
        created_by     INTEGER NOT NULL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX group_profiles_by_contact ON group_profiles (contact_id);
    CREATE TABLE household_profiles (
        id             INTEGER PRIMARY KEY,
        label          TEXT NOT NULL,             -- the coordinator's reference, not a name
        main_language  TEXT NOT NULL,             -- the bot's language for the household
        languages      TEXT NOT NULL DEFAULT '',  -- code:level,...
        adults         INTEGER NOT NULL CHECK (adults BETWEEN 1 AND 20),
        children_ages  TEXT NOT NULL DEFAULT '',  -- ages in years, comma-separated
        needs          TEXT NOT NULL DEFAULT '',  -- school, medical, mobility, jobs
        interests      TEXT NOT NULL DEFAULT '',
        location       TEXT,                      -- preferred municipality; NULL: none
        consent_at     TEXT NOT NULL,             -- when the household's consent was recorded
        consent_by     INTEGER NOT NULL,          -- the coordinator who recorded it
        sponsorship_id INTEGER UNIQUE REFERENCES sponsorships (id) ON DELETE CASCADE,
        created_by     INTEGER NOT NULL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
    ) STRICT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
