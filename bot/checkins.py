"""Coordination check-ins: the tick that starts, reminds and closes them, answers and notes,
alarms for the coordinator and the weekly digest.

Time decisions come from `bot.scheduling` (pure); this module does the I/O around them. Each
occurrence is recorded in the same transaction that queues its messages in the outbox, so a
restart never sends a check-in twice. The job queue only wakes `tick()` up.
"""

from __future__ import annotations

import asyncio
import enum
import html
import json
import logging
import time as systime
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from babel.dates import format_time, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, CallbackContext

from bot import privacy, relay, scheduling, task_reminders, taskview
from bot.clock import Clock
from bot.config import Config
from bot.context import SERVICES_KEY, Services
from bot.i18n import N_, I18n, Lang, has_rtl, isolate
from bot.labels import STATUS_LABELS
from bot.outbox import Outbox
from bot.plans import PlanTemplate
from bot.storage import Database, coordinators, participants, people, sponsorships
from bot.storage import checkins as store
from bot.storage import outbox as outbox_store
from bot.storage import tasks as tasks_store
from bot.storage.checkins import Occurrence, Response, ScheduleRow
from bot.storage.participants import Participant
from bot.storage.sponsorships import Sponsorship
from bot.translation import Translation

log = logging.getLogger(__name__)

# (person_id, text, source, target) -> Translation, with the person's consent checked
TranslateFn = Callable[[int, str, str, str], Awaitable[Translation]]

CHECKINS_KEY = "checkins"
TICK_JOB = "checkins:tick"
TICK_SECONDS = 60
MAX_NOTE = 1000
SHOWN_NOTE = 200
TREND_LENGTH = 4
DIGEST_CHUNK = 3800
WEEK = timedelta(days=7)

# The scale, highest first; the stored answer is the number (see bot.scheduling).
SCALE: dict[int, tuple[str, str]] = {
    4: ("😀", N_("Good")),
    3: ("🙂", N_("Okay")),
    2: ("😐", N_("Not so good")),
    1: ("😟", N_("Difficult")),
}
ATTENTION_LABEL = ("⚠️", N_("Something needs attention"))
TALK_LABEL = ("💬", N_("I would like to talk to someone"))

ALERT_TEXTS: dict[str, tuple[str, str]] = {
    "talk": (
        "💬",
        N_(
            "{person} ({name}) would like to talk to someone. Please contact them privately; "
            "the group does not know."
        ),
    ),
    "newcomer_lowest": (
        "😟",
        N_(
            "{person} ({name}) answered the check-in with the lowest step. Please get in touch "
            "with them."
        ),
    ),
    "newcomer_low_twice": (
        "😐",
        N_(
            "{person} ({name}) answered the check-in in the lower half twice in a row. Please "
            "get in touch with them."
        ),
    ),
    "group_attention": (
        "⚠️",
        N_("{person} in the sponsor group of {name} says something needs attention."),
    ),
    "group_missed_twice": (
        "🔕",
        N_(
            "Nobody in the sponsor group of {name} answered the last two check-ins. Please check "
            "in with the group."
        ),
    ),
}
ALERT_SHORT: dict[str, str] = {
    "talk": N_("wants to talk"),
    "newcomer_lowest": N_("lowest step"),
    "newcomer_low_twice": N_("lower half twice"),
    "group_attention": N_("something needs attention"),
    "group_missed_twice": N_("group missed two check-ins"),
}
RHYTHM_LABELS: dict[str, str] = {
    "weekly": N_("every week"),
    "biweekly": N_("every 2 weeks"),
    "monthly": N_("every month, on the first {day}"),
}


def hours(n: int) -> timedelta:
    """n hours."""
    return timedelta(hours=n)


def occurrence_ref(occurrence_id: int) -> str:
    """The outbox ref of a check-in's message."""
    return f"occurrence:{occurrence_id}"


def _markup(keyboard: InlineKeyboardMarkup | None) -> str | None:
    return json.dumps(keyboard.to_dict(), ensure_ascii=False) if keyboard else None


def _person(name: str) -> str:
    """A name inside text we build ourselves: escaped and isolated when right-to-left."""
    text = html.escape(name, quote=False)
    return isolate(text) if has_rtl(text) else text


def day_name(lang: Lang, weekday: int) -> str:
    """The weekday's name in the reader's language."""
    return str(get_day_names("wide", locale=lang.locale)[weekday])


def time_text(lang: Lang, at: time) -> str:
    """A time of day in the reader's language."""
    return str(format_time(at, format="short", locale=lang.locale))


def rhythm_text(lang: Lang, rhythm: str, weekday: int) -> str:
    """ "every week", "every 2 weeks", "every month, on the first Tuesday"."""
    return lang.t(RHYTHM_LABELS[rhythm], day=day_name(lang, weekday))


def scale_text(lang: Lang, answer: int) -> str:
    """An answer as emoji and word."""
    if answer == scheduling.ATTENTION:
        return f"{ATTENTION_LABEL[0]} {lang.t(ATTENTION_LABEL[1])}"
    emoji, label = SCALE[answer]
    return f"{emoji} {lang.t(label)}"


def trend_text(values: list[float | None]) -> str:
    """Oldest to newest as faces (– for no answer)."""
    faces = ["–" if v is None else SCALE[min(4, max(1, round(v)))][0] for v in values]
    return " → ".join(faces)


class Refusal(enum.Enum):
    """Why a press or a note was not taken."""

    STALE = "stale"  # unknown, forged or not for this chat
    CLOSED = "closed"
    NOT_MEMBER = "not_member"
    NEWCOMER = "newcomer"  # the newcomer pressed the group's check-in
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class View:
    """What a message should show after a press."""

    text: str
    keyboard: InlineKeyboardMarkup | None


@dataclass
class _Facts:
    """One sponsorship in the digest."""

    s: Sponsorship
    paused: bool
    members: int
    group: Occurrence | None = None
    group_answered: int = 0
    newcomer: Occurrence | None = None
    newcomer_answer: int | None = None
    newcomer_talk: bool = False
    newcomer_trend: list[float | None] = field(default_factory=list)
    group_trend: list[float | None] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    overdue_tasks: int = 0


class Checkins:
    """The check-in service, shared by the tick job and the handlers."""

    def __init__(
        self,
        db: Database,
        i18n: I18n,
        config: Config,
        clock: Clock,
        outbox: Outbox,
        templates: Mapping[str, PlanTemplate] | None = None,
        translate: TranslateFn | None = None,
    ) -> None:
        self.db = db
        self.translate = translate
        self.templates: Mapping[str, PlanTemplate] = templates or {}
        self.i18n = i18n
        self.config = config
        self.clock = clock
        self.outbox = outbox
        self.tz = config.tz
        c = config.checkins
        self.timing = scheduling.Timing(
            grace=hours(c.grace_hours),
            remind_after=hours(c.reminder_after_hours) if c.reminder_after_hours else None,
            close_after=hours(c.close_after_hours),
        )
        self.default_weekday = scheduling.WEEKDAYS.index(c.weekday)
        self.default_time = c.time
        self._tick_lock = asyncio.Lock()
        self._quiet: scheduling.Quiet = {}  # the scheduler's memory between ticks

    # -- schedules -------------------------------------------------------------------------

    def schedule(self, row: ScheduleRow, s: Sponsorship | None) -> scheduling.Schedule:
        """A stored schedule as the pure scheduler sees it."""
        rule = scheduling.Rule(
            row.weekday,
            scheduling.parse_time(row.local_time),
            row.rhythm,  # type: ignore[arg-type]  # CHECK constraint keeps it one of RHYTHMS
        )
        return scheduling.Schedule(
            row.sponsorship_id,
            row.kind,
            rule,
            row.starts_at,
            row.paused,
            s.arrival_date if s is not None else None,
        )

    async def set_up_digest(self) -> None:
        """Store the digest schedule from the configuration."""
        c = self.config.checkins
        await store.set_digest(
            self.db,
            weekday=scheduling.WEEKDAYS.index(c.digest_weekday),
            local_time=c.digest_time,
            now=self.clock.now(),
        )

    async def ensure_schedules(self, s: Sponsorship) -> list[ScheduleRow]:
        """The sponsorship's schedules, created with the defaults when it has none yet."""
        await store.ensure(
            self.db,
            [s.id],
            weekday=self.default_weekday,
            local_time=self.default_time,
            now=self.clock.now(),
            active=s.status == "active",
        )
        return await store.schedules_of(self.db, s.id)

    async def next_checkin(self, s: Sponsorship, row: ScheduleRow) -> datetime | None:
        """When the next check-in of this schedule happens (None while paused)."""
        return scheduling.next_occurrence(self.schedule(row, s), self.tz, self.clock.now())

    # -- the tick ----------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> scheduling.Plan:
        """Start what is due, record what was missed, remind and close. Safe to run often."""
        async with self._tick_lock:
            now = now or self.clock.now()
            everyone = {s.id: s for s in await sponsorships.list_all(self.db)}
            active = [s for s in everyone.values() if s.status == "active"]
            rows = await store.all_schedules(self.db)
            have = {r.sponsorship_id for r in rows}
            missing = [s.id for s in active if s.id not in have]
            if missing:
                await store.ensure(
                    self.db,
                    missing,
                    weekday=self.default_weekday,
                    local_time=self.default_time,
                    now=now,
                    active=True,
                )
            started = {r.sponsorship_id for r in rows if not r.active} & {s.id for s in active}
            stopped = {
                r.sponsorship_id for r in rows if r.active and r.sponsorship_id != store.DIGEST
            } - {s.id for s in active}
            await store.set_active(self.db, started, True, now)
            await store.set_active(self.db, stopped, False, now)
            if missing or started or stopped:
                rows = await store.all_schedules(self.db)
            schedules = []
            for row in rows:
                s = everyone.get(row.sponsorship_id)
                if row.sponsorship_id != store.DIGEST and (s is None or s.status != "active"):
                    continue
                schedules.append(self.schedule(row, s))
            opened = [
                scheduling.Open(o.id, o.kind, o.started_at or o.scheduled_at, o.reminded)
                for o in await store.open_occurrences(self.db)
            ]
            last = await store.last_scheduled(self.db)
            plan = scheduling.plan(
                schedules, last, opened, now, self.tz, self.timing, quiet=self._quiet
            )
            if plan.missed:
                async with self.db.transaction() as conn:
                    for slot in plan.missed:
                        await store.record(
                            conn, slot.sponsorship_id, slot.kind, slot.at, "missed", now
                        )
                log.info("check-ins: %d occurrence(s) missed while down", len(plan.missed))
            for slot in plan.send:
                try:
                    await self._start(slot, everyone.get(slot.sponsorship_id), now)
                except Exception:
                    log.exception(
                        "check-ins: could not start %s of %d", slot.kind, slot.sponsorship_id
                    )
                self.outbox.notify()
            for occurrence_id in plan.remind:
                await self._remind(occurrence_id, now)
            for occurrence_id in plan.close:
                await self._close(occurrence_id, now)
            await task_reminders.tick(self.db, self.i18n, self.templates, self.tz, now)
            await self._retention(now)
            if plan:
                log.info(
                    "check-ins: %d started, %d missed, %d reminded, %d closed",
                    len(plan.send),
                    len(plan.missed),
                    len(plan.remind),
                    len(plan.close),
                )
            self.outbox.notify()
            return plan

    async def _start(self, slot: scheduling.Slot, s: Sponsorship | None, now: datetime) -> None:
        if slot.kind == "digest":
            await self._digest(slot, now)
        elif s is None:
            return
        elif slot.kind == "group":
            await self._start_group(slot, s, now)
        else:
            await self._start_newcomer(slot, s, now)

    async def _skip(self, slot: scheduling.Slot, now: datetime, why: str) -> None:
        async with self.db.transaction() as conn:
            await store.record(conn, slot.sponsorship_id, slot.kind, slot.at, "skipped", now, why)

    async def _start_group(self, slot: scheduling.Slot, s: Sponsorship, now: datetime) -> None:
        if s.chat_id is None or not s.chat_ready or s.flag:
            await self._skip(slot, now, "no_chat")
            return
        text = self.group_text(s, [], closed=False, overdue=await self.overdue(s, now))
        async with self.db.transaction() as conn:
            occurrence_id = await store.record(conn, s.id, "group", slot.at, "open", now)
            if occurrence_id is None:
                return
            await outbox_store.enqueue(
                conn,
                s.chat_id,
                text,
                markup=_markup(self.group_keyboard(occurrence_id)),
                ref=occurrence_ref(occurrence_id),
                now=now,
            )

    async def _start_newcomer(self, slot: scheduling.Slot, s: Sponsorship, now: datetime) -> None:
        newcomer = await self.newcomer_of(s.id)
        if newcomer is None or newcomer.unreachable:
            await self._skip(slot, now, "no_newcomer" if newcomer is None else "unreachable")
            return
        lang = self.i18n.get(newcomer.language)
        text = self.newcomer_text(lang, newcomer.first_name, None, closed=False)
        async with self.db.transaction() as conn:
            occurrence_id = await store.record(conn, s.id, "newcomer", slot.at, "open", now)
            if occurrence_id is None:
                return
            await outbox_store.enqueue(
                conn,
                newcomer.person_id,
                text,
                markup=_markup(self.newcomer_keyboard(lang, occurrence_id, None)),
                person_id=newcomer.person_id,
                ref=occurrence_ref(occurrence_id),
                now=now,
            )

    async def _remind(self, occurrence_id: int, now: datetime) -> None:
        occurrence = await store.get(self.db, occurrence_id)
        if occurrence is None or occurrence.status != "open":
            return
        s = await sponsorships.get(self.db, occurrence.sponsorship_id)
        if s is None or s.status != "active":  # paused or closed: no reminders
            return
        answered = {
            r.person_id
            for r in await store.responses(self.db, occurrence.id)
            if r.answer is not None or r.wants_talk
        }
        messages: list[tuple[int, str]] = []
        for p in await participants.of_sponsorship(self.db, s.id):
            if p.unreachable or p.person_id in answered:
                continue
            lang = self.i18n.get(p.language)
            if occurrence.kind == "group" and p.kind == "member" and p.in_chat:
                messages.append((p.person_id, self.member_reminder(lang, s)))
            elif occurrence.kind == "newcomer" and p.kind == "newcomer":
                messages.append((p.person_id, self.newcomer_reminder(lang)))
        async with self.db.transaction() as conn:
            if not await store.mark_reminded(conn, occurrence.id, now):
                return
            for person_id, text in messages:
                await outbox_store.enqueue(
                    conn,
                    person_id,
                    text,
                    person_id=person_id,
                    ref=f"reminder:{occurrence.id}",
                    now=now,
                )

    async def close_open(self, sponsorship_id: int) -> int:
        """Close a sponsorship's open check-ins now (the sponsorship was closed); how many."""
        async with self._tick_lock:
            now = self.clock.now()
            found = [
                o.id
                for o in await store.open_occurrences(self.db)
                if o.sponsorship_id == sponsorship_id
            ]
            for occurrence_id in found:
                await self._close(occurrence_id, now)
        self.outbox.notify()
        return len(found)

    async def _close(self, occurrence_id: int, now: datetime) -> None:
        occurrence = await store.get(self.db, occurrence_id)
        if occurrence is None or occurrence.status != "open":
            return
        s = await sponsorships.get(self.db, occurrence.sponsorship_id)
        if s is None:
            return
        ref = occurrence_ref(occurrence.id)
        first = await outbox_store.first_row(self.db, ref)
        original = await outbox_store.get(self.db, first) if first is not None else None
        responses = await store.responses(self.db, occurrence.id)
        alarm = False
        targets: list[tuple[int, Lang]] = []
        if occurrence.kind == "group":
            text = await self._group_view_text(occurrence, s, responses, closed=True)
            answered = sum(1 for r in responses if r.answer is not None)
            earlier = [
                o
                for o in await store.history(
                    self.db, s.id, "group", limit=TREND_LENGTH, before=occurrence.scheduled_at
                )
                if o.status == "closed"
            ]
            if answered == 0 and earlier and s.status == "active":
                previous = await store.responses(self.db, earlier[0].id)
                before = sum(1 for r in previous if r.answer is not None)
                alarm = scheduling.group_missed_twice([answered, before])
                targets = await self.coordinator_targets(s) if alarm else []
        else:
            newcomer = await self.newcomer_of(s.id)
            lang = self.i18n.get(newcomer.language if newcomer else s.newcomer_language)
            mine = next(
                (r for r in responses if newcomer and r.person_id == newcomer.person_id), None
            )
            text = self.newcomer_text(
                lang, newcomer.first_name if newcomer else "", mine, closed=True
            )
        async with self.db.transaction() as conn:
            if not await store.close(conn, occurrence.id, now):
                return
            if original is not None:
                await outbox_store.enqueue(
                    conn,
                    original.chat_id,
                    text,
                    person_id=original.person_id,
                    edit_of=original.id,
                    ref=ref,
                    now=now,
                )
            if alarm:
                await self._raise_in(conn, s, occurrence.id, "group_missed_twice", now, targets)

    # -- alerts ------------------------------------------------------------------------------

    async def coordinator_targets(self, s: Sponsorship | None) -> list[tuple[int, Lang]]:
        """The sponsorship's own coordinator (else every coordinator), with their language;
        people who blocked the bot are left out."""
        ids = await coordinators.all_ids(self.db)
        if s is not None and s.created_by in ids:
            ids = [s.created_by]
        out = []
        for coordinator_id in ids:
            person = await people.get(self.db, coordinator_id)
            if person is not None and person.unreachable:
                continue
            lang = self.i18n.get(person.language if person else self.i18n.group_language)
            out.append((coordinator_id, lang))
        return out

    def alert_text(self, lang: Lang, kind: str, s: Sponsorship, person: str) -> str:
        """An alert as the coordinator reads it."""
        emoji, message = ALERT_TEXTS[kind]
        return f"{emoji} " + lang.t(message, person=person, name=s.name)

    def alert_keyboard(self, lang: Lang, alert_id: int) -> InlineKeyboardMarkup:
        """The button that marks an alert handled."""
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(lang.t("Mark as handled"), callback_data=f"ci:h:{alert_id}")]]
        )

    async def _raise_in(
        self,
        conn: Any,
        s: Sponsorship,
        occurrence_id: int,
        kind: str,
        now: datetime,
        targets: list[tuple[int, Lang]],
        person_id: int = 0,
        person: str = "",
    ) -> bool:
        alert_id = await store.raise_alert(conn, s.id, occurrence_id, kind, now, person_id)
        if alert_id is None:
            return False
        for coordinator_id, lang in targets:
            await outbox_store.enqueue(
                conn,
                coordinator_id,
                self.alert_text(lang, kind, s, person),
                markup=_markup(self.alert_keyboard(lang, alert_id)),
                person_id=coordinator_id,
                ref=f"alert:{alert_id}",
                now=now,
            )
        return True

    async def _raise(
        self, s: Sponsorship, occurrence_id: int, kind: str, person_id: int, person: str
    ) -> None:
        targets = await self.coordinator_targets(s)
        async with self.db.transaction() as conn:
            await self._raise_in(
                conn, s, occurrence_id, kind, self.clock.now(), targets, person_id, person
            )
        self.outbox.notify()

    async def handle_alert(
        self, alert_id: int, by: int, by_name: str, lang: Lang
    ) -> View | Refusal:
        """A coordinator marks an alert handled."""
        alert = await store.get_alert(self.db, alert_id)
        s = await sponsorships.get(self.db, alert.sponsorship_id) if alert else None
        if alert is None or s is None:
            return Refusal.STALE
        await store.handle_alert(self.db, alert.id, by, self.clock.now())
        alert = await store.get_alert(self.db, alert.id)
        assert alert is not None and alert.handled_at is not None
        person = await people.get(self.db, alert.person_id) if alert.person_id else None
        text = self.alert_text(lang, alert.kind, s, (person.first_name or "") if person else "")
        text += "\n\n✓ " + lang.t(
            "Handled by {person} on {date}.", person=by_name, date=lang.date(alert.handled_at)
        )
        return View(text, None)

    # -- the group check-in ------------------------------------------------------------------

    def languages(self, s: Sponsorship) -> list[str]:
        """The shared chat's languages: the group's and the newcomer's."""
        return list(dict.fromkeys([self.i18n.group_language, s.newcomer_language]))

    async def overdue(self, s: Sponsorship, now: datetime) -> dict[str, list[str]]:
        """Overdue tasks of the plan, per language of the shared chat."""
        today = now.astimezone(self.tz).date()
        items = await tasks_store.of_sponsorship(self.db, s.id)
        return {
            code: taskview.overdue_lines(
                items, self.i18n.get(code), self.templates, s.template_id, today
            )
            for code in self.languages(s)
        }

    def group_text(
        self,
        s: Sponsorship,
        names: list[str],
        *,
        closed: bool,
        overdue: Mapping[str, list[str]] | None = None,
    ) -> str:
        """The bilingual check-in message, with who answered (never what) and the plan's
        overdue tasks."""
        parts = []
        for code in self.languages(s):
            lang = self.i18n.get(code)
            lines = [
                lang.t("<b>Check-in: {name}</b>", name=s.name),
                lang.t(
                    "How is the sponsorship going? Each member taps the answer that fits and "
                    "can change it later. Only the coordinator sees the answers. To add a note, "
                    "reply to this message."
                ),
            ]
            if closed:
                lines.append(lang.t("This check-in is closed. Thank you!"))
            late = (overdue or {}).get(code)
            if late:
                lines += ["", *late]
            parts.append("\n".join(lines))
        text = "\n\n".join(parts)
        if names:
            text += "\n\n✓ " + ", ".join(_person(n) for n in names)
        return text

    def group_keyboard(self, occurrence_id: int) -> InlineKeyboardMarkup:
        """The scale in the group language, and "something needs attention"."""
        lang = self.i18n.get(self.i18n.group_language)

        def button(value: int) -> InlineKeyboardButton:
            return InlineKeyboardButton(
                scale_text(lang, value), callback_data=f"ci:g:{occurrence_id}:{value}"
            )

        return InlineKeyboardMarkup(
            [
                [button(4), button(3)],
                [button(2), button(1)],
                [button(scheduling.ATTENTION)],
            ]
        )

    async def _group_view_text(
        self, occurrence: Occurrence, s: Sponsorship, responses: list[Response], *, closed: bool
    ) -> str:
        names = {
            p.person_id: p.first_name for p in await participants.of_sponsorship(self.db, s.id)
        }
        answered = []
        for r in responses:
            if r.answer is None:
                continue
            name = names.get(r.person_id)
            if name is None:
                person = await people.get(self.db, r.person_id)
                name = (person.first_name if person else None) or "?"
            answered.append(name)
        overdue = await self.overdue(s, self.clock.now())
        return self.group_text(s, answered, closed=closed, overdue=overdue)

    async def answer_group(
        self, occurrence_id: int, chat_id: int, person_id: int, value: int
    ) -> View | Refusal:
        """A member's answer in the shared chat (given, or changed)."""
        occurrence = await store.get(self.db, occurrence_id)
        s = await sponsorships.get(self.db, occurrence.sponsorship_id) if occurrence else None
        if occurrence is None or s is None or occurrence.kind != "group" or s.chat_id != chat_id:
            return Refusal.STALE
        if occurrence.status != "open":
            return Refusal.CLOSED
        p = await participants.get(self.db, s.id, person_id)
        if p is None:
            return Refusal.NOT_MEMBER
        if p.kind == "newcomer":
            return Refusal.NEWCOMER
        await store.answer(self.db, occurrence.id, person_id, value, self.clock.now())
        if value == scheduling.ATTENTION:
            await self._raise(s, occurrence.id, "group_attention", person_id, p.first_name)
        responses = await store.responses(self.db, occurrence.id)
        text = await self._group_view_text(occurrence, s, responses, closed=False)
        return View(text, self.group_keyboard(occurrence.id))

    async def group_note(
        self, chat_id: int, message_id: int, person_id: int, note: str
    ) -> Sponsorship | None:
        """A member replied to the check-in message: keep the reply as their note."""
        ref = await outbox_store.ref_of(self.db, chat_id, message_id)
        if ref is None or not ref.startswith("occurrence:"):
            return None
        occurrence = await store.get(self.db, int(ref.split(":")[1]))
        s = await sponsorships.get(self.db, occurrence.sponsorship_id) if occurrence else None
        if occurrence is None or s is None or occurrence.kind != "group" or s.chat_id != chat_id:
            return None
        p = await participants.get(self.db, s.id, person_id)
        if p is None or p.kind != "member":
            return None
        await store.set_note(self.db, occurrence.id, person_id, note[:MAX_NOTE], self.clock.now())
        return s

    # -- the newcomer's check-in -------------------------------------------------------------

    async def newcomer_of(self, sponsorship_id: int) -> Participant | None:
        """The sponsorship's newcomer, if registered."""
        return next(
            (
                p
                for p in await participants.of_sponsorship(self.db, sponsorship_id)
                if p.kind == "newcomer"
            ),
            None,
        )

    def newcomer_text(
        self, lang: Lang, name: str, response: Response | None, *, closed: bool
    ) -> str:
        """The private check-in, in the newcomer's language, with what they did so far."""
        lines = [
            lang.t("Hello {name}! How are you doing this week?", name=name),
            lang.t("Tap the face that fits. Only the coordinator sees your answer."),
        ]
        extra = []
        if response is not None and response.answer is not None:
            extra.append(
                lang.t(
                    "Thank you! You answered: {answer}.", answer=scale_text(lang, response.answer)
                )
            )
            if not closed:
                extra.append(self.note_invitation(lang))
        if response is not None and response.wants_talk:
            extra.append(self.talk_confirmation(lang))
        if closed:
            extra.append(lang.t("This check-in is closed. Thank you!"))
        text = "\n".join(lines)
        if extra:
            text += "\n\n" + "\n".join(extra)
        return text

    @staticmethod
    def note_invitation(lang: Lang) -> str:
        """After an answer: it can change, and a note is welcome."""
        return lang.t(
            "You can change your answer until the check-in closes. If you like, send me a short "
            "note for the coordinator now; only the coordinator reads it."
        )

    @staticmethod
    def talk_confirmation(lang: Lang) -> str:
        """After "I would like to talk to someone"."""
        return lang.t(
            "I have told the coordinator that you would like to talk. They will contact you soon."
        )

    @staticmethod
    def member_reminder(lang: Lang, s: Sponsorship) -> str:
        """The one reminder to a member who has not answered."""
        return lang.t(
            "A reminder: the check-in of {name} in your shared chat is waiting for your answer. "
            "It takes one tap.",
            name=s.name,
        )

    @staticmethod
    def newcomer_reminder(lang: Lang) -> str:
        """The one reminder to a newcomer who has not answered."""
        return lang.t(
            "A gentle reminder: how are you doing? Tap a face on my earlier message. You can also "
            "ask to talk to someone there."
        )

    def newcomer_keyboard(
        self, lang: Lang, occurrence_id: int, response: Response | None
    ) -> InlineKeyboardMarkup:
        """Four faces and "I would like to talk to someone"; what was chosen is ticked."""
        chosen = response.answer if response else None
        talk = bool(response and response.wants_talk)

        def button(value: int) -> InlineKeyboardButton:
            mark = "✓ " if value == chosen else ""
            return InlineKeyboardButton(
                mark + scale_text(lang, value), callback_data=f"ci:n:{occurrence_id}:{value}"
            )

        talk_label = ("✓ " if talk else "") + f"{TALK_LABEL[0]} {lang.t(TALK_LABEL[1])}"
        return InlineKeyboardMarkup(
            [
                [button(4), button(3)],
                [button(2), button(1)],
                [InlineKeyboardButton(talk_label, callback_data=f"ci:n:{occurrence_id}:t")],
            ]
        )

    async def _newcomer_check(
        self, occurrence_id: int, person_id: int
    ) -> tuple[Occurrence, Sponsorship, Participant] | Refusal:
        occurrence = await store.get(self.db, occurrence_id)
        s = await sponsorships.get(self.db, occurrence.sponsorship_id) if occurrence else None
        if occurrence is None or s is None or occurrence.kind != "newcomer":
            return Refusal.STALE
        p = await participants.get(self.db, s.id, person_id)
        if p is None or p.kind != "newcomer":
            return Refusal.NOT_YOURS
        return occurrence, s, p

    async def answer_newcomer(
        self, occurrence_id: int, person_id: int, value: int | None
    ) -> View | Refusal:
        """The newcomer taps a face (value) or "I would like to talk to someone" (None)."""
        found = await self._newcomer_check(occurrence_id, person_id)
        if isinstance(found, Refusal):
            return found
        occurrence, s, p = found
        if occurrence.status != "open":
            return Refusal.CLOSED
        now = self.clock.now()
        if value is None:
            await store.want_talk(self.db, occurrence.id, person_id, now)
            await self._raise(s, occurrence.id, "talk", person_id, p.first_name)
        else:
            await store.answer(self.db, occurrence.id, person_id, value, now)
            earlier = await store.previous_answer(self.db, s.id, person_id, occurrence.scheduled_at)
            alarm = scheduling.newcomer_alarm(value, earlier)
            if alarm is not None:
                await self._raise(s, occurrence.id, alarm, person_id, p.first_name)
        response = next(
            r for r in await store.responses(self.db, occurrence.id) if r.person_id == person_id
        )
        lang = self.i18n.get(p.language)
        return View(
            self.newcomer_text(lang, p.first_name, response, closed=False),
            self.newcomer_keyboard(lang, occurrence.id, response),
        )

    async def newcomer_note(
        self, occurrence_id: int, person_id: int, note: str
    ) -> Sponsorship | Refusal:
        """The newcomer's note: stored, and passed on to the coordinator privately."""
        found = await self._newcomer_check(occurrence_id, person_id)
        if isinstance(found, Refusal):
            return found
        occurrence, s, p = found
        now = self.clock.now()
        note = note[:MAX_NOTE]
        await store.set_note(self.db, occurrence.id, person_id, note, now)
        targets = await self.coordinator_targets(s)
        translated: dict[str, str] = {}
        for _, lang in targets:
            if self.translate is not None and lang.code != p.language:
                result = await self.translate(person_id, note, p.language, lang.code)
                if result.ok and result.text != note:
                    translated[lang.code] = (
                        "\n\n🌐 "
                        + lang.value(result.text)
                        + " <i>"
                        + lang.t("(machine translation)")
                        + "</i>"
                    )
        async with self.db.transaction() as conn:
            for coordinator_id, lang in targets:
                await outbox_store.enqueue(
                    conn,
                    coordinator_id,
                    "📝 "
                    + lang.t(
                        "{person} ({name}) added a note to the check-in: {note}",
                        person=p.first_name,
                        name=s.name,
                        note=note,
                    )
                    + translated.get(lang.code, ""),
                    person_id=coordinator_id,
                    ref=f"note:{occurrence.id}",
                    now=now,
                )
        self.outbox.notify()
        return s

    async def _retention(self, now: datetime) -> None:
        """Purge closed sponsorships after the retention period; tell coordinators a week
        before."""
        retention = timedelta(days=self.config.privacy.retention_days)
        announce, purged = await privacy.retention_tick(self.db, retention, now)
        for due in announce:
            s = await sponsorships.get(self.db, due.sponsorship_id)
            targets = await self.coordinator_targets(s)
            async with self.db.transaction() as conn:
                for coordinator_id, lang in targets:
                    await outbox_store.enqueue(
                        conn,
                        coordinator_id,
                        lang.t(
                            "The data of the closed sponsorship {name} will be deleted on "
                            "{date}, {days} days after it closed. Export what you need with "
                            "/report before then.",
                            name=due.name,
                            date=lang.date(due.purge_at),
                            days=self.config.privacy.retention_days,
                        ),
                        person_id=coordinator_id,
                        now=now,
                    )
        if purged:
            log.info("retention: %d closed sponsorship(s) purged", len(purged))

    # -- the coordinators' digest --------------------------------------------------------------

    async def _digest(self, slot: scheduling.Slot, now: datetime) -> None:
        facts = [
            await self._facts(s, now)
            for s in await sponsorships.list_all(self.db)
            if s.status != "closed"
        ]
        facts.sort(key=lambda f: f.s.id)
        targets = await self.coordinator_targets(None)
        chunks: dict[str, list[str]] = {}
        for _, lang in targets:
            if lang.code not in chunks:
                chunks[lang.code] = self.digest_messages(lang, facts)
        async with self.db.transaction() as conn:
            occurrence_id = await store.record(conn, store.DIGEST, "digest", slot.at, "sent", now)
            if occurrence_id is None:
                return
            for coordinator_id, lang in targets:
                for chunk in chunks[lang.code]:
                    await outbox_store.enqueue(
                        conn,
                        coordinator_id,
                        chunk,
                        person_id=coordinator_id,
                        ref=f"digest:{occurrence_id}",
                        now=now,
                    )

    async def _facts(self, s: Sponsorship, now: datetime) -> _Facts:
        rows = await store.schedules_of(self.db, s.id)
        members = [
            p for p in await participants.of_sponsorship(self.db, s.id) if p.kind == "member"
        ]
        facts = _Facts(s, paused=any(r.paused for r in rows), members=len(members))
        names = {
            p.person_id: p.first_name for p in await participants.of_sponsorship(self.db, s.id)
        }
        for kind in ("group", "newcomer"):
            recent = await store.history(self.db, s.id, kind, limit=TREND_LENGTH * 2)
            this_week = [o for o in recent if o.scheduled_at > now - WEEK]
            latest = this_week[0] if this_week else None
            trend: list[float | None] = []
            for o in reversed([o for o in recent if o.status in ("open", "closed")][:TREND_LENGTH]):
                answers = [
                    r.answer
                    for r in await store.responses(self.db, o.id)
                    if r.answer is not None and r.answer != scheduling.ATTENTION
                ]
                trend.append(sum(answers) / len(answers) if answers else None)
            if latest is not None:
                responses = await store.responses(self.db, latest.id)
                for r in responses:
                    if r.note:
                        facts.notes.append((names.get(r.person_id, "?"), r.note))
                if kind == "group":
                    facts.group = latest
                    facts.group_answered = sum(1 for r in responses if r.answer is not None)
                else:
                    facts.newcomer = latest
                    mine = next((r for r in responses if r.answer is not None), None)
                    facts.newcomer_answer = mine.answer if mine else None
                    facts.newcomer_talk = any(r.wants_talk for r in responses)
            if kind == "group":
                facts.group_trend = trend
            else:
                facts.newcomer_trend = trend
        facts.alerts = [a.kind for a in await store.open_alerts(self.db, s.id)]
        today = now.astimezone(self.tz).date()
        facts.overdue_tasks = sum(
            1 for t in await tasks_store.of_sponsorship(self.db, s.id) if t.overdue(today)
        )
        return facts

    def digest_messages(self, lang: Lang, facts: list[_Facts]) -> list[str]:
        """The digest in one language, split into messages Telegram accepts."""
        title = lang.t("<b>Weekly overview of the check-ins</b>")
        if not facts:
            return [title + "\n\n" + lang.t("No sponsorships yet.")]
        messages, current = [], title
        for f in facts:
            block = self._digest_block(lang, f)
            if len(current) + len(block) + 2 > DIGEST_CHUNK:
                messages.append(current)
                current = block
            else:
                current += "\n\n" + block
        messages.append(current)
        return messages

    def _occurrence_line(self, lang: Lang, kind: str, o: Occurrence | None) -> str | None:
        if o is None:
            return (
                lang.t("Group: no check-in this week")
                if kind == "group"
                else lang.t("Newcomer: no check-in this week")
            )
        if o.status == "missed":
            return (
                lang.t("Group: missed while I was offline")
                if kind == "group"
                else lang.t("Newcomer: missed while I was offline")
            )
        if o.status == "skipped":
            return (
                lang.t("Group: not sent, the shared chat is not ready")
                if kind == "group"
                else lang.t("Newcomer: not sent, I cannot reach them")
            )
        return None

    def _digest_block(self, lang: Lang, f: _Facts) -> str:
        lines = [
            lang.t(
                "<b>{name}</b> (#{id}) – {status}",
                name=f.s.name,
                id=f.s.id,
                status=lang.t(STATUS_LABELS[f.s.status]),
            )
        ]
        if f.paused:
            lines.append(lang.t("Check-ins are paused."))
        lines.append(
            self._occurrence_line(lang, "group", f.group)
            or lang.t(
                "Group: {answered} of {members} answered",
                answered=f.group_answered,
                members=f.members,
            )
        )
        newcomer = self._occurrence_line(lang, "newcomer", f.newcomer)
        if newcomer is None:
            if f.newcomer_answer is not None:
                newcomer = lang.t(
                    "Newcomer: answered {answer}", answer=scale_text(lang, f.newcomer_answer)
                )
            elif not f.newcomer_talk:
                newcomer = lang.t("Newcomer: no answer")
        if newcomer:
            lines.append(newcomer)
        if f.newcomer_talk:
            lines.append(lang.t("Newcomer: asked to talk to someone"))
        if any(v is not None for v in f.newcomer_trend):
            lines.append(lang.t("Trend, newcomer: {trend}", trend=trend_text(f.newcomer_trend)))
        if any(v is not None for v in f.group_trend):
            lines.append(lang.t("Trend, group: {trend}", trend=trend_text(f.group_trend)))
        if f.overdue_tasks:
            lines.append(lang.t("Overdue tasks: {n}", n=f.overdue_tasks))
        if f.alerts:
            shown = ", ".join(lang.t(ALERT_SHORT.get(k, k)) for k in f.alerts)
            lines.append(lang.t("Open alerts: {alerts}", alerts=shown))
        else:
            lines.append(lang.t("No open alerts."))
        for person, note in f.notes:
            short = note if len(note) <= SHOWN_NOTE else note[: SHOWN_NOTE - 1] + "…"
            lines.append(lang.t("Note from {person}: {note}", person=person, note=short))
        return "\n".join(lines)


# -- life cycle, wired into the application in bot.app -----------------------------------------

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def service(app: AnyApp) -> Checkins:
    """The running check-in service."""
    checkins: Checkins = app.bot_data[CHECKINS_KEY]
    return checkins


async def _tick_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await service(context.application).tick()


async def start(app: AnyApp) -> Checkins:
    """At start-up: recover the outbox, catch up on check-ins, then tick every minute."""
    services: Services = app.bot_data[SERVICES_KEY]
    outbox = Outbox(services.db, app.bot, services.clock)
    await outbox.recover()

    async def translate(person_id: int, text: str, source: str, target: str) -> Translation:
        return await relay.translate_for(services, person_id, text, source, target)

    checkins = Checkins(
        services.db,
        services.i18n,
        services.config,
        services.clock,
        outbox,
        services.templates,
        translate,
    )
    app.bot_data[CHECKINS_KEY] = checkins
    await checkins.set_up_digest()
    try:
        await checkins.tick()
    except Exception:  # the bot still starts; the next tick tries again
        log.exception("check-ins: the start-up tick failed")
    outbox.start()
    if app.job_queue is not None:
        first = TICK_SECONDS + 1 - systime.time() % TICK_SECONDS  # just after a whole minute
        app.job_queue.run_repeating(_tick_job, TICK_SECONDS, first=first, name=TICK_JOB)
    return checkins


async def stop(app: AnyApp) -> None:
    """Stop ticking and let the outbox finish what is in flight."""
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(TICK_JOB):
            job.schedule_removal()
    checkins: Checkins | None = app.bot_data.get(CHECKINS_KEY)
    if checkins is not None:
        await checkins.outbox.stop()
