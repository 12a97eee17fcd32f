"""The time the bot believes it is: the system clock in production, a fake one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant (UTC)."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (tests, demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current fake instant (UTC)."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to an instant."""
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward."""
        self._now += delta
