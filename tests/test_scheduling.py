"""The pure scheduler: local times across daylight saving, the rhythm by phase, catching up
after downtime, reminders, closing and the alarm rules. No clock, no sleeping: `now` is given."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling import (
    Open,
    Rhythm,
    Rule,
    Schedule,
    Slot,
    Timing,
    group_missed_twice,
    newcomer_alarm,
    next_occurrence,
    occurrences,
    parse_time,
    plan,
    rhythm_on,
)

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY = 1
TIMING = Timing(
    grace=timedelta(hours=6),
    remind_after=timedelta(hours=24),
    close_after=timedelta(hours=48),
)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMS)


def weekly(starts: datetime, rhythm: Rhythm = "weekly", arrival: date | None = None) -> Schedule:
    return Schedule(
        7, "group", Rule(TUESDAY, time(19, 0), rhythm), starts.astimezone(UTC), arrival=arrival
    )


def test_tuesday_19_00_stays_local_across_both_dst_changes() -> None:
    s = weekly(local(2027, 3, 1))
    spring = occurrences(s, AMS, local(2027, 3, 15).astimezone(UTC), local(2027, 4, 7))
    autumn = occurrences(s, AMS, local(2027, 10, 20).astimezone(UTC), local(2027, 11, 10))
    for instant in spring + autumn:
        assert instant.tzinfo is UTC
        shown = instant.astimezone(AMS)
        assert (shown.weekday(), shown.hour, shown.minute) == (TUESDAY, 19, 0)
    # Winter time is UTC+1, summer time UTC+2: the UTC hour moves, the local hour does not.
    assert [i.hour for i in spring] == [18, 18, 17, 17]  # 16, 23 March | 30 March, 6 April
    assert [i.hour for i in autumn] == [17, 18, 18]  # 26 Oct | 2, 9 Nov
    assert spring[1].date() == date(2027, 3, 23) and spring[2].date() == date(2027, 3, 30)


def test_fires_at_the_local_time_on_the_dst_weekend_itself() -> None:
    # A Sunday 02:30 rule: on 28 March 2027 02:30 does not exist (clocks jump 02:00 -> 03:00)
    # and on 31 October it happens twice. Exactly one instant each, an hour apart in UTC from
    # the usual one, and never twice.
    s = Schedule(1, "group", Rule(6, time(2, 30), "weekly"), local(2027, 3, 1).astimezone(UTC))
    spring = occurrences(s, AMS, local(2027, 3, 27).astimezone(UTC), local(2027, 3, 29))
    autumn = occurrences(s, AMS, local(2027, 10, 30).astimezone(UTC), local(2027, 11, 1))
    assert len(spring) == 1 and spring[0] == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert len(autumn) == 1 and autumn[0] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    wd=st.integers(0, 6),
    hour=st.integers(6, 22),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 1)),
    zone=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Sydney"]),
)
def test_every_occurrence_is_at_the_rule_s_local_weekday_and_time(
    wd: int, hour: int, minute: int, start: datetime, zone: str
) -> None:
    tz = ZoneInfo(zone)
    begin = start.replace(tzinfo=UTC)
    s = Schedule(1, "group", Rule(wd, time(hour, minute), "weekly"), begin)
    found = occurrences(s, tz, begin, begin + timedelta(days=90))
    assert 12 <= len(found) <= 13
    for instant in found:
        shown = instant.astimezone(tz)
        assert (shown.weekday(), shown.hour, shown.minute) == (wd, hour, minute)
    assert all(
        b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))
        for a, b in itertools.pairwise(found)
    )


def test_rhythm_follows_the_phase_after_arrival() -> None:
    arrival = date(2027, 1, 15)
    s = weekly(local(2027, 1, 1), "auto", arrival)
    found = [
        i.astimezone(AMS).date()
        for i in occurrences(s, AMS, local(2027, 1, 1).astimezone(UTC), local(2027, 10, 1))
    ]
    weekly_part = [d for d in found if d < date(2027, 4, 15)]
    biweekly_part = [d for d in found if date(2027, 4, 15) <= d < date(2027, 7, 15)]
    monthly_part = [d for d in found if d >= date(2027, 7, 15)]
    assert all((b - a).days == 7 for a, b in itertools.pairwise(weekly_part))
    assert biweekly_part[0] == date(2027, 4, 20)  # the first Tuesday of month four
    assert all((b - a).days == 14 for a, b in itertools.pairwise(biweekly_part))
    assert monthly_part == [date(2027, 8, 3), date(2027, 9, 7)]  # first Tuesday of each month
    assert rhythm_on(s, date(2027, 2, 1)) == "weekly"
    assert rhythm_on(s, date(2027, 5, 1)) == "biweekly"
    assert rhythm_on(s, date(2027, 8, 1)) == "monthly"


def test_unknown_arrival_means_weekly_and_fixed_rhythms_ignore_the_phase() -> None:
    s = weekly(local(2027, 1, 1), "auto", None)
    assert rhythm_on(s, date(2028, 1, 1)) == "weekly"
    biweekly = weekly(local(2027, 1, 6), "biweekly", date(2020, 1, 1))  # a Wednesday
    found = occurrences(biweekly, AMS, local(2027, 1, 6).astimezone(UTC), local(2027, 2, 28))
    assert [i.astimezone(AMS).date() for i in found] == [
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 9),
        date(2027, 2, 23),
    ]
    monthly = weekly(local(2027, 1, 6), "monthly")
    assert next_occurrence(monthly, AMS, local(2027, 1, 6)) == local(2027, 2, 2, 19)


def test_due_exactly_at_its_time_and_never_twice() -> None:
    s = weekly(local(2027, 2, 1))
    at = local(2027, 2, 2, 19).astimezone(UTC)
    before = plan([s], {}, [], at - timedelta(seconds=1), AMS, TIMING)
    assert not before
    due = plan([s], {}, [], at, AMS, TIMING)
    assert due.send == [Slot(7, "group", at)] and due.missed == []
    # Recorded: a restart (or the next tick) in the same week finds nothing to do.
    again = plan([s], {s.key: at}, [], local(2027, 2, 5, 12).astimezone(UTC), AMS, TIMING)
    assert not again


def test_down_for_two_hours_catches_up_once() -> None:
    s = weekly(local(2027, 2, 1))
    at = local(2027, 2, 2, 19).astimezone(UTC)
    back = at + timedelta(hours=2)
    assert plan([s], {}, [], back, AMS, TIMING).send == [Slot(7, "group", at)]
    assert not plan([s], {s.key: at}, [], back + timedelta(minutes=1), AMS, TIMING)


def test_down_for_three_days_records_missed_and_catches_up_none() -> None:
    s = weekly(local(2027, 2, 1))
    at = local(2027, 2, 2, 19).astimezone(UTC)
    result = plan([s], {}, [], at + timedelta(days=3), AMS, TIMING)
    assert result.send == [] and result.missed == [Slot(7, "group", at)]
    # Down for three weeks: the older ones are missed, the latest is sent if still in grace.
    later = local(2027, 2, 23, 20).astimezone(UTC)
    result = plan([s], {}, [], later, AMS, TIMING)
    assert [m.at.astimezone(AMS).day for m in result.missed] == [2, 9, 16]
    assert [m.at.astimezone(AMS).day for m in result.send] == [23]


def test_paused_and_not_started_schedules_are_quiet() -> None:
    now = local(2027, 2, 2, 19, 5).astimezone(UTC)
    paused = Schedule(1, "group", Rule(TUESDAY, time(19, 0)), local(2027, 1, 1), paused=True)
    fresh = weekly(local(2027, 2, 2, 19, 1))  # set up a minute after the moment
    assert not plan([paused, fresh], {}, [], now, AMS, TIMING)
    assert next_occurrence(paused, AMS, now) is None
    assert next_occurrence(fresh, AMS, now) == local(2027, 2, 9, 19)


def test_reminder_once_then_close() -> None:
    sent = local(2027, 2, 2, 19).astimezone(UTC)
    open_ = Open(5, "group", sent, reminded=False)
    assert not plan([], {}, [open_], sent + timedelta(hours=23), AMS, TIMING)
    assert plan([], {}, [open_], sent + timedelta(hours=24), AMS, TIMING).remind == [5]
    reminded = Open(5, "group", sent, reminded=True)
    assert not plan([], {}, [reminded], sent + timedelta(hours=30), AMS, TIMING)
    assert plan([], {}, [reminded], sent + timedelta(hours=48), AMS, TIMING).close == [5]
    # Closing time reached without a reminder: close only.
    late = plan([], {}, [open_], sent + timedelta(hours=50), AMS, TIMING)
    assert late.close == [5] and late.remind == []
    # No reminders configured.
    quiet = Timing(remind_after=None)
    assert not plan([], {}, [open_], sent + timedelta(hours=30), AMS, quiet)


def test_alarm_rules() -> None:
    assert newcomer_alarm(1, None) == "newcomer_lowest"
    assert newcomer_alarm(1, 4) == "newcomer_lowest"
    assert newcomer_alarm(2, None) is None
    assert newcomer_alarm(2, 3) is None
    assert newcomer_alarm(2, 2) == "newcomer_low_twice"
    assert newcomer_alarm(2, 1) == "newcomer_low_twice"
    assert newcomer_alarm(3, 1) is None
    assert group_missed_twice([0, 0])
    assert not group_missed_twice([0, 1])
    assert not group_missed_twice([0])
    assert parse_time("07:30") == time(7, 30)
