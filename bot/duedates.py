"""Due dates as people type them ("morgen", "vrijdag", "5/12"), in Dutch and English.

`parse_due` reads a phrase with dateparser relative to midnight of a given `today` (never the
clock or the machine's time zone) and returns a day, or None. Rules on top of dateparser:

- at most 40 characters (surrounding spaces aside) and at least 3 ("do", "ma" and "za" are
  weekdays to dateparser but ordinary words in task texts); a bare number ("5") is refused;
- the phrase must name a day: "december", "volgende maand" and "2027" are refused, and so is a
  clock time without a day ("10:00", "3pm", "om 10 uur", which dateparser reads as "10 hours from
  now"). A day with a time ("morgen 10:00") gives that day;
- a day and month without a year ("5/12", "5 december") is the next such date, except when
  it was less than a month ago: typed on 3 December, "2/12" is refused as yesterday rather
  than read as a year ahead, while "1/11" means next November;
- a weekday is the next one, never today: "donderdag" typed on a Thursday is a week ahead;
  "volgende week" is the same weekday next week (7 days ahead);
- the day must be today or later, and at most two years ahead.

Dates are day first ("5/12" is 5 December). Only Dutch and English are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from dateparser.date import DateDataParser  # type: ignore[import-untyped]

DATE_LANGUAGES: tuple[str, ...] = ("nl", "en")
MIN_LENGTH, MAX_LENGTH = 3, 40
MAX_YEARS_AHEAD = 2
RECENT_DAYS = 31  # a year-less date this recent is taken as the past one
# Left dangling at the end of a task text once the due phrase is taken off ("... op vrijdag").
CONNECTORS = frozenset({"op", "voor", "vóór", "uiterlijk", "om", "on", "by", "before", "at"})

_REFERENCE_DAY = date(2001, 1, 1)  # any day: split_task_text only asks "is this a date?"
_MENTION = re.compile(r"@\w+")
_NUMBER = re.compile(r"[\d\s]+")


def parse_due(text: str, today: date, languages: Sequence[str] = DATE_LANGUAGES) -> date | None:
    """The due day a phrase means, typed on `today`; None if unreadable, past or too far ahead.

    Codes in `languages` other than "nl" and "en" are ignored (so a caller may pass the
    person's own language); with none left, both are used.
    """
    if len(text.strip()) > MAX_LENGTH:
        return None
    phrase = " ".join(text.split())
    if not _plausible(phrase):
        return None
    langs = _languages(languages)
    day = _read(phrase, today, langs, "future")
    if day is None:
        return None
    behind = _read(phrase, today, langs, "past")
    if behind is not None and (day - behind).days > 180 and (today - behind).days <= RECENT_DAYS:
        day = behind  # a day and month without a year that just passed (or is today)
    return day if today <= day <= _years_after(today, MAX_YEARS_AHEAD) else None


def split_task_text(
    args: str, languages: Sequence[str] = DATE_LANGUAGES
) -> tuple[str, str | None, str | None]:
    """Split `/task_add` arguments into (text, mention, due phrase).

    Rules, applied to the words in order from the end:

    1. A last word of the form ``@name`` is the mention.
    2. The due phrase is the longest run of the last 3, 2 or 1 words that reads as a date
       (whether past or future: the caller's `parse_due` then refuses a past one with a reason).
    3. One dangling connector before the due phrase ("op", "voor", "by", ...) is dropped from
       the text; a mention just before it is the mention too ("... @Sanne op vrijdag").
    4. Otherwise the first ``@name`` inside the text is the mention; it stays in the text.

    The text is what remains, with runs of whitespace made single; it may be empty.
    """
    words = args.split()
    mention: str | None = None
    if words and _MENTION.fullmatch(words[-1]):
        mention = words.pop()
    due: str | None = None
    langs = _languages(languages)
    for size in (3, 2, 1):
        tail = words[-size:]
        if len(tail) < size or any(_MENTION.fullmatch(w) for w in tail):
            continue
        phrase = " ".join(tail)
        if _plausible(phrase) and _read(phrase, _REFERENCE_DAY, langs, "future") is not None:
            due = phrase
            del words[-size:]
            break
    if due is not None:
        if words and words[-1].lower() in CONNECTORS:
            words.pop()
        if mention is None and words and _MENTION.fullmatch(words[-1]):
            mention = words.pop()
    if mention is None:
        mention = next((w for w in words if _MENTION.fullmatch(w)), None)
    return " ".join(words), mention, due


def _plausible(phrase: str) -> bool:
    return MIN_LENGTH <= len(phrase) <= MAX_LENGTH and not _NUMBER.fullmatch(phrase)


def _languages(languages: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(code for code in DATE_LANGUAGES if code in languages)
    return chosen or DATE_LANGUAGES


@lru_cache(maxsize=4096)
def _read(phrase: str, today: date, languages: tuple[str, ...], prefer: str) -> date | None:
    """The day dateparser reads, or None when it names no day (a month, a year, a bare time).
    Remembered: dateparser takes about half a millisecond a phrase, and /task_add asks up to
    five (the same few due phrases, day after day)."""
    midnight = datetime.combine(today, time())
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": prefer,
        "DATE_ORDER": "DMY",
        "RELATIVE_BASE": midnight,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    data = DateDataParser(languages=list(languages), settings=settings).get_date_data(phrase)
    found = data.date_obj
    if not isinstance(found, datetime) or data.period not in ("day", "week"):
        return None
    if found.date() == today and found.time() != time():
        return None  # a clock time (or "in 2 uur") without a day
    return found.date()


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
