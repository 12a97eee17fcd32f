"""The coordinator's desk on a seeded set of sponsorships in different phases: /overview, the
detail behind its buttons, /report (a CSV whose numbers this test recomputes on its own from the
database, and a PNG chart), /audit, and the same report from `samenhier report`."""

from __future__ import annotations

import csv
import html
import io
import random
import re
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.i18n import Lang
from bot.sandbox import Sandbox
from bot.storage import Database
from tests.helpers import Harness
from tests.scenarios import QUICK_PEOPLE, press_forged, world

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2027, 6, 15)  # a Tuesday
NOW = datetime(2027, 6, 15, 10, 0, tzinfo=AMS)
FACES = {1: "😟", 2: "😐", 3: "🙂", 4: "😀"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Seeded:
    id: int
    name: str
    municipality: str
    status: str
    arrival: date | None
    created: date
    closed: date | None = None


SPONSORSHIPS = (
    Seeded(1, "Kralingen A", "Rotterdam", "preparing", date(2027, 7, 1), date(2027, 4, 2)),
    Seeded(2, "Delfshaven B", "Rotterdam", "active", date(2027, 6, 10), date(2027, 3, 1)),
    Seeded(3, "Noord & C", "Rotterdam", "active", date(2027, 5, 1), date(2027, 2, 15)),
    Seeded(4, "Schiedam D", "Schiedam", "paused", date(2027, 1, 10), date(2026, 11, 20)),
    Seeded(
        5,
        "Vlaardingen E",
        "Vlaardingen",
        "closed",
        date(2026, 6, 1),
        date(2026, 4, 1),
        closed=date(2027, 6, 5),
    ),
    Seeded(6, "Capelle F", "Capelle aan den IJssel", "preparing", None, date(2027, 6, 2)),
)


def iso(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


async def seed(db: Database, templates: Any, coordinator: int = 1) -> None:
    """Sponsorships with members, weekly check-ins and answers, plan tasks done on time, late or
    not at all, and alerts, from a fixed random seed."""
    rng = random.Random(7)
    template = templates["standard"]
    person = 1000
    occurrence = 0
    async with db.transaction() as conn:
        for s in SPONSORSHIPS:
            await conn.execute(
                "INSERT INTO sponsorships (id, name, municipality, newcomer_language, "
                "arrival_date, status, chat_id, chat_ready, created_by, created_at, template_id) "
                "VALUES (?, ?, ?, 'ar', ?, ?, ?, 1, ?, ?, 'standard')",
                (
                    s.id,
                    s.name,
                    s.municipality,
                    s.arrival.isoformat() if s.arrival else None,
                    s.status,
                    -900 - s.id,
                    coordinator,
                    iso(s.created),
                ),
            )
            if s.closed:
                await conn.execute(
                    "INSERT INTO audit (at, actor_id, action, sponsorship_id) "
                    "VALUES (?, ?, 'status_closed', ?)",
                    (iso(s.closed), coordinator, s.id),
                )
            members = []
            for i in range(rng.randint(2, 4) if s.id != 6 else 0):
                person += 1
                members.append(person)
                await conn.execute(
                    "INSERT INTO people (id, first_name, language, consent_at, created_at, "
                    "updated_at) VALUES (?, ?, 'nl', ?, ?, ?)",
                    (person, f"M{s.id}{i}", iso(s.created), iso(s.created), iso(s.created)),
                )
                await conn.execute(
                    "INSERT INTO participants (sponsorship_id, person_id, kind, roles, "
                    "consent_at, in_chat, removed_at) VALUES (?, ?, 'member', 'buddy', ?, 1, ?)",
                    (s.id, person, iso(s.created), iso(s.created) if i == 3 else None),
                )
            person += 1
            newcomer = person
            await conn.execute(
                "INSERT INTO people (id, first_name, language, consent_at, created_at, "
                "updated_at) VALUES (?, 'Newcomer', 'ar', ?, ?, ?)",
                (newcomer, iso(s.created), iso(s.created), iso(s.created)),
            )
            await conn.execute(
                "INSERT INTO participants (sponsorship_id, person_id, kind, consent_at, in_chat) "
                "VALUES (?, ?, 'newcomer', ?, 1)",
                (s.id, newcomer, iso(s.created)),
            )
            if s.arrival is None:
                continue
            # Weekly check-ins on Tuesdays from the arrival until today (or the closing).
            last = min(TODAY - timedelta(days=1), s.closed or TODAY)
            day = s.arrival + timedelta(days=(1 - s.arrival.weekday()) % 7)
            while day <= last:
                for kind in ("group", "newcomer"):
                    occurrence += 1
                    status = rng.choice(["closed"] * 8 + ["missed", "skipped"])
                    await conn.execute(
                        "INSERT INTO checkin_occurrences (id, sponsorship_id, kind, scheduled_at, "
                        "status, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (occurrence, s.id, kind, iso(day, 17), status, iso(day, 17)),
                    )
                    if status != "closed":
                        continue
                    people = members if kind == "group" else [newcomer]
                    for who in people:
                        if rng.random() < 0.3:
                            continue
                        answer = (
                            rng.choice([None, 0, 1, 2, 3, 4, 4, 3])
                            if kind == "group"
                            else (rng.choice([None, 1, 2, 3, 4, 4, 3]))
                        )
                        talk = kind == "newcomer" and rng.random() < 0.1
                        if answer is None and not talk:
                            await conn.execute(  # a note only: not an answer
                                "INSERT INTO checkin_responses (occurrence_id, person_id, note, "
                                "answered_at) VALUES (?, ?, 'note', ?)",
                                (occurrence, who, iso(day, 18)),
                            )
                            continue
                        await conn.execute(
                            "INSERT INTO checkin_responses (occurrence_id, person_id, answer, "
                            "wants_talk, answered_at) VALUES (?, ?, ?, ?, ?)",
                            (occurrence, who, answer, int(talk), iso(day, 18)),
                        )
                    if rng.random() < 0.25:
                        handled = iso(day + timedelta(days=rng.randint(1, 9)), 9)
                        await conn.execute(
                            "INSERT INTO checkin_alerts (sponsorship_id, occurrence_id, kind, "
                            "person_id, raised_at, handled_at, handled_by) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                s.id,
                                occurrence,
                                "talk" if kind == "newcomer" else "group_attention",
                                newcomer if kind == "newcomer" else members[0],
                                iso(day, 19),
                                handled if rng.random() < 0.6 else None,
                                1,
                            ),
                        )
                day += timedelta(days=7)
            # The plan: due dates from the arrival; done on time, late, or still open.
            for t in template.tasks:
                due = s.arrival + timedelta(days=t.due_days)
                done_on: date | None = None
                if due < TODAY and rng.random() < 0.75:
                    done_on = min(due + timedelta(days=rng.randint(-6, 12)), TODAY - timedelta(1))
                await conn.execute(
                    "INSERT INTO tasks (sponsorship_id, template_key, phase, owner_role, "
                    "due_date, due_days, status, done_at, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        s.id,
                        t.key,
                        t.phase,
                        t.owner,
                        due.isoformat(),
                        t.due_days,
                        "done" if done_on else "open",
                        iso(done_on, 10) if done_on else None,
                        iso(s.created),
                    ),
                )
            await conn.execute(
                "INSERT INTO tasks (sponsorship_id, title, owner_role, due_date, status, "
                "created_at) VALUES (?, 'Bike repair', 'buddy', ?, 'open', ?)",
                (s.id, (s.arrival + timedelta(days=20)).isoformat(), iso(s.created)),
            )


async def q(bot: Harness, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await bot.services.db.fetchall(sql, params)]


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# -- the numbers, recomputed here with SQL of our own ----------------------------------------


def half_trend(values: list[int]) -> float | None:
    h = len(values) // 2
    return fmean(values[-h:]) - fmean(values[:h]) if h else None


def number(value: float | None, digits: int, sign: bool = False) -> str:
    if value is None:
        return ""
    return (f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}").replace(".", ",")


async def expected_rows(bot: Harness, start: date | None, end: date) -> list[dict[str, str]]:
    """The CSV, as this test computes it from the database."""
    lo, hi = (start or date(1, 1, 1)).isoformat(), end.isoformat()
    phases = [
        "pre_arrival",
        "arrival_week",
        "first_month",
        "months_2_3",
        "months_4_12",
        "hand_over",
        "other",
    ]
    rows = []
    for s in SPONSORSHIPS:
        if s.created > end or (s.closed and start and s.closed < start):
            continue
        in_range = "substr(o.scheduled_at, 1, 10) BETWEEN ? AND ?"
        [(sent,)] = await q(
            bot,
            "SELECT count(*) FROM checkin_occurrences o WHERE "
            f"sponsorship_id = ? AND status IN ('open', 'closed') AND {in_range}",
            s.id,
            lo,
            hi,
        )
        [(answered,)] = await q(
            bot,
            "SELECT count(DISTINCT o.id) FROM checkin_occurrences o JOIN checkin_responses r "
            "ON r.occurrence_id = o.id WHERE o.sponsorship_id = ? AND o.status IN ('open', "
            f"'closed') AND (r.answer IS NOT NULL OR r.wants_talk = 1) AND {in_range}",
            s.id,
            lo,
            hi,
        )
        scale = [
            a
            for (a,) in await q(
                bot,
                "SELECT r.answer FROM checkin_responses r JOIN checkin_occurrences o ON "
                "o.id = r.occurrence_id WHERE o.sponsorship_id = ? AND o.kind = 'newcomer' AND "
                f"r.answer >= 1 AND {in_range} ORDER BY o.scheduled_at",
                s.id,
                lo,
                hi,
            )
        ]
        group = [
            a
            for (a,) in await q(
                bot,
                "SELECT r.answer FROM checkin_responses r JOIN checkin_occurrences o ON "
                "o.id = r.occurrence_id WHERE o.sponsorship_id = ? AND o.kind = 'group' AND "
                f"r.answer >= 1 AND {in_range}",
                s.id,
                lo,
                hi,
            )
        ]
        [(members,)] = await q(
            bot,
            "SELECT count(*) FROM participants WHERE sponsorship_id = ? "
            "AND kind = 'member' AND removed_at IS NULL",
            s.id,
        )
        done_in = "status = 'done' AND substr(done_at, 1, 10) BETWEEN ? AND ?"
        per_phase: dict[str, tuple[int, int, int]] = {}
        for phase in phases:
            match = "phase IS NULL" if phase == "other" else "phase = ?"
            args: tuple[object, ...] = () if phase == "other" else (phase,)
            [(on_time, late, still)] = await q(
                bot,
                f"SELECT sum({done_in} AND (due_date IS NULL OR substr(done_at, 1, 10) <= "
                f"due_date)), sum({done_in} AND substr(done_at, 1, 10) > due_date), "
                "sum(status = 'open' OR substr(done_at, 1, 10) > ?) FROM tasks "
                f"WHERE sponsorship_id = ? AND {match}",
                lo,
                hi,
                lo,
                hi,
                hi,
                s.id,
                *args,
            )
            per_phase[phase] = (on_time or 0, late or 0, still or 0)
        [(overdue,)] = await q(
            bot,
            "SELECT count(*) FROM tasks WHERE sponsorship_id = ? AND "
            "(status = 'open' OR substr(done_at, 1, 10) > ?) AND due_date < ?",
            s.id,
            hi,
            hi,
        )
        [(raised, handled)] = await q(
            bot,
            "SELECT count(*), count(*) FILTER (WHERE substr(handled_at, 1, 10) <= ?) FROM "
            "checkin_alerts WHERE sponsorship_id = ? AND substr(raised_at, 1, 10) BETWEEN ? AND ?",
            hi,
            s.id,
            lo,
            hi,
        )
        row = {
            "sponsorship_id": str(s.id),
            "name": s.name,
            "municipality": s.municipality,
            "status": s.status,
            "created": s.created.isoformat(),
            "arrival": s.arrival.isoformat() if s.arrival else "",
            "closed": s.closed.isoformat() if s.closed else "",
            "members": str(members),
            "checkins_sent": str(sent),
            "checkins_answered": str(answered),
            "response_rate_percent": number(100 * answered / sent if sent else None, 1),
            "newcomer_scale_answers": str(len(scale)),
            "newcomer_scale_average": number(fmean(scale) if scale else None, 2),
            "newcomer_scale_trend": number(half_trend(scale), 2, sign=True),
            "group_scale_average": number(fmean(group) if group else None, 2),
            "tasks_done_on_time": str(sum(v[0] for v in per_phase.values())),
            "tasks_done_late": str(sum(v[1] for v in per_phase.values())),
            "tasks_open": str(sum(v[2] for v in per_phase.values())),
            "tasks_open_overdue": str(overdue),
        }
        for phase in phases:
            for i, what in enumerate(("on_time", "late", "open")):
                row[f"{phase}_{what}"] = str(per_phase[phase][i])
        row["alerts_raised"], row["alerts_handled"] = str(raised), str(handled)
        rows.append(row)
    return rows


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == PNG_MAGIC and content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)


# -- the overview ----------------------------------------------------------------------------


async def expected_block(bot: Harness, en: Lang, s: Seeded, phase_line: str) -> list[str]:
    lines = [f"{s.id}. {s.name} – {s.municipality} – {en.t(s.status)}", phase_line]
    sent = await q(
        bot,
        "SELECT o.id, o.kind, o.scheduled_at, EXISTS (SELECT 1 FROM "
        "checkin_responses r WHERE r.occurrence_id = o.id AND (r.answer IS NOT NULL OR "
        "r.wants_talk)) FROM checkin_occurrences o WHERE o.sponsorship_id = ? AND "
        "o.status IN ('open', 'closed') ORDER BY o.scheduled_at, o.id",
        s.id,
    )
    if not sent:
        lines.append(en.t("No check-ins yet."))
    else:
        answered = sum(1 for r in sent if r[3])
        lines.append(
            en.t(
                "Last check-in: {date}; answered {answered} of {sent} ({rate}%)",
                date=en.date(datetime.fromisoformat(sent[-1][2])),
                answered=answered,
                sent=len(sent),
                rate=round(100 * answered / len(sent)),
            )
        )
        faces = []
        for occurrence_id, kind, _, _ in sent:
            if kind == "newcomer":
                answer = await q(
                    bot,
                    "SELECT answer FROM checkin_responses WHERE occurrence_id = ? AND answer >= 1",
                    occurrence_id,
                )
                faces.append(FACES[answer[0][0]] if answer else "–")
        if any(f != "–" for f in faces[-4:]):
            lines.append(en.t("Trend, newcomer: {trend}", trend=" → ".join(faces[-4:])))
    [(still, overdue)] = await q(
        bot,
        "SELECT count(*), sum(due_date < ?) FROM tasks WHERE "
        "sponsorship_id = ? AND status = 'open'",
        TODAY.isoformat(),
        s.id,
    )
    lines.append(en.t("Tasks: {open} open, {overdue} overdue", open=still, overdue=overdue or 0))
    kinds = [
        k
        for (k,) in await q(
            bot,
            "SELECT kind FROM checkin_alerts WHERE sponsorship_id = ? "
            "AND handled_at IS NULL ORDER BY id",
            s.id,
        )
    ]
    if kinds:
        labels = {"talk": "wants to talk", "group_attention": "something needs attention"}
        counted = {k: kinds.count(k) for k in kinds}
        shown = ", ".join(en.t(labels[k]) + (f" ×{n}" if n > 1 else "") for k, n in counted.items())
        lines.append("⚠️ " + en.t("Open alerts: {alerts}", alerts=shown))
    return lines


async def test_overview_detail_report_and_audit_of_seeded_sponsorships(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox, clock=FakeClock(NOW)) as (bot, carla):
        await seed(bot.services.db, bot.services.templates, carla.id)
        en = bot.services.i18n.get("en")

        await carla.send("/overview")
        overview = carla.last()
        blocks = overview.text.split("\n\n")
        assert blocks[0] == "Overview"
        phases = {
            1: "Before arrival, arrival on Jul 1, 2027",
            2: "Arrival week, week 1 since arrival",
            3: "Months 2 and 3, week 7 since arrival",
            4: "Months 4 to 12, week 23 since arrival",
            5: "Hand-over, week 55 since arrival",
            6: "Before arrival, arrival not yet known",
        }
        order = [1, 2, 3, 4, 6, 5]  # open ones by number, the closed one last
        assert len(blocks) == 1 + len(order)
        for block, sid in zip(blocks[1:], order, strict=True):
            s = SPONSORSHIPS[sid - 1]
            assert block.split("\n") == await expected_block(bot, en, s, phases[sid]), sid
        assert overview.buttons == [
            ["1. Kralingen A", "2. Delfshaven B"],
            ["3. Noord & C", "4. Schiedam D"],
            ["6. Capelle F", "5. Vlaardingen E"],
        ]

        # A button opens the detail: members, last check-ins, tasks by phase, alerts, audit.
        await carla.press(overview, "3. Noord & C")
        card = carla.last().text
        assert "Sponsorship 3: Noord & C" in card
        sections = {block.split("\n")[0]: block.split("\n")[1:] for block in card.split("\n\n")}
        last = await q(
            bot,
            "SELECT id, scheduled_at, status FROM checkin_occurrences WHERE "
            "sponsorship_id = 3 AND kind = 'group' ORDER BY scheduled_at DESC LIMIT 3",
        )
        [(members,)] = await q(
            bot,
            "SELECT count(*) FROM participants WHERE sponsorship_id = 3 "
            "AND kind = 'member' AND removed_at IS NULL",
        )
        group_lines = []
        for occurrence_id, at, status in last:
            if status == "missed":
                what = en.t("missed while I was offline")
            elif status == "skipped":
                what = en.t("not sent")
            else:
                [(n,)] = await q(
                    bot,
                    "SELECT count(answer) FROM checkin_responses WHERE occurrence_id = ?",
                    occurrence_id,
                )
                what = en.t("{answered} of {members} answered", answered=n, members=members)
            group_lines.append(
                en.t(
                    "• {date}, {who}: {what}",
                    date=en.date(datetime.fromisoformat(at)),
                    who=en.t("group"),
                    what=what,
                )
            )
        assert sections["Last check-ins"][:3] == group_lines
        assert len(sections["Last check-ins"]) == 6
        by_phase = sections["Tasks by phase"]
        [(done, still, late)] = await q(
            bot,
            "SELECT sum(status = 'done'), sum(status = 'open'), sum(status = 'open' AND "
            "due_date < ?) FROM tasks WHERE sponsorship_id = 3 AND phase = 'first_month'",
            TODAY.isoformat(),
        )
        assert (
            en.t(
                "• {phase}: {done} done, {open} open, {overdue} overdue",
                phase="First month",
                done=done,
                open=still,
                overdue=late,
            )
            in by_phase
        )
        assert by_phase[-1] == en.t(
            "• {phase}: {done} done, {open} open, {overdue} overdue",
            phase="Other tasks",
            done=0,
            open=1,
            overdue=1,
        )
        assert "Alerts" in sections and "Audit trail (newest first)" in sections

        # /report with a period: a CSV whose numbers match the database, and a chart.
        await carla.send("/report 2027-02-01 31-05-2027")
        csv_message, chart = carla.inbox()[-2:]
        assert csv_message.document is not None and chart.document is not None
        assert csv_message.document["file_name"] == "samenhier-report_2027-02-01_2027-05-31.csv"
        assert csv_message.text == en.t(
            "Impact report, {period}: one row per sponsorship ({n}).",
            period=en.t("{start} – {end}", start="Feb 1, 2027", end="May 31, 2027"),
            n=5,
        )
        rows = read_csv(csv_message.document["content"])
        assert rows == await expected_rows(bot, date(2027, 2, 1), date(2027, 5, 31))
        assert [r["sponsorship_id"] for r in rows] == ["1", "2", "3", "4", "5"]  # 6: later
        assert sum(int(r["checkins_sent"]) for r in rows) > 20
        assert {r["tasks_done_late"] for r in rows} != {"0"}
        assert chart.document["file_name"] == "samenhier-report_2027-02-01_2027-05-31.png"
        width, height = png_size(chart.document["content"])
        assert (width, height) == (1000, 800)
        assert len(chart.document["content"]) > 20_000  # there is a drawing on it

        # Without dates: everything until today, every sponsorship.
        await carla.send("/report")
        everything = read_csv(carla.inbox()[-2].document["content"])  # type: ignore[index]
        assert everything == await expected_rows(bot, None, TODAY)
        assert len(everything) == 6

        await carla.send("/report 2027-05-31 2027-02-01")
        assert carla.last().text == en.t(
            "Send /report for everything until today, or add dates: /report 2027-01-01 "
            "2027-12-31 (from and to, both included)."
        )

        # /audit: who did what, newest first.
        await carla.send("/audit 5")
        assert carla.last().text.split("\n") == [
            "Audit trail of Vlaardingen E (newest first)",
            en.t(
                "{when} – {who}: {what}",
                when=en.datetime(datetime(2027, 6, 5, 12, tzinfo=UTC), "short"),
                who=en.t("you"),
                what=en.t("status: {status}", status=en.t("closed")),
            ),
        ]
        await carla.send("/audit")
        assert carla.last().text.split("\n")[0] == "Audit trail (newest first)"
        assert any(line.endswith("status: closed (#5)") for line in carla.last().text.split("\n"))

        # Someone who is not a coordinator gets nothing of it.
        eve = sandbox.user("Eve", language_code="en")
        for command in ("/overview", "/report", "/audit", "/broadcast hi", "/close 2"):
            await eve.send(command)
            assert eve.last().text == "Sorry, only coordinators can do this.", command
        await press_forged(eve, "ov:page:1")
        assert sandbox.last_callback().text == "Sorry, only coordinators can do this."


async def test_the_overview_pages(tmp_path: Path) -> None:
    async with world(tmp_path, clock=FakeClock(NOW)) as (bot, carla):
        async with bot.services.db.transaction() as conn:
            for i in range(1, 20):
                await conn.execute(
                    "INSERT INTO sponsorships (id, name, municipality, newcomer_language, "
                    "created_by, created_at) VALUES (?, ?, 'Rotterdam', 'ar', 1, ?)",
                    (i, f"Group {i}", iso(date(2027, 1, 1))),
                )
        await carla.send("/overview")
        first = carla.last()
        assert first.text.startswith("Overview (page 1 of 3)")
        assert first.buttons[-1] == ["Next ▶"]
        await carla.press(first, "Next ▶")
        second = carla.last()
        assert second.message_id == first.message_id  # the same message, edited
        assert second.text.startswith("Overview (page 2 of 3)")
        assert "9. Group 9 – Rotterdam – preparing" in second.text
        assert second.buttons[-1] == ["◀ Previous", "Next ▶"]
        await carla.press(second, "Next ▶")
        assert carla.last().text.startswith("Overview (page 3 of 3)")
        assert carla.last().buttons == [
            ["17. Group 17", "18. Group 18"],
            ["19. Group 19"],
            ["◀ Previous"],
        ]


def test_samenhier_report_writes_both_files(tmp_path: Path) -> None:
    import asyncio

    from bot.cli import main
    from bot.plans import load_all

    async def prepare() -> None:
        db = await Database.open(tmp_path / "bot.db")
        try:
            await seed(db, load_all())
        finally:
            await db.close()

    asyncio.run(prepare())
    config = tmp_path / "config.toml"
    config.write_text(
        '[telegram]\ntoken = "123456789:SANDBOXsandboxSANDBOXsandbox000"\n'
        '[database]\npath = "bot.db"\n[report]\ncsv_delimiter = ","\ndecimal_separator = "."\n'
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "report",
                "-c",
                str(config),
                "--out",
                str(out),
                "--from",
                "2027-02-01",
                "--to",
                "2027-05-31",
                "--lang",
                "nl",
            ]
        )
        == 0
    )
    data = (out / "samenhier-report_2027-02-01_2027-05-31.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=","))
    assert [r["sponsorship_id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert all("," not in r["newcomer_scale_average"] for r in rows)
    png = (out / "samenhier-report_2027-02-01_2027-05-31.png").read_bytes()
    assert png_size(png) == (1000, 800)
    assert main(["report", "-c", str(config), "--out", str(out), "--from", "yesterday"]) == 1
