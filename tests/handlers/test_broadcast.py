"""/broadcast: a coordinator's message to 50 shared chats, one of which removed the bot while
the bot was not looking. The strict sandbox keeps Telegram's flood limits on a frozen clock that
only the outbox's own pacing moves: 49 delivered, 1 unreachable, not a single 429."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import broadcasts, checkins
from bot.clock import FakeClock
from bot.i18n import I18n
from bot.sandbox import Clock, FloodLimits, Sandbox, SimGroup, SimMessage, SimUser
from bot.storage import sponsorships
from bot.storage.sponsorships import Sponsorship
from tests.helpers import Harness
from tests.scenarios import press_forged, world

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 3, 2, 10, 0, tzinfo=AMS)
T0 = 1_800_000_000.0
CHATS = 50
REMOVED = 17  # this group removed the bot while the bot was not listening
LANGUAGES = ("ar", "ti", "uk", "fa_AF", "so")
TEXT = "Het gemeentehuis is maandag dicht & dinsdag open. Vragen? Bel 14 010."


class SandboxTimer:
    """The outbox's timer on the sandbox's frozen clock: waiting moves the clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """PTB 22 warns (an error here) when RetryAfter.retry_after is an int."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    yield


def municipality(i: int) -> str:
    return "Schiedam" if i % 5 == 0 else "Rotterdam"


async def groups(sandbox: Sandbox) -> tuple[SimUser, list[SimGroup]]:
    """50 groups with the bot in them, made before the bot runs; one removes it again."""
    owner = sandbox.user("Sanne")
    made = []
    for i in range(CHATS):
        group = await owner.create_group(f"Samen {i}")
        await owner.add_bot(group)
        made.append(group)
    await owner.remove_bot(made[REMOVED])
    sandbox.drop_pending_updates()
    return owner, made


async def seed(bot: Harness, carla: SimUser, made: list[SimGroup]) -> list[Sponsorship]:
    db = bot.services.db
    out = []
    for i, group in enumerate(made):
        s = await sponsorships.create(
            db,
            name=f"Gezin {i}",
            municipality=municipality(i),
            newcomer_language=LANGUAGES[i % len(LANGUAGES)],
            arrival_date=None,
            created_by=carla.id,
        )
        assert await sponsorships.claim_chat(db, s.id, group.id, carla.id)
        await sponsorships.set_chat_ready(db, s.id, f"https://t.me/+link{i}")
        await sponsorships.set_status(db, s.id, "active", None)
        found = await sponsorships.get(db, s.id)
        assert found is not None
        out.append(found)
    closed = await sponsorships.create(
        db,
        name="Oud",
        municipality="Rotterdam",
        newcomer_language="ar",
        arrival_date=None,
        created_by=carla.id,
    )
    await sponsorships.set_status(db, closed.id, "closed", carla.id)  # never a target
    return out


async def press_data(user: SimUser, message: SimMessage, data: str) -> None:
    """Press a button with this callback data, as a client showing an old keyboard could."""
    message.reply_markup = {"inline_keyboard": [[{"text": "old", "callback_data": data}]]}
    message.buttons = [["old"]]
    await user.press(message, "old")


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def heading(i18n: I18n, s: Sponsorship) -> str:
    return "\n".join(i18n.get(code).t(broadcasts.HEADING) for code in ("nl", s.newcomer_language))


async def rows(bot: Harness, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.services.db.fetchall(sql)]


async def test_broadcast_to_50_chats_with_one_that_removed_the_bot(tmp_path: Path) -> None:
    sandbox = Sandbox(clock=Clock(T0), limits=FloodLimits(per_chat_burst=50))
    owner, made = await groups(sandbox)
    async with world(tmp_path, sandbox, clock=FakeClock(NOW)) as (bot, carla):
        targets = await seed(bot, carla, made)
        service = checkins.service(bot.app)
        service.outbox.timer = SandboxTimer(sandbox.clock)
        en, i18n = bot.services.i18n.get("en"), bot.services.i18n

        await carla.send(f"/broadcast {TEXT}")
        preview = carla.last()
        assert preview.text == plain(
            en.t("<b>Broadcast to the shared chats</b>")
            + "\n\n"
            + html.escape(TEXT)
            + "\n\n"
            + en.t(
                "Each chat gets it with a short heading in the group's and the newcomer's "
                "language. Where should it go? Nothing is sent before you choose."
            )
        )
        assert preview.buttons == [
            [en.t("Send to all shared chats ({n})", n=50)],
            [en.t("Only {municipality} ({n})", municipality="Rotterdam", n=40)],
            [en.t("Only {municipality} ({n})", municipality="Schiedam", n=10)],
            [en.t("Cancel")],
        ]
        assert await rows(bot, "SELECT count(*) FROM outbox WHERE ref LIKE 'broadcast%'") == [
            (0,)
        ]  # nothing before the confirmation

        # A stranger cannot press it; Carla confirms.
        eve = sandbox.user("Eve", language_code="en")
        await eve.start()
        await press_forged(eve, preview.button_data(preview.buttons[0][0]))
        assert sandbox.last_callback().text == "Sorry, only coordinators can do this."
        send_all = preview.button_data(preview.buttons[0][0])
        await carla.press(preview, preview.buttons[0][0])
        assert carla.last().text == (
            en.t("Sending to {n} shared chats. I will tell you when it is done.", n=50)
            + "\n\n"
            + TEXT
        )
        assert carla.last().buttons == []
        await press_data(carla, preview, send_all)  # a second tap (stale client): nothing more
        assert sandbox.last_callback().text == en.t(
            "This button no longer works. Please start again."
        )

        await service.outbox.drain()
        await broadcasts.check(bot.app)
        await service.outbox.drain()

        assert sandbox.served_429 == 0
        for i, (s, group) in enumerate(zip(targets, made, strict=True)):
            got = [m.text for m in owner.inbox(group.id)]
            if i == REMOVED:
                assert got == []
            else:
                assert got == [plain(heading(i18n, s)) + "\n\n" + TEXT], i
        assert await rows(
            bot, "SELECT state, count(*) FROM outbox WHERE ref = 'broadcast:1' GROUP BY state"
        ) == [("dropped", 1), ("sent", 49)]
        assert await rows(
            bot, "SELECT municipality, chats, delivered, unreachable, failed FROM broadcasts"
        ) == [(None, 50, 49, 1, 0)]
        removed = targets[REMOVED]
        assert carla.last().text == "\n".join(
            [
                en.t(
                    "📢 Your broadcast is done: {delivered} delivered, {unreachable} unreachable.",
                    delivered=49,
                    unreachable=1,
                ),
                en.t("Not reached:"),
                f"• {removed.name} (#{removed.id})",
            ]
        )
        # The chat that removed the bot is flagged for the coordinator.
        flagged = await sponsorships.get(bot.services.db, removed.id)
        assert flagged is not None and flagged.flag == "bot_removed"
        assert await rows(bot, "SELECT action, details FROM audit WHERE action = 'broadcast'") == [
            ("broadcast", "all: 50 chats")
        ]
        assert await broadcasts.check(bot.app) is False  # nothing under way any more
        summaries = len(carla.inbox())
        await service.outbox.drain()
        assert len(carla.inbox()) == summaries  # the summary came once

        # Only one municipality's chats.
        await carla.send("/broadcast Alleen voor Schiedam: de taalcafé is verhuisd.")
        await carla.press(
            carla.last(), en.t("Only {municipality} ({n})", municipality="Schiedam", n=10)
        )
        assert carla.last().text.startswith(
            en.t("Sending to {n} shared chats. I will tell you when it is done.", n=10)
        )
        await service.outbox.drain()
        await broadcasts.check(bot.app)
        await service.outbox.drain()
        assert carla.last().text == en.t(
            "📢 Your broadcast is done: {delivered} delivered, {unreachable} unreachable.",
            delivered=10,
            unreachable=0,
        )
        for i, group in enumerate(made):
            count = len(owner.inbox(group.id))
            if i == REMOVED:
                assert count == 0
            else:
                assert count == (2 if municipality(i) == "Schiedam" else 1), i
        assert sandbox.served_429 == 0

        # Cancelled: nothing is sent.
        await carla.send("/broadcast Toch niet.")
        await carla.press(carla.last(), en.t("Cancel"))
        assert carla.last().text == en.t("Okay, nothing was sent.")
        assert await rows(bot, "SELECT count(*) FROM broadcasts") == [(2,)]


async def test_broadcast_needs_a_text_and_a_shared_chat(tmp_path: Path) -> None:
    async with world(tmp_path, clock=FakeClock(NOW)) as (_, carla):
        await carla.send("/broadcast")
        assert carla.last().text == (
            "Write the message after the command, for example: /broadcast The municipality "
            "office is closed on Monday."
        )
        await carla.send("/broadcast Hallo allemaal")
        assert carla.last().text == "There is no shared chat to send to yet."
        await carla.send("/broadcast " + "x" * (broadcasts.MAX_TEXT + 1))
        assert carla.last().text == (
            f"That message is too long. Please keep it under {broadcasts.MAX_TEXT} characters."
        )
