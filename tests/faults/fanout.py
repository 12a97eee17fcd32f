"""A check-in fan-out to many sponsorships, run by the real application in-process against the
strict sandbox (flood limits on), on two fake clocks: the bot's FakeClock for the check-in
schedule and the sandbox's frozen clock, which only the outbox's own waiting moves forward."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.checkins import Checkins, service
from bot.clock import FakeClock
from bot.outbox import Outbox
from bot.sandbox import Clock, Sandbox, SandboxTimeout, SimGroup, SimMessage, SimUser
from bot.sandbox.models import rights_from_names
from bot.storage import Database, participants, people, sponsorships
from bot.storage import checkins as schedules
from tests.helpers import Harness, run_bot, sandbox_config
from tests.scenarios import ALL_RIGHTS, QUICK_PEOPLE

T0 = 1_800_000_000.0
AMS = ZoneInfo("Europe/Amsterdam")
DUE = datetime(2027, 2, 2, 19, 0, tzinfo=AMS)  # a Tuesday, the default check-in moment
WEEK = timedelta(days=7)


class SandboxTimer:
    """The outbox's timer on the sandbox's frozen clock: waiting moves the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@dataclass
class Team:
    """One active sponsorship: its shared chat and its newcomer."""

    sponsorship_id: int
    name: str
    group: SimGroup
    newcomer: SimUser


@dataclass
class Call:
    """One Bot API call as the sandbox answered it, on the sandbox's clock."""

    method: str
    chat_id: Any
    status: int
    at: float


@dataclass
class FanOut:
    harness: Harness
    sandbox: Sandbox
    clock: FakeClock
    coordinator: SimUser
    owner: SimUser
    teams: list[Team]
    calls: list[Call] = field(default_factory=list)
    # A fault of the test's own, consulted before the sandbox: an answer instead of Telegram's.
    outage: Callable[[str], tuple[int, dict[str, Any]] | None] | None = None
    # Chats whose next message Telegram takes, but whose answer is lost (a client timeout).
    lose_answer: set[int] = field(default_factory=set)

    @property
    def checkins(self) -> Checkins:
        return service(self.harness.app)

    @property
    def db(self) -> Database:
        return self.harness.services.db

    async def tick(self, when: datetime) -> None:
        """Move the bot's clock and run the check-in tick (it queues, it does not send)."""
        self.clock.set(when)
        await self.checkins.tick()

    async def drain(self) -> None:
        """Let the outbox send everything, waiting on the sandbox's clock."""
        await self.checkins.outbox.drain()
        await self.sandbox.settle()

    async def at(self, when: datetime) -> None:
        await self.tick(when)
        await self.drain()

    def delivered(self, chat_id: int) -> list[SimMessage]:
        """The bot's text messages in a chat (following a migration), in order."""
        sb = self.sandbox
        return [
            m
            for m in sb.messages(sb.current_id(chat_id))
            if m.from_id == sb.bot_id and m.kind == "text" and not m.deleted
        ]

    def html(self, chat_id: int) -> list[str]:
        """What the bot sent to a chat, exactly as it sent it (HTML)."""
        return [m.html or m.text for m in self.delivered(chat_id)]

    async def group_checkin(self, team: Team, *, closed: bool = False) -> str:
        """The group check-in as the bot composes it for this sponsorship."""
        s = await sponsorships.get(self.db, team.sponsorship_id)
        assert s is not None
        return self.checkins.group_text(s, [], closed=closed)

    def newcomer_checkin(self, team: Team) -> str:
        """The newcomer's private check-in as the bot composes it (in Arabic)."""
        lang = self.harness.services.i18n.get("ar")
        return self.checkins.newcomer_text(lang, team.newcomer.first_name, None, closed=False)

    def sends_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls if c.method == "sendMessage" and c.chat_id == chat_id]

    async def outbox_rows(self) -> list[tuple[Any, ...]]:
        rows = await self.db.fetchall(
            "SELECT chat_id, state, attempts, error FROM outbox ORDER BY id"
        )
        return [tuple(r) for r in rows]


async def seed(
    db: Database, sandbox: Sandbox, owner: SimUser, count: int, coordinator: int
) -> list[Team]:
    """`count` active sponsorships, each with a shared chat (the bot an administrator), a
    member (the owner) and an Arabic-speaking newcomer; weekly check-ins on Tuesday 19:00."""
    teams = []
    for i in range(count):
        newcomer = sandbox.user(f"Amal{i}", language_code="ar")
        sandbox.private_chat(newcomer.id).started = True
        chat = sandbox.add_group(f"Samen {i}", owner.id, [newcomer.id])
        sandbox.set_status(
            chat,
            sandbox.bot_id,
            "administrator",
            actor=owner.id,
            rights=rights_from_names(ALL_RIGHTS),
            spawn=False,
        )
        name = f"Sponsorship {i}"
        s = await sponsorships.create(
            db,
            name=name,
            municipality="Rotterdam",
            newcomer_language="ar",
            arrival_date=None,
            created_by=coordinator,
        )
        await sponsorships.claim_chat(db, s.id, chat.id, coordinator)
        await sponsorships.set_chat_ready(db, s.id, f"https://t.me/+seed{i}")
        await sponsorships.set_status(db, s.id, "active", coordinator)
        await participants.join(
            db,
            sponsorship_id=s.id,
            person_id=owner.id,
            first_name=owner.first_name,
            language="nl",
            kind="member",
            roles=("contact",),
        )
        await participants.join(
            db,
            sponsorship_id=s.id,
            person_id=newcomer.id,
            first_name=newcomer.first_name,
            language="ar",
            kind="newcomer",
        )
        teams.append(Team(s.id, name, SimGroup(sandbox, chat.id), newcomer))
    await schedules.ensure(
        db,
        [t.sponsorship_id for t in teams],
        weekday=DUE.weekday(),
        local_time=DUE.strftime("%H:%M"),
        now=(DUE - timedelta(days=1)).astimezone(UTC),
        active=True,
    )
    await people.set_language(db, coordinator, "en")
    return teams


@asynccontextmanager
async def fan_out(tmp_path: Path, count: int) -> AsyncIterator[FanOut]:
    """The running bot, an hour before the check-in of `count` sponsorships falls due. The
    outbox's background worker is replaced: `drain()` sends, on the sandbox's clock."""
    sandbox = Sandbox(clock=Clock(T0), limits=QUICK_PEOPLE)
    coordinator = sandbox.user("Carla", language_code="en")
    owner = sandbox.user("Sanne", language_code="nl")
    for person in (coordinator, owner):
        sandbox.private_chat(person.id).started = True
    config = sandbox_config(tmp_path, sandbox, coordinators={"telegram_ids": [coordinator.id]})
    db = await Database.open(config.database.path)
    try:
        teams = await seed(db, sandbox, owner, count, coordinator.id)
    finally:
        await db.close()
    sandbox.drop_pending_updates()
    clock = FakeClock(DUE - timedelta(hours=1))
    async with run_bot(sandbox, config, clock) as harness:
        checkins = service(harness.app)
        await checkins.outbox.stop()  # the background worker waits in real time: replaced by
        checkins.outbox = Outbox(  # one that only sends when drained, on the sandbox's clock
            harness.services.db,
            harness.app.bot,
            clock,
            timer=SandboxTimer(sandbox.clock),
        )
        fan = FanOut(harness, sandbox, clock, coordinator, owner, teams)
        original = sandbox.call

        async def record(method: str, params: Any, files: Any = None) -> tuple[int, Any]:
            chat_id = params.get("chat_id")
            answer = fan.outage(method) if fan.outage is not None else None
            if answer is None:
                answer = await original(method, params, files)
            fan.calls.append(Call(method, chat_id, answer[0], sandbox.clock.now()))
            if method == "sendMessage" and answer[0] == 200 and chat_id in fan.lose_answer:
                fan.lose_answer.discard(chat_id)
                raise SandboxTimeout("the message arrived, its answer did not")
            return answer

        sandbox.call = record  # type: ignore[method-assign]
        yield fan
