"""Privacy as a person and a municipality's privacy officer would check it: /privacy explains,
/mydata exports, /forget erases every trace, closed sponsorships are purged after retention."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import checkins, privacy
from bot.clock import FakeClock
from bot.sandbox import Sandbox
from bot.sandbox.fake_translator import FakeTranslator
from bot.storage import Database, sponsorships
from tests.helpers import Harness
from tests.scenarios import (
    QUICK_PEOPLE,
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    set_up_chat,
    world,
)

AMS = ZoneInfo("Europe/Amsterdam")
NAME = "Amalunique"
PHRASE = "zebra-kiwi-7731"


@pytest.fixture
def fake() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


async def test_every_person_column_is_covered(tmp_path: Path) -> None:
    """A new table that stores a person's id must say what /mydata and /forget do with it."""
    db = await Database.open(tmp_path / "x.db")
    try:
        covered = {(c.table, c.column) for c in privacy.PERSON_DATA}
        tables = [
            r[0]
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        missing = []
        for table in tables:
            for column in await db.fetchall(f"PRAGMA table_info({table})"):
                name = column[1]
                refers = [
                    fk
                    for fk in await db.fetchall(f"PRAGMA foreign_key_list({table})")
                    if fk[3] == name and fk[2] == "people"
                ]
                looks = name.endswith(
                    ("person_id", "_by", "actor_id", "target_id", "chat_id", "user_id")
                )
                if (refers or looks) and (table, name) not in covered | privacy.NOT_PERSONS:
                    missing.append(f"{table}.{name}")
        assert missing == []
    finally:
        await db.close()


async def _rows_mentioning(bot: Harness, needles: list[str]) -> list[str]:
    found = []
    db = bot.services.db
    tables = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for key, value in zip(row.keys(), tuple(row), strict=True):
                text = str(value)
                if any(
                    needle == text or (len(needle) > 8 and needle in text) for needle in needles
                ):
                    found.append(f"{table}.{key}={text[:60]}")
    return found


async def test_forget_leaves_no_trace_of_the_person(tmp_path: Path, fake: FakeTranslator) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(datetime(2027, 1, 20, 10, tzinfo=AMS))
    translation = {"backend": "google", "url": fake.url("/m"), "timeout_seconds": 2.0}
    async with world(tmp_path, sandbox, clock=clock, translation=translation) as (bot, carla):
        links = await create_sponsorship(carla, plan="Standard plan for the first year")
        sanne = sandbox.user("Sanne", language_code="nl")
        amal = sandbox.user(NAME, language_code="ar")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await join_as_newcomer(amal, links.newcomer)
        group = await set_up_chat(carla, links.startgroup)
        for person in (sanne, amal):
            await person.press(person.last(), person.last().buttons[0][0])
        ar = bot.services.i18n.get("ar")
        # She writes: a task, a concern, a question (translated), a check-in answer and note.
        await amal.send(f"/task_add {PHRASE} task")
        await amal.send("/concern")
        await amal.send(f"{PHRASE} concern")
        await amal.send("/privacy")
        await amal.press(amal.last(), ar.t("Allow translation"))
        await amal.send(ar.t("💬 Ask my group"))
        await amal.send(f"{PHRASE} question")
        service = checkins.service(bot.app)
        await service.tick(clock.now())
        tuesday = datetime(2027, 1, 26, 19, tzinfo=AMS)
        clock.set(tuesday)
        await service.tick(tuesday)
        await service.outbox.drain()
        await amal.press(amal.last(), checkins.scale_text(ar, 3))
        await amal.send(f"{PHRASE} note")
        await service.outbox.drain()
        assert await _rows_mentioning(bot, [PHRASE])  # it is there before

        await amal.send("/mydata")
        document = amal.last().document
        assert document is not None
        exported = json.loads(document["content"])
        assert exported["person_id"] == amal.id
        assert exported["tables"]["people"][0]["first_name"] == NAME
        assert {"participants", "concerns", "tasks", "checkin_responses", "questions"} <= set(
            exported["tables"]
        )

        await amal.send("/forget")
        await amal.press(amal.last(), ar.t("Yes, forget me"))
        assert amal.last().text == ar.t(
            "Done: I have deleted what I stored about you. If you send /start, you begin again "
            "as a new person."
        )
        assert await _rows_mentioning(bot, [str(amal.id), NAME, PHRASE]) == []
        # The statistics stay: the check-in answer, anonymously.
        rows = await bot.services.db.fetchall(
            "SELECT person_id, answer, note FROM checkin_responses WHERE answer = 3"
        )
        assert len(rows) == 1 and rows[0][0] < 0 and rows[0][2] is None
        assert len(sandbox.messages(group.id)) > 0  # the chat itself is Telegram's, untouched


async def test_closed_sponsorships_are_purged_after_retention(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(datetime(2027, 1, 4, 10, tzinfo=AMS))
    async with world(tmp_path, sandbox, clock=clock, privacy={"retention_days": 30}) as (
        bot,
        carla,
    ):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        await join_as_member(sanne, links.member)
        db = bot.services.db
        await sponsorships.set_status(db, 1, "closed", carla.id)
        closed_at = (await db.fetchall("SELECT at FROM audit WHERE action = 'status_closed'"))[0][0]
        closed = datetime.fromisoformat(closed_at)
        service = checkins.service(bot.app)
        en = bot.services.i18n.get("en")

        before = len(carla.inbox())
        await service.tick(closed + timedelta(days=22))
        await service.outbox.drain()
        assert len(carla.inbox()) == before  # not yet: more than a week to go
        await service.tick(closed + timedelta(days=23, minutes=1))
        await service.outbox.drain()
        purge_day = (closed + timedelta(days=30)).astimezone(AMS)
        assert carla.last().text == en.t(
            "The data of the closed sponsorship {name} will be deleted on {date}, {days} days "
            "after it closed. Export what you need with /report before then.",
            name="Kralingen – family A",
            date=en.date(purge_day),
            days=30,
        )
        await service.tick(closed + timedelta(days=24))
        await service.outbox.drain()
        assert len(carla.inbox()) == before + 1  # told once

        await service.tick(closed + timedelta(days=30, seconds=1))
        assert (await db.fetchall("SELECT count(*) FROM sponsorships"))[0][0] == 0
        assert (await db.fetchall("SELECT count(*) FROM people WHERE id = ?", (sanne.id,)))[0][
            0
        ] == 0
        assert (await db.fetchall("SELECT count(*) FROM people WHERE id = ?", (carla.id,)))[0][
            0
        ] == 1  # a coordinator stays
        archived = await db.fetchall("SELECT municipality, members FROM archive")
        assert [tuple(r) for r in archived] == [("Rotterdam", 1)]
