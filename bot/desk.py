"""What the coordinator reads at their desk: the overview of every sponsorship, the detail of
one (last check-ins, tasks by phase, alerts, audit trail) and the audit trail itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.checkins import ALERT_SHORT, scale_text, trend_text
from bot.i18n import N_, Lang
from bot.labels import STATUS_LABELS
from bot.plans import PlanTemplate
from bot.report import OTHER_PHASE, Glance, phase_name
from bot.storage import Database, audit, people
from bot.storage import checkins as checkin_store
from bot.storage import reports as report_store
from bot.storage import tasks as task_store
from bot.storage.audit import AuditEntry
from bot.storage.sponsorships import Sponsorship

PAGE_SIZE = 8
RECENT_CHECKINS = 3  # per kind, in the detail
DETAIL_AUDIT = 5
MESSAGE_LIMIT = 4000  # a little under Telegram's 4096

ACTION_LABELS: dict[str, str] = {
    "sponsorship_create": N_("created the sponsorship"),
    "arrival_set": N_("set the arrival date"),
    "invite_create": N_("made invite links"),
    "invites_revoke": N_("revoked the open links"),
    "chat_link": N_("linked the shared chat"),
    "chat_migrated": N_("the shared chat became a supergroup"),
    "flag_bot_removed": N_("I was removed from the shared chat"),
    "flag_cleared": N_("the shared chat works again"),
    "roles_set": N_("changed roles"),
    "participant_remove": N_("removed a participant"),
    "coordinator_add": N_("added a coordinator"),
    "coordinator_remove": N_("removed a coordinator"),
    "coordinator_bootstrap": N_("coordinator from the configuration"),
    "checkins_change": N_("changed the check-ins"),
    "alert_handled": N_("marked an alert as handled"),
    "tasks_add": N_("added tasks"),
    "auto_translate_on": N_("switched automatic translation on"),
    "auto_translate_off": N_("switched automatic translation off"),
    "concern_acknowledge": N_("acknowledged a concern"),
    "broadcast": N_("sent a broadcast"),
}
# Actions whose target is a person, shown by name.
PERSON_TARGETS = frozenset(
    {"roles_set", "participant_remove", "coordinator_add", "coordinator_remove"}
)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fit(blocks: list[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n") -> str:
    """Join blocks while they fit in one message; what does not fit is left out."""
    out = ""
    for block in blocks:
        candidate = block if not out else out + sep + block
        if len(candidate) > limit:
            break
        out = candidate
    return out


# -- the overview ----------------------------------------------------------------------------


def glance_block(lang: Lang, g: Glance, templates: Mapping[str, PlanTemplate], today: date) -> str:
    """One sponsorship on the overview."""
    f, s = g.figures, g.figures.s
    lines = [
        lang.t(
            "<b>{id}. {name}</b> – {municipality} – {status}",
            id=s.id,
            name=s.name,
            municipality=s.municipality,
            status=lang.t(STATUS_LABELS[s.status]),
        )
    ]
    phase = phase_name(g.phase, lang, templates, s.template_id)
    if g.week is not None:
        lines.append(lang.t("{phase}, week {week} since arrival", phase=phase, week=g.week))
    elif s.arrival_date is not None:
        lines.append(
            lang.t("{phase}, arrival on {date}", phase=phase, date=lang.date(s.arrival_date))
        )
    else:
        lines.append(lang.t("{phase}, arrival not yet known", phase=phase))
    if g.last_checkin is None:
        lines.append(lang.t("No check-ins yet."))
    else:
        lines.append(
            lang.t(
                "Last check-in: {date}; answered {answered} of {sent} ({rate}%)",
                date=lang.date(g.last_checkin),
                answered=f.answered,
                sent=f.sent,
                rate=round(f.response_rate or 0),
            )
        )
    if any(v is not None for v in g.newcomer_trend):
        lines.append(lang.t("Trend, newcomer: {trend}", trend=trend_text(g.newcomer_trend)))
    lines.append(
        lang.t("Tasks: {open} open, {overdue} overdue", open=g.open_tasks, overdue=g.overdue_tasks)
    )
    if g.open_alerts:
        counts = Counter(g.open_alerts)
        shown = ", ".join(
            lang.t(ALERT_SHORT.get(k, k)) + (f" ×{n}" if n > 1 else "") for k, n in counts.items()
        )
        lines.append("⚠️ " + lang.t("Open alerts: {alerts}", alerts=shown))
    return "\n".join(lines)


@dataclass(frozen=True)
class Page:
    """One page of the overview."""

    text: str
    shown: list[Sponsorship]
    number: int  # from 0
    pages: int


def overview_page(
    lang: Lang,
    glances: list[Glance],
    number: int,
    templates: Mapping[str, PlanTemplate],
    today: date,
) -> Page:
    """A page of the overview (the last page when `number` is past the end)."""
    if not glances:
        return Page(
            lang.t("There are no sponsorships yet. Start one with /new_sponsorship."), [], 0, 1
        )
    pages = (len(glances) + PAGE_SIZE - 1) // PAGE_SIZE
    number = max(0, min(number, pages - 1))
    chunk = glances[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
    title = lang.t("<b>Overview</b>")
    if pages > 1:
        title += " " + lang.t("(page {page} of {pages})", page=number + 1, pages=pages)
    blocks = [title, *(glance_block(lang, g, templates, today) for g in chunk)]
    return Page(fit(blocks), [g.figures.s for g in chunk], number, pages)


# -- the detail of one sponsorship -----------------------------------------------------------


async def checkins_block(db: Database, lang: Lang, s: Sponsorship, members: int) -> str:
    """The latest check-ins of the group and the newcomer."""
    lines = [lang.t("<b>Last check-ins</b>")]
    found = False
    for kind in ("group", "newcomer"):
        for o in await checkin_store.history(db, s.id, kind, limit=RECENT_CHECKINS):
            found = True
            when = lang.date(o.scheduled_at)
            responses = await checkin_store.responses(db, o.id)
            if o.status == "missed":
                what = lang.t("missed while I was offline")
            elif o.status == "skipped":
                what = lang.t("not sent")
            elif kind == "group":
                answered = sum(1 for r in responses if r.answer is not None)
                what = lang.t(
                    "{answered} of {members} answered", answered=answered, members=members
                )
            else:
                answers = [r.answer for r in responses if r.answer is not None]
                what = scale_text(lang, answers[0]) if answers else lang.t("no answer")
                if any(r.wants_talk for r in responses):
                    what += "; " + lang.t(ALERT_SHORT["talk"])
            label = lang.t("group") if kind == "group" else lang.t("newcomer")
            lines.append(lang.t("• {date}, {who}: {what}", date=when, who=label, what=what))
    if not found:
        lines.append(lang.t("No check-ins yet."))
    return "\n".join(lines)


async def tasks_block(
    db: Database, lang: Lang, s: Sponsorship, templates: Mapping[str, PlanTemplate], today: date
) -> str:
    """Tasks per phase: done, open and overdue."""
    items = await task_store.of_sponsorship(db, s.id)
    lines = [lang.t("<b>Tasks by phase</b>")]
    if not items:
        lines.append(lang.t("No tasks yet."))
        return "\n".join(lines)
    order: list[str] = []
    template = templates.get(s.template_id or "")
    if template is not None:
        order = [p.key for p in template.phases]
    keys = list(dict.fromkeys([*order, *(t.phase or OTHER_PHASE for t in items)]))
    for key in keys:
        mine = [t for t in items if (t.phase or OTHER_PHASE) == key]
        if not mine:
            continue
        lines.append(
            lang.t(
                "• {phase}: {done} done, {open} open, {overdue} overdue",
                phase=phase_name(key, lang, templates, s.template_id),
                done=sum(1 for t in mine if t.status == "done"),
                open=sum(1 for t in mine if t.status == "open"),
                overdue=sum(1 for t in mine if t.overdue(today)),
            )
        )
    return "\n".join(lines)


async def alerts_block(db: Database, lang: Lang, s: Sponsorship) -> str:
    """Open alerts, and how many were handled."""
    lines = [lang.t("<b>Alerts</b>")]
    still = await checkin_store.open_alerts(db, s.id)
    for a in still:
        lines.append(
            lang.t(
                "• {alert} – {date}",
                alert=lang.t(ALERT_SHORT.get(a.kind, a.kind)),
                date=lang.date(a.raised_at),
            )
        )
    if not still:
        lines.append(lang.t("No open alerts."))
    handled = sum(
        1 for a in await report_store.alerts(db) if a.sponsorship_id == s.id and a.handled_at
    )
    if handled:
        lines.append(lang.t("Handled earlier: {n}", n=handled))
    return "\n".join(lines)


async def audit_lines(
    db: Database, lang: Lang, entries: list[AuditEntry], *, numbered: bool, viewer: int
) -> list[str]:
    """Audit entries as lines: when, who, what (and whom). People are named by their first
    name where the bot keeps it, else by their Telegram ID; the reader is "you"."""
    names: dict[int, str] = {viewer: lang.t("you")}

    async def name_of(person_id: int) -> str:
        if person_id not in names:
            person = await people.get(db, person_id)
            names[person_id] = (
                person.first_name
                if person and person.first_name
                else lang.t("ID {id}", id=person_id)
            )
        return names[person_id]

    lines = []
    for e in entries:
        who = await name_of(e.actor_id) if e.actor_id is not None else lang.t("the bot")
        # Built as plain text (translated labels hold no markup), escaped once by lang.t.
        if e.action.startswith("status_") and e.action[7:] in STATUS_LABELS:
            what = lang.t("status: {status}", status=lang.t(STATUS_LABELS[e.action[7:]]))
        elif e.action.startswith("alert_") and e.action[6:] in ALERT_SHORT:
            what = lang.t("alert: {alert}", alert=lang.t(ALERT_SHORT[e.action[6:]]))
        elif e.action in ACTION_LABELS:
            what = lang.t(ACTION_LABELS[e.action])
        else:
            what = e.action
        if e.action in PERSON_TARGETS and e.target_id is not None:
            what += " → " + await name_of(e.target_id)
        if numbered and e.sponsorship_id:
            what += f" (#{e.sponsorship_id})"
        when = lang.datetime(_instant(e.at), "short")
        lines.append(lang.t("{when} – {who}: {what}", when=when, who=who, what=what))
    return lines


async def detail(
    db: Database,
    lang: Lang,
    s: Sponsorship,
    members: int,
    templates: Mapping[str, PlanTemplate],
    today: date,
    viewer: int,
) -> list[str]:
    """The blocks under a sponsorship's card: check-ins, tasks, alerts, the audit trail."""
    entries = await audit.recent(db, sponsorship_id=s.id, limit=DETAIL_AUDIT)
    trail = [lang.t("<b>Audit trail</b> (newest first)")]
    trail += await audit_lines(db, lang, entries, numbered=False, viewer=viewer) or [
        lang.t("Nothing recorded yet.")
    ]
    return [
        await checkins_block(db, lang, s, members),
        await tasks_block(db, lang, s, templates, today),
        await alerts_block(db, lang, s),
        "\n".join(trail),
    ]
