"""/pause, /resume and /close change what is scheduled: no check-ins and no task reminders while
paused, nothing caught up after resuming, and at the close a bilingual thank-you in the shared
chat, the open tasks for the newcomer in Arabic, the open check-in closed, and nothing after."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.lifecycle import HAND_OVER, THANKS
from bot.storage import tasks
from bot.storage.tasks import NewTask
from tests.handlers.test_checkins import TUESDAY_19, running_team

WEEK = timedelta(days=7)


def task(title: str, due: date) -> NewTask:
    return NewTask(None, None, title, "newcomer", None, due)


async def test_pause_resume_and_close_change_what_is_scheduled(tmp_path: Path) -> None:
    # Audit times are real time, the clock here is not: keep the retention purge out of it.
    async with running_team(tmp_path, privacy={"retention_days": 3650}) as t:
        en, nl, ar = t.lang("en"), t.lang("nl"), t.lang("ar")
        db = t.bot.services.db
        ids = await tasks.add_many(
            db,
            1,
            [
                task("Fietsles", date(2027, 2, 3)),
                task("Bibliotheekpas", date(2027, 2, 10)),
                task("Zwemles kinderen", date(2027, 3, 1)),
            ],
            t.carla.id,
        )
        await tasks.complete(db, ids[2], t.amal.id)
        group_before = len(t.group_bot_messages())
        amal_before = len(t.amal.inbox())

        await t.carla.send("/pause 1")
        assert t.carla.last().text == en.t(
            "{name} is paused: no check-ins and no reminders until you send /resume {id}.",
            name=t.name,
            id=1,
        )
        assert await t.rows("SELECT status FROM sponsorships") == [("paused",)]
        await t.carla.send("/pause 1")
        assert t.carla.last().text == en.t(
            "{name} is paused already. /resume {id} starts it again.", name=t.name, id=1
        )

        # Tuesday 19:00 passes: no check-in, and no reminder for Wednesday's task.
        await t.at(TUESDAY_19)
        await t.at(TUESDAY_19 + timedelta(hours=1))
        assert len(t.group_bot_messages()) == group_before
        assert len(t.amal.inbox()) == amal_before
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(0,)]

        # Resumed from the chooser: the next check-in is next week; this one is not caught up.
        await t.carla.send("/resume")
        chooser = t.carla.last()
        assert chooser.text == en.t("Which sponsorship should start again?")
        assert chooser.buttons == [[f"1. {t.name}"], [en.t("Cancel")]]
        await t.carla.press(chooser, f"1. {t.name}")
        next_week = TUESDAY_19 + WEEK
        assert t.carla.last().text == (
            en.t("{name} is running again.", name=t.name)
            + " "
            + en.t(
                "Next check-in: {date} at {time}",
                date="Tuesday, February 9, 2027",
                time=en.time(next_week),
            )
        )
        assert await t.rows("SELECT status FROM sponsorships") == [("active",)]
        await t.at(TUESDAY_19 + timedelta(hours=2))
        assert len(t.group_bot_messages()) == group_before
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(0,)]
        # Reminders run again at once: Wednesday's task is reminded this (Tuesday) evening.
        assert [m.text for m in t.amal.inbox()[amal_before:]] == [
            ar.t("Reminder: tomorrow is the day for this task: {task}", task="Fietsles")
        ]
        amal_before += 1

        # Running again: the day-before reminder and next week's check-in go out.
        await t.at(next_week)
        new = [m.text for m in t.amal.inbox()[amal_before:]]
        assert len(new) == 2  # her private check-in and the reminder
        assert (
            ar.t("Reminder: tomorrow is the day for this task: {task}", task="Bibliotheekpas")
            in new
        )
        checkin = t.checkin()
        assert (
            nl.t("<b>Check-in: {name}</b>", name=t.name).replace("<b>", "").replace("</b>", "")
            in checkin.text
        )
        assert await t.rows(
            "SELECT kind, status FROM checkin_occurrences WHERE sponsorship_id = 1 ORDER BY id"
        ) == [("group", "open"), ("newcomer", "open")]

        # Closed, after a confirmation.
        await t.carla.send("/close 1")
        confirm = t.carla.last()
        assert confirm.buttons == [[en.t("Yes, close"), en.t("Cancel")]]
        assert await t.rows("SELECT status FROM sponsorships") == [("active",)]
        await t.carla.press(confirm, en.t("Yes, close"))
        assert t.carla.last().text == en.t(
            "{name} is closed. I thanked the group in the shared chat and sent the newcomer the "
            "open tasks. Check-ins and reminders have stopped.",
            name=t.name,
        )
        await t.checkins.outbox.drain()
        farewell = t.group_bot_messages()[-1]
        assert farewell.text == "\n\n".join(
            lang.t(THANKS, name=t.name) + "\n" + lang.t(HAND_OVER) for lang in (nl, ar)
        )
        assert t.amal.last().text == "\n".join(
            [
                ar.t(THANKS, name=t.name) + "\n",
                ar.t(
                    "These tasks of your plan are still open. You can go on with them yourself "
                    "or ask the people you know:"
                ),
                f"• {ar.value('Fietsles')}",
                f"• {ar.value('Bibliotheekpas')}",
            ]
        )
        # The open check-in is closed at once (its message says so), no alarm is raised.
        closed = next(m for m in t.group_bot_messages() if m.message_id == checkin.message_id)
        assert closed.buttons == []
        assert nl.t("This check-in is closed. Thank you!") in closed.text
        assert await t.rows(
            "SELECT kind, status FROM checkin_occurrences WHERE sponsorship_id = 1 ORDER BY id"
        ) == [
            ("group", "closed"),
            ("newcomer", "closed"),
        ]
        assert await t.rows(
            "SELECT action, actor_id FROM audit WHERE action LIKE 'status_%' ORDER BY id"
        ) == [
            ("status_active", None),
            ("status_paused", t.carla.id),
            ("status_active", t.carla.id),
            ("status_closed", t.carla.id),
        ]

        # Nothing is scheduled any more; the chat stays with its people.
        counts = (len(t.sandbox.messages(t.group.id)), len(t.amal.inbox()), len(t.sanne.inbox()))
        for week in (2, 3, 5):
            await t.at(TUESDAY_19 + week * WEEK)
        assert (
            len(t.sandbox.messages(t.group.id)),
            len(t.amal.inbox()),
            len(t.sanne.inbox()),
        ) == counts
        assert await t.rows(
            "SELECT count(*) FROM checkin_occurrences WHERE sponsorship_id = 1"
        ) == [(2,)]
        assert await t.rows("SELECT count(*) FROM checkin_alerts") == [(0,)]
        chat = t.sandbox.chat(t.group.id)
        assert {chat.status(u.id) for u in (t.amal, t.piet)} == {"member"}

        await t.carla.send("/resume 1")
        assert t.carla.last().text == en.t("{name} is closed.", name=t.name)
        await t.carla.send("/close")
        assert t.carla.last().text == en.t("There is no sponsorship to close.")
