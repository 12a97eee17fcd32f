"""Check-ins as people live them, on a controlled clock (the tick is called directly, the outbox
drained on a fake timer: no real sleeping). A sponsor group (Sanne, contact person; Piet) and an
Arabic-speaking newcomer (Amal) with their shared chat; Carla is the coordinator."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.checkins import ATTENTION_LABEL, TALK_LABEL, Checkins, scale_text, service
from bot.clock import FakeClock
from bot.i18n import Lang
from bot.sandbox import FloodLimits, Sandbox, SimGroup, SimMessage, SimUser
from bot.storage import sponsorships
from tests.helpers import Harness
from tests.scenarios import (
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    press_forged,
    set_up_chat,
    world,
)

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY_NOON = datetime(2027, 2, 1, 12, 0, tzinfo=AMS)
TUESDAY_19 = datetime(2027, 2, 2, 19, 0, tzinfo=AMS)
TUESDAY_19_UTC = "2027-02-02T18:00:00+00:00"


class InstantTimer:
    """The outbox's pacing on a fake monotonic clock: sleeping costs no real time."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Team:
    bot: Harness
    sandbox: Sandbox
    clock: FakeClock
    carla: SimUser
    sanne: SimUser
    piet: SimUser
    amal: SimUser
    group: SimGroup
    name: str = ""

    @property
    def checkins(self) -> Checkins:
        return service(self.bot.app)

    def lang(self, code: str) -> Lang:
        return self.bot.services.i18n.get(code)

    async def at(self, when: datetime) -> None:
        """Move the clock, run the tick, send what it queued."""
        self.clock.set(when)
        await self.checkins.tick()
        await self.checkins.outbox.drain()

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.bot.services.db.fetchall(sql, params)]

    def checkin(self) -> SimMessage:
        return self.sanne.last(self.group.id)

    def group_bot_messages(self) -> list[SimMessage]:
        return self.sanne.inbox(self.group.id)


async def press_data(user: SimUser, message: SimMessage, data: str) -> None:
    """Press a button with this callback data on a message, as a stale or modified client could."""
    message.reply_markup = {"inline_keyboard": [[{"text": "old", "callback_data": data}]]}
    message.buttons = [["old"]]
    await user.press(message, "old")


def plain(text: str) -> str:
    """What the sandbox shows of HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@asynccontextmanager
async def checkin_world(
    tmp_path: Path, clock: FakeClock, sandbox: Sandbox | None = None, **sections: dict[str, Any]
) -> AsyncIterator[tuple[Harness, SimUser]]:
    """`world` with the outbox on a fake timer (flood limits are tested in test_outbox)."""
    sandbox = sandbox or Sandbox(limits=FloodLimits(enabled=False))
    async with world(tmp_path, sandbox, clock=clock, **sections) as (bot, carla):
        service(bot.app).outbox.timer = InstantTimer()
        yield bot, carla


async def team_in(bot: Harness, carla: SimUser, clock: FakeClock, arrival: str | None) -> Team:
    sandbox = bot.sandbox
    links = await create_sponsorship(carla, arrival=arrival)
    sanne = sandbox.user("Sanne", language_code="nl")
    piet = sandbox.user("Piet", language_code="nl")
    amal = sandbox.user("Amal", language_code="ar")
    await join_as_member(sanne, links.member, roles=("Contactpersoon", "Maatje"))
    await join_as_member(piet, links.member, roles=("Wonen",))
    await join_as_newcomer(amal, links.newcomer)
    group = await set_up_chat(sanne, links.startgroup)
    for person in (piet, amal):
        await person.press(person.last(), person.last().buttons[0][0])
    team = Team(bot, sandbox, clock, carla, sanne, piet, amal, group)
    assert await team.rows("SELECT status FROM sponsorships") == [("active",)]
    team.name = (await team.rows("SELECT name FROM sponsorships"))[0][0]
    return team


@asynccontextmanager
async def running_team(
    tmp_path: Path,
    start: datetime = MONDAY_NOON,
    arrival: str | None = "15-01-2027",
    **sections: dict[str, Any],
) -> AsyncIterator[Team]:
    clock = FakeClock(start)
    async with checkin_world(tmp_path, clock, None, **sections) as (bot, carla):
        team = await team_in(bot, carla, clock, arrival)
        await team.at(start)  # the sponsorship gets its default schedules, starting now
        yield team


def group_intro(lang: Lang, name: str) -> str:
    return plain(
        lang.t("<b>Check-in: {name}</b>", name=name)
        + "\n"
        + lang.t(
            "How is the sponsorship going? Each member taps the answer that fits and can change "
            "it later. Only the coordinator sees the answers. To add a note, reply to this "
            "message."
        )
    )


def newcomer_intro(lang: Lang) -> str:
    return (
        lang.t("Hello {name}! How are you doing this week?", name="Amal")
        + "\n"
        + lang.t("Tap the face that fits. Only the coordinator sees your answer.")
    )


async def test_a_check_in_round(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        nl, ar, en = t.lang("nl"), t.lang("ar"), t.lang("en")
        assert await t.rows(
            "SELECT sponsorship_id, kind, weekday, local_time, rhythm, paused "
            "FROM checkin_schedules ORDER BY 1, 2"
        ) == [
            (0, "digest", 0, "09:00", "weekly", 0),
            (1, "group", 1, "19:00", "auto", 0),
            (1, "newcomer", 1, "19:00", "auto", 0),
        ]
        before = len(t.group_bot_messages())
        await t.at(TUESDAY_19 - timedelta(minutes=1))
        assert len(t.group_bot_messages()) == before  # not a minute early

        await t.at(TUESDAY_19)
        checkin = t.checkin()
        good = checkin.button_data(scale_text(nl, 4))
        assert checkin.text == group_intro(nl, t.name) + "\n\n" + group_intro(ar, t.name)
        assert checkin.buttons == [
            [scale_text(nl, 4), scale_text(nl, 3)],
            [scale_text(nl, 2), scale_text(nl, 1)],
            [f"{ATTENTION_LABEL[0]} {nl.t(ATTENTION_LABEL[1])}"],
        ]
        private = t.amal.last()
        assert private.text == newcomer_intro(ar)
        assert private.buttons[-1] == [f"{TALK_LABEL[0]} {ar.t(TALK_LABEL[1])}"]
        assert await t.rows(
            "SELECT sponsorship_id, kind, scheduled_at, status FROM checkin_occurrences ORDER BY id"
        ) == [(1, "group", TUESDAY_19_UTC, "open"), (1, "newcomer", TUESDAY_19_UTC, "open")]

        # Sanne answers, then changes her mind; the message shows who answered, not what.
        await t.sanne.press(checkin, scale_text(nl, 4))
        assert t.sandbox.last_callback().text == nl.t(
            "Thank you! Your answer is saved. You can change it until the check-in closes."
        )
        await t.sanne.press(t.checkin(), scale_text(nl, 3))
        assert (
            t.checkin().text
            == group_intro(nl, t.name) + "\n\n" + group_intro(ar, t.name) + "\n\n✓ Sanne"
        )
        assert t.checkin().buttons == checkin.buttons
        # The newcomer is in the chat too, but is asked privately.
        await t.amal.press(t.checkin(), scale_text(nl, 4))
        assert t.sandbox.last_callback().text == ar.t(
            "This question is for the sponsor group. I ask you privately."
        )

        # Amal answers privately, in Arabic, and adds a note for the coordinator.
        await t.amal.press(private, scale_text(ar, 3))
        answered = t.amal.last()
        assert answered.message_id == private.message_id  # edited, not a new message
        assert answered.buttons[0] == [scale_text(ar, 4), "✓ " + scale_text(ar, 3)]
        assert ar.t("Thank you! You answered: {answer}.", answer=scale_text(ar, 3)) in answered.text
        await t.amal.send("شكرا، كل شيء بخير")
        assert t.amal.last().text == ar.t("Thank you. I passed your note on to the coordinator.")
        await t.checkins.outbox.drain()
        assert t.carla.last().text == "📝 " + en.t(
            "{person} ({name}) added a note to the check-in: {note}",
            person="Amal",
            name=t.name,
            note="شكرا، كل شيء بخير",
        )

        # Piet replies to the check-in with a note of his own (seen by the group, stored).
        await t.piet.reply(t.checkin(), "De huur is geregeld.")
        assert t.piet.last().text == nl.t(
            "Thank you, I saved your note with the check-in of {name}. The coordinator will "
            "see it.",
            name=t.name,
        )
        assert await t.rows(
            "SELECT occurrence_id, person_id, answer, wants_talk, note FROM checkin_responses "
            "ORDER BY occurrence_id, person_id"
        ) == [
            (1, t.sanne.id, 3, 0, None),
            (1, t.piet.id, None, 0, "De huur is geregeld."),
            (2, t.amal.id, 3, 0, "شكرا، كل شيء بخير"),
        ]

        # One reminder after 24 hours, only to Piet (a note is not an answer).
        inboxes = {u.id: len(u.inbox()) for u in (t.sanne, t.piet, t.amal, t.carla)}
        await t.at(TUESDAY_19 + timedelta(hours=24))
        assert t.piet.last().text == nl.t(
            "A reminder: the check-in of {name} in your shared chat is waiting for your answer. "
            "It takes one tap.",
            name=t.name,
        )
        assert {u.id: len(u.inbox()) for u in (t.sanne, t.piet, t.amal, t.carla)} == {
            **inboxes,
            t.piet.id: inboxes[t.piet.id] + 1,
        }
        await t.at(TUESDAY_19 + timedelta(hours=30))
        assert len(t.piet.inbox()) == inboxes[t.piet.id] + 1  # one reminder, not two

        # Closed after 48 hours: no buttons any more, a late press is refused kindly.
        await t.at(TUESDAY_19 + timedelta(hours=48))
        closed = t.checkin()
        assert closed.message_id == checkin.message_id and closed.buttons == []
        assert nl.t("This check-in is closed. Thank you!") in closed.text
        assert closed.text.endswith("✓ Sanne")
        assert private.buttons == []  # the same message, edited
        assert ar.t("This check-in is closed. Thank you!") in private.text
        await press_data(t.piet, closed, good)  # a stale client still shows the buttons
        assert t.sandbox.last_callback().text == nl.t("This check-in is closed.")
        assert await t.rows("SELECT status FROM checkin_occurrences ORDER BY id") == [
            ("closed",),
            ("closed",),
        ]
        assert await t.rows("SELECT count(*) FROM checkin_alerts") == [(0,)]
        assert await t.rows("SELECT state, count(*) FROM outbox GROUP BY state") == [("sent", 6)]


async def test_each_alarm_reaches_the_coordinator_and_never_the_group(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        nl, ar, en = t.lang("nl"), t.lang("ar"), t.lang("en")
        await t.at(TUESDAY_19)
        group_before = len(t.sandbox.messages(t.group.id))
        members_before = (len(t.sanne.inbox()), len(t.piet.inbox()))

        await t.amal.press(t.amal.last(), f"{TALK_LABEL[0]} {ar.t(TALK_LABEL[1])}")
        await t.checkins.outbox.drain()
        alert = t.carla.last()
        assert alert.text == "💬 " + en.t(
            "{person} ({name}) would like to talk to someone. Please contact them privately; "
            "the group does not know.",
            person="Amal",
            name=t.name,
        )
        assert alert.buttons == [[en.t("Mark as handled")]]
        assert t.amal.last().text.endswith(
            ar.t(
                "I have told the coordinator that you would like to talk. They will contact you "
                "soon."
            )
        )
        await t.amal.press(t.amal.last(), scale_text(ar, 1))  # the lowest step
        await t.checkins.outbox.drain()
        assert t.carla.last().text == "😟 " + en.t(
            "{person} ({name}) answered the check-in with the lowest step. Please get in touch "
            "with them.",
            person="Amal",
            name=t.name,
        )
        await t.sanne.press(t.checkin(), f"{ATTENTION_LABEL[0]} {nl.t(ATTENTION_LABEL[1])}")
        await t.checkins.outbox.drain()
        assert t.carla.last().text == "⚠️ " + en.t(
            "{person} in the sponsor group of {name} says something needs attention.",
            person="Sanne",
            name=t.name,
        )
        # Pressing "I would like to talk" again raises nothing new.
        carla_count = len(t.carla.inbox())
        await t.amal.press(t.amal.last(), "✓ " + f"{TALK_LABEL[0]} {ar.t(TALK_LABEL[1])}")
        await t.checkins.outbox.drain()
        assert len(t.carla.inbox()) == carla_count

        # The coordinator marks the first alert handled (a stranger cannot).
        eve = t.sandbox.user("Eve", language_code="en")
        await eve.start()
        await press_forged(eve, alert.button_data(en.t("Mark as handled")))
        assert t.sandbox.last_callback().text == en.t("Sorry, only coordinators can do this.")
        await t.carla.press(alert, en.t("Mark as handled"))
        handled = t.carla.inbox()[-3]
        assert handled.message_id == alert.message_id and handled.buttons == []
        assert (
            "✓ " + en.t("Handled by {person} on {date}.", person="Carla", date=en.date(TUESDAY_19))
            in handled.text
        )
        assert await t.rows(
            "SELECT kind, person_id, handled_by IS NOT NULL FROM checkin_alerts ORDER BY id"
        ) == [
            ("talk", t.amal.id, 1),
            ("newcomer_lowest", t.amal.id, 0),
            ("group_attention", t.sanne.id, 0),
        ]
        # Nothing of it reached the group chat or the members' private chats.
        assert len(t.sandbox.messages(t.group.id)) == group_before
        assert (len(t.sanne.inbox()), len(t.piet.inbox())) == members_before


async def test_lower_half_twice_in_a_row_alerts(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        ar, en = t.lang("ar"), t.lang("en")
        await t.at(TUESDAY_19)
        await t.amal.press(t.amal.last(), scale_text(ar, 2))
        await t.at(TUESDAY_19 + timedelta(days=2))
        assert await t.rows("SELECT count(*) FROM checkin_alerts") == [(0,)]
        await t.at(TUESDAY_19 + timedelta(days=7))
        await t.amal.press(t.amal.last(), scale_text(ar, 2))
        await t.checkins.outbox.drain()
        assert t.carla.last().text == "😐 " + en.t(
            "{person} ({name}) answered the check-in in the lower half twice in a row. Please "
            "get in touch with them.",
            person="Amal",
            name=t.name,
        )
        assert await t.rows("SELECT kind FROM checkin_alerts") == [("newcomer_low_twice",)]


async def test_a_group_that_misses_two_check_ins_alerts_the_coordinator(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        en = t.lang("en")
        await t.at(TUESDAY_19)
        await t.at(TUESDAY_19 + timedelta(days=2))  # closed, nobody answered
        assert await t.rows("SELECT count(*) FROM checkin_alerts") == [(0,)]
        await t.at(TUESDAY_19 + timedelta(days=7))
        group_count = len(t.group_bot_messages())
        await t.at(TUESDAY_19 + timedelta(days=9))
        assert t.carla.last().text == "🔕 " + en.t(
            "Nobody in the sponsor group of {name} answered the last two check-ins. Please check "
            "in with the group.",
            name=t.name,
        )
        assert await t.rows("SELECT kind FROM checkin_alerts") == [("group_missed_twice",)]
        assert len(t.group_bot_messages()) == group_count  # the closing edit, no new message
        assert "Nobody in the sponsor group" not in t.checkin().text


async def test_a_restart_mid_week_sends_nothing_twice(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=FloodLimits(enabled=False))
    clock = FakeClock(MONDAY_NOON)
    async with checkin_world(tmp_path, clock, sandbox) as (bot, carla):
        t = await team_in(bot, carla, clock, "15-01-2027")
        await t.at(MONDAY_NOON)
        await t.at(TUESDAY_19)
        assert len(t.group_bot_messages()) and len(t.amal.inbox())
        counts = (len(t.group_bot_messages()), len(t.amal.inbox()))
    clock.set(TUESDAY_19 + timedelta(hours=3))  # the bot comes back the same evening
    async with checkin_world(tmp_path, clock, sandbox) as (bot, _):
        t.bot = bot
        await t.checkins.outbox.drain()
        await t.at(TUESDAY_19 + timedelta(hours=4))
        assert (len(t.group_bot_messages()), len(t.amal.inbox())) == counts
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(2,)]
        # The check-in from before the restart still takes answers.
        await t.piet.press(t.checkin(), scale_text(t.lang("nl"), 4))
        assert t.checkin().text.endswith("✓ Piet")


async def test_down_for_two_hours_catches_up_once(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=FloodLimits(enabled=False))
    clock = FakeClock(MONDAY_NOON)
    async with checkin_world(tmp_path, clock, sandbox) as (bot, carla):
        t = await team_in(bot, carla, clock, "15-01-2027")
        await t.at(MONDAY_NOON)
        await t.at(TUESDAY_19 - timedelta(hours=1))  # the last tick before going down
        before = (len(t.group_bot_messages()), len(t.amal.inbox()))
    clock.set(TUESDAY_19 + timedelta(hours=1))  # down from 18:00 to 20:00
    async with checkin_world(tmp_path, clock, sandbox) as (bot, _):
        t.bot = bot  # the start-up tick has caught up already
        await t.checkins.outbox.drain()
        await t.at(TUESDAY_19 + timedelta(hours=1, minutes=1))
        after = (len(t.group_bot_messages()), len(t.amal.inbox()))
        assert after == (before[0] + 1, before[1] + 1)
        assert t.checkin().text == group_intro(t.lang("nl"), t.name) + "\n\n" + group_intro(
            t.lang("ar"), t.name
        )
        assert await t.rows(
            "SELECT kind, scheduled_at, status, started_at FROM checkin_occurrences ORDER BY id"
        ) == [
            ("group", TUESDAY_19_UTC, "open", "2027-02-02T19:00:00+00:00"),
            ("newcomer", TUESDAY_19_UTC, "open", "2027-02-02T19:00:00+00:00"),
        ]


async def test_down_for_three_days_records_missed_and_the_digest_shows_it(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(limits=FloodLimits(enabled=False))
    clock = FakeClock(MONDAY_NOON)
    async with checkin_world(tmp_path, clock, sandbox) as (bot, carla):
        t = await team_in(bot, carla, clock, "15-01-2027")
        await t.at(MONDAY_NOON)
        before = (len(t.group_bot_messages()), len(t.amal.inbox()))
    clock.set(TUESDAY_19 + timedelta(days=3))
    async with checkin_world(tmp_path, clock, sandbox) as (bot, _):
        t.bot = bot
        await t.checkins.outbox.drain()
        assert (len(t.group_bot_messages()), len(t.amal.inbox())) == before  # none caught up
        assert await t.rows("SELECT kind, scheduled_at, status FROM checkin_occurrences") == [
            ("group", TUESDAY_19_UTC, "missed"),
            ("newcomer", TUESDAY_19_UTC, "missed"),
        ]
        en = t.lang("en")
        await t.at(datetime(2027, 2, 8, 9, 0, tzinfo=AMS))  # Monday morning: the digest
        digest = t.carla.last().text
        assert digest.startswith(plain(en.t("<b>Weekly overview of the check-ins</b>")))
        assert en.t("Group: missed while I was offline") in digest
        assert en.t("Newcomer: missed while I was offline") in digest


async def test_the_weekly_digest_lists_every_sponsorship(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        nl, ar, en = t.lang("nl"), t.lang("ar"), t.lang("en")
        await create_sponsorship(
            t.carla,
            name="Delfshaven – family B.",
            arrival=None,
        )
        for week in range(2):
            await t.at(TUESDAY_19 + timedelta(days=7 * week))
            await t.sanne.press(t.checkin(), scale_text(nl, 4 - week))
            await t.amal.press(t.amal.last(), scale_text(ar, 4 - week))
            if week == 1:
                await t.amal.press(t.amal.last(), f"{TALK_LABEL[0]} {ar.t(TALK_LABEL[1])}")
            await t.at(TUESDAY_19 + timedelta(days=7 * week, hours=48))
        await t.at(datetime(2027, 2, 15, 9, 0, tzinfo=AMS))
        digest = t.carla.last().text
        lines = digest.split("\n\n")
        assert lines[0] == plain(en.t("<b>Weekly overview of the check-ins</b>"))
        assert lines[1].splitlines() == [
            plain(
                en.t("<b>{name}</b> (#{id}) – {status}", name=t.name, id=1, status=en.t("active"))
            ),
            en.t("Group: {answered} of {members} answered", answered=1, members=2),
            en.t("Newcomer: answered {answer}", answer=scale_text(en, 3)),
            en.t("Newcomer: asked to talk to someone"),
            en.t("Trend, newcomer: {trend}", trend="😀 → 🙂"),
            en.t("Trend, group: {trend}", trend="😀 → 🙂"),
            en.t("Open alerts: {alerts}", alerts=en.t("wants to talk")),
        ]
        assert lines[2].splitlines() == [
            plain(
                en.t(
                    "<b>{name}</b> (#{id}) – {status}",
                    name=(await t.rows("SELECT name FROM sponsorships WHERE id = 2"))[0][0],
                    id=2,
                    status=en.t("preparing"),
                )
            ),
            en.t("Group: no check-in this week"),
            en.t("Newcomer: no check-in this week"),
            en.t("No open alerts."),
        ]
        assert await t.rows(
            "SELECT kind, status FROM checkin_occurrences WHERE sponsorship_id = 0 ORDER BY id"
        ) == [("digest", "missed"), ("digest", "sent")]  # the clock jumped over the first


async def test_checkins_settings_with_buttons(tmp_path: Path) -> None:
    async with running_team(tmp_path) as t:
        en, nl = t.lang("en"), t.lang("nl")
        await t.carla.send("/checkins")
        card = t.carla.last()
        assert card.text.splitlines()[:4] == [
            plain(en.t("<b>Check-ins of {name}</b>", name=t.name)),
            en.t("Day and time: {day} at {time}", day="Tuesday", time=en.time(TUESDAY_19)),
            en.t(
                "Rhythm: {rhythm}",
                rhythm=en.t("automatic, now {rhythm}", rhythm=en.t("every week")),
            ),
            en.t(
                "Next check-in: {date} at {time}",
                date="Tuesday, February 2, 2027",
                time=en.time(TUESDAY_19),
            ),
        ]
        await t.carla.press(card, en.t("Day"))
        await t.carla.press(t.carla.last(), "Thursday")
        await t.carla.press(t.carla.last(), en.t("Time"))
        await t.carla.press(t.carla.last(), en.time(datetime(2027, 2, 4, 20, 0, tzinfo=AMS)))
        await t.carla.press(t.carla.last(), en.t("Rhythm"))
        await t.carla.press(t.carla.last(), en.t("every 2 weeks"))
        assert en.t("Saved.") in t.carla.last().text
        assert await t.rows(
            "SELECT kind, weekday, local_time, rhythm, paused, updated_by FROM checkin_schedules "
            "WHERE sponsorship_id = 1 ORDER BY kind"
        ) == [
            ("group", 3, "20:00", "biweekly", 0, t.carla.id),
            ("newcomer", 3, "20:00", "biweekly", 0, t.carla.id),
        ]
        # Nothing on Tuesday any more; Thursday 20:00 it is.
        await t.at(TUESDAY_19)
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(0,)]
        await t.at(datetime(2027, 2, 4, 20, 0, tzinfo=AMS))
        assert await t.rows(
            "SELECT kind, scheduled_at FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [
            ("group", "2027-02-04T19:00:00+00:00"),
            ("newcomer", "2027-02-04T19:00:00+00:00"),
        ]

        # The contact person pauses (in Dutch); a paused sponsorship gets nothing.
        await t.sanne.send("/checkins")
        await t.sanne.press(t.sanne.last(), nl.t("Pause"))
        assert nl.t("Check-ins are paused.") in t.sanne.last().text
        await t.at(datetime(2027, 2, 18, 20, 0, tzinfo=AMS))
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(2,)]
        await t.sanne.press(t.sanne.last(), nl.t("Resume"))
        assert nl.t("Check-ins are running again.") in t.sanne.last().text
        await t.at(datetime(2027, 3, 4, 20, 0, tzinfo=AMS))
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(4,)]

        # Piet (not the contact person) and a stranger cannot, not even with forged buttons.
        audit = await t.rows("SELECT count(*) FROM audit")
        await t.piet.send("/checkins")
        refusal = nl.t("Only a coordinator or the group's contact person can change the check-ins.")
        assert t.piet.last().text == refusal
        await press_forged(t.piet, "ci:s:1:pause")
        assert t.sandbox.last_callback().text == refusal
        eve = t.sandbox.user("Eve", language_code="en")
        await eve.start()
        for data in ("ci:s:1:setday:0", "ci:s:1:settime:0800", "ci:s:1:resume", "ci:s:x:show"):
            await press_forged(eve, data)
            assert t.sandbox.last_callback().text == en.t(
                "Only a coordinator or the group's contact person can change the check-ins."
            )
        await press_forged(eve, "ci:n:1:1")  # someone else's private check-in
        await press_forged(eve, "ci:g:1:4")  # the group's, from outside the group
        assert await t.rows("SELECT count(*) FROM audit") == audit
        assert await t.rows("SELECT count(*) FROM checkin_responses") == [(0,)]


async def test_fires_at_local_time_across_both_dst_changes(tmp_path: Path) -> None:
    start = datetime(2027, 3, 22, 12, 0, tzinfo=AMS)
    async with running_team(tmp_path, start=start, arrival=None) as t:
        sent: list[str] = []
        for day in (
            datetime(2027, 3, 23, 19, 0, tzinfo=AMS),  # winter time, UTC+1
            datetime(2027, 3, 30, 19, 0, tzinfo=AMS),  # summer time since Sunday, UTC+2
            datetime(2027, 10, 26, 19, 0, tzinfo=AMS),  # still summer time
            datetime(2027, 11, 2, 19, 0, tzinfo=AMS),  # winter time since Sunday
        ):
            count = len(t.group_bot_messages())
            await t.at(day - timedelta(minutes=1))
            assert len(t.group_bot_messages()) == count, day
            await t.at(day)
            assert len(t.group_bot_messages()) == count + 1, day
            assert t.checkin().buttons, day
            sent.append(day.astimezone(UTC).isoformat())
        rows = await t.rows(
            "SELECT scheduled_at FROM checkin_occurrences WHERE kind = 'group' "
            "AND status != 'missed' ORDER BY scheduled_at"
        )
        assert (
            [r[0] for r in rows]
            == sent
            == [
                "2027-03-23T18:00:00+00:00",
                "2027-03-30T17:00:00+00:00",
                "2027-10-26T17:00:00+00:00",
                "2027-11-02T18:00:00+00:00",
            ]
        )


async def test_nothing_is_due_or_missed_from_before_the_sponsorship_was_active(
    tmp_path: Path,
) -> None:
    async with running_team(tmp_path) as t:
        db = t.bot.services.db
        await sponsorships.set_status(db, 1, "paused", t.carla.id)
        await t.at(TUESDAY_19)
        await t.at(TUESDAY_19 + timedelta(hours=17))  # Wednesday noon
        await sponsorships.set_status(db, 1, "active", t.carla.id)
        await t.at(TUESDAY_19 + timedelta(hours=17, minutes=1))
        assert await t.rows("SELECT count(*) FROM checkin_occurrences") == [(0,)]
        await t.at(TUESDAY_19 + timedelta(days=7))
        assert await t.rows(
            "SELECT kind, status FROM checkin_occurrences WHERE sponsorship_id = 1 ORDER BY id"
        ) == [("group", "open"), ("newcomer", "open")]
