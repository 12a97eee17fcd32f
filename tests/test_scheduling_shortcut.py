"""The scheduler's shortcuts give exactly what building the recurrences gives, across rhythms,
phases and DST: a window is empty when the first time its recurrence could give lies outside
it, and a tick may skip a schedule it already found quiet until a later instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling import RHYTHMS, Quiet, Rule, Schedule, Timing, occurrences, plan

ZONES = [ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kabul")]
BASE = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    weekday=st.integers(0, 6),
    at=st.times().map(lambda t: time(t.hour, t.minute)),
    rhythm=st.sampled_from(RHYTHMS),
    starts=st.integers(0, 800 * 24),
    arrival=st.one_of(st.none(), st.integers(-100, 700)),
    after=st.integers(0, 800 * 24 * 60),
    length=st.integers(1, 20 * 24 * 60),
    zone=st.sampled_from(ZONES),
)
def test_a_window_gives_what_a_wider_window_gives_within_it(
    weekday: int,
    at: time,
    rhythm: str,
    starts: int,
    arrival: int | None,
    after: int,
    length: int,
    zone: ZoneInfo,
) -> None:
    schedule = Schedule(
        3,
        "group",
        Rule(weekday, at, rhythm),  # type: ignore[arg-type]
        BASE + timedelta(hours=starts),
        arrival=None if arrival is None else date(2026, 1, 1) + timedelta(days=arrival),
    )
    low = BASE + timedelta(minutes=after)
    high = low + timedelta(minutes=length)
    # Forty days always hold a candidate, so the wide window is built from the recurrence.
    wide = occurrences(schedule, zone, low - timedelta(days=40), high + timedelta(days=40))
    assert occurrences(schedule, zone, low, high) == [t for t in wide if low < t <= high]


@settings(max_examples=3000, deadline=None)
@given(
    weekday=st.integers(0, 6),
    at=st.times().map(lambda t: time(t.hour, t.minute)),
    rhythm=st.sampled_from(RHYTHMS),
    arrival=st.one_of(st.none(), st.integers(-100, 400)),
    steps=st.lists(st.integers(1, 3 * 24 * 60), min_size=1, max_size=40),
    zone=st.sampled_from(ZONES),
)
def test_remembering_quiet_schedules_changes_no_plan(
    weekday: int,
    at: time,
    rhythm: str,
    arrival: int | None,
    steps: list[int],
    zone: ZoneInfo,
) -> None:
    schedule = Schedule(
        3,
        "newcomer",
        Rule(weekday, at, rhythm),  # type: ignore[arg-type]
        BASE,
        arrival=None if arrival is None else date(2026, 1, 1) + timedelta(days=arrival),
    )
    quiet: Quiet = {}
    last: dict[tuple[int, str], datetime] = {}
    now = BASE
    for minutes in steps:  # ticks, as the bot makes them: each records what its plan holds
        now += timedelta(minutes=minutes)
        fresh = plan([schedule], last, [], now, zone, Timing())
        assert plan([schedule], last, [], now, zone, Timing(), quiet=quiet) == fresh
        for slot in fresh.send + fresh.missed:
            last[schedule.key] = max(last.get(schedule.key, slot.at), slot.at)
