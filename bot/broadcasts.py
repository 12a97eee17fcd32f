"""Broadcasts: a coordinator's message to the shared chats (all, or one municipality's), queued
in the durable outbox in one transaction, then a delivery summary for the coordinator once no
message of it is waiting any more. A watcher job looks every few seconds while a broadcast is
under way, and again after a restart."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext

from bot import checkins
from bot.i18n import N_, I18n, bilingual
from bot.storage import Database, people, sponsorships
from bot.storage import broadcasts as store
from bot.storage import outbox as outbox_store
from bot.storage.sponsorships import Sponsorship

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
WATCH_JOB = "broadcasts:watch"
WATCH_SECONDS = 5
MAX_TEXT = 3500  # leaves room for the bilingual heading within Telegram's 4096
MAX_LISTED = 20
HEADING = N_("📢 A message from your coordinator:")


async def targets(db: Database, municipality: str | None = None) -> list[Sponsorship]:
    """The shared chats a broadcast goes to: every sponsorship that is not closed and has a
    chat (optionally of one municipality), by number."""
    found = [
        s
        for s in await sponsorships.list_all(db)
        if s.status != "closed"
        and s.chat_id is not None
        and (municipality is None or s.municipality == municipality)
    ]
    return sorted(found, key=lambda s: s.id)


async def municipalities(db: Database) -> list[tuple[str, int]]:
    """(municipality, number of shared chats) for the chooser, largest first."""
    counts = Counter(s.municipality for s in await targets(db))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def chat_text(i18n: I18n, s: Sponsorship, text: str) -> str:
    """What a shared chat reads: the heading in the group's and the newcomer's language, then
    the coordinator's text as written (already HTML)."""
    heading = bilingual(i18n, [i18n.group_language, s.newcomer_language], HEADING)
    return heading.replace("\n\n", "\n") + "\n\n" + text


async def send(
    db: Database,
    i18n: I18n,
    *,
    by: int,
    text: str,
    municipality: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Queue the broadcast; (broadcast id, number of chats)."""
    chats = await targets(db, municipality)
    async with db.transaction() as conn:
        broadcast_id = await store.create(conn, by, municipality, len(chats))
        for s in chats:
            assert s.chat_id is not None
            await outbox_store.enqueue(
                conn, s.chat_id, chat_text(i18n, s, text), now=now, ref=store.ref(broadcast_id)
            )
    return broadcast_id, len(chats)


async def report_finished(db: Database, i18n: I18n, now: datetime) -> list[int]:
    """Queue the summary of every broadcast none of whose messages is waiting any more; the
    ids of those reported. Safe to call often."""
    reported = []
    for b in await store.unreported(db):
        states = await outbox_store.states_of(db, store.ref(b.id))
        if any(state in ("pending", "inflight") for _, state in states):
            continue
        counts = Counter(state for _, state in states)
        delivered, unreachable, failed = counts["sent"], counts["dropped"], counts["failed"]
        missed = []
        for chat_id, state in states:
            if state != "sent":
                s = await sponsorships.by_chat(db, chat_id)
                missed.append(f"{s.name} (#{s.id})" if s else str(chat_id))
        person = await people.get(db, b.created_by)
        lang = i18n.get(person.language if person else i18n.group_language)
        lines = [
            lang.t(
                "📢 Your broadcast is done: {delivered} delivered, {unreachable} unreachable.",
                delivered=delivered,
                unreachable=unreachable,
            )
        ]
        if failed:
            lines.append(
                lang.t("{failed} could not be sent; Telegram refused them.", failed=failed)
            )
        if missed:
            lines.append(lang.t("Not reached:"))
            lines += [f"• {lang.value(chat)}" for chat in missed[:MAX_LISTED]]
            if len(missed) > MAX_LISTED:
                lines.append(lang.t("…and {n} more.", n=len(missed) - MAX_LISTED))
        async with db.transaction() as conn:
            if not await store.mark_reported(conn, b.id, delivered, unreachable, failed):
                continue
            await outbox_store.enqueue(
                conn,
                b.created_by,
                "\n".join(lines),
                now=now,
                person_id=b.created_by,
                ref=f"broadcast_summary:{b.id}",
            )
        reported.append(b.id)
    return reported


# -- the watcher -----------------------------------------------------------------------------


async def check(app: AnyApp) -> bool:
    """Report what finished; True while broadcasts are still under way."""
    service = checkins.service(app)
    if await report_finished(service.db, service.i18n, service.clock.now()):
        service.outbox.notify()
    return bool(await store.unreported(service.db))


async def _watch_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    try:
        busy = await check(context.application)
    except Exception:
        log.exception("broadcasts: could not check the delivery; trying again")
        return
    if not busy and context.job is not None:
        context.job.schedule_removal()


def watch(app: AnyApp) -> None:
    """Look for finished broadcasts every few seconds until none is under way."""
    if app.job_queue is None or app.job_queue.get_jobs_by_name(WATCH_JOB):
        return
    app.job_queue.run_repeating(_watch_job, WATCH_SECONDS, first=WATCH_SECONDS, name=WATCH_JOB)


async def resume(app: AnyApp) -> None:
    """At start-up: watch again the broadcasts that were under way."""
    if await store.unreported(checkins.service(app).db):
        watch(app)
