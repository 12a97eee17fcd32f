"""Task reminders: the day before a due date, privately to whoever does the task, in their
language; and a weekly list of overdue tasks for shared chats whose check-ins are paused.
Each reminder is recorded in the same transaction that queues it, so it goes out once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import taskview
from bot.i18n import I18n
from bot.plans import PlanTemplate
from bot.storage import Database, participants, sponsorships, tasks
from bot.storage import outbox as outbox_store
from bot.storage.participants import Participant
from bot.storage.tasks import Task

REMIND_FROM = time(9, 0)  # local time from which the day-before reminder goes out


def recipients(task: Task, people: list[Participant]) -> list[Participant]:
    """Who is reminded: the owner, else whoever the task is meant for."""
    if task.owner_id is not None:
        chosen = [p for p in people if p.person_id == task.owner_id]
    elif task.owner_role == "newcomer":
        chosen = [p for p in people if p.kind == "newcomer"]
    elif task.owner_role == "together":
        chosen = [p for p in people if p.kind == "newcomer" or p.is_contact]
    else:
        chosen = [p for p in people if task.owner_role in p.roles]
    helpers = [p for p in people if p.person_id in task.helpers and p not in chosen]
    return [p for p in chosen + helpers if not p.unreachable]


def _markup(label: str, task_id: int) -> str:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"task:open:{task_id}")]]
    )
    return json.dumps(keyboard.to_dict())


async def tick(
    db: Database,
    i18n: I18n,
    templates: Mapping[str, PlanTemplate],
    tz: Any,
    now: datetime,
) -> int:
    """Queue the reminders that are due at `now`; how many were queued."""
    local = now.astimezone(tz)
    if local.time() < REMIND_FROM:
        return 0
    today = local.date()
    queued = 0
    for task in await tasks.due_on(db, today + timedelta(days=1)):
        s = await sponsorships.get(db, task.sponsorship_id)
        if s is None:
            continue
        people = await participants.of_sponsorship(db, s.id)
        async with db.transaction() as conn:
            if not await tasks.record_reminder(conn, task.id, "day_before", today):
                continue
            for p in recipients(task, people):
                lang = i18n.get(p.language)
                text = lang.t(
                    "Reminder: tomorrow is the day for this task: {task}",
                    task=taskview.title(task, lang, templates, s.template_id),
                )
                await outbox_store.enqueue(
                    conn,
                    p.person_id,
                    text,
                    now=now,
                    person_id=p.person_id,
                    markup=_markup(lang.t("Open the task"), task.id),
                )
                queued += 1
    queued += await _weekly_overdue(db, i18n, templates, today, now)
    return queued


async def _weekly_overdue(
    db: Database, i18n: I18n, templates: Mapping[str, PlanTemplate], today: date, now: datetime
) -> int:
    """Once a week, overdue tasks for shared chats whose check-ins are paused (the check-in
    message carries them otherwise)."""
    monday = today - timedelta(days=today.weekday())
    queued = 0
    paused = await _checkins_paused(db)  # one query a tick, not one per sponsorship
    if not paused:
        return 0
    for s in await sponsorships.list_all(db):
        if s.status != "active" or s.chat_id is None or not s.chat_ready:
            continue
        if s.id not in paused:
            continue
        items = await tasks.of_sponsorship(db, s.id)
        late = [t for t in items if t.overdue(today)]
        if not late:
            continue
        parts = []
        for code in dict.fromkeys([i18n.group_language, s.newcomer_language]):
            lang = i18n.get(code)
            parts.append(
                "\n".join(taskview.overdue_lines(items, lang, templates, s.template_id, today))
            )
        async with db.transaction() as conn:
            if not await tasks.record_reminder(conn, late[0].id, "weekly_overdue", monday):
                continue
            await outbox_store.enqueue(conn, s.chat_id, "\n\n".join(parts), now=now)
            queued += 1
    return queued


async def _checkins_paused(db: Database) -> set[int]:
    """The sponsorships with a paused check-in schedule."""
    rows = await db.fetchall(
        "SELECT DISTINCT sponsorship_id FROM checkin_schedules WHERE paused = 1"
    )
    return {int(row[0]) for row in rows}
