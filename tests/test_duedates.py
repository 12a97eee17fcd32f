"""Due dates as people type them: exact days for good phrases, None for bad ones."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest

from bot.duedates import parse_due, split_task_text

THURSDAY = date(2026, 12, 3)
NEW_YEARS_EVE = date(2026, 12, 31)  # a Thursday too
LEAP_DAY = date(2028, 2, 29)  # a Tuesday

GOOD = [
    # (typed on, phrase, due day)
    (THURSDAY, "vandaag", date(2026, 12, 3)),
    (THURSDAY, "today", date(2026, 12, 3)),
    (THURSDAY, "morgen", date(2026, 12, 4)),
    (THURSDAY, "tomorrow", date(2026, 12, 4)),
    (THURSDAY, "overmorgen", date(2026, 12, 5)),
    (THURSDAY, "vrijdag", date(2026, 12, 4)),
    (THURSDAY, "friday", date(2026, 12, 4)),
    (THURSDAY, "Vrijdag.", date(2026, 12, 4)),
    (THURSDAY, "by friday", date(2026, 12, 4)),
    (THURSDAY, "maandag", date(2026, 12, 7)),
    (THURSDAY, "donderdag", date(2026, 12, 10)),  # today's weekday: next week
    (THURSDAY, "volgende week", date(2026, 12, 10)),  # same weekday next week
    (THURSDAY, "next week", date(2026, 12, 10)),
    (THURSDAY, "in 3 dagen", date(2026, 12, 6)),
    (THURSDAY, "over 3 dagen", date(2026, 12, 6)),
    (THURSDAY, "in 3 days", date(2026, 12, 6)),
    (THURSDAY, "in 2 weken", date(2026, 12, 17)),
    (THURSDAY, "5/12", date(2026, 12, 5)),  # day first
    (THURSDAY, "5-12", date(2026, 12, 5)),
    (THURSDAY, "2026-12-05", date(2026, 12, 5)),
    (THURSDAY, "5 december", date(2026, 12, 5)),
    (THURSDAY, "5 dec", date(2026, 12, 5)),
    (THURSDAY, "1/1", date(2027, 1, 1)),  # no year: the next one
    (THURSDAY, "1/11", date(2027, 11, 1)),  # passed more than a month ago: next year
    (THURSDAY, "29/2", date(2028, 2, 29)),
    (THURSDAY, "morgen 10:00", date(2026, 12, 4)),  # a day with a time: the day
    (THURSDAY, "donderdag 10 december 2026 om 10:00 uur", date(2026, 12, 10)),  # 39 characters
    (THURSDAY, "  morgen  ", date(2026, 12, 4)),
    (THURSDAY, " " * 30 + "over 3 dagen" + " " * 30, date(2026, 12, 6)),  # spaces around
    (NEW_YEARS_EVE, "vandaag", date(2026, 12, 31)),
    (NEW_YEARS_EVE, "31/12", date(2026, 12, 31)),  # today, not a year ahead
    (NEW_YEARS_EVE, "morgen", date(2027, 1, 1)),
    (NEW_YEARS_EVE, "vrijdag", date(2027, 1, 1)),
    (NEW_YEARS_EVE, "friday", date(2027, 1, 1)),
    (NEW_YEARS_EVE, "volgende week", date(2027, 1, 7)),
    (NEW_YEARS_EVE, "in 3 dagen", date(2027, 1, 3)),
    (NEW_YEARS_EVE, "over 3 dagen", date(2027, 1, 3)),
    (NEW_YEARS_EVE, "in 3 days", date(2027, 1, 3)),
    (NEW_YEARS_EVE, "5/1", date(2027, 1, 5)),
    (NEW_YEARS_EVE, "5 januari", date(2027, 1, 5)),
    (NEW_YEARS_EVE, "2027-01-05", date(2027, 1, 5)),
    (NEW_YEARS_EVE, "2028-12-31", date(2028, 12, 31)),  # two years ahead: still fine
    (LEAP_DAY, "morgen", date(2028, 3, 1)),
    (LEAP_DAY, "29/2", date(2028, 2, 29)),
    (LEAP_DAY, "31/12", date(2028, 12, 31)),
    (LEAP_DAY, "friday", date(2028, 3, 3)),
]

BAD = [
    # (typed on, phrase): in the past, not a day, nonsense, too far or too long
    (THURSDAY, "gisteren"),
    (THURSDAY, "yesterday"),
    (THURSDAY, "vorige week"),
    (THURSDAY, "2 dagen geleden"),
    (THURSDAY, "1/1/2020"),
    (THURSDAY, "2/12"),  # yesterday, not a year ahead
    (THURSDAY, "15/11"),
    (THURSDAY, "2026-12-02"),
    (NEW_YEARS_EVE, "5/12"),
    (NEW_YEARS_EVE, "2026-12-05"),
    (THURSDAY, "banana"),
    (THURSDAY, "asdf"),
    (THURSDAY, ""),
    (THURSDAY, "   "),
    (THURSDAY, "volgende vrijdag"),  # dateparser cannot read it
    (THURSDAY, "31/2"),
    (THURSDAY, "28/13"),
    (THURSDAY, "5"),  # a bare number
    (THURSDAY, "2027"),
    (THURSDAY, "do"),  # too short: a word in task texts
    (THURSDAY, "december"),  # a month names no day
    (THURSDAY, "volgende maand"),
    (THURSDAY, "next month"),
    (THURSDAY, "10:00"),  # a time names no day
    (THURSDAY, "3pm"),
    (THURSDAY, "om 10 uur"),
    (THURSDAY, "in 2 uur"),
    (THURSDAY, "in 3 jaar"),  # more than two years ahead
    (THURSDAY, "2030-01-01"),
    (NEW_YEARS_EVE, "2029-01-01"),
    (THURSDAY, "thursday 10 december 2026, 10:00 in the morning"),  # readable, but 47 long
    (THURSDAY, "over" + " " * 30 + "3 dagen"),  # 41 characters as typed
    (THURSDAY, "on the fifth of december of this year"),
]


@pytest.mark.parametrize(("today", "phrase", "expected"), GOOD)
def test_good_phrases(today: date, phrase: str, expected: date) -> None:
    assert parse_due(phrase, today) == expected


@pytest.mark.parametrize(("today", "phrase"), BAD)
def test_bad_phrases(today: date, phrase: str) -> None:
    assert parse_due(phrase, today) is None


def test_does_not_depend_on_the_real_date() -> None:
    far = date(2041, 6, 14)  # a Friday
    assert parse_due("morgen", far) == date(2041, 6, 15)
    assert parse_due("vrijdag", far) == date(2041, 6, 21)
    assert parse_due("5/12", far) == date(2041, 12, 5)
    assert parse_due("2041-06-13", far) is None


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Adak", "UTC"])
def test_does_not_depend_on_the_machine_time_zone(zone: str) -> None:
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        for today, phrase, expected in GOOD:
            assert parse_due(phrase, today) == expected, (zone, phrase)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_languages_other_than_dutch_and_english_are_ignored() -> None:
    assert parse_due("morgen", THURSDAY, ("ar", "nl")) == date(2026, 12, 4)
    assert parse_due("tomorrow", THURSDAY, ("fa_AF",)) == date(2026, 12, 4)
    assert parse_due("tomorrow", THURSDAY, ("nl",)) is None


SPLITS = [
    # (arguments of /task_add, (text, mention, due phrase))
    ("Bank account openen @Sanne vrijdag", ("Bank account openen", "@Sanne", "vrijdag")),
    ("Bank account openen vrijdag @Sanne", ("Bank account openen", "@Sanne", "vrijdag")),
    ("DigiD aanvragen volgende week @piet_01", ("DigiD aanvragen", "@piet_01", "volgende week")),
    ("Formulier invullen in 3 dagen", ("Formulier invullen", None, "in 3 dagen")),
    ("Formulier  invullen   over 3 dagen", ("Formulier invullen", None, "over 3 dagen")),
    ("Sinterklaas 5 december", ("Sinterklaas", None, "5 december")),
    ("Huurtoeslag 2026-12-05", ("Huurtoeslag", None, "2026-12-05")),
    ("Bel de huisarts op vrijdag", ("Bel de huisarts", None, "vrijdag")),
    ("Bel de huisarts @Sanne op vrijdag", ("Bel de huisarts", "@Sanne", "vrijdag")),
    ("Huurcontract opzoeken voor 5/1", ("Huurcontract opzoeken", None, "5/1")),
    ("Reply to the letter by friday", ("Reply to the letter", None, "by friday")),
    (
        "Ga met @Sanne naar de gemeente morgen",
        ("Ga met @Sanne naar de gemeente", "@Sanne", "morgen"),
    ),
    ("Ga met @Sanne naar de gemeente", ("Ga met @Sanne naar de gemeente", "@Sanne", None)),
    ("Afspraak huisarts vrijdag 10:00", ("Afspraak huisarts", None, "vrijdag 10:00")),
    ("Bel gemeente 1/1/2020", ("Bel gemeente", None, "1/1/2020")),  # parse_due refuses it
    ("Koop 2 stoelen", ("Koop 2 stoelen", None, None)),
    ("Kamer 5", ("Kamer 5", None, None)),
    ("Afspraak huisarts 10:00", ("Afspraak huisarts 10:00", None, None)),
    ("Things to do", ("Things to do", None, None)),
    ("Geld voor december", ("Geld voor december", None, None)),
    ("Mail @Sanne, dan @Piet", ("Mail @Sanne, dan", "@Piet", None)),
    ("morgen", ("", None, "morgen")),
    ("@Sanne vrijdag", ("", "@Sanne", "vrijdag")),
    ("@Sanne", ("", "@Sanne", None)),
    ("", ("", None, None)),
]


@pytest.mark.parametrize(("args", "expected"), SPLITS)
def test_split_task_text(args: str, expected: tuple[str, str | None, str | None]) -> None:
    assert split_task_text(args) == expected


def test_split_then_parse() -> None:
    text, mention, due = split_task_text("Bank account openen @Sanne vrijdag")
    assert (text, mention) == ("Bank account openen", "@Sanne")
    assert due is not None
    assert parse_due(due, THURSDAY) == date(2026, 12, 4)
