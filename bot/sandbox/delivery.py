"""Getting updates to the bot: a dispatcher callback, getUpdates long polling or a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

import httpx

from .clock import Clock
from .errors import ApiError
from .models import JSON, WebhookState

log = logging.getLogger(__name__)

Dispatcher = Callable[[JSON], Awaitable[None]]

# Updates Telegram does not send unless the bot lists them in allowed_updates.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_IN_DRAIN: ContextVar[bool] = ContextVar("sandbox_in_drain", default=False)


class Delivery:
    """The update queue and the three ways of handing updates to the bot."""

    retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2)

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._dispatcher: Dispatcher | None = None
        self._draining = False
        self.last_handoff = 0.0  # time.monotonic() when the bot last received updates
        self.allowed_updates: list[str] | None = None
        self.webhook = WebhookState()
        self.queue: list[JSON] = []
        self.next_update_id = 1
        self.errors: list[BaseException] = []
        self._pending: deque[JSON] = deque()
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Future[str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    @property
    def dispatcher(self) -> Dispatcher | None:
        """The in-process update handler, or None for getUpdates/webhook delivery."""
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, value: Dispatcher | None) -> None:
        self._dispatcher = value
        if value is None:
            self._pending.clear()
            return
        # Updates queued for polling before a dispatcher was set go to the dispatcher.
        self._pending.extend(self.queue)
        self.queue.clear()
        if self._pending and not self._draining:
            with contextlib.suppress(RuntimeError):  # no running loop: the next flush drains
                asyncio.get_running_loop()
                self._spawn(self._drain())

    # -- routing -------------------------------------------------------------------------

    def allows(self, kind: str) -> bool:
        """Whether an update of this type reaches the bot (allowed_updates rules)."""
        allowed = self.allowed_updates
        if allowed:
            return kind in allowed
        # Without a choice, an in-process dispatcher gets everything; Telegram's default
        # (everything but chat_member and reactions) applies to polling and webhooks.
        return self.dispatcher is not None or kind not in NOT_BY_DEFAULT

    def emit(self, kind: str, payload: JSON, *, spawn: bool = True) -> JSON | None:
        """Queue an update; returns it, or None when allowed_updates filters it out."""
        if not self.allows(kind):
            return None
        update: JSON = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        if self.dispatcher is not None:
            self._pending.append(update)
            if spawn and not self._draining:
                self._spawn(self._drain())
            return update
        self.queue.append(update)
        self._wake()
        if self.webhook.url:
            self.ensure_webhook_worker()
        return update

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            self.errors.append(exc)
            log.error("sandbox delivery failed", exc_info=exc)

    # -- dispatcher mode -----------------------------------------------------------------

    async def flush(self) -> None:
        """Dispatch pending updates now (user actions await this before returning)."""
        if self.dispatcher is None or (_IN_DRAIN.get() and self._draining):
            return  # called from within a dispatch: the running drain picks them up
        await self._drain()

    def _get_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def _drain(self) -> None:
        async with self._get_lock():
            token = _IN_DRAIN.set(True)
            self._draining = True
            try:
                while self._pending and self._dispatcher is not None:
                    await self._dispatcher(self._pending.popleft())
                    self.last_handoff = time.monotonic()
            finally:
                self._draining = False
                _IN_DRAIN.reset(token)

    # -- getUpdates ----------------------------------------------------------------------

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            del self.queue[: max(0, len(self.queue) + offset)]
        else:
            self.queue = [u for u in self.queue if u["update_id"] >= offset]

    def _wake(self, reason: str = "wake") -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(reason)

    @property
    def polling(self) -> bool:
        """A getUpdates long poll is waiting right now."""
        return self._poller is not None and not self._poller.done()

    def wake_pollers(self) -> None:
        """End a waiting long poll now (used when a server stops)."""
        self._wake()

    async def get_updates(self, offset: int | None, limit: int, wait: float) -> list[JSON]:
        """getUpdates: confirm up to offset, then wait up to `wait` s for something to send."""
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(offset)
        if not self.queue and wait > 0:
            self._wake("conflict")  # a newer request terminates an older one
            fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poller = fut
            try:
                await asyncio.wait({fut}, timeout=wait)
            finally:
                if self._poller is fut:
                    self._poller = None
                if not fut.done():
                    fut.cancel()
            if not fut.cancelled() and fut.result() == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        batch = self.queue[:limit]
        if batch:
            self.last_handoff = time.monotonic()
        return batch

    # -- webhook -------------------------------------------------------------------------

    def ensure_webhook_worker(self) -> None:
        """Start POSTing queued updates unless already doing so."""
        if self.queue and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.ensure_future(self._webhook_worker())

    async def _webhook_worker(self) -> None:
        async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:
            while self.queue and self.webhook.url:
                update = self.queue[0]
                await self._post(client, update)
                if self.queue and self.queue[0] is update:
                    self.queue.pop(0)

    async def _post(self, client: httpx.AsyncClient, update: JSON) -> None:
        hook = self.webhook
        headers = {}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        for delay in (*self.retry_delays, None):
            outcome: int | str
            try:
                response = await client.post(hook.url, json=update, headers=headers)
                outcome = response.status_code
            except httpx.HTTPError as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            hook.deliveries.append((update["update_id"], outcome))
            if isinstance(outcome, int) and 200 <= outcome < 300:
                self.last_handoff = time.monotonic()
                return
            hook.last_error_date = int(self.clock.now())
            hook.last_error_message = (
                f"Wrong response from the webhook: {outcome}"
                if isinstance(outcome, int)
                else outcome
            )
            if delay is None:
                log.warning("sandbox webhook gave up on update %s", update["update_id"])
                return
            await asyncio.sleep(delay)

    # -- state ---------------------------------------------------------------------------

    def busy(self) -> bool:
        """Something is queued, unacknowledged or being dispatched."""
        webhook_busy = self._webhook_task is not None and not self._webhook_task.done()
        return bool(self.queue or self._pending or self._tasks or webhook_busy)

    def drop_pending(self) -> None:
        """drop_pending_updates=True."""
        self.queue.clear()

    async def aclose(self) -> None:
        """Stop background work (webhook worker, spawned drains, long polls)."""
        self._wake()
        tasks = list(self._tasks)
        if self._webhook_task is not None:
            tasks.append(self._webhook_task)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
