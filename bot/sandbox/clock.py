"""A controllable clock: real time by default, or frozen fake time moved by hand."""

from __future__ import annotations

import time


class Clock:
    """Wall-clock seconds; `Clock(start)` freezes at `start` until `advance` is called."""

    def __init__(self, start: float | None = None) -> None:
        self._fake = start

    @property
    def is_fake(self) -> bool:
        """True for a frozen clock that only moves with `advance`."""
        return self._fake is not None

    def now(self) -> float:
        """Seconds since the epoch, real or fake."""
        return time.time() if self._fake is None else self._fake

    def advance(self, seconds: float) -> None:
        """Move a fake clock forward."""
        if self._fake is None:
            raise RuntimeError("only a fake Clock(start=...) can be advanced")
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._fake += seconds
