"""The coordinator's desk: /overview of every sponsorship (paged, with buttons to open one),
/report [from] [to] (a CSV and a PNG chart as documents) and /audit [ID]."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import desk, report
from bot.context import Ctx
from bot.storage import audit, sponsorships
from handlers.coordinator import allowed, coordinator_only

AUDIT_LINES = 25
_PAGE = re.compile(r"^ov:page:(\d{1,4})$")


def _today(context: Ctx) -> date:
    return context.clock.now().astimezone(context.config.tz).date()


async def _page(context: Ctx, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    lang, today = context.lang, _today(context)
    glances = await report.glance(
        context.db, tz=context.config.tz, today=today, templates=context.services.templates
    )
    page = desk.overview_page(lang, glances, number, context.services.templates, today)
    buttons = [
        InlineKeyboardButton(f"{s.id}. {s.name}"[:60], callback_data=f"sp:show:{s.id}")
        for s in page.shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = []
    if page.number > 0:
        nav.append(
            InlineKeyboardButton(
                "◀ " + lang.t("Previous"), callback_data=f"ov:page:{page.number - 1}"
            )
        )
    if page.number < page.pages - 1:
        nav.append(
            InlineKeyboardButton(lang.t("Next") + " ▶", callback_data=f"ov:page:{page.number + 1}")
        )
    if nav:
        rows.append(nav)
    return page.text, InlineKeyboardMarkup(rows) if rows else None


@coordinator_only
async def overview(update: Update, context: Ctx) -> None:
    """/overview: every sponsorship on one screen, paged."""
    assert update.effective_message is not None
    text, keyboard = await _page(context, 0)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


async def on_page(update: Update, context: Ctx) -> None:
    """ov:page:N: another page of the overview (edits the message)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    found = _PAGE.match(query.data)
    if found is None:
        await query.answer(
            context.lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    await query.answer()
    text, keyboard = await _page(context, int(found.group(1)))
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


def _usage(context: Ctx) -> str:
    return context.lang.t(
        "Send /report for everything until today, or add dates: /report 2027-01-01 "
        "2027-12-31 (from and to, both included)."
    )


def parse_period(args: list[str], today: date) -> report.Period | None:
    """/report [from] [to]; None when the dates cannot be read or are the wrong way round."""
    if len(args) > 2:
        return None
    dates = [report.parse_date(a) for a in args]
    if any(d is None for d in dates):
        return None
    start = dates[0] if dates else None
    end = dates[1] if len(dates) == 2 else today
    assert end is not None
    if start is not None and start > end:
        return None
    return report.Period(start, end)


@coordinator_only
async def report_command(update: Update, context: Ctx) -> None:
    """/report [from] [to]: the impact report as a CSV and a PNG chart."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = context.lang
    period = parse_period(list(context.args or []), _today(context))
    if period is None:
        await message.reply_text(_usage(context))
        return
    templates = context.services.templates
    result = await report.collect(
        context.db, tz=context.config.tz, period=period, templates=templates
    )
    cfg = context.config.report
    data = report.to_csv(result, delimiter=cfg.csv_delimiter, decimal=cfg.decimal_separator)
    chart = await asyncio.to_thread(report.to_png, result, lang, templates)
    shown = report.period_text(period, lang)
    name = f"samenhier-report_{period.slug()}"
    await context.bot.send_document(
        user.id,
        document=data,
        filename=f"{name}.csv",
        caption=lang.t(
            "Impact report, {period}: one row per sponsorship ({n}).",
            period=shown,
            n=len(result.rows),
        ),
    )
    await context.bot.send_document(
        user.id,
        document=chart,
        filename=f"{name}.png",
        caption=lang.t("The newcomers' scale and the response rate per week; tasks per phase."),
    )


@coordinator_only
async def audit_command(update: Update, context: Ctx) -> None:
    """/audit [ID]: who did what, newest first (everything, or one sponsorship)."""
    message = update.effective_message
    assert message is not None
    lang, args = context.lang, list(context.args or [])
    sponsorship_id: int | None = None
    if args:
        if len(args) != 1 or not args[0].isdigit() or len(args[0]) > 9:
            await message.reply_text(
                lang.t("Send /audit for everything, or /audit ID for one sponsorship.")
            )
            return
        s = await sponsorships.get(context.db, int(args[0]))
        if s is None:
            await message.reply_text(
                lang.t("There is no sponsorship {id}. /sponsorships lists them all.", id=args[0])
            )
            return
        sponsorship_id = s.id
        title = lang.t("<b>Audit trail of {name}</b> (newest first)", name=s.name)
    else:
        title = lang.t("<b>Audit trail</b> (newest first)")
    entries = await audit.recent(context.db, sponsorship_id=sponsorship_id, limit=AUDIT_LINES)
    lines = await desk.audit_lines(
        context.db, lang, entries, numbered=sponsorship_id is None, viewer=message.chat_id
    )
    if not lines:
        lines = [lang.t("Nothing recorded yet.")]
    await message.reply_text(desk.fit([title, *lines], sep="\n"))


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /overview, /report and /audit."""
    app.add_handler(CommandHandler("overview", overview), group=group)
    app.add_handler(CallbackQueryHandler(on_page, pattern=r"^ov:"), group=group)
    app.add_handler(CommandHandler("report", report_command), group=group)
    app.add_handler(CommandHandler("audit", audit_command), group=group)
