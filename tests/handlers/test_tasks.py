"""The settlement plan as people use it: a template with real due dates, the newcomer ticking off
a task in Arabic while the group reads it in Dutch, taking, postponing, asking for help, adding
tasks with dates people type, reminders on the right day, and forged buttons refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import checkins
from bot.clock import FakeClock
from bot.sandbox import Sandbox, SimGroup, SimUser
from bot.storage import tasks as task_store
from tests.helpers import Harness, run_bot
from tests.scenarios import (
    QUICK_PEOPLE,
    Links,
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    press_forged,
    set_up_chat,
    world,
)

AMS = ZoneInfo("Europe/Amsterdam")
ARRIVAL = date(2027, 1, 15)
PLAN = "Standard plan for the first year"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local Amsterdam time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS)


async def _rows(bot: Harness, sql: str, *params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.services.db.fetchall(sql, params)]


async def _setup(
    bot: Harness, sandbox: Sandbox, carla: SimUser
) -> tuple[Links, SimUser, SimUser, SimUser, SimGroup]:
    links = await create_sponsorship(carla, plan=PLAN)
    sanne = sandbox.user("Sanne", language_code="nl")
    piet = sandbox.user("Piet", language_code="nl")
    amal = sandbox.user("Amal", language_code="ar")
    await join_as_member(sanne, links.member, roles=("Contactpersoon", "Geld en papieren"))
    await join_as_member(piet, links.member, roles=("Wonen",))
    await join_as_newcomer(amal, links.newcomer)
    group = await set_up_chat(carla, links.startgroup)
    for person in (sanne, piet, amal):
        await person.press(person.last(), person.last().buttons[0][0])
    return links, sanne, piet, amal, group


async def test_template_tasks_get_due_dates_from_the_arrival(tmp_path: Path) -> None:
    clock = FakeClock(at(date(2027, 1, 4)))
    async with world(tmp_path, clock=clock) as (bot, carla):
        await create_sponsorship(carla, plan=PLAN)
        template = bot.services.templates["standard"]
        rows = await _rows(bot, "SELECT template_key, due_date, owner_role FROM tasks ORDER BY id")
        assert rows == [
            (t.key, (ARRIVAL + timedelta(days=t.due_days)).isoformat(), t.owner)
            for t in template.tasks
        ]
        assert ("brp_registration", "2027-01-20", "together") in rows


async def test_arrival_not_known_then_set_later(tmp_path: Path) -> None:
    clock = FakeClock(at(date(2027, 1, 4)))
    async with world(tmp_path, clock=clock) as (bot, carla):
        await create_sponsorship(carla, plan=PLAN, arrival=None)
        assert await _rows(bot, "SELECT count(*) FROM tasks WHERE due_date IS NOT NULL") == [(0,)]
        await carla.send("/sponsorship 1")
        await carla.press(carla.last(), "Set the arrival date")
        await carla.send("1-2-2027")
        assert carla.last().text == (
            "The arrival date is now Feb 1, 2027. The tasks of the plan have their due dates."
        )
        assert await _rows(bot, "SELECT due_date FROM tasks WHERE template_key = 'bank_account'"
                           ) == [("2027-02-11",)]


async def test_newcomer_ticks_off_a_task_in_arabic_and_the_group_reads_it_in_dutch(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 20)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, _, _, amal, group = await _setup(bot, sandbox, carla)
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        template = bot.services.templates["standard"]
        digid = template.task("digid")
        assert digid is not None

        await amal.send("/tasks")
        mine = amal.last()
        assert mine.text.splitlines()[0] == ar.t(
            "<b>Tasks – {name}</b> ({which})", name="Kralingen – family A", which=ar.t("Mine")
        ).replace("<b>", "").replace("</b>", "")
        titles = [row[0] for row in mine.buttons[:-1]]
        assert digid.title_in("ar") in titles
        await amal.press(mine, digid.title_in("ar"))
        detail = amal.last()
        assert digid.how_in("ar") in detail.text
        await amal.press(detail, "✅ " + ar.t("Done"))
        assert sandbox.last_callback().text == ar.t("Well done! The task is marked as done.")
        assert await _rows(bot, "SELECT status, done_by FROM tasks WHERE template_key = 'digid'"
                           ) == [("done", amal.id)]
        said = sandbox.messages(group.id)[-1].text
        assert said.split("\n\n")[0] == nl.t(
            "✅ {person} finished: {task}", person="Amal", task=digid.title_in("nl")
        )
        assert said.split("\n\n")[1] == ar.t(
            "✅ {person} finished: {task}", person="Amal", task=digid.title_in("ar")
        )
        await amal.press(amal.last(), "⬅️ " + ar.t("All tasks"))
        assert digid.title_in("ar") not in [row[0] for row in amal.last().buttons[:-1]]


async def test_take_postpone_and_ask_for_help(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 20)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, sanne, piet, _, group = await _setup(bot, sandbox, carla)
        nl = bot.services.i18n.get("nl")
        ov = bot.services.templates["standard"].task("ov_chipkaart")
        assert ov is not None

        await piet.send("/tasks all")
        await piet.press(piet.last(), ov.title_in("nl"))
        await piet.press(piet.last(), "🙋 " + nl.t("I'll take it"))
        assert sandbox.last_callback().text == nl.t("The task is yours now.")
        assert await _rows(bot, "SELECT owner_id FROM tasks WHERE template_key = 'ov_chipkaart'"
                           ) == [(piet.id,)]
        await sanne.send("/tasks all")
        await sanne.press(sanne.last(), ov.title_in("nl"))
        await sanne.press(sanne.last(), "🙋 " + nl.t("I'll take it"))
        assert sandbox.last_callback().text == nl.t("You are helping with this task now.")
        assert await _rows(bot, "SELECT person_id FROM task_helpers") == [(sanne.id,)]

        # Due 2027-01-21; "a week later" from today's point of view.
        await sanne.press(sanne.last(), "⏩ " + nl.t("A week later"))
        assert await _rows(bot, "SELECT due_date FROM tasks WHERE template_key = 'ov_chipkaart'"
                           ) == [("2027-01-28",)]
        await sanne.press(sanne.last(), "🆘 " + nl.t("Ask the group for help"))
        assert sandbox.last_callback().text == nl.t("I asked your group for help.")
        assert sandbox.messages(group.id)[-1].text.split("\n\n")[0] == nl.t(
            "🆘 {person} asks for help with: {task}", person="Sanne", task=ov.title_in("nl")
        )


async def test_forged_button_for_another_sponsorship_changes_nothing(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 20)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        await _setup(bot, sandbox, carla)
        other = await create_sponsorship(carla, name="Delfshaven – family B", plan=PLAN)
        bas = sandbox.user("Bas", language_code="nl")
        await join_as_member(bas, other.member)
        ((task_id,),) = await _rows(
            bot, "SELECT id FROM tasks WHERE sponsorship_id = 1 AND template_key = 'digid'"
        )
        before = await _rows(bot, "SELECT * FROM tasks ORDER BY id")
        nl = bot.services.i18n.get("nl")
        for action in ("done", "take", "later", "help", "open"):
            await bas.send("/help")
            await press_forged(bas, f"task:{action}:{task_id}")
            assert sandbox.last_callback().text == nl.t(
                "Only the people of this sponsorship can see its tasks."
            )
        await press_forged(bas, "task:list:1:all")
        assert sandbox.last_callback().text == nl.t(
            "Only the people of this sponsorship can see its tasks."
        )
        await press_forged(bas, "task:done:99999")
        assert sandbox.last_callback().text == nl.t("This task no longer exists.")
        await press_forged(bas, "task:done:x")
        assert sandbox.last_callback().text == nl.t(
            "This button no longer works. Please send /tasks again."
        )
        assert await _rows(bot, "SELECT * FROM tasks ORDER BY id") == before
        assert await _rows(bot, "SELECT count(*) FROM task_helpers") == [(0,)]


async def test_deleted_task_is_explained(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 20)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, sanne, _, _, _ = await _setup(bot, sandbox, carla)
        await sanne.send("/tasks all")
        listing = sanne.last()
        ((task_id,),) = await _rows(bot, "SELECT id FROM tasks WHERE template_key = 'bank_account'")
        await bot.services.db.conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
        dentist = bot.services.templates["standard"].task("bank_account")
        assert dentist is not None
        await sanne.press(listing, dentist.title_in("nl"))
        assert sandbox.last_callback().text == bot.services.i18n.get("nl").t(
            "This task no longer exists."
        )


async def test_task_add_with_owner_and_dates_people_type(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 20)))  # a Wednesday
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, sanne, _, amal, group = await _setup(bot, sandbox, carla)
        nl = bot.services.i18n.get("nl")
        await sanne.send("/task_add Fiets kopen @Piet vrijdag")
        assert sanne.last().text.startswith(nl.t("Task added."))
        await amal.send("/task_add شراء دراجة tomorrow")
        await sanne.send("/task_add Koffie drinken", chat_id=group.id)
        rows = await _rows(bot, "SELECT title, owner_id, due_date, created_by FROM tasks "
                                "WHERE template_key IS NULL ORDER BY id")
        piet_id = (await _rows(bot, "SELECT id FROM people WHERE first_name = 'Piet'"))[0][0]
        assert rows == [
            ("Fiets kopen", piet_id, "2027-01-22", sanne.id),
            ("شراء دراجة", None, "2027-01-21", amal.id),
            ("Koffie drinken", None, None, sanne.id),
        ]
        await sanne.send("/task_add Brief lezen gisteren")
        assert sanne.last().text.startswith(nl.t(
            "I could not read the date {text}. Dates that work: {examples}.",
            text="gisteren", examples="morgen, vrijdag, volgende week, in 3 dagen, tomorrow, "
            "friday, 5/12, 2026-12-05"))
        await sanne.send("/task_add Bellen @Klaas morgen")
        assert sanne.last().text == nl.t(
            "I do not know {mention} in this sponsorship. Who takes part: {names}.",
            mention="@Klaas", names=nl.list(["Amal", "Sanne", "Piet"]))
        await sanne.send("/task_add")
        assert sanne.last().text.startswith(nl.t(
            "Please write what needs to be done, for example: /task_add Open a bank account "
            "@Sanne friday. Dates that work: {examples}.", examples="morgen, vrijdag, volgende "
            "week, in 3 dagen, tomorrow, friday, 5/12, 2026-12-05"))
        assert len(await _rows(bot, "SELECT id FROM tasks WHERE template_key IS NULL")) == 3
        stranger = sandbox.user("Eve", language_code="en")
        await stranger.send("/task_add Something")
        assert stranger.last().text == (
            "You do not take part in a sponsorship yet, so you cannot add tasks."
        )


async def test_reminders_on_the_right_local_day_once_also_across_a_restart(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 12)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, sanne, piet, amal, _ = await _setup(bot, sandbox, carla)
        config = bot.config
        service = checkins.service(bot.app)
        # The BRP registration (together: the newcomer and the contact person) is due on
        # 2027-01-20: reminders go out on the 19th, from 09:00 local time.
        before = {p.id: len(p.inbox()) for p in (sanne, piet, amal)}
        for moment in (at(date(2027, 1, 18), 23, 59), at(date(2027, 1, 19), 8, 59)):
            clock.set(moment)
            await service.tick(moment)
        await service.outbox.drain()
        assert {p.id: len(p.inbox()) for p in (sanne, piet, amal)} == before
        clock.set(at(date(2027, 1, 19), 9, 0))
        await service.tick(clock.now())
        await service.outbox.drain()
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        brp = bot.services.templates["standard"].task("brp_registration")
        assert brp is not None
        assert amal.last().text == ar.t(
            "Reminder: tomorrow is the day for this task: {task}", task=brp.title_in("ar"))
        assert sanne.last().text == nl.t(
            "Reminder: tomorrow is the day for this task: {task}", task=brp.title_in("nl"))
        assert len(piet.inbox()) == before[piet.id]  # not his task
        counts = {p.id: len(p.inbox()) for p in (sanne, piet, amal)}
        clock.set(at(date(2027, 1, 19), 15, 0))
        await service.tick(clock.now())
        await service.outbox.drain()
        assert {p.id: len(p.inbox()) for p in (sanne, piet, amal)} == counts
    # A restart the same day: the start-up tick sends nothing again.
    clock.set(at(date(2027, 1, 19), 16, 0))
    async with run_bot(sandbox, config, clock) as again:
        await checkins.service(again.app).outbox.drain()
        assert {p.id: len(p.inbox()) for p in (sanne, piet, amal)} == counts
        assert await _rows(again, "SELECT kind, day FROM task_reminders r JOIN tasks t "
                                  "ON t.id = r.task_id WHERE t.template_key = 'brp_registration'"
                           ) == [("day_before", "2027-01-19")]


async def test_overdue_tasks_appear_in_the_group_check_in(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    clock = FakeClock(at(date(2027, 1, 25)))
    async with world(tmp_path, sandbox, clock=clock) as (bot, carla):
        _, _, _, _, group = await _setup(bot, sandbox, carla)
        s = await task_store.of_sponsorship(bot.services.db, 1)
        late = [t for t in s if t.overdue(date(2027, 1, 25))]
        assert late
        service = checkins.service(bot.app)
        await service.tick(clock.now())  # the tick notices the sponsorship is active now
        # The first group check-in after that: Tuesday 2027-01-26 19:00.
        clock.set(at(date(2027, 1, 26), 19, 0))
        await service.tick(clock.now())
        await service.outbox.drain()
        text = sandbox.messages(group.id)[-1].text
        nl = bot.services.i18n.get("nl")
        assert nl.t("Overdue tasks:") in text
        brp = bot.services.templates["standard"].task("brp_registration")
        assert brp is not None
        assert nl.t("• {task} – since {date}", task=brp.title_in("nl"),
                    date=nl.date(date(2027, 1, 20))) in text
