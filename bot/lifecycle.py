"""A sponsorship's life cycle as the coordinator steers it: pause, resume and close.

While a sponsorship is paused or closed, the check-in tick starts no check-ins and sends no
reminders, and task reminders stop (they run only for preparing and active sponsorships).
Closing posts a bilingual thank-you and hand-over message in the shared chat (which stays, with
its people), sends the newcomer the plan's open tasks in their own language and closes the
check-ins that were still open. Messages go through the outbox, in the transaction that
changes the status.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

from bot.i18n import N_, I18n, Lang
from bot.plans import PlanTemplate
from bot.storage import Database, participants, sponsorships, tasks
from bot.storage import outbox as outbox_store
from bot.storage.sponsorships import Sponsorship
from bot.storage.tasks import Task
from bot.taskview import title

MAX_TASKS_LISTED = 25

THANKS = N_(
    "🌷 The sponsorship year of {name} has come to an end. Thank you all for everything you "
    "did together!"
)
HAND_OVER = N_(
    "From now on there are no more check-ins or reminders. This chat stays, so you can keep in "
    "touch as you like. For questions, the municipality and VluchtelingenWerk are there as "
    "usual."
)


class Refused(enum.Enum):
    """Why a change of status is not possible."""

    CLOSED = "closed"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"


def can_pause(s: Sponsorship) -> Refused | None:
    """Preparing and active sponsorships can be paused."""
    if s.status == "closed":
        return Refused.CLOSED
    if s.status == "paused":
        return Refused.ALREADY_PAUSED
    return None


async def pause(db: Database, s: Sponsorship, by: int) -> Refused | None:
    """Stop check-ins and reminders until resumed."""
    refused = can_pause(s)
    if refused is None:
        await sponsorships.set_status(db, s.id, "paused", by)
    return refused


async def resume(db: Database, s: Sponsorship, by: int) -> str | Refused:
    """Back to active when the newcomer is in the shared chat, else to preparing (where the
    newcomer joining makes it active); the new status. What was missed during the pause is not
    caught up."""
    if s.status == "closed":
        return Refused.CLOSED
    if s.status != "paused":
        return Refused.NOT_PAUSED
    people = await participants.of_sponsorship(db, s.id)
    arrived = any(p.kind == "newcomer" and p.in_chat for p in people)
    status = "active" if arrived else "preparing"
    await sponsorships.set_status(db, s.id, status, by)
    return status


def open_tasks_text(
    lang: Lang,
    items: list[Task],
    templates: Mapping[str, PlanTemplate],
    template_id: str | None,
) -> str:
    """For the newcomer: the tasks still open, in their language."""
    still = [t for t in items if t.status == "open"]
    if not still:
        return lang.t("All tasks of your plan are done. Well done!")
    lines = [
        lang.t(
            "These tasks of your plan are still open. You can go on with them yourself or ask "
            "the people you know:"
        )
    ]
    for t in still[:MAX_TASKS_LISTED]:
        lines.append(f"• {lang.value(title(t, lang, templates, template_id))}")
    if len(still) > MAX_TASKS_LISTED:
        lines.append(lang.t("…and {n} more.", n=len(still) - MAX_TASKS_LISTED))
    return "\n".join(lines)


def chat_farewell(i18n: I18n, s: Sponsorship) -> str:
    """The thank-you and hand-over in the group's and the newcomer's language."""
    parts = []
    for code in dict.fromkeys([i18n.group_language, s.newcomer_language]):
        lang = i18n.get(code)
        parts.append(lang.t(THANKS, name=s.name) + "\n" + lang.t(HAND_OVER))
    return "\n\n".join(parts)


async def close(
    db: Database,
    i18n: I18n,
    templates: Mapping[str, PlanTemplate],
    s: Sponsorship,
    by: int,
    now: datetime,
) -> Refused | None:
    """Close the sponsorship: status, farewell in the chat, open tasks for the newcomer."""
    if s.status == "closed":
        return Refused.CLOSED
    people = await participants.of_sponsorship(db, s.id)
    newcomer = next((p for p in people if p.kind == "newcomer"), None)
    items = await tasks.of_sponsorship(db, s.id)
    async with db.transaction() as conn:
        await sponsorships.set_status_in(conn, s.id, "closed", by)
        if s.chat_id is not None and s.flag != "bot_removed":
            await outbox_store.enqueue(
                conn, s.chat_id, chat_farewell(i18n, s), now=now, ref=f"closed:{s.id}"
            )
        if newcomer is not None and not newcomer.unreachable:
            lang = i18n.get(newcomer.language)
            text = (
                lang.t(THANKS, name=s.name)
                + "\n\n"
                + open_tasks_text(lang, items, templates, s.template_id)
            )
            await outbox_store.enqueue(
                conn,
                newcomer.person_id,
                text,
                now=now,
                person_id=newcomer.person_id,
                ref=f"closed:{s.id}",
            )
    return None
