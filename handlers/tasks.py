"""The shared settlement plan: /tasks (mine, all, overdue, done) with buttons, and /task_add.
Every button press re-checks that the presser takes part in the task's sponsorship."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import plans, taskview
from bot.context import Ctx
from bot.duedates import parse_due, split_task_text
from bot.i18n import N_, Lang
from bot.messaging import send_chat
from bot.storage import coordinators, participants, sponsorships, tasks
from bot.storage.participants import Participant
from bot.storage.sponsorships import Sponsorship
from bot.storage.tasks import NewTask, Task

FILTERS = ("mine", "all", "overdue", "done")
FILTER_LABELS = {
    "mine": N_("Mine"),
    "all": N_("All"),
    "overdue": N_("Overdue"),
    "done": N_("Done"),
}
MAX_LISTED = 12
MAX_TASK_TEXT = 200
POSTPONE_DAYS = 7
DUE_EXAMPLES = "morgen, vrijdag, volgende week, in 3 dagen, tomorrow, friday, 5/12, 2026-12-05"


def today(context: Ctx) -> date:
    """The local date now."""
    return context.clock.now().astimezone(context.config.tz).date()


async def _sponsorship_for(update: Update, context: Ctx) -> Sponsorship | None:
    """The sponsorship an update is about: the shared chat's, or the person's own."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    if chat.type != "private":
        return await sponsorships.by_chat(context.db, chat.id)
    by_id = context.args and context.args[0].isdigit() and len(context.args[0]) <= 9
    if by_id and await coordinators.is_coordinator(context.db, user.id):
        return await sponsorships.get(context.db, int((context.args or ["0"])[0]))
    mine = await participants.of_person(context.db, user.id)
    return await sponsorships.get(context.db, mine[0].sponsorship_id) if mine else None


async def _may_see(context: Ctx, user_id: int, sponsorship_id: int) -> bool:
    """Participants of the sponsorship and coordinators."""
    if await participants.get(context.db, sponsorship_id, user_id) is not None:
        return True
    return await coordinators.is_coordinator(context.db, user_id)


def is_mine(task: Task, me: Participant | None, user_id: int) -> bool:
    """Mine: I own it or help, or nobody took it yet and it is meant for me (the newcomer's
    own tasks, or a role I have)."""
    if task.owner_id == user_id or user_id in task.helpers:
        return True
    if task.owner_id is not None or me is None:
        return False
    if task.owner_role == "newcomer":
        return me.kind == "newcomer"
    return task.owner_role in me.roles


def _select(
    items: list[Task], which: str, me: Participant | None, user_id: int, day: date
) -> list[Task]:
    if which == "mine":
        return [t for t in items if t.status == "open" and is_mine(t, me, user_id)]
    if which == "overdue":
        return [t for t in items if t.overdue(day)]
    if which == "done":
        return [t for t in items if t.status == "done"]
    return [t for t in items if t.status == "open"]


def _newcomer_name(people: list[Participant]) -> str | None:
    return next((p.first_name for p in people if p.kind == "newcomer"), None)


async def render_list(
    context: Ctx, s: Sponsorship, lang: Lang, which: str, user_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The task list message and its buttons."""
    day = today(context)
    people = await participants.of_sponsorship(context.db, s.id)  # one query for both
    me = next((p for p in people if p.person_id == user_id), None)
    items = _select(await tasks.of_sponsorship(context.db, s.id), which, me, user_id, day)
    newcomer = _newcomer_name(people)
    header = lang.t(
        "<b>Tasks – {name}</b> ({which})", name=s.name, which=lang.t(FILTER_LABELS[which])
    )
    lines = [header]
    templates = context.services.templates
    for t in items[:MAX_LISTED]:
        lines.append(
            lang.t(
                "• {task} – {owner} – {due}",
                task=taskview.title(t, lang, templates, s.template_id),
                owner=taskview.owner(t, lang, newcomer),
                due=taskview.due(t, lang, day),
            )
        )
    if not items:
        lines.append(lang.t("Nothing here."))
    elif len(items) > MAX_LISTED:
        lines.append(lang.t("…and {n} more.", n=len(items) - MAX_LISTED))
    rows = [
        [
            InlineKeyboardButton(
                taskview.title(t, lang, templates, s.template_id)[:48],
                callback_data=f"task:open:{t.id}",
            )
        ]
        for t in items[:MAX_LISTED]
    ]
    rows.append(
        [
            InlineKeyboardButton(
                ("• " if f == which else "") + lang.t(FILTER_LABELS[f]),
                callback_data=f"task:list:{s.id}:{f}",
            )
            for f in FILTERS
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_tasks(update: Update, context: Ctx) -> None:
    """/tasks [mine|all|overdue|done]."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    s = await _sponsorship_for(update, context)
    if s is None or not await _may_see(context, user.id, s.id):
        await message.reply_text(
            context.lang.t(
                "You do not take part in a sponsorship yet, so there are no tasks to show."
            )
        )
        return
    words = [a.lower() for a in (context.args or []) if not a.isdigit()]
    which = words[0] if words and words[0] in FILTERS else "mine"
    text, markup = await render_list(context, s, context.lang, which, user.id)
    await message.reply_text(text, reply_markup=markup)


async def render_task(
    context: Ctx,
    task: Task,
    s: Sponsorship,
    lang: Lang,
    people: list[Participant] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """One task with its how-to and its actions (`people`: the sponsorship's participants, when
    the caller has them already)."""
    templates = context.services.templates
    if people is None:
        people = await participants.of_sponsorship(context.db, s.id)
    newcomer = _newcomer_name(people)
    helpers = [p.first_name for p in people if p.person_id in task.helpers]
    lines = [
        "<b>" + lang.value(taskview.title(task, lang, templates, s.template_id)) + "</b>",
        lang.t("Who: {owner}", owner=taskview.owner(task, lang, newcomer)),
        lang.t("When: {due}", due=taskview.due(task, lang, today(context))),
    ]
    if helpers:
        lines.append(lang.t("Helping: {names}", names=lang.list(helpers)))
    how = taskview.how(task, lang, templates, s.template_id)
    if how:
        lines += ["", how]
    rows: list[list[InlineKeyboardButton]] = []
    if task.status == "open":
        rows += [
            [
                InlineKeyboardButton("✅ " + lang.t("Done"), callback_data=f"task:done:{task.id}"),
                InlineKeyboardButton(
                    "🙋 " + lang.t("I'll take it"), callback_data=f"task:take:{task.id}"
                ),
            ],
            [
                InlineKeyboardButton(
                    "⏩ " + lang.t("A week later"), callback_data=f"task:later:{task.id}"
                ),
                InlineKeyboardButton(
                    "🆘 " + lang.t("Ask the group for help"), callback_data=f"task:help:{task.id}"
                ),
            ],
        ]
    rows.append(
        [InlineKeyboardButton("⬅️ " + lang.t("All tasks"), callback_data=f"task:list:{s.id}:all")]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def on_button(update: Update, context: Ctx) -> None:
    """task:list:SID:FILTER, task:open|done|take|later|help:TASK."""
    query = update.callback_query
    assert query is not None and query.data is not None
    lang, user = context.lang, query.from_user
    parts = query.data.split(":")
    numbers_ok = len(parts) >= 3 and parts[2].isdigit() and len(parts[2]) <= 12
    if not numbers_ok:
        await query.answer(
            lang.t("This button no longer works. Please send /tasks again."), show_alert=True
        )
        return
    if parts[1] == "list":
        s = await sponsorships.get(context.db, int(parts[2]))
        which = parts[3] if len(parts) > 3 and parts[3] in FILTERS else "all"
        if s is None or not await _may_see(context, user.id, s.id):
            await query.answer(
                lang.t("Only the people of this sponsorship can see its tasks."), show_alert=True
            )
            return
        await query.answer()
        text, markup = await render_list(context, s, lang, which, user.id)
        await query.edit_message_text(text, reply_markup=markup)
        return
    task = await tasks.get(context.db, int(parts[2]))
    s = await sponsorships.get(context.db, task.sponsorship_id) if task else None
    if task is None or s is None:
        await query.answer(lang.t("This task no longer exists."), show_alert=True)
        return
    if not await _may_see(context, user.id, s.id):
        await query.answer(
            lang.t("Only the people of this sponsorship can see its tasks."), show_alert=True
        )
        return
    action = parts[1]
    note: str | None = None
    if action == "done":
        if await tasks.complete(context.db, task.id, user.id):
            await _tell_group(context, s, task, N_("✅ {person} finished: {task}"), user.first_name)
            note = lang.t("Well done! The task is marked as done.")
        else:
            note = lang.t("This task was already done.")
    elif action == "take":
        role = await tasks.take(context.db, task.id, user.id)
        note = (
            lang.t("The task is yours now.")
            if role == "owner"
            else lang.t("You are helping with this task now.")
        )
    elif action == "later":
        new = await tasks.postpone(context.db, task.id, POSTPONE_DAYS, today(context))
        note = lang.t("Moved to {date}.", date=lang.date(new))
    elif action == "help":
        await _tell_group(
            context, s, task, N_("🆘 {person} asks for help with: {task}"), user.first_name
        )
        note = lang.t("I asked your group for help.")
    elif action != "open":
        await query.answer(
            lang.t("This button no longer works. Please send /tasks again."), show_alert=True
        )
        return
    await query.answer(note)
    fresh = await tasks.get(context.db, task.id)
    assert fresh is not None
    text, markup = await render_task(context, fresh, s, lang)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:  # "help" twice, or a task that did not change
        if "not modified" not in exc.message.lower():
            raise


async def _tell_group(context: Ctx, s: Sponsorship, task: Task, message: str, person: str) -> None:
    """Post in the shared chat, each language with the task's title in that language."""
    if s.chat_id is None or not s.chat_ready:
        return
    templates = context.services.templates
    parts = []
    for code in dict.fromkeys([context.i18n.group_language, s.newcomer_language]):
        lang = context.i18n.get(code)
        parts.append(
            lang.t(
                message, person=person, task=taskview.title(task, lang, templates, s.template_id)
            )
        )
    await send_chat(context.bot, context.db, s.chat_id, "\n\n".join(parts))


async def add_task(update: Update, context: Ctx) -> None:
    """/task_add TEXT [@person] [due]: a new task for the sponsorship."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = context.lang
    s = await _sponsorship_for(update, context)
    if s is None or not await _may_see(context, user.id, s.id):
        await message.reply_text(
            lang.t("You do not take part in a sponsorship yet, so you cannot add tasks.")
        )
        return
    raw = " ".join(context.args or [])
    text, mention, due_text = split_task_text(raw)
    if not text or len(text) > MAX_TASK_TEXT:
        await message.reply_text(
            lang.t(
                "Please write what needs to be done, for example: /task_add Open a bank account "
                "@Sanne friday. Dates that work: {examples}.",
                examples=DUE_EXAMPLES,
            )
        )
        return
    people = await participants.of_sponsorship(context.db, s.id)
    owner: Participant | None = None
    if mention is not None:
        wanted = mention.lstrip("@").casefold()
        owner = next((p for p in people if p.first_name.casefold() == wanted), None)
        if owner is None:
            await message.reply_text(
                lang.t(
                    "I do not know {mention} in this sponsorship. Who takes part: {names}.",
                    mention=mention,
                    names=lang.list(p.first_name for p in people),
                )
            )
            return
    due: date | None = None
    if due_text is not None:
        due = parse_due(due_text, today(context))
        if due is None:
            await message.reply_text(
                lang.t(
                    "I could not read the date {text}. Dates that work: {examples}.",
                    text=due_text,
                    examples=DUE_EXAMPLES,
                )
            )
            return
    (task_id,) = await tasks.add_many(
        context.db,
        s.id,
        [
            NewTask(
                template_key=None,
                phase=None,
                title=text,
                owner_role=None,
                owner_id=owner.person_id if owner else None,
                due_date=due,
            )
        ],
        user.id,
    )
    task = await tasks.get(context.db, task_id)
    assert task is not None
    body, markup = await render_task(context, task, s, lang, people)
    await message.reply_text(lang.t("Task added.") + "\n\n" + body, reply_markup=markup)


def template_tasks(context: Ctx, template_id: str, arrival: date | None) -> list[NewTask]:
    """The tasks of a plan template, with due dates when the arrival date is known."""
    template = context.services.templates[template_id]
    out = []
    for t in template.tasks:
        due = plans.due_date(t, arrival) if arrival else None
        out.append(
            NewTask(
                template_key=t.key,
                phase=t.phase,
                title=None,
                owner_role=t.owner,
                owner_id=None,
                due_date=due,
                due_days=t.due_days,
            )
        )
    return out


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /tasks, /task_add and the task buttons."""
    app.add_handler(CommandHandler("tasks", show_tasks), group=group)
    app.add_handler(CommandHandler("task_add", add_task), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^task:"), group=group)
