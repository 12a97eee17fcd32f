"""The durable outbox sender: fan-out that survives restarts and stays inside Telegram's limits.

Rows come from `bot.storage.outbox` (queued in the transaction that decided to send them). One
worker sends them in id order per chat, paced by its own token buckets (overall, per group, per
chat) so that Telegram never has to refuse with 429. What still goes wrong is handled per row:
429 is waited out, 5xx and timeouts are retried with backoff (capped at a minute, and given up
only after an hour of failures: an outage of Telegram loses nothing), 403 marks the person
unreachable or flags the sponsorship whose chat removed the bot, a group that became a
supergroup is followed. A row is committed as in flight before its request, so a crash can
only repeat the few that were in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Protocol

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.clock import Clock
from bot.storage import Database, people, sponsorships
from bot.storage import outbox as store
from bot.storage.outbox import OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # 5xx and timeouts, with backoff 1, 2, 4 ... 60 s: at least this many tries
RETRY_WINDOW = 3600.0  # and this many seconds of failures before a message is given up
MAX_RATE_LIMITED = 20  # 429s survived by one row before it is given up
BACKOFF_CAP = 60.0


@dataclass(frozen=True)
class Limits:
    """The sender's own pacing, a little under Telegram's limits (30 messages a second overall,
    20 a minute per group, about one a second per chat) to leave room for replies."""

    per_second: float = 29.0
    burst: int = 10
    per_chat_interval: float = 1.0
    per_group_per_minute: float = 18.0
    group_burst: int = 10
    concurrency: int = 8


class Timer(Protocol):
    """Monotonic seconds and sleeping (real in production, fake in tests)."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait."""
        ...


class RealTimer:
    """time.monotonic and asyncio.sleep."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        await asyncio.sleep(seconds)


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity, self.rate, self.tokens, self.stamp = capacity, rate, capacity, now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def ready_at(self, now: float) -> float:
        """When one token is available."""
        self._refill(now)
        return now if self.tokens >= 1 else now + (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class Pacer:
    """Token buckets: overall, per group chat (negative ids) and per chat."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._global: _Bucket | None = None
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}
        self._paused_until = 0.0

    def _buckets(self, chat_id: int, now: float) -> list[_Bucket]:
        lim = self.limits
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(1, 1 / lim.per_chat_interval, now)
        if chat_id >= 0:
            return [chat]
        group = self._groups.get(chat_id)
        if group is None:
            group = self._groups[chat_id] = _Bucket(
                lim.group_burst, lim.per_group_per_minute / 60, now
            )
        return [chat, group]

    def _overall(self, now: float) -> _Bucket:
        if self._global is None:
            self._global = _Bucket(self.limits.burst, self.limits.per_second, now)
        return self._global

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        """When the chat's own limits allow its next message."""
        return max(b.ready_at(now) for b in self._buckets(chat_id, now))

    def overall_wait(self, now: float) -> float:
        """Seconds until the overall limit allows the next message."""
        ready = max(self._overall(now).ready_at(now), self._paused_until)
        return max(0.0, ready - now)

    def take(self, chat_id: int, now: float) -> None:
        """Count one message to this chat."""
        self._overall(now).take(now)
        for bucket in self._buckets(chat_id, now):
            bucket.take(now)

    def pause(self, until: float) -> None:
        """Send nothing before `until` (after a 429)."""
        self._paused_until = max(self._paused_until, until)

    def forget(self, chat_id: int) -> None:
        """Drop the state of a chat that moved away."""
        self._chats.pop(chat_id, None)
        self._groups.pop(chat_id, None)


class _Outcome(enum.Enum):
    DONE = "done"  # sent, dropped or failed: the chat's next row may go
    RETRY = "retry"  # try this row again later (the chat waits)
    CHAT_GONE = "chat_gone"  # every row of the chat was dropped or moved to another id


class Outbox:
    """Sends the outbox; `start()` runs a worker, `drain()` sends everything now (tests)."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        *,
        timer: Timer | None = None,
        limits: Limits | None = None,
        batch: int = 500,
        poll_seconds: float = 5.0,
    ) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.timer: Timer = timer or RealTimer()
        self.limits = limits or Limits()
        self.pacer = Pacer(self.limits)
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.sent = 0
        self._ready_at: dict[int, float] = {}  # row id -> timer time of its next attempt
        self._failing_since: dict[int, float] = {}  # row id -> timer time of its first failure
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- life cycle ------------------------------------------------------------------------

    async def recover(self) -> int:
        """At start-up: rows a crash left in flight go back in the queue."""
        count = await store.recover(self.db)
        if count:
            log.warning(
                "outbox: %d message(s) were in flight at a crash; sending them again", count
            )
        return count

    def start(self) -> None:
        """Run the worker in the background."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Let the requests in flight finish (up to `timeout`), then stop the worker."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def notify(self) -> None:
        """New rows are waiting."""
        self._wake.set()

    async def drain(self) -> None:
        """Send everything waiting now, pacing and backing off on the timer."""
        async with self._lock:
            while True:
                delay = await self._pass()
                if delay is None:
                    return
                if delay > 0:
                    await self.timer.sleep(delay)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                async with self._lock:
                    delay = await self._pass()
            except Exception:
                log.exception("outbox: the sender failed; trying again shortly")
                delay = self.poll_seconds
            if delay == 0.0 or self._stopping:
                continue
            timeout = self.poll_seconds if delay is None else min(delay, self.poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    # -- one pass over the waiting rows ----------------------------------------------------

    async def _pass(self) -> float | None:
        """Send a batch. None: nothing waits; 0: look again now; > 0: seconds until a row that
        waits for its backoff may go."""
        rows = await store.pending(self.db, self.batch)
        if not rows:
            return None
        queues: dict[int, deque[OutboxRow]] = {}
        for row in rows:
            queues.setdefault(row.chat_id, deque()).append(row)
        busy: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()

        async def deliver(row: OutboxRow) -> None:
            try:
                outcome = await self._deliver(row)
            except Exception:
                log.exception("outbox: unexpected error with message %d", row.id)
                outcome = await self._retry_later(row, "unexpected error")
            finally:
                busy.discard(row.chat_id)
            if outcome is not _Outcome.RETRY:
                self._failing_since.pop(row.id, None)
            if outcome is _Outcome.RETRY:  # first in its chat again; claiming counted a try
                again = replace(row, attempts=row.attempts + 1)
                queues.setdefault(row.chat_id, deque()).appendleft(again)
            elif outcome is _Outcome.CHAT_GONE:
                queues.pop(row.chat_id, None)

        while True:
            now = self.timer.now()
            pick: int | None = None
            soonest = math.inf
            if not self._stopping:
                for chat_id, queue in queues.items():
                    if chat_id in busy:
                        continue
                    ready = max(
                        self._ready_at.get(queue[0].id, 0.0),
                        self.pacer.chat_ready_at(chat_id, now),
                    )
                    if ready <= now:
                        pick = chat_id
                        break
                    soonest = min(soonest, ready)
            if pick is None:
                if tasks:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                if not queues or self._stopping:
                    return 0.0
                return max(soonest - now, 0.001)
            wait = self.pacer.overall_wait(now)
            if wait > 0:
                await self.timer.sleep(wait)
                continue
            if len(tasks) >= self.limits.concurrency:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                continue
            queue = queues[pick]
            row = queue.popleft()
            if not queue:
                del queues[pick]
            self.pacer.take(pick, now)
            busy.add(pick)
            task = asyncio.create_task(deliver(row))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    # -- one row ---------------------------------------------------------------------------

    async def _deliver(self, row: OutboxRow) -> _Outcome:
        if not await store.claim(self.db, row.id):
            return _Outcome.DONE  # someone else took it (cannot happen with one worker)
        self._ready_at.pop(row.id, None)
        if row.person_id is not None:
            person = await people.get(self.db, row.person_id)
            if person is not None and person.unreachable:
                await store.finish(self.db, row.id, "dropped", "unreachable")
                return _Outcome.DONE
        try:
            message_id = await self._request(row)
        except RetryAfter as exc:
            seconds = exc.retry_after
            wait = seconds if isinstance(seconds, int | float) else seconds.total_seconds()
            log.warning("outbox: Telegram asked to wait %.0f s (429)", wait)
            self.pacer.pause(self.timer.now() + wait)
            if row.attempts + 1 >= MAX_RATE_LIMITED:
                await store.finish(self.db, row.id, "failed", "429 too often")
                return _Outcome.DONE
            await store.release(self.db, row.id, "429")
            return _Outcome.RETRY
        except ChatMigrated as exc:
            new = exc.new_chat_id
            log.info("outbox: chat %d became supergroup %d", row.chat_id, new)
            await sponsorships.migrate_chat(self.db, row.chat_id, new)
            if row.edit_of is not None:  # the message stays behind in the old, read-only chat
                await store.finish(self.db, row.id, "dropped", "chat migrated")
            else:
                await store.release(self.db, row.id, "chat migrated")
            await store.retarget(self.db, row.chat_id, new)
            self.pacer.forget(row.chat_id)
            return _Outcome.CHAT_GONE
        except Forbidden:
            await self._unreachable(row)
            return _Outcome.CHAT_GONE
        except BadRequest as exc:
            text = exc.message.lower()
            if "not modified" in text:
                await store.mark_sent(self.db, row.id, None, self.clock.now())
                return _Outcome.DONE
            if "chat not found" in text:
                log.warning("outbox: chat %d does not exist any more", row.chat_id)
                await store.drop_chat(self.db, row.chat_id, exc.message)
                return _Outcome.CHAT_GONE
            # Telegram's reason can quote the message: it goes to the row, not the log.
            log.error("outbox: Telegram refused message %d (see its error column)", row.id)
            await store.finish(self.db, row.id, "failed", exc.message)
            return _Outcome.DONE
        except NetworkError as exc:  # 5xx, timeouts, connection problems
            return await self._retry_later(row, type(exc).__name__)
        if message_id is None:
            await store.finish(self.db, row.id, "dropped", "nothing to edit")
        else:
            await store.mark_sent(self.db, row.id, message_id, self.clock.now())
            self.sent += 1
        return _Outcome.DONE

    async def _retry_later(self, row: OutboxRow, error: str) -> _Outcome:
        attempts = row.attempts + 1
        now = self.timer.now()
        since = self._failing_since.setdefault(row.id, now)
        if attempts >= MAX_ATTEMPTS and now - since >= RETRY_WINDOW:
            log.error("outbox: giving up on message %d after %d attempts", row.id, attempts)
            await store.finish(self.db, row.id, "failed", error)
            return _Outcome.DONE
        delay = min(BACKOFF_CAP, 2.0 ** min(attempts - 1, 16))
        log.info("outbox: %s; trying message %d again in %.0f s", error, row.id, delay)
        self._ready_at[row.id] = now + delay
        await store.release(self.db, row.id, error)
        return _Outcome.RETRY

    async def _request(self, row: OutboxRow) -> int | None:
        """Send or edit; the message id, or None when there is nothing (left) to edit."""
        markup = (
            InlineKeyboardMarkup.de_json(json.loads(row.markup), self.bot) if row.markup else None
        )
        if row.edit_of is None:
            message = await self.bot.send_message(
                row.chat_id,
                row.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            return message.message_id
        original = await store.get(self.db, row.edit_of)
        if original is None or original.state != "sent" or original.message_id is None:
            return None
        edited = await self.bot.edit_message_text(
            row.text,
            chat_id=row.chat_id,
            message_id=original.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        return edited.message_id if isinstance(edited, Message) else original.message_id

    async def _unreachable(self, row: OutboxRow) -> None:
        if row.chat_id > 0:
            log.info("outbox: person %d is unreachable (blocked the bot)", row.chat_id)
            await people.set_reachable(self.db, row.chat_id, False)
        else:
            log.warning("outbox: the bot can no longer write to chat %d", row.chat_id)
            sponsorship = await sponsorships.by_chat(self.db, row.chat_id)
            if sponsorship is not None and sponsorship.flag != "bot_removed":
                await sponsorships.set_flag(self.db, sponsorship.id, "bot_removed")
        await store.drop_chat(self.db, row.chat_id, "forbidden")
