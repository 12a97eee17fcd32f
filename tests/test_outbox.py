"""The durable outbox against the strict sandbox with its flood limits on, on a frozen clock that
only the outbox's own pacing moves: no 429 is served, order per chat holds, faults are survived,
and a crash repeats only what was in flight."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import FakeClock
from bot.outbox import BACKOFF_CAP, MAX_ATTEMPTS, RETRY_WINDOW, Outbox
from bot.sandbox import Clock, Sandbox, SandboxRequest, SimGroup, SimUser
from bot.storage import Database, people, sponsorships
from bot.storage import outbox as store

T0 = 1_800_000_000.0
NOW = datetime(2027, 2, 2, 18, 0, tzinfo=UTC)


class SandboxTimer:
    """The outbox's timer on the sandbox's frozen clock: sleeping moves the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns (an error here) when RetryAfter.retry_after is an int."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=Clock(T0))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "outbox.db")
    yield database
    await database.close()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sandbox.token, request=SandboxRequest(sandbox)) as tg:
        yield tg


def outbox_for(db: Database, bot: Bot, sandbox: Sandbox) -> Outbox:
    return Outbox(db, bot, FakeClock(NOW), timer=SandboxTimer(sandbox.clock))


async def groups(sandbox: Sandbox, n: int) -> tuple[SimUser, list[SimGroup]]:
    owner = sandbox.user("Sanne")
    made = []
    for i in range(n):
        group = await owner.create_group(f"Group {i}")
        await owner.add_bot(group)
        made.append(group)
    sandbox.drop_pending_updates()
    return owner, made


async def queue(db: Database, *rows: tuple[int, str], person: bool = False) -> list[int]:
    ids = []
    async with db.transaction() as conn:
        for chat_id, text in rows:
            ids.append(
                await store.enqueue(
                    conn, chat_id, text, now=NOW, person_id=chat_id if person else None
                )
            )
    return ids


async def states(db: Database) -> dict[int, str]:
    rows = await db.fetchall("SELECT id, state FROM outbox ORDER BY id")
    return {r[0]: r[1] for r in rows}


def texts(user: SimUser, chat_id: int | None = None) -> list[str]:
    return [m.text for m in user.inbox(chat_id)]


async def test_fan_out_is_paced_so_that_no_429_is_served(
    sandbox: Sandbox, db: Database, bot: Bot
) -> None:
    owner, made = await groups(sandbox, 120)
    amal = sandbox.user("Amal")
    await amal.start()
    await queue(db, *[(amal.id, f"private {i}") for i in range(4)], person=True)
    await queue(db, *[(g.id, f"check-in {i}") for i, g in enumerate(made)])
    outbox = outbox_for(db, bot, sandbox)
    started = sandbox.clock.now()
    await outbox.drain()
    elapsed = sandbox.clock.now() - started

    assert sandbox.served_429 == 0
    for i, group in enumerate(made):
        assert texts(owner, group.id) == [f"check-in {i}"]
    assert texts(amal) == [f"private {i}" for i in range(4)]
    private = [m for m in sandbox.messages(amal.id) if m.from_id == sandbox.bot_id]
    gaps = [b.date - a.date for a, b in itertools.pairwise(private)]
    assert all(gap >= 1.0 for gap in gaps), gaps  # about one a second per chat
    # 124 messages at 29 a second after a burst of 10: just under 4 s of (fake) time, the
    # private chat's one a second running alongside the groups.
    assert 3.8 <= elapsed <= 4.5, elapsed
    assert set((await states(db)).values()) == {"sent"}
    assert outbox.sent == 124


async def test_faults_are_survived(sandbox: Sandbox, db: Database, bot: Bot) -> None:
    owner, made = await groups(sandbox, 5)
    flaky, slow, limited, kicked, migrating = made
    sponsorship = await sponsorships.create(
        db, name="S", municipality="R", newcomer_language="ar", arrival_date=None, created_by=1
    )
    await sponsorships.claim_chat(db, sponsorship.id, kicked.id, 1)
    moving = await sponsorships.create(
        db, name="M", municipality="R", newcomer_language="ar", arrival_date=None, created_by=1
    )
    await sponsorships.claim_chat(db, moving.id, migrating.id, 1)
    blocker = sandbox.user("Bram")
    await blocker.start()
    await people.set_language(db, blocker.id, "nl")
    await blocker.block_bot()

    sandbox.inject_fault("5xx", method="sendMessage", chat_id=flaky.id, times=2)
    sandbox.inject_fault("timeout", method="sendMessage", chat_id=slow.id)
    sandbox.inject_fault("429", method="sendMessage", chat_id=limited.id, retry_after=2)
    sandbox.inject_fault("kicked", chat_id=kicked.id)
    sandbox.inject_fault("migrate", chat_id=migrating.id)
    old_migrating = migrating.id
    await queue(
        db,
        (flaky.id, "first"),
        (flaky.id, "second"),
        (slow.id, "slow"),
        (limited.id, "limited"),
        (kicked.id, "to a chat without me"),
        (kicked.id, "again"),
        (old_migrating, "follows the migration"),
    )
    await queue(db, (blocker.id, "to someone who blocked me"), person=True)
    await outbox_for(db, bot, sandbox).drain()

    assert texts(owner, flaky.id) == ["first", "second"]  # order kept through the retries
    assert texts(owner, slow.id) == ["slow"]
    assert texts(owner, limited.id) == ["limited"]
    assert texts(owner, migrating.id) == ["follows the migration"]
    assert migrating.id != old_migrating
    assert (await sponsorships.get(db, moving.id)).chat_id == migrating.id  # type: ignore[union-attr]
    assert (await sponsorships.get(db, sponsorship.id)).flag == "bot_removed"  # type: ignore[union-attr]
    assert (await people.get(db, blocker.id)).unreachable  # type: ignore[union-attr]
    rows = await db.fetchall("SELECT text, state, attempts, error FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("first", "sent", 3, None),
        ("second", "sent", 1, None),
        ("slow", "sent", 2, None),
        ("limited", "sent", 2, None),
        ("to a chat without me", "dropped", 1, "forbidden"),
        ("again", "dropped", 0, "forbidden"),
        ("follows the migration", "sent", 2, None),
        ("to someone who blocked me", "dropped", 1, "forbidden"),
    ]
    assert sandbox.served_429 == 1  # the injected one only


async def test_a_crash_repeats_only_what_was_in_flight(
    sandbox: Sandbox, db: Database, bot: Bot
) -> None:
    owner, made = await groups(sandbox, 4)
    ids = await queue(db, *[(g.id, f"m{i}") for i, g in enumerate(made)])
    # Before the crash: the first was sent, the second claimed (in flight) when it died.
    first = outbox_for(db, bot, sandbox)
    assert await store.claim(db, ids[0])
    message = await bot.send_message(made[0].id, "m0")
    await store.mark_sent(db, ids[0], message.message_id, NOW)
    assert await store.claim(db, ids[1])
    await bot.send_message(made[1].id, "m1")  # Telegram got it; the bot died before noting it
    del first

    restarted = outbox_for(db, bot, sandbox)
    assert await restarted.recover() == 1
    await restarted.drain()
    assert texts(owner, made[0].id) == ["m0"]
    assert texts(owner, made[1].id) == ["m1", "m1"]  # the one in flight: at most this
    assert texts(owner, made[2].id) == ["m2"]
    assert texts(owner, made[3].id) == ["m3"]
    assert set((await states(db)).values()) == {"sent"}


async def test_edits_follow_their_message(sandbox: Sandbox, db: Database, bot: Bot) -> None:
    owner, (group,) = await groups(sandbox, 1)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Press", callback_data="x")]])
    async with db.transaction() as conn:
        sent = await store.enqueue(
            conn, group.id, "<b>Hello</b>", now=NOW, markup=json_of(keyboard), ref="r:1"
        )
        await store.enqueue(conn, group.id, "Closed", now=NOW, edit_of=sent, ref="r:1")
        never = await store.enqueue(conn, -42, "to nowhere", now=NOW)
        await store.enqueue(conn, -42, "edit of nothing", now=NOW, edit_of=never)
    await outbox_for(db, bot, sandbox).drain()
    [message] = owner.inbox(group.id)
    assert message.text == "Closed" and message.buttons == []
    assert await store.sent_message(db, "r:1") == (group.id, message.message_id)
    assert await store.ref_of(db, group.id, message.message_id) == "r:1"
    rows = await db.fetchall("SELECT state FROM outbox ORDER BY id")
    assert [r[0] for r in rows] == ["sent", "sent", "dropped", "dropped"]


async def test_the_worker_sends_in_the_background_and_stops_cleanly(
    sandbox: Sandbox, db: Database, bot: Bot
) -> None:
    owner, (group,) = await groups(sandbox, 1)
    outbox = outbox_for(db, bot, sandbox)
    outbox.start()
    await queue(db, (group.id, "hello"))
    outbox.notify()
    await sandbox.wait_until(lambda: len(owner.inbox(group.id)) == 1, 5)
    await outbox.stop()
    assert texts(owner, group.id) == ["hello"]


def json_of(keyboard: InlineKeyboardMarkup) -> str:
    import json

    return json.dumps(keyboard.to_dict())


async def test_a_message_that_keeps_failing_is_given_up_and_the_chat_moves_on(
    sandbox: Sandbox, db: Database, bot: Bot
) -> None:
    owner, made = await groups(sandbox, 3)
    broken = made[0]
    # Backoff 1, 2, 4 ... up to 60 s; given up after MAX_ATTEMPTS tries and RETRY_WINDOW s.
    tries, waited = 1, 0.0
    while tries < MAX_ATTEMPTS or waited < RETRY_WINDOW:
        waited += min(BACKOFF_CAP, 2.0 ** (tries - 1))
        tries += 1
    sandbox.inject_fault("5xx", method="sendMessage", chat_id=broken.id, times=tries)
    await queue(db, (broken.id, "never"), (broken.id, "after it"))
    await queue(db, *[(g.id, "fine") for g in made[1:]])
    started = sandbox.clock.now()
    await outbox_for(db, bot, sandbox).drain()
    assert texts(owner, broken.id) == ["after it"]
    assert all(texts(owner, g.id) == ["fine"] for g in made[1:])
    rows = await db.fetchall("SELECT text, state, attempts FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows][:2] == [
        ("never", "failed", tries),
        ("after it", "sent", 1),
    ]
    assert sandbox.clock.now() - started >= RETRY_WINDOW  # on the fake clock
