"""Check-in schedules as pure decisions: given the rules, what was recorded and "now", which
occurrences are due, missed, to be reminded or closed. No I/O, no clock: callers pass `now`.

Rules live in local time (a weekday and a time of day in `[schedule] timezone`); instants are
UTC. Recurrences come from `dateutil.rrule` on naive local times, converted with `zoneinfo` at
the edge, so a Tuesday 19:00 check-in stays at 19:00 across both daylight-saving changes.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

Rhythm = Literal["auto", "weekly", "biweekly", "monthly"]
RHYTHMS: tuple[Rhythm, ...] = ("auto", "weekly", "biweekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KINDS = ("group", "newcomer", "digest")

# The four steps of the scale: 1 is the lowest, 4 the highest. 0 means "something needs
# attention" (the group's fifth option), which is not a step.
LOWEST = 1
LOWER_HALF = (1, 2)
ATTENTION = 0

# Phases of the automatic rhythm, counted from the arrival date.
WEEKLY_MONTHS = 3
BIWEEKLY_MONTHS = 6


@dataclass(frozen=True)
class Rule:
    """When a check-in happens, in local time."""

    weekday: int  # 0 = Monday ... 6 = Sunday
    at: time
    rhythm: Rhythm = "auto"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is not 0-6")
        if self.rhythm not in RHYTHMS:
            raise ValueError(f"unknown rhythm {self.rhythm!r}")


@dataclass(frozen=True)
class Schedule:
    """One recurring check-in (or the digest) and what it depends on."""

    sponsorship_id: int  # 0 for the coordinators' digest
    kind: str  # group, newcomer or digest
    rule: Rule
    starts_at: datetime  # UTC: occurrences at or before this instant are never due
    paused: bool = False
    arrival: date | None = None  # the sponsorship's arrival date, for the automatic rhythm

    @property
    def key(self) -> tuple[int, str]:
        """(sponsorship, kind): what identifies the schedule."""
        return (self.sponsorship_id, self.kind)


@dataclass(frozen=True)
class Slot:
    """One occurrence of a schedule: the unique key under which it is recorded."""

    sponsorship_id: int
    kind: str
    at: datetime  # UTC


@dataclass(frozen=True)
class Open:
    """A check-in that was sent and still collects answers."""

    id: int
    kind: str
    started_at: datetime  # UTC, when it was sent (later than scheduled after a catch-up)
    reminded: bool


@dataclass(frozen=True)
class Timing:
    """The configurable periods of the check-in cycle."""

    grace: timedelta = timedelta(hours=6)  # a late occurrence is still sent within this
    remind_after: timedelta | None = timedelta(hours=24)  # None: no reminders
    close_after: timedelta = timedelta(hours=48)
    lookback: timedelta = timedelta(days=35)  # how far back missed occurrences are recorded


@dataclass
class Plan:
    """What a tick should do now."""

    send: list[Slot] = field(default_factory=list)
    missed: list[Slot] = field(default_factory=list)
    remind: list[int] = field(default_factory=list)  # Open.id
    close: list[int] = field(default_factory=list)  # Open.id

    def __bool__(self) -> bool:
        return bool(self.send or self.missed or self.remind or self.close)


def parse_time(text: str) -> time:
    """ "19:00" -> time(19, 0); ValueError for anything else."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(minutes) != 2 or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(hours), int(minutes))


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    """A UTC instant as naive local wall time."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _instant(local: datetime, tz: ZoneInfo) -> datetime:
    """Naive local wall time as a UTC instant (a skipped spring-forward time maps to the
    instant an hour later on the clock; a repeated autumn time to its first occurrence)."""
    return local.replace(tzinfo=tz).astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _add_months(day: date, months: int) -> date:
    """`day + relativedelta(months=months)`: the same day of the month, or the month's last."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def _first_weekday_on_or_after(day: date, wd: int) -> date:
    return day + timedelta(days=(wd - day.weekday()) % 7)


@dataclass(frozen=True)
class _Segment:
    start: datetime | None  # naive local, inclusive; None: open
    end: datetime | None  # naive local, exclusive; None: open
    rhythm: Literal["weekly", "biweekly", "monthly"]
    anchor: date | None = None  # biweekly: a date the fortnight starts on


def _segments(schedule: Schedule, tz: ZoneInfo) -> list[_Segment]:
    rule = schedule.rule
    own_anchor = _first_weekday_on_or_after(_local(schedule.starts_at, tz).date(), rule.weekday)
    if rule.rhythm == "weekly":
        return [_Segment(None, None, "weekly")]
    if rule.rhythm == "biweekly":
        return [_Segment(None, None, "biweekly", own_anchor)]
    if rule.rhythm == "monthly":
        return [_Segment(None, None, "monthly")]
    if schedule.arrival is None:
        return [_Segment(None, None, "weekly")]
    weekly_until = _midnight(_add_months(schedule.arrival, WEEKLY_MONTHS))
    biweekly_until = _midnight(_add_months(schedule.arrival, BIWEEKLY_MONTHS))
    anchor = _first_weekday_on_or_after(weekly_until.date(), rule.weekday)
    return [
        _Segment(None, weekly_until, "weekly"),
        _Segment(weekly_until, biweekly_until, "biweekly", anchor),
        _Segment(biweekly_until, None, "monthly"),
    ]


def _rrule(segment: _Segment, rule: Rule, start: datetime) -> rrule:
    """The recurrence of one segment, starting no later than `start` (naive local)."""
    hour, minute = rule.at.hour, rule.at.minute
    if segment.rhythm == "weekly":
        return rrule(
            WEEKLY,
            dtstart=_midnight(start.date()),
            byweekday=rule.weekday,
            byhour=hour,
            byminute=minute,
            bysecond=0,
        )
    if segment.rhythm == "monthly":
        return rrule(
            MONTHLY,
            dtstart=_midnight(start.date().replace(day=1)),
            byweekday=weekday(rule.weekday, +1),  # the first <weekday> of each month
            byhour=hour,
            byminute=minute,
            bysecond=0,
        )
    assert segment.anchor is not None
    anchor = segment.anchor
    if start.date() > anchor:  # jump whole fortnights forward, keeping the phase
        anchor += timedelta(days=14 * ((start.date() - anchor).days // 14))
    return rrule(
        WEEKLY,
        interval=2,
        dtstart=_midnight(anchor),
        byweekday=rule.weekday,
        byhour=hour,
        byminute=minute,
        bysecond=0,
    )


def _candidate(segment: _Segment, rule: Rule, local: datetime) -> datetime:
    """The first time at or after `local` (naive local) that `_rrule` gives for the segment:
    the rule's weekday and time of day, every week, every other week from the anchor, or the
    first such weekday of a month."""
    if segment.rhythm == "weekly":
        found = datetime.combine(_first_weekday_on_or_after(local.date(), rule.weekday), rule.at)
        return found if found >= local else found + timedelta(days=7)
    if segment.rhythm == "biweekly":
        assert segment.anchor is not None
        behind = (local.date() - segment.anchor).days
        day = segment.anchor + timedelta(days=14 * -(-behind // 14) if behind > 0 else 0)
        found = datetime.combine(day, rule.at)
        return found if found >= local else found + timedelta(days=14)
    month = local.date().replace(day=1)
    found = datetime.combine(_first_weekday_on_or_after(month, rule.weekday), rule.at)
    if found >= local:
        return found
    month = (month + timedelta(days=32)).replace(day=1)
    return datetime.combine(_first_weekday_on_or_after(month, rule.weekday), rule.at)


def _first_instant(
    window: tuple[_Segment, datetime, datetime], rule: Rule, tz: ZoneInfo, low: datetime
) -> datetime | None:
    """The first instant after `low` that the segment's recurrence gives between `start` and
    `end` (naive local, as in `occurrences`), or None. The candidates come in order and their
    instants only grow (they are at least a week apart)."""
    segment, start, end = window
    local = _candidate(segment, rule, start)
    while local <= end and (segment.end is None or local < segment.end):
        instant = _instant(local, tz)
        if instant > low:
            return instant
        local = _candidate(segment, rule, local + timedelta(minutes=1))
    return None


def _occurrences(
    schedule: Schedule, tz: ZoneInfo, after: datetime, until: datetime
) -> tuple[list[datetime], datetime]:
    """`occurrences`, and (when there are none) an instant before which none falls after
    `until` either."""
    low = max(after, schedule.starts_at)
    if low >= until:
        return [], low
    # Work in local wall time with a day of margin either side; filter on instants after.
    lo_local = _local(low, tz) - timedelta(days=1)
    hi_local = _local(until, tz) + timedelta(days=1)
    windows = []
    for segment in _segments(schedule, tz):
        start = max(lo_local, segment.start) if segment.start else lo_local
        end = min(hi_local, segment.end) if segment.end else hi_local
        if start < end:
            windows.append((segment, start, end))
    firsts = [t for w in windows if (t := _first_instant(w, schedule.rule, tz, low)) is not None]
    first = min(firsts, default=None)
    if first is None or first > until:
        # What a tick finds for almost every schedule, without building the recurrences.
        beyond = _instant(hi_local, tz) - timedelta(hours=1)  # nothing later was looked at
        return [], beyond if first is None else min(first, beyond)
    found: set[datetime] = set()
    for segment, start, end in windows:
        for local in _rrule(segment, schedule.rule, start).between(start, end, inc=True):
            if segment.end is not None and local >= segment.end:
                continue
            instant = _instant(local, tz)
            if low < instant <= until:
                found.add(instant)
    return sorted(found), until


def occurrences(
    schedule: Schedule, tz: ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """The schedule's UTC instants in (after, until], never at or before `starts_at`."""
    return _occurrences(schedule, tz, after, until)[0]


# What `plan` learnt about a schedule: (the schedule, its last recorded instant, from, until):
# with the same schedule and the same last recorded instant, nothing is due from `from` (when it
# was worked out) until `until`.
Quiet = dict[tuple[int, str], tuple["Schedule", datetime | None, datetime, datetime]]


def next_occurrence(
    schedule: Schedule, tz: ZoneInfo, after: datetime, horizon: timedelta = timedelta(days=70)
) -> datetime | None:
    """The first instant after `after` (None when paused or none within the horizon)."""
    if schedule.paused:
        return None
    found = occurrences(schedule, tz, after, after + horizon)
    return found[0] if found else None


def rhythm_on(schedule: Schedule, day: date) -> Literal["weekly", "biweekly", "monthly"]:
    """The rhythm in force on a (local) day: the automatic rhythm follows the phase."""
    rule = schedule.rule
    if rule.rhythm != "auto":
        return rule.rhythm
    if schedule.arrival is None or day < schedule.arrival + relativedelta(months=WEEKLY_MONTHS):
        return "weekly"
    if day < schedule.arrival + relativedelta(months=BIWEEKLY_MONTHS):
        return "biweekly"
    return "monthly"


def plan(
    schedules: Iterable[Schedule],
    last: Mapping[tuple[int, str], datetime],
    open_checkins: Sequence[Open],
    now: datetime,
    tz: ZoneInfo,
    timing: Timing,
    quiet: Quiet | None = None,
) -> Plan:
    """Decide what is due now.

    For every schedule that is not paused, each occurrence after the last recorded one (and
    after `starts_at`, and within `timing.lookback`) up to `now` is either sent (the latest, if
    it is at most `timing.grace` old) or recorded as missed. Open check-ins are closed once
    `close_after` has passed since they were sent, or reminded once after `remind_after`.

    `quiet`, kept by the caller from one call to the next (same `tz`), remembers until when
    nothing can be due for a schedule, so that a tick every minute does not work out every
    recurrence again; the plan is the same with or without it.
    """
    result = Plan()
    floor = now - timing.lookback
    for schedule in schedules:
        if schedule.paused:
            continue
        recorded = last.get(schedule.key)
        if quiet is not None:
            known = quiet.get(schedule.key)
            if (
                known is not None
                and known[2] <= now < known[3]
                and known[1] == recorded
                and known[0] == schedule
            ):
                continue
        after = max(floor, floor if recorded is None else recorded)
        due, calm = _occurrences(schedule, tz, after, now)
        if quiet is not None:
            if due:
                quiet.pop(schedule.key, None)
            else:
                quiet[schedule.key] = (schedule, recorded, now, calm)
        for i, at in enumerate(due):
            slot = Slot(schedule.sponsorship_id, schedule.kind, at)
            latest = i == len(due) - 1
            if latest and now - at <= timing.grace:
                result.send.append(slot)
            else:
                result.missed.append(slot)
    for checkin in open_checkins:
        if now >= checkin.started_at + timing.close_after:
            result.close.append(checkin.id)
        elif (
            timing.remind_after is not None
            and not checkin.reminded
            and now >= checkin.started_at + timing.remind_after
        ):
            result.remind.append(checkin.id)
    return result


def newcomer_alarm(answer: int, previous: int | None) -> str | None:
    """The alarm a newcomer's answer raises: the lowest step at once, or the lower half twice
    in a row (`previous` is their last earlier answer, if any)."""
    if answer == LOWEST:
        return "newcomer_lowest"
    if answer in LOWER_HALF and previous in LOWER_HALF:
        return "newcomer_low_twice"
    return None


def group_missed_twice(answer_counts: Sequence[int]) -> bool:
    """True when the last two closed group check-ins (newest first) had no answer at all."""
    return len(answer_counts) >= 2 and answer_counts[0] == 0 and answer_counts[1] == 0
