"""Telegram's flood limits as token buckets on the sandbox clock."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .clock import Clock


@dataclass(frozen=True)
class FloodLimits:
    """Send limits; see Telegram's bot FAQ ("My bot is hitting limits")."""

    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    global_per_second: int = 30
    enabled: bool = True


class _Bucket:
    """`capacity` tokens refilling at `rate` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class FloodControl:
    """Per-chat, per-group and global buckets; refused sends consume nothing."""

    def __init__(self, limits: FloodLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        now = clock.now()
        self._global = _Bucket(limits.global_per_second, limits.global_per_second, now)
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}

    def _buckets(self, chat_id: int, now: float) -> list[_Bucket]:
        lim = self.limits
        buckets = [self._global]
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(lim.per_chat_burst, lim.per_chat_per_second, now)
        buckets.append(chat)
        if chat_id < 0:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = _Bucket(
                    lim.per_group_per_minute, lim.per_group_per_minute / 60, now
                )
            buckets.append(group)
        return buckets

    def retry_after(self, chat_id: int) -> int:
        """0 if a send to `chat_id` may go now, else whole seconds to wait (at least 1)."""
        if not self.limits.enabled:
            return 0
        now = self.clock.now()
        wait = max(b.wait(now) for b in self._buckets(chat_id, now))
        return 0 if wait <= 0 else max(1, math.ceil(wait - 1e-9))

    def consume(self, chat_id: int) -> None:
        """Take one token from every bucket that applies to `chat_id`."""
        if not self.limits.enabled:
            return
        now = self.clock.now()
        for bucket in self._buckets(chat_id, now):
            bucket.wait(now)
            bucket.take()
