"""How a task reads for one person: title, owner and due date in their language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.i18n import Lang
from bot.labels import ROLE_LABELS
from bot.plans import PlanTemplate, TaskTemplate
from bot.storage.tasks import Task

Templates = Mapping[str, PlanTemplate]


def _template_task(
    task: Task, templates: Templates, template_id: str | None
) -> TaskTemplate | None:
    if task.template_key is None or template_id is None or template_id not in templates:
        return None
    return templates[template_id].task(task.template_key)


def title(task: Task, lang: Lang, templates: Templates, template_id: str | None) -> str:
    """A template task in the reader's language; a free task as it was written."""
    found = _template_task(task, templates, template_id)
    if found is not None:
        return found.title_in(lang.code)
    return task.title or "?"


def how(task: Task, lang: Lang, templates: Templates, template_id: str | None) -> str | None:
    """The practical how-to of a template task, in the reader's language."""
    found = _template_task(task, templates, template_id)
    return found.how_in(lang.code) if found is not None else None


def owner(task: Task, lang: Lang, newcomer_name: str | None) -> str:
    """Who does it: a person, the newcomer, together, or a role still open."""
    if task.owner_id is not None:
        return task.owner_name
    if task.owner_role == "newcomer":
        return newcomer_name or lang.t("newcomer")
    if task.owner_role == "together":
        return lang.t("together")
    if task.owner_role in ROLE_LABELS:
        return lang.t("open – {role}", role=lang.t(ROLE_LABELS[task.owner_role]))
    return lang.t("nobody yet")


def due(task: Task, lang: Lang, today: date) -> str:
    """The due date, marked when overdue or done."""
    if task.status == "done":
        return lang.t("done")
    if task.due_date is None:
        return lang.t("no date yet")
    shown = lang.date(task.due_date)
    return lang.t("overdue since {date}", date=shown) if task.overdue(today) else shown


def overdue_lines(
    tasks: list[Task],
    lang: Lang,
    templates: Templates,
    template_id: str | None,
    today: date,
    limit: int = 8,
) -> list[str]:
    """A short list of overdue tasks in one language (empty when none are overdue)."""
    late = [t for t in tasks if t.overdue(today)]
    if not late:
        return []
    lines = [lang.t("Overdue tasks:")]
    lines += [
        lang.t(
            "• {task} – since {date}",
            task=title(t, lang, templates, template_id),
            date=lang.date(t.due_date),
        )
        for t in late[:limit]
        if t.due_date is not None
    ]
    if len(late) > limit:
        lines.append(lang.t("…and {n} more.", n=len(late) - limit))
    return lines
