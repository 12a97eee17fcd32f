"""Profiles for matching before arrival: sponsor groups waiting for a household, and newcomer
households waiting for a group. Each field is kept for a stated purpose (README, "Matching"):

Sponsor group (filled in by a coordinator or the group's contact person)
  name            how the group is known; becomes the name of its sponsorship
  contact_id      the Telegram id of the contact person: may keep the profile up to date and gets
                  the introduction of the household after a match
  municipality    location criterion; the municipality of the sponsorship
  neighbourhood   told to the household in the introduction of the group
  languages       language criterion (code and level: 1 basic, 2 good, 3 fluent)
  hours           capacity criterion (hours a week the group can give together)
  availability    weekdays, evenings, weekends: told to the household
  skills          needs criterion: what the group can help with
  interests       interests criterion: what the group hopes to share

Household (filled in by a coordinator from the resettlement file, only with the household's
consent, which is recorded: who recorded it and when)
  label           the coordinator's own reference (a file number), never the family's name
  main_language   the language the bot uses for the household and the sponsorship
  languages       language criterion (code and level)
  adults,
  children_ages   household composition: the group can prepare housing, school and furniture
  needs           needs criterion: school-age children, medical follow-up (nothing more
                  medical), limited mobility, looking for work
  interests       interests criterion
  location        location criterion: the preferred municipality (NULL: no preference)

No religion, ethnicity or medical details are asked or stored. A matched pair points at its
sponsorship and is deleted together with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot import matching
from bot.storage import audit
from bot.storage.db import Database, utcnow

_GROUP_COLUMNS = (
    "id, name, contact_id, municipality, neighbourhood, languages, hours, availability, "
    "skills, interests, sponsorship_id, created_by, created_at, updated_at"
)
_HOUSEHOLD_COLUMNS = (
    "id, label, main_language, languages, adults, children_ages, needs, interests, location, "
    "consent_at, consent_by, sponsorship_id, created_by, created_at, updated_at"
)
# Columns a coordinator (or the contact person) may change after creation.
GROUP_FIELDS = frozenset(
    {
        "name",
        "contact_id",
        "municipality",
        "neighbourhood",
        "languages",
        "hours",
        "availability",
        "skills",
        "interests",
    }
)
HOUSEHOLD_FIELDS = frozenset(
    {"label", "main_language", "languages", "adults", "children_ages", "needs", "interests",
     "location"}
)  # fmt: skip

Languages = tuple[tuple[str, int], ...]


def encode_languages(languages: Mapping[str, int] | Languages) -> str:
    """Stored as "ar:3,en:1": best spoken first, then in the order of PROFILE_LANGUAGES."""
    items = dict(languages)
    order = {code: i for i, code in enumerate(matching.PROFILE_LANGUAGES)}
    codes = sorted(
        (c for c, lv in items.items() if lv > 0), key=lambda c: (-items[c], order.get(c, 99), c)
    )
    return ",".join(f"{c}:{items[c]}" for c in codes)


def decode_languages(text: str) -> Languages:
    """The stored languages as (code, level) pairs."""
    out: list[tuple[str, int]] = []
    for item in text.split(","):
        code, _, level = item.partition(":")
        if code and level.isdigit():
            out.append((code, int(level)))
    return tuple(out)


def encode_keys(keys: Iterable[str]) -> str:
    """A set of keys as stored (sorted, comma-separated)."""
    return ",".join(sorted(set(keys)))


def _keys(text: str) -> frozenset[str]:
    return frozenset(k for k in text.split(",") if k)


def encode_ages(ages: Iterable[int]) -> str:
    """Children's ages as stored, youngest first."""
    return ",".join(str(a) for a in sorted(ages))


@dataclass(frozen=True)
class GroupProfile:
    """A sponsor group's profile."""

    id: int
    name: str
    contact_id: int | None
    municipality: str
    neighbourhood: str
    languages: Languages
    hours: int
    availability: frozenset[str]
    skills: frozenset[str]
    interests: frozenset[str]
    sponsorship_id: int | None
    created_by: int
    created_at: str
    updated_at: str

    @property
    def facts(self) -> matching.Group:
        """What the score looks at."""
        return matching.Group(
            id=self.id,
            languages=dict(self.languages),
            hours=self.hours,
            municipality=self.municipality,
            skills=self.skills,
            interests=self.interests,
        )


@dataclass(frozen=True)
class HouseholdProfile:
    """A newcomer household's profile."""

    id: int
    label: str
    main_language: str
    languages: Languages
    adults: int
    children_ages: tuple[int, ...]
    needs: frozenset[str]
    interests: frozenset[str]
    location: str | None
    consent_at: str
    consent_by: int
    sponsorship_id: int | None
    created_by: int
    created_at: str
    updated_at: str

    @property
    def facts(self) -> matching.Household:
        """What the score looks at."""
        return matching.Household(
            languages=dict(self.languages),
            needs=self.needs,
            interests=self.interests,
            location=self.location,
        )


def _group(row: aiosqlite.Row) -> GroupProfile:
    return GroupProfile(
        id=row["id"],
        name=row["name"],
        contact_id=row["contact_id"],
        municipality=row["municipality"],
        neighbourhood=row["neighbourhood"],
        languages=decode_languages(row["languages"]),
        hours=row["hours"],
        availability=_keys(row["availability"]),
        skills=_keys(row["skills"]),
        interests=_keys(row["interests"]),
        sponsorship_id=row["sponsorship_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _household(row: aiosqlite.Row) -> HouseholdProfile:
    return HouseholdProfile(
        id=row["id"],
        label=row["label"],
        main_language=row["main_language"],
        languages=decode_languages(row["languages"]),
        adults=row["adults"],
        children_ages=tuple(int(a) for a in row["children_ages"].split(",") if a),
        needs=_keys(row["needs"]),
        interests=_keys(row["interests"]),
        location=row["location"],
        consent_at=row["consent_at"],
        consent_by=row["consent_by"],
        sponsorship_id=row["sponsorship_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _check(values: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not a profile field: {', '.join(sorted(unknown))}")


# --- sponsor groups ----------------------------------------------------------------------------


async def create_group(db: Database, values: Mapping[str, Any], by: int) -> GroupProfile:
    """A new group profile; `values` holds stored forms of GROUP_FIELDS (name, municipality
    required)."""
    _check(values, GROUP_FIELDS)
    now = utcnow()
    columns = [*values, "created_by", "created_at", "updated_at"]
    params = [*values.values(), by, now, now]
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"INSERT INTO group_profiles ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            params,
        )
        profile_id = cur.lastrowid
        assert profile_id is not None
        await audit.record(conn, by, "group_profile_create", target_id=profile_id)
    found = await get_group(db, profile_id)
    assert found is not None
    return found


async def update_group(db: Database, profile_id: int, values: Mapping[str, Any], by: int) -> None:
    """Change some fields of a group profile."""
    _check(values, GROUP_FIELDS)
    sets = ", ".join(f"{k} = ?" for k in values)
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE group_profiles SET {sets}, updated_at = ? WHERE id = ?",
            (*values.values(), utcnow(), profile_id),
        )
        await audit.record(
            conn, by, "group_profile_update", target_id=profile_id, details=",".join(values)
        )


async def get_group(db: Database, profile_id: int) -> GroupProfile | None:
    """A group profile by id."""
    row = await db.fetchone(
        f"SELECT {_GROUP_COLUMNS} FROM group_profiles WHERE id = ?", (profile_id,)
    )
    return _group(row) if row else None


async def groups(db: Database, *, waiting_only: bool = False) -> list[GroupProfile]:
    """Group profiles, oldest first; `waiting_only`: those without a household yet."""
    where = "WHERE sponsorship_id IS NULL " if waiting_only else ""
    rows = await db.fetchall(f"SELECT {_GROUP_COLUMNS} FROM group_profiles {where}ORDER BY id")
    return [_group(r) for r in rows]


async def groups_of_contact(db: Database, person_id: int) -> list[GroupProfile]:
    """The group profiles this person is the contact person of."""
    rows = await db.fetchall(
        f"SELECT {_GROUP_COLUMNS} FROM group_profiles WHERE contact_id = ? ORDER BY id",
        (person_id,),
    )
    return [_group(r) for r in rows]


async def delete_group(db: Database, profile_id: int, by: int) -> None:
    """Forget a group profile."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM group_profiles WHERE id = ?", (profile_id,))
        await audit.record(conn, by, "group_profile_delete", target_id=profile_id)


async def municipalities(db: Database, limit: int = 6) -> list[str]:
    """Municipalities named in group profiles, most used first (for quick buttons)."""
    rows = await db.fetchall(
        "SELECT municipality FROM group_profiles GROUP BY municipality "
        "ORDER BY count(*) DESC, municipality LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


# --- households --------------------------------------------------------------------------------


async def create_household(
    db: Database, values: Mapping[str, Any], *, consent_by: int, by: int
) -> HouseholdProfile:
    """A new household profile; the consent was given to `consent_by` (recorded now)."""
    _check(values, HOUSEHOLD_FIELDS)
    now = utcnow()
    columns = [*values, "consent_at", "consent_by", "created_by", "created_at", "updated_at"]
    params = [*values.values(), now, consent_by, by, now, now]
    async with db.transaction() as conn:
        cur = await conn.execute(
            f"INSERT INTO household_profiles ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            params,
        )
        profile_id = cur.lastrowid
        assert profile_id is not None
        await audit.record(conn, by, "household_create", target_id=profile_id, details="consent")
    found = await get_household(db, profile_id)
    assert found is not None
    return found


async def update_household(
    db: Database, profile_id: int, values: Mapping[str, Any], by: int
) -> None:
    """Change some fields of a household profile."""
    _check(values, HOUSEHOLD_FIELDS)
    sets = ", ".join(f"{k} = ?" for k in values)
    async with db.transaction() as conn:
        await conn.execute(
            f"UPDATE household_profiles SET {sets}, updated_at = ? WHERE id = ?",
            (*values.values(), utcnow(), profile_id),
        )
        await audit.record(
            conn, by, "household_update", target_id=profile_id, details=",".join(values)
        )


async def get_household(db: Database, profile_id: int) -> HouseholdProfile | None:
    """A household profile by id."""
    row = await db.fetchone(
        f"SELECT {_HOUSEHOLD_COLUMNS} FROM household_profiles WHERE id = ?", (profile_id,)
    )
    return _household(row) if row else None


async def households(db: Database) -> list[HouseholdProfile]:
    """Every household profile, oldest first."""
    rows = await db.fetchall(f"SELECT {_HOUSEHOLD_COLUMNS} FROM household_profiles ORDER BY id")
    return [_household(r) for r in rows]


async def delete_household(db: Database, profile_id: int, by: int) -> None:
    """Forget a household profile (for instance when the household withdraws consent)."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM household_profiles WHERE id = ?", (profile_id,))
        await audit.record(conn, by, "household_delete", target_id=profile_id)


# --- the match ---------------------------------------------------------------------------------


async def link_match(
    db: Database, *, group_id: int, household_id: int, sponsorship_id: int, by: int
) -> bool:
    """Tie both profiles to their new sponsorship; False (nothing changed) when either was
    matched or deleted meanwhile."""
    try:
        async with db.transaction() as conn:
            now = utcnow()
            group = await conn.execute(
                "UPDATE group_profiles SET sponsorship_id = ?, updated_at = ? "
                "WHERE id = ? AND sponsorship_id IS NULL",
                (sponsorship_id, now, group_id),
            )
            household = await conn.execute(
                "UPDATE household_profiles SET sponsorship_id = ?, updated_at = ? "
                "WHERE id = ? AND sponsorship_id IS NULL",
                (sponsorship_id, now, household_id),
            )
            if group.rowcount != 1 or household.rowcount != 1:
                raise _TakenError
            await audit.record(
                conn,
                by,
                "match_confirm",
                sponsorship_id=sponsorship_id,
                target_id=household_id,
                details=f"group {group_id}",
            )
    except _TakenError:
        return False
    return True


class _TakenError(Exception):
    """One of the profiles was matched meanwhile: the transaction is rolled back."""
