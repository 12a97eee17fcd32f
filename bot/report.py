"""The coordinator's numbers: where each sponsorship stands (the overview) and the impact report
for a period, as a CSV for spreadsheets and a PNG chart. Used by /overview, /report and
`samenhier report`; nothing here talks to Telegram.

Definitions (also in the README):
- a check-in is *sent* when it went out (the group's in the shared chat, the newcomer's in
  private); it is *answered* when somebody tapped an answer or asked to talk;
- the *scale* is the newcomer's answers (1 difficult .. 4 good); its *trend* is the average of
  the later half of the answers in the period minus the average of the earlier half;
- a task is *done on time* when it was done on or before its due date (or has none), *late*
  when after it, *open* when it was not done by the end of the period; tasks done before the
  period are left out.
"""

from __future__ import annotations

import csv
import html
import io
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from bot.i18n import FSI, PDI, Lang
from bot.plans import PlanTemplate
from bot.storage import Database, sponsorships
from bot.storage import checkins as checkin_store
from bot.storage import reports as store
from bot.storage.sponsorships import Sponsorship

# Settlement phases by days since the arrival (the phases of the standard plan).
PHASE_STARTS: tuple[tuple[str, int], ...] = (
    ("arrival_week", 0),
    ("first_month", 7),
    ("months_2_3", 31),
    ("months_4_12", 92),
    ("hand_over", 320),
)
PRE_ARRIVAL = "pre_arrival"
OTHER_PHASE = "other"  # tasks somebody wrote, outside the plan's phases
DEFAULT_TEMPLATE = "standard"
TREND_LENGTH = 4
PNG_SIZE = (10.0, 8.0)  # inches, at PNG_DPI: 1000 x 800 pixels
PNG_DPI = 100

CSV_COLUMNS: tuple[str, ...] = (
    "sponsorship_id",
    "name",
    "municipality",
    "status",
    "created",
    "arrival",
    "closed",
    "members",
    "checkins_sent",
    "checkins_answered",
    "response_rate_percent",
    "newcomer_scale_answers",
    "newcomer_scale_average",
    "newcomer_scale_trend",
    "group_scale_average",
    "tasks_done_on_time",
    "tasks_done_late",
    "tasks_open",
    "tasks_open_overdue",
)
ALERT_COLUMNS = ("alerts_raised", "alerts_handled")


def phase_on(arrival: date | None, day: date) -> str:
    """The settlement phase of a household on a day."""
    if arrival is None or day < arrival:
        return PRE_ARRIVAL
    days = (day - arrival).days
    current = PHASE_STARTS[0][0]
    for key, start in PHASE_STARTS:
        if days >= start:
            current = key
    return current


def week_since_arrival(arrival: date | None, day: date) -> int | None:
    """1 in the week of the arrival, 2 the week after ...; None before it."""
    if arrival is None or day < arrival:
        return None
    return (day - arrival).days // 7 + 1


def phase_name(
    key: str, lang: Lang, templates: Mapping[str, PlanTemplate], template_id: str | None
) -> str:
    """A phase's name in the reader's language, from the sponsorship's plan (else the standard
    plan); tasks outside the plan are "Other tasks"."""
    if key == OTHER_PHASE:
        return lang.t("Other tasks")
    for tid in (template_id, DEFAULT_TEMPLATE):
        template = templates.get(tid) if tid else None
        if template is not None:
            for phase in template.phases:
                if phase.key == key:
                    return phase.name_in(lang.code)
    return key


# -- the period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates, both included; no start: from the beginning."""

    start: date | None
    end: date

    def since(self, tz: ZoneInfo) -> datetime | None:
        """The first instant of the period."""
        if self.start is None:
            return None
        return datetime.combine(self.start, time(0), tz).astimezone(UTC)

    def until(self, tz: ZoneInfo) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tz).astimezone(UTC)

    def slug(self) -> str:
        """For file names: 2027-01-01_2027-12-31 (or start_2027-12-31)."""
        return f"{self.start.isoformat() if self.start else 'start'}_{self.end.isoformat()}"


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")


def parse_date(text: str) -> date | None:
    """2027-01-31, 31-01-2027, 31/1/2027 or 31.1.2027."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


# -- figures per sponsorship -----------------------------------------------------------------


@dataclass
class PhaseTasks:
    """Tasks of one phase."""

    on_time: int = 0
    late: int = 0
    open: int = 0


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def trend(values: Sequence[int]) -> float | None:
    """Average of the later half minus average of the earlier half (None for fewer than 2)."""
    half = len(values) // 2
    if half == 0:
        return None
    return fmean(values[len(values) - half :]) - fmean(values[:half])


@dataclass
class Figures:
    """One sponsorship's numbers for a period."""

    s: Sponsorship
    created_on: date
    closed_on: date | None
    members: int
    sent: int = 0
    answered: int = 0
    newcomer_scale: list[int] = field(default_factory=list)
    group_scale: list[int] = field(default_factory=list)
    tasks: dict[str, PhaseTasks] = field(default_factory=dict)
    open_overdue: int = 0
    alerts_raised: int = 0
    alerts_handled: int = 0

    @property
    def response_rate(self) -> float | None:
        """Answered check-ins as a percentage of those sent."""
        return 100 * self.answered / self.sent if self.sent else None

    @property
    def scale_average(self) -> float | None:
        """The newcomer's average on the scale."""
        return _mean(self.newcomer_scale)

    @property
    def scale_trend(self) -> float | None:
        """Later half minus earlier half of the newcomer's answers."""
        return trend(self.newcomer_scale)

    @property
    def group_average(self) -> float | None:
        """The members' average on the scale."""
        return _mean(self.group_scale)

    def total(self) -> PhaseTasks:
        """Tasks of all phases together."""
        out = PhaseTasks()
        for t in self.tasks.values():
            out.on_time += t.on_time
            out.late += t.late
            out.open += t.open
        return out


@dataclass(frozen=True)
class Week:
    """One week of the chart, across sponsorships."""

    start: date  # the Monday
    scale: float | None  # the newcomers' average answer
    response_rate: float | None  # answered check-ins, percent of sent


@dataclass
class Report:
    """The impact report of a period."""

    period: Period
    phases: list[str]  # phase keys in plan order, "other" last
    rows: list[Figures]
    weeks: list[Week]
    checkins: list[store.SentCheckin] = field(default_factory=list)  # sent in the period
    answers: list[store.ScaleAnswer] = field(default_factory=list)  # scale answers in it

    def phase_totals(self) -> dict[str, PhaseTasks]:
        """Tasks per phase across sponsorships."""
        out = {key: PhaseTasks() for key in self.phases}
        for row in self.rows:
            for key, t in row.tasks.items():
                total = out.setdefault(key, PhaseTasks())
                total.on_time += t.on_time
                total.late += t.late
                total.open += t.open
        return out


def _local_date(when: datetime, tz: ZoneInfo) -> date:
    return when.astimezone(tz).date()


def _created(s: Sponsorship) -> datetime:
    return datetime.fromisoformat(s.created_at).astimezone(UTC)


def _phase_order(templates: Mapping[str, PlanTemplate], used: set[str]) -> list[str]:
    """The standard phases always (stable columns), phases of other plans when they have tasks,
    then the tasks outside the plan."""
    order: list[str] = [PRE_ARRIVAL, *(k for k, _ in PHASE_STARTS)]
    for template in templates.values():
        order += [p.key for p in template.phases if p.key in used and p.key not in order]
    order += sorted(used - set(order) - {OTHER_PHASE})
    return [*order, OTHER_PHASE]


async def collect(
    db: Database,
    *,
    tz: ZoneInfo,
    period: Period,
    templates: Mapping[str, PlanTemplate],
) -> Report:
    """Every sponsorship that existed during the period, with its numbers."""
    since, until = period.since(tz), period.until(tz)
    closed = await store.closed_at(db)
    members = await store.members(db)
    rows: dict[int, Figures] = {}
    for s in sorted(await sponsorships.list_all(db), key=lambda s: s.id):
        created_on = _local_date(_created(s), tz)
        closed_on = _local_date(closed[s.id], tz) if s.id in closed else None
        if created_on > period.end:
            continue
        if period.start is not None and closed_on is not None and closed_on < period.start:
            continue
        rows[s.id] = Figures(s, created_on, closed_on, members.get(s.id, 0))
    week_sent: dict[date, int] = defaultdict(int)
    week_answered: dict[date, int] = defaultdict(int)
    week_scale: dict[date, list[int]] = defaultdict(list)

    mondays: dict[datetime, date] = {}

    def monday(when: datetime) -> date:
        if when not in mondays:
            day = _local_date(when, tz)
            mondays[when] = day - timedelta(days=day.weekday())
        return mondays[when]

    checkins = await store.sent_checkins(db, since, until)
    answers = await store.scale_answers(db, since, until)
    for c in checkins:
        row = rows.get(c.sponsorship_id)
        if row is None:
            continue
        row.sent += 1
        row.answered += c.answered
        week_sent[monday(c.scheduled_at)] += 1
        week_answered[monday(c.scheduled_at)] += c.answered
    for a in answers:
        row = rows.get(a.sponsorship_id)
        if row is None:
            continue
        if a.kind == "newcomer":
            row.newcomer_scale.append(a.answer)
            week_scale[monday(a.scheduled_at)].append(a.answer)
        else:
            row.group_scale.append(a.answer)
    for alert in await store.alerts(db, since, until):
        row = rows.get(alert.sponsorship_id)
        if row is None:
            continue
        row.alerts_raised += 1
        row.alerts_handled += alert.handled_at is not None and alert.handled_at < until
    used: set[str] = set()
    for task in await store.tasks(db):
        row = rows.get(task.sponsorship_id)
        if row is None or _local_date(task.created_at, tz) > period.end:
            continue
        key = task.phase or OTHER_PHASE
        done = _local_date(task.done_at, tz) if task.done_at else None
        counts = row.tasks.setdefault(key, PhaseTasks())
        if done is not None and done <= period.end:
            if period.start is not None and done < period.start:
                continue
            if task.due_date is None or done <= task.due_date:
                counts.on_time += 1
            else:
                counts.late += 1
        else:
            counts.open += 1
            row.open_overdue += task.due_date is not None and task.due_date < period.end
        used.add(key)
    weeks = [
        Week(
            start,
            _mean(week_scale.get(start, [])),
            100 * week_answered[start] / week_sent[start] if week_sent.get(start) else None,
        )
        for start in sorted(set(week_sent) | set(week_scale))
    ]
    return Report(
        period, _phase_order(templates, used), list(rows.values()), weeks, checkins, answers
    )


# -- CSV -------------------------------------------------------------------------------------


def _number(value: float | None, digits: int, decimal: str, sign: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", decimal)


def csv_header(phases: Sequence[str]) -> list[str]:
    """The column names: fixed ones, three per phase, then the alerts."""
    per_phase = [f"{p}_{what}" for p in phases for what in ("on_time", "late", "open")]
    return [*CSV_COLUMNS, *per_phase, *ALERT_COLUMNS]


def to_csv(report: Report, *, delimiter: str = ";", decimal: str = ",") -> bytes:
    """One row per sponsorship; UTF-8 with a byte order mark so that Excel reads it right."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(csv_header(report.phases))
    for f in report.rows:
        total = f.total()
        cells: list[object] = [
            f.s.id,
            f.s.name,
            f.s.municipality,
            f.s.status,
            f.created_on.isoformat(),
            f.s.arrival_date.isoformat() if f.s.arrival_date else "",
            f.closed_on.isoformat() if f.closed_on else "",
            f.members,
            f.sent,
            f.answered,
            _number(f.response_rate, 1, decimal),
            len(f.newcomer_scale),
            _number(f.scale_average, 2, decimal),
            _number(f.scale_trend, 2, decimal, sign=True),
            _number(f.group_average, 2, decimal),
            total.on_time,
            total.late,
            total.open,
            f.open_overdue,
        ]
        for key in report.phases:
            t = f.tasks.get(key, PhaseTasks())
            cells += [t.on_time, t.late, t.open]
        cells += [f.alerts_raised, f.alerts_handled]
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


# -- PNG -------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Translated text for a chart: no HTML escapes, no direction isolates."""
    return html.unescape(text).replace(FSI, "").replace(PDI, "")


def period_text(period: Period, lang: Lang) -> str:
    """ "Jan 1, 2027 – Dec 31, 2027" or "until Dec 31, 2027"."""
    if period.start is None:
        return lang.t("until {end}", end=lang.date(period.end))
    return lang.t("{start} – {end}", start=lang.date(period.start), end=lang.date(period.end))


def to_png(report: Report, lang: Lang, templates: Mapping[str, PlanTemplate]) -> bytes:
    """The chart: the newcomers' scale and the response rate per week; tasks per phase."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=PNG_SIZE, dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1)
    fig.suptitle(
        _plain(
            lang.t("Samen Hier impact report, {period}", period=period_text(report.period, lang))
        )
    )

    top.set_title(_plain(lang.t("Scale and response rate per week")))
    if report.weeks:
        x = [w.start for w in report.weeks]
        scale = [w.scale if w.scale is not None else float("nan") for w in report.weeks]
        rate = [
            w.response_rate if w.response_rate is not None else float("nan") for w in report.weeks
        ]
        top.plot(
            x,
            scale,
            marker="o",
            color="tab:blue",
            label=_plain(lang.t("Newcomers' scale (1 difficult – 4 good)")),
        )
        top.set_ylim(0.8, 4.2)
        top.set_yticks([1, 2, 3, 4])
        top.set_ylabel(_plain(lang.t("Scale")))
        right = top.twinx()
        right.bar(
            x,
            rate,
            width=4,
            alpha=0.3,
            color="tab:green",
            label=_plain(lang.t("Check-ins answered (%)")),
        )
        right.set_ylim(0, 105)
        right.set_ylabel("%")
        top.set_zorder(right.get_zorder() + 1)  # the line in front of the bars
        top.patch.set_visible(False)
        handles = top.get_legend_handles_labels()
        more = right.get_legend_handles_labels()
        top.legend(handles[0] + more[0], handles[1] + more[1], loc="lower left", fontsize=8)
        top.tick_params(axis="x", labelrotation=30, labelsize=8)
    else:
        top.text(
            0.5,
            0.5,
            _plain(lang.t("No check-ins in this period.")),
            ha="center",
            va="center",
            transform=top.transAxes,
        )
        top.set_axis_off()

    bottom.set_title(_plain(lang.t("Tasks per phase")))
    totals = report.phase_totals()
    keys = [k for k in report.phases if k in totals]
    names = [phase_name(k, lang, templates, None) for k in keys]
    on_time = [totals[k].on_time for k in keys]
    late = [totals[k].late for k in keys]
    still_open = [totals[k].open for k in keys]
    positions = list(range(len(keys)))
    bottom.bar(positions, on_time, color="tab:green", label=_plain(lang.t("Done on time")))
    bottom.bar(
        positions, late, bottom=on_time, color="tab:orange", label=_plain(lang.t("Done late"))
    )
    bottom.bar(
        positions,
        still_open,
        bottom=[a + b for a, b in zip(on_time, late, strict=True)],
        color="tab:gray",
        label=_plain(lang.t("Open")),
    )
    bottom.set_xticks(positions, [_plain(n) for n in names], fontsize=8, rotation=15)
    bottom.set_ylabel(_plain(lang.t("Tasks")))
    bottom.legend(fontsize=8)

    buf = io.BytesIO()
    with warnings.catch_warnings():  # a missing glyph (Tigrinya) is not worth failing for
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(buf, format="png")
    return buf.getvalue()


# -- the overview ----------------------------------------------------------------------------


@dataclass
class Glance:
    """One sponsorship on the overview."""

    figures: Figures
    phase: str
    week: int | None
    last_checkin: datetime | None
    newcomer_trend: list[float | None]  # the last four newcomer check-ins, oldest first
    open_tasks: int
    overdue_tasks: int
    open_alerts: list[str]  # alert kinds


async def glance(
    db: Database, *, tz: ZoneInfo, today: date, templates: Mapping[str, PlanTemplate]
) -> list[Glance]:
    """Every sponsorship as it stands today: open ones first, then by number."""
    report = await collect(db, tz=tz, period=Period(None, today), templates=templates)
    sent: dict[int, list[store.SentCheckin]] = defaultdict(list)
    for c in report.checkins:
        sent[c.sponsorship_id].append(c)
    answers: dict[int, list[int]] = defaultdict(list)
    for a in report.answers:
        if a.kind == "newcomer":
            answers[a.occurrence_id].append(a.answer)
    alerts: dict[int, list[str]] = defaultdict(list)
    for alert in await checkin_store.open_alerts(db):
        alerts[alert.sponsorship_id].append(alert.kind)
    out = []
    for f in report.rows:
        mine = sent.get(f.s.id, [])
        newcomer = [c for c in mine if c.kind == "newcomer"][-TREND_LENGTH:]
        total = f.total()
        out.append(
            Glance(
                figures=f,
                phase=phase_on(f.s.arrival_date, today),
                week=week_since_arrival(f.s.arrival_date, today),
                last_checkin=mine[-1].scheduled_at if mine else None,
                newcomer_trend=[_mean(answers.get(c.id, [])) for c in newcomer],
                open_tasks=total.open,
                overdue_tasks=f.open_overdue,
                open_alerts=alerts.get(f.s.id, []),
            )
        )
    out.sort(key=lambda g: (g.figures.s.status == "closed", g.figures.s.id))
    return out
