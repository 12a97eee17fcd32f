"""Throughput, latency, start-up and growth: the real bot next to a bare python-telegram-bot
echo bot, on the same HTTP sandbox, in the same run.

    python -m bench throughput|latency|startup|growth [--sponsorships N] [--updates N] [--no-write]

A world is a fresh database with N sponsorships (ten plan tasks each, five people, a linked
shared chat, check-in schedules and a month of check-in history), written with executemany,
and a sandbox that knows the people and chats of `ACTIVE` of those sponsorships. The real bot is
`python -m bot run` in its own process; the echo bot is `python -m bench.echo` (see its
docstring). Both poll the same loopback HTTP sandbox, which runs in this process.

The stream is a mix of what people do (`MIX`): private commands, button presses on messages the
bot really sent, plain messages in the shared chats (automatic translation is off, so the bot
reads them and says nothing) and /task_add. "Answered" is the bot's reply reaching the sandbox:
sendMessage to the chat for a message, answerCallbackQuery for a press. Updates are handled one
at a time (PTB's default), so when the last update is answered every earlier one was handled.

Throughput keeps `DEPTH` updates queued in the sandbox and counts updates a second until the last
one is answered. Latency sends the five commands one at a time and measures from the moment the
update is queued in the sandbox to the moment the answer arrives there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import scheduling
from bot.sandbox import FloodLimits, Sandbox, SandboxServer, SimMessage, SimUser
from bot.sandbox.models import ADMIN_RIGHTS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TIMEZONE = "Europe/Amsterdam"
ACTIVE = 100  # sponsorships whose people take part in the stream (spread over the database)
TASKS_PER_SPONSORSHIP = 10
DEPTH = 200  # updates kept queued in the sandbox during the throughput run
WARM_UP = 300  # updates before anything is measured (first imports, caches, connections)
DEPLOYED_WARM_UP = 100
PACE = 1 / 20  # seconds between commands in the latency run of the bot as deployed
ROUNDS = 4  # the real bot and the echo bot take turns, this many times each
NEWCOMER_LANGUAGES = ("ar", "ti", "fa_AF", "so", "uk", "tr")
MEMBER_NAMES = ("Sanne", "Daan", "Fleur", "Joost")
MEMBER_ROLES = ("contact,buddy", "housing", "money,health", "language,other")
MUNICIPALITIES = ("Rotterdam", "Schiedam", "Vlaardingen", "Capelle aan den IJssel", "Delft")
HISTORY = timedelta(days=35)  # check-ins recorded in the database (the scheduler's lookback)

# What people do, by weight. The five commands are the ones the latency figures are about.
COMMANDS = ("tasks", "start", "help", "task_add", "language")
MIX: dict[str, float] = {
    "tasks": 16,
    "start": 8,
    "help": 8,
    "task_add": 6,
    "language": 5,
    "press": 37,
    "group": 20,
}
# /task_add texts: verb, thing and place, so that hardly two are the same.
TASK_VERBS = ("Bel", "Regel", "Zoek", "Vraag naar", "Breng", "Haal", "Check", "Plan")
TASK_THINGS = (
    "de huurtoeslag",
    "een fiets",
    "de tandarts",
    "winterjassen",
    "het zwemdiploma",
    "de energierekening",
    "een laptop",
    "de bibliotheekpas",
    "het inburgeringsexamen",
    "de zorgverzekering",
)
TASK_PLACES = ("", "bij de gemeente", "in de wijk", "voor de kinderen", "met Sanne", "online")
DUE_TEXTS = ("", "", "morgen", "vrijdag", "in 3 dagen", "volgende week")
GROUP_TEXTS = (
    "Zullen we zaterdag samen naar de markt gaan?",
    "Ik heb de brief van de gemeente bekeken, komt goed.",
    "Wie kan donderdag mee naar de huisarts?",
    "Dank jullie wel voor gisteren!",
)
# Which button on a message a person presses, by callback-data prefix.
PRESS_WEIGHTS = {
    "task:open:": 6.0,
    "task:list:": 2.0,
    "task:take:": 1.0,
    "task:later:": 1.0,
    "task:done:": 0.5,
    "task:help:": 0.3,
    "lang:": 1.0,
    "echo:": 1.0,
}


# -- the world -----------------------------------------------------------------------------------


@dataclass
class Person:
    """Someone in the stream: a sandbox user, their sponsorship's chat and their language."""

    user: SimUser
    chat_id: int  # the shared chat of their sponsorship
    language: str
    members: tuple[str, ...]  # first names in their sponsorship (for /task_add @name)


@dataclass
class Stage:
    """A sandbox on loopback with the stream's people and chats; each bot gets its own copy."""

    sandbox: Sandbox
    server: SandboxServer
    people: list[Person]
    coordinator: int


@dataclass
class World:
    """A seeded database and identical sandboxes around it (same ids in each)."""

    stages: list[Stage]
    tmp: Path
    db_path: Path
    sponsorships: int
    tasks: int
    seed_seconds: float

    @property
    def people(self) -> list[Person]:
        return self.stages[0].people

    def config(self, stage: Stage) -> Path:
        """A configuration for the real bot on this stage's sandbox."""
        path = self.tmp / f"config-{stage.server.port}.toml"
        if not path.exists():
            path.write_text(_config_text(stage, self.db_path))
        return path


def _active_ids(n: int) -> list[int]:
    count = min(ACTIVE, n)
    step = n // count
    return [1 + k * step for k in range(count)]


def seed_database(
    db_path: Path, n: int, active: dict[int, tuple[int, list[tuple[int, str, str]]]], now: datetime
) -> int:
    """Write `n` sponsorships straight into a migrated database; returns the number of tasks.

    `active` maps a sponsorship id to its sandbox chat id and its people (id, first name,
    language), the newcomer first."""
    from bot.plans import load_all
    from bot.storage.checkins import iso

    template = load_all()["standard"]
    today = now.astimezone(datetime.now().astimezone().tzinfo).date()
    tomorrow = today + timedelta(days=1)
    stamp = now.isoformat(timespec="seconds")
    sponsorships, people, participants, tasks, schedules, history = [], [], [], [], [], []
    tz = ZoneInfo(TIMEZONE)
    # Check-ins at a local time twelve hours from now: none falls due while the benchmark runs.
    at = (now.astimezone(tz) + timedelta(hours=12)).strftime("%H:00")
    for sid in range(1, n + 1):
        language = NEWCOMER_LANGUAGES[sid % len(NEWCOMER_LANGUAGES)]
        status = "active"
        if sid not in active:
            status = ("preparing", "paused", "closed", *("active",) * 17)[sid % 20]
        arrival = None if status == "preparing" else today - timedelta(days=sid % 300)
        chat_id, crowd = active.get(sid, (-(1_009_000_000_000 + sid), []))
        if not crowd:
            base = 1_000_000_000 + sid * 5
            crowd = [(base, f"Nour{sid}", language)] + [
                (base + j + 1, name, "en" if (sid + j) % 4 == 0 else "nl")
                for j, name in enumerate(MEMBER_NAMES)
            ]
        sponsorships.append(
            (
                sid,
                f"Gezin {sid:05d}",
                MUNICIPALITIES[sid % len(MUNICIPALITIES)],
                language,
                arrival.isoformat() if arrival else None,
                status,
                chat_id,
                1,
                f"https://t.me/+seed{sid}",
                1,
                stamp,
                "standard",
            )
        )
        for j, (pid, name, lang) in enumerate(crowd):
            people.append((pid, name, lang, stamp, stamp, stamp))
            kind = "newcomer" if j == 0 else "member"
            roles = "" if j == 0 else MEMBER_ROLES[(j - 1) % len(MEMBER_ROLES)]
            participants.append((sid, pid, kind, roles, stamp, 1))
        for k in range(TASKS_PER_SPONSORSHIP):
            t = template.tasks[(sid + k * 3) % len(template.tasks)]
            due = arrival + timedelta(days=t.due_days) if arrival else None
            if due == tomorrow:  # no day-before reminders go out during the benchmark
                due = due + timedelta(days=1)
            done = due is not None and due < today - timedelta(days=14)
            owner = crowd[1 + k % 4][0] if k % 3 == 0 else None
            tasks.append(
                (
                    sid,
                    t.key,
                    t.phase,
                    t.owner,
                    owner,
                    due.isoformat() if due else None,
                    t.due_days,
                    "done" if done else "open",
                    stamp if done else None,
                    owner if done else None,
                    stamp,
                )
            )
        created = now - timedelta(days=sid % 300 + 60)
        for kind in ("group", "newcomer"):
            weekday = (sid + (kind == "newcomer")) % 7
            schedules.append((sid, kind, weekday, at, int(status == "active"), iso(created), stamp))
            if status == "active":  # what the bot recorded over the last weeks
                rule = scheduling.Rule(weekday, scheduling.parse_time(at), "auto")
                schedule = scheduling.Schedule(sid, kind, rule, created, False, arrival)
                for when in scheduling.occurrences(schedule, tz, now - HISTORY, now):
                    history.append((sid, kind, iso(when), iso(when), iso(when)))
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executemany(
            "INSERT INTO sponsorships (id, name, municipality, newcomer_language, arrival_date, "
            "status, chat_id, chat_ready, chat_invite_link, created_by, created_at, template_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sponsorships,
        )
        conn.executemany(
            "INSERT INTO people (id, first_name, language, consent_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            people,
        )
        conn.executemany(
            "INSERT INTO participants (sponsorship_id, person_id, kind, roles, consent_at, "
            "in_chat) VALUES (?, ?, ?, ?, ?, ?)",
            participants,
        )
        conn.executemany(
            "INSERT INTO tasks (sponsorship_id, template_key, phase, owner_role, owner_id, "
            "due_date, due_days, status, done_at, done_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tasks,
        )
        conn.executemany(
            "INSERT INTO checkin_schedules (sponsorship_id, kind, weekday, local_time, rhythm, "
            "paused, active, starts_at, updated_at) VALUES (?, ?, ?, ?, 'auto', 0, ?, ?, ?)",
            schedules,
        )
        conn.executemany(
            "INSERT INTO checkin_occurrences (sponsorship_id, kind, scheduled_at, status, "
            "started_at, closed_at) VALUES (?, ?, ?, 'closed', ?, ?)",
            history,
        )
    conn.close()
    return len(tasks)


def _config_text(stage: Stage, db_path: Path) -> str:
    return (
        f'[telegram]\ntoken = "{stage.sandbox.token}"\n'
        f'base_url = "{stage.server.base_url.removesuffix("/bot")}"\n'
        f'[database]\npath = "{db_path}"\n'
        f'[schedule]\ntimezone = "{TIMEZONE}"\n'
        f"[coordinators]\ntelegram_ids = [{stage.coordinator}]\n"
        '[logging]\nlevel = "WARNING"\n'
    )


Crowds = dict[int, tuple[int, list[tuple[int, str, str]]]]


def _populate(sandbox: Sandbox, n: int) -> tuple[list[Person], Crowds, int]:
    """The people and shared chats of the ACTIVE sponsorships, and a coordinator; the same ids
    every time for the same `n` (a sandbox numbers its users and chats from 1)."""
    rng = random.Random(n)
    rights = dict.fromkeys(ADMIN_RIGHTS, True)
    rights["is_anonymous"] = False
    crowds: Crowds = {}
    people: list[Person] = []
    for sid in _active_ids(n):
        language = NEWCOMER_LANGUAGES[sid % len(NEWCOMER_LANGUAGES)]
        newcomer = sandbox.user("Nour", language_code=language.split("_")[0])
        members = [
            sandbox.user(name, language_code=rng.choice(("nl", "nl", "en")))
            for name in MEMBER_NAMES
        ]
        chat = sandbox.add_group(f"Samen {sid}", members[0].id, [newcomer.id])
        for m in members[1:]:
            chat.members[m.id] = "member"
        sandbox.set_status(
            chat, sandbox.bot_id, "administrator", actor=members[0].id, rights=rights, spawn=False
        )
        crowd = [(newcomer.id, "Nour", language)] + [
            (m.id, m.first_name, "en" if m.language_code == "en" else "nl") for m in members
        ]
        crowds[sid] = (chat.id, crowd)
        names = tuple(name for _, name, _ in crowd)
        for sim, (_, _, lang) in zip([newcomer, *members], crowd, strict=True):
            sandbox.private_chat(sim.id).started = True
            people.append(Person(sim, chat.id, lang, names))
    coordinator = sandbox.user("Coco", language_code="nl")
    sandbox.private_chat(coordinator.id).started = True
    sandbox.drop_pending_updates()
    return people, crowds, coordinator.id


@contextlib.asynccontextmanager
async def world(n: int, stages: int = 1) -> AsyncIterator[World]:
    """A database with `n` sponsorships and `stages` identical sandboxes served on loopback
    (flood limits off: this measures the bots, not Telegram's pacing)."""
    from bot.storage import Database

    started = time.perf_counter()
    made: list[Stage] = []
    crowds: Crowds = {}
    try:
        for _ in range(stages):
            sandbox = Sandbox(limits=FloodLimits(enabled=False))
            server = SandboxServer(sandbox)
            await server.start()
            people, crowds, coordinator = _populate(sandbox, n)
            made.append(Stage(sandbox, server, people, coordinator))
        assert all(
            [p.user.id for p in st.people] == [p.user.id for p in made[0].people] for st in made
        )
        with tempfile.TemporaryDirectory(prefix="samenhier-load-") as tmp:
            db_path = Path(tmp) / "bench.db"
            db = await Database.open(db_path)
            await db.close()
            now = datetime.now(UTC).replace(microsecond=0)
            tasks = await asyncio.to_thread(seed_database, db_path, n, crowds, now)
            yield World(made, Path(tmp), db_path, n, tasks, time.perf_counter() - started)
    finally:
        for stage in made:
            await stage.server.stop()
            await stage.sandbox.aclose()


# -- watching the sandbox -------------------------------------------------------------------------


@dataclass
class Sent:
    """One update we queued, and when its answer arrived."""

    kind: str
    chat_id: int
    queued: float
    index: int = 0  # position in the stream
    query_id: str | None = None
    message: tuple[int, int] | None = None  # (chat, message id) a press was made on
    answered: float | None = None
    future: asyncio.Future[float] | None = None

    def done(self, at: float) -> None:
        self.answered = at
        if self.future is not None and not self.future.done():
            self.future.set_result(at)


class Watcher:
    """Wraps Sandbox.call: matches the bot's answers to the updates we queued."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.by_chat: dict[int, deque[Sent]] = {}
        self.by_query: dict[str, Sent] = {}
        self.busy: set[tuple[int, int]] = set()  # messages with a press not yet edited
        self.first_poll: float | None = None
        self.errors: Counter[str] = Counter()
        self.processed = 0  # updates handled: one after the last answered (one at a time)
        self._original = sandbox.call
        sandbox.call = self.call  # type: ignore[method-assign]

    def close(self) -> None:
        self.sandbox.call = self._original  # type: ignore[method-assign]

    def expect(self, sent: Sent) -> None:
        if sent.query_id is not None:
            self.by_query[sent.query_id] = sent
        elif sent.kind != "group":
            self.by_chat.setdefault(sent.chat_id, deque()).append(sent)

    async def call(self, method: str, params: Any, files: Any = None) -> tuple[int, dict[str, Any]]:
        name = method.lower()
        if name == "getupdates":
            if self.first_poll is None:
                self.first_poll = time.perf_counter()
            return await self._original(method, params, files)
        status, body = await self._original(method, params, files)
        now = time.perf_counter()
        if status != 200:
            description = str(body.get("description", ""))
            if "message is not modified" not in description:  # a no-op edit: the bot lets it be
                self.errors[f"{method} {status}: {description[:60]}"] += 1
            return status, body
        if name == "sendmessage":
            waiting = self.by_chat.get(_int(params.get("chat_id")))
            if waiting:
                self._done(waiting.popleft(), now)
        elif name == "answercallbackquery":
            sent = self.by_query.pop(str(params.get("callback_query_id")), None)
            if sent is not None:
                self._done(sent, now)
        elif name == "editmessagetext":
            self.busy.discard((_int(params.get("chat_id")), _int(params.get("message_id"))))
        return status, body

    def _done(self, sent: Sent, now: float) -> None:
        sent.done(now)
        self.processed = max(self.processed, sent.index + 1)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# -- the stream -----------------------------------------------------------------------------------


class Stream:
    """Makes the next update of the mix and queues it in a stage's sandbox."""

    def __init__(self, stage: Stage, watcher: Watcher, seed: int) -> None:
        self.stage = stage
        self.sandbox = stage.sandbox
        self.watcher = watcher
        self.rng = random.Random(seed)
        self.kinds = list(MIX)
        self.weights = [MIX[k] for k in self.kinds]
        self.counts: Counter[str] = Counter()
        self.pressed: set[tuple[int, int, str]] = set()
        self.taken: set[tuple[int, str]] = set()  # (person, task id): "I'll take it" pressed
        self.sent: list[Sent] = []
        self.emitted = 0
        self.since = {}  # per private chat: press only messages this bot sent
        for p in stage.people:
            msgs = self.sandbox.messages(p.user.id)
            self.since[p.user.id] = msgs[-1].message_id if msgs else 0

    def _pressable(self, p: Person) -> list[SimMessage]:
        since = self.since.get(p.user.id, 0)
        out = []
        for m in reversed(self.sandbox.messages(p.user.id)):
            if m.message_id <= since:
                break
            if (
                m.from_id == self.sandbox.bot_id
                and m.buttons
                and not m.deleted
                and (p.user.id, m.message_id) not in self.watcher.busy
            ):
                out.append(m)
                if len(out) == 4:
                    break
        return out

    def _button(self, p: Person, m: SimMessage) -> tuple[str, str] | None:
        """(label, data) of a button worth pressing on `m`, by PRESS_WEIGHTS. Left out: the
        filter the list shows already, a button pressed on this message before, another
        language than the person's, and taking a task twice (the card would not change, and
        Telegram refuses an edit that changes nothing)."""
        choices: list[tuple[str, str]] = []
        weights: list[float] = []
        for row in (m.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                data, label = str(button.get("callback_data", "")), str(button.get("text", ""))
                if not data or label.startswith("• "):
                    continue
                if (p.user.id, m.message_id, data) in self.pressed:
                    continue
                if data.startswith("lang:") and data != f"lang:{p.language}":
                    continue
                if data.startswith("task:take:") and (p.user.id, data[10:]) in self.taken:
                    continue
                weight = next((w for pre, w in PRESS_WEIGHTS.items() if data.startswith(pre)), 0)
                if weight:
                    choices.append((label, data))
                    weights.append(weight)
        return self.rng.choices(choices, weights)[0] if choices else None

    async def _press(self) -> Sent | None:
        """A press on a bot message of someone who has one (None if nobody has)."""
        for _ in range(20):
            p = self.rng.choice(self.stage.people)
            for m in self._pressable(p):
                button = self._button(p, m)
                if button is None:
                    continue
                label, data = button
                self.pressed.add((p.user.id, m.message_id, data))
                if data.startswith("task:take:"):
                    self.taken.add((p.user.id, data[10:]))
                self.watcher.busy.add((p.user.id, m.message_id))
                await p.user.press(m, label)
                query = next(reversed(self.sandbox.callback_queries))
                return Sent("press", p.user.id, time.perf_counter(), query_id=query)
        return None

    async def emit(self, kind: str | None = None) -> Sent:
        """Queue one update of `kind` (default: drawn from the mix)."""
        rng = self.rng
        if kind is None:
            kind = rng.choices(self.kinds, self.weights)[0]
        sent = await self._press() if kind == "press" else None
        if sent is None:
            p = rng.choice(self.stage.people)
            if kind == "group":
                await p.user.send(rng.choice(GROUP_TEXTS), chat_id=p.chat_id)
                sent = Sent("group", p.chat_id, time.perf_counter())
            else:
                kind = "tasks" if kind == "press" else kind  # nothing to press yet
                await p.user.send(self._command(kind, p))
                sent = Sent(kind, p.user.id, time.perf_counter())
        sent.index = self.emitted
        self.emitted += 1
        self.counts[sent.kind] += 1
        self.watcher.expect(sent)
        self.sent.append(sent)
        return sent

    def outstanding(self) -> int:
        """Queued and not yet handled (in the sandbox or in PTB's own update queue)."""
        return self.emitted - self.watcher.processed

    def _command(self, kind: str, p: Person) -> str:
        rng = self.rng
        if kind == "tasks":
            return rng.choice(("/tasks", "/tasks", "/tasks all", "/tasks overdue"))
        if kind == "task_add":
            text = " ".join(
                w
                for w in (rng.choice(TASK_VERBS), rng.choice(TASK_THINGS), rng.choice(TASK_PLACES))
                if w
            )
            if rng.random() < 0.5:
                text += f" @{rng.choice(p.members[1:])}"
            due = rng.choice(DUE_TEXTS)
            return f"/task_add {text} {due}".rstrip()
        return f"/{kind}"


# -- the bots -------------------------------------------------------------------------------------


@dataclass
class Bot:
    """A bot process."""

    name: str
    proc: asyncio.subprocess.Process
    spawned: float
    stderr: str = ""

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """VmHWM: the peak resident set size so far."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SAMENHIER_BOT_TOKEN", None)
    return env


async def start_bot(w: World, stage: Stage, which: str, *, wrap: Sequence[str] = ()) -> Bot:
    """Start one bot against a stage's sandbox in its own process.

    "deployed": `python -m bot run -c CONFIG`, exactly as in production (with its rate limiter);
    "bot": the same application without the rate limiter (`bench/botproc.py`);
    "echo": the bare PTB echo bot (`bench/echo.py`).
    `wrap` replaces `python` (e.g. a profiler's command line)."""
    python = list(wrap) or [sys.executable]
    if which == "deployed":
        argv = [*python, "-m", "bot", "run", "-c", str(w.config(stage))]
    elif which == "bot":
        argv = [*python, "-m", "bench.botproc", "-c", str(w.config(stage))]
    else:
        base = stage.server.base_url.removesuffix("/bot")
        argv = [*python, "-m", "bench.echo", "--token", stage.sandbox.token, "--base-url", base]
    spawned = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=_env(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Bot(which, proc, spawned)


async def stop(bot: Bot, timeout: float = 30.0) -> str:  # noqa: ASYNC109
    """SIGTERM, wait (SIGKILL after `timeout`), keep stderr."""
    if bot.proc.returncode is None:
        bot.proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(bot.proc.communicate(), timeout)
    except TimeoutError:
        bot.proc.kill()
        _, err = await bot.proc.communicate()
        err += b"\n(killed: did not stop within the timeout)"
    bot.stderr = err.decode(errors="replace")
    return bot.stderr


async def _until(predicate: Callable[[], bool], bot: Bot, timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if bot.proc.returncode is not None:
            raise RuntimeError(f"the {bot.name} process ended while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.002)


# -- measurements ---------------------------------------------------------------------------------


@dataclass
class Phase:
    """Everything measured for one bot in one world."""

    bot: str
    sponsorships: int
    startup_s: float = 0.0
    rss_at_poll_mb: float = 0.0
    rss_peak_mb: float = 0.0
    updates: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    harness_cpu_s: float = 0.0
    mix: Counter[str] = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=dict)  # command -> seconds
    errors: Counter[str] = field(default_factory=Counter)
    logged_errors: int = 0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def samples(self) -> int:
        return sum(map(len, self.latency.values()))

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_s / self.updates if self.updates else 0.0

    def percentile(self, command: str | None, q: float) -> float:
        values = sorted(v for k, vs in self.latency.items() if command in (None, k) for v in vs)
        if not values:
            return 0.0
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class Runner:
    """One bot process on one stage, and what is measured of it."""

    def __init__(self, w: World, stage: Stage, which: str) -> None:
        self.world = w
        self.stage = stage
        self.which = which
        self.watcher = Watcher(stage.sandbox)
        self.stream = Stream(stage, self.watcher, seed=w.sponsorships)
        self.phase = Phase(which, w.sponsorships)
        self.bot: Bot | None = None
        self.spy: asyncio.subprocess.Process | None = None

    async def start(self, wrap: Sequence[str] = ()) -> None:
        """Spawn the bot; wait for its first getUpdates (start-up time, memory then)."""
        self.bot = bot = await start_bot(self.world, self.stage, self.which, wrap=wrap)
        watcher = self.watcher
        await _until(lambda: watcher.first_poll is not None, bot, 120, "the first getUpdates")
        assert watcher.first_poll is not None
        self.phase.startup_s = watcher.first_poll - bot.spawned
        self.phase.rss_at_poll_mb = bot.peak_rss_mb()

    async def warm_up(self, n: int) -> None:
        """Untimed: the first updates, so that there are messages to press."""
        assert self.bot is not None
        stream = self.stream
        for _ in range(n):
            await stream.emit()
            if stream.outstanding() >= DEPTH:
                await _until(lambda: stream.outstanding() < DEPTH // 2, self.bot, 60, "warm-up")
        last = await stream.emit("help")
        await _until(lambda: last.answered is not None, self.bot, 120, "the end of the warm-up")
        self.watcher.errors.clear()
        stream.counts.clear()
        stream.sent = []

    async def record(self, out: Path) -> None:
        """py-spy from now until the bot stops (raw collapsed stacks into `out`)."""
        assert self.bot is not None
        self.spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("py-spy")),
            *("record", "--pid", str(self.bot.proc.pid), "--rate", "250", "--format", "raw"),
            *("--output", str(out), "--nonblocking"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)

    async def throughput(self, n: int) -> None:
        """Keep DEPTH updates waiting until `n` were sent; the last is a command, answered
        last. Adds to the phase's figures (runs may come in rounds)."""
        bot, stream, phase = self.bot, self.stream, self.phase
        assert bot is not None
        cpu0, harness0 = bot.cpu_seconds(), time.process_time()
        first = stream.emitted
        started = time.perf_counter()
        while stream.emitted - first < n:
            room = min(DEPTH - stream.outstanding(), n - (stream.emitted - first))
            for _ in range(room):
                last = stream.emitted - first == n - 1
                await stream.emit("help" if last else None)
            await _until(lambda: stream.outstanding() < DEPTH, bot, 60, "the bot to catch up")
        final = stream.sent[-1]
        await _until(lambda: final.answered is not None, bot, 120, "the last answer")
        assert final.answered is not None
        phase.seconds += final.answered - started
        phase.updates += n
        phase.cpu_s += bot.cpu_seconds() - cpu0
        phase.harness_cpu_s += time.process_time() - harness0
        phase.mix = Counter(stream.counts)

    async def latency(self, samples: int, pace: float = 0) -> None:
        """The five commands one at a time, queued -> answered in the sandbox; at most one
        every `pace` seconds (0: the next as soon as the last is answered)."""
        loop = asyncio.get_running_loop()
        stream, phase = self.stream, self.phase
        for _ in range(samples):
            kind = stream.rng.choices(COMMANDS, [MIX[c] for c in COMMANDS])[0]
            future: asyncio.Future[float] = loop.create_future()
            sent = await stream.emit(kind)
            sent.future = future
            if sent.answered is not None:
                future.set_result(sent.answered)
            try:
                await asyncio.wait_for(future, 15)
            except TimeoutError:
                phase.errors["latency timeout"] += 1
                continue
            assert sent.answered is not None
            took = sent.answered - sent.queued
            phase.latency.setdefault(kind, []).append(took)
            if pace > took:
                await asyncio.sleep(pace - took)

    async def stop(self) -> Phase:
        """Stop the bot; collect errors and memory."""
        phase = self.phase
        try:
            if self.bot is not None:
                phase.rss_peak_mb = self.bot.peak_rss_mb()
                log = await stop(self.bot)
                phase.logged_errors = log.count("error while handling") + log.count("Traceback")
                if self.bot.proc.returncode not in (0, -signal.SIGTERM):
                    phase.errors[f"exit status {self.bot.proc.returncode}"] += 1
                if phase.logged_errors:
                    print(f"{self.which}: errors in the log:\n{log[-3000:]}", file=sys.stderr)
            if self.spy is not None:
                await asyncio.wait_for(self.spy.wait(), 60)
        finally:
            self.watcher.close()
        missing = sum(1 for s in self.stream.sent if s.kind != "group" and s.answered is None)
        if missing:
            phase.errors["unanswered"] += missing
        phase.errors.update(self.watcher.errors)
        return phase


async def run_bot(
    w: World,
    which: str,
    updates: int,
    samples: int,
    *,
    pace: float = 0,
    warm: int = WARM_UP,
    spy: Path | None = None,
) -> Phase:
    """One bot alone on the first stage: start-up, warm-up, throughput, latency, memory.
    `spy`: record it with py-spy from the end of the warm-up."""
    runner = Runner(w, w.stages[0], which)
    try:
        await runner.start()
        if warm:
            await runner.warm_up(warm)
        if spy is not None:
            await runner.record(spy)
        if updates:
            await runner.throughput(updates)
        if samples:
            if updates and pace:
                await asyncio.sleep(2)  # a rate limiter's budget fills up again first
            await runner.latency(samples, pace)
    finally:
        phase = await runner.stop()
    return phase


async def run_pair(w: World, updates: int, samples: int, rounds: int = ROUNDS) -> list[Phase]:
    """The real bot and the echo bot, each on its own stage, alive at the same time and
    measured in alternating rounds, so that both see the same background load."""
    runners = [Runner(w, w.stages[0], "bot"), Runner(w, w.stages[1], "echo")]
    try:
        for r in runners:
            await r.start()
        for r in runners:
            await r.warm_up(WARM_UP)
        for _i in range(rounds):
            for r in runners:
                if updates:
                    await r.throughput(updates // rounds)
        for _i in range(rounds):
            for r in runners:
                if samples:
                    await r.latency(samples // rounds)
    finally:
        phases = [await r.stop() for r in runners]
    return phases


# -- reports --------------------------------------------------------------------------------------


@dataclass
class Results:
    """The phases of one world: the real bot (unpaced), the echo bot, the bot as deployed."""

    world: World
    bot: Phase | None = None
    echo: Phase | None = None
    deployed: Phase | None = None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def machine() -> str:
    """Date, machine, cores and Python version."""
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _problems(*phases: Phase | None) -> str:
    parts = []
    for p in phases:
        if p is not None and (p.errors or p.logged_errors):
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(p.errors.items()))
            parts.append(f"{p.bot}: {listed}; {p.logged_errors} error lines in its log")
    return (
        ("Problems seen: " + "; ".join(parts) + ".")
        if parts
        else "No errors; every update answered."
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def report_throughput(r: Results) -> str:
    w, bot, echo, deployed = r.world, r.bot, r.echo, r.deployed
    assert bot is not None and echo is not None
    mix = ", ".join(f"{k} {v}" for k, v in sorted(bot.mix.items(), key=lambda kv: -kv[1]))
    ratio = bot.rate / echo.rate if echo.rate else 0.0
    lines = [
        "## Throughput",
        "",
        f"`python -m bench throughput`: {bot.updates:,} updates of a mixed stream through the HTTP "
        "sandbox, to the real application and, in the same run, to a bare PTB echo bot "
        f"(`bench/echo.py`). Database: {w.sponsorships:,} sponsorships, {w.tasks:,} tasks, "
        f"{w.sponsorships * 5:,} people and participants, a linked chat and two check-in "
        f"schedules per sponsorship. The stream ({len(w.people)} people of {ACTIVE} "
        f"sponsorships spread over the database, {DEPTH} updates kept waiting): {mix}.",
        "",
        "| figure | real bot | echo bot | ratio |",
        "| --- | --- | --- | --- |",
        f"| updates a second | {bot.rate:.0f} | {echo.rate:.0f} | {ratio:.2f} |",
        f"| bot process CPU per update | {bot.cpu_ms_per_update:.2f} ms | "
        f"{echo.cpu_ms_per_update:.2f} ms | "
        f"{_ratio(echo.cpu_ms_per_update, bot.cpu_ms_per_update)} |",
        f"| sandbox process CPU (share of one core) | {bot.harness_cpu_s / bot.seconds:.0%} | "
        f"{echo.harness_cpu_s / echo.seconds:.0%} | |",
    ]
    if deployed is not None and deployed.updates:
        lines.append(
            f"| as deployed (`python -m bot run`, {deployed.updates} updates) | "
            f"{deployed.rate:.0f} | | {_ratio(deployed.rate, echo.rate)} |"
        )
    lines += [
        "",
        '"Real bot" is the application from `build_application` without its rate limiter '
        "(`bench/botproc.py`), so that the figure is the bot's own work. As deployed, "
        "`python -m bot run` paces every send to a chat with PTB's AIORateLimiter at "
        "Telegram's 30 a second overall, so it answers at most about 30 chats a second (plain "
        "group messages need no answer) however cheap its handlers are: that limit, not the "
        "code, bounds the deployed figure, and Telegram would refuse more anyway.",
        "",
        f"Target (at least 0.8 of the echo bot's updates a second): {_verdict(ratio >= 0.8)}. "
        f"{_problems(bot, echo, deployed)} Measured {machine()}; the sandbox runs in the "
        "benchmark's process, each bot in its own, on loopback, with flood limits off.",
        "",
    ]
    return "\n".join(lines)


def report_latency(r: Results) -> str:
    w, bot, echo, deployed = r.world, r.bot, r.echo, r.deployed
    assert bot is not None and echo is not None
    rows = []
    ok = True
    for command in (*COMMANDS, None):
        b99, e99 = bot.percentile(command, 0.99), echo.percentile(command, 0.99)
        ok = ok and b99 <= 2 * e99
        name = f"`/{command}`" if command else "all five"
        count = len(bot.latency.get(command, [])) if command else bot.samples
        rows.append(
            f"| {name} | {count} | {_ms(bot.percentile(command, 0.5))} | {_ms(b99)} | "
            f"{_ms(echo.percentile(command, 0.5))} | {_ms(e99)} | {_ratio(b99, e99)} |"
        )
    lines = [
        "## Latency",
        "",
        "`python -m bench latency`: the five most common commands of the stream, sent one at a "
        "time, from the moment the update is queued in the sandbox to the moment the bot's "
        f"answer arrives there; {w.sponsorships:,} sponsorships, {w.tasks:,} tasks.",
        "",
        "| command | samples | bot p50 | bot p99 | echo p50 | echo p99 | p99 ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]
    if deployed is not None and deployed.samples:
        lines += [
            f"As deployed (`python -m bot run`, rate limiter on) at a steady {1 / PACE:.0f} "
            f"commands a second, below the limiter's 30: p50 "
            f"{_ms(deployed.percentile(None, 0.5))}, p99 {_ms(deployed.percentile(None, 0.99))} "
            f"({deployed.samples} samples). Faster than 30 sends a second, each send waits "
            "its turn (33 ms apart).",
            "",
        ]
    lines += [
        f"Target (p99 within 2x of the echo bot's p99): {_verdict(ok)}. "
        f"{_problems(bot, echo, deployed)} Measured {machine()}.",
        "",
    ]
    return "\n".join(lines)


def report_startup(r: Results) -> str:
    w, bot, echo, deployed = r.world, r.bot, r.echo, r.deployed
    assert deployed is not None
    peak = max(deployed.rss_peak_mb, deployed.rss_at_poll_mb)
    lines = [
        "## Start-up and memory",
        "",
        "`python -m bench startup`: `python -m bot run` from starting the process to its first "
        "getUpdates (imports, configuration, database, command menus, the start-up check-in "
        "tick that reads every schedule), and the peak resident set size (VmHWM), with "
        f"{w.sponsorships:,} sponsorships, {w.tasks:,} tasks and {w.sponsorships * 2:,} check-in "
        "schedules with five weeks of history in the database.",
        "",
        "| figure | real bot | echo bot |",
        "| --- | --- | --- |",
        f"| start to first getUpdates | {deployed.startup_s:.2f} s | "
        f"{echo.startup_s if echo else 0:.2f} s |",
        f"| peak RSS at the first getUpdates | {deployed.rss_at_poll_mb:.0f} MB | "
        f"{echo.rss_at_poll_mb if echo else 0:.0f} MB |",
    ]
    if bot is not None and bot.rss_peak_mb:
        lines.append(
            f"| peak RSS after the throughput and latency runs | "
            f"{max(bot.rss_peak_mb, deployed.rss_peak_mb):.0f} MB | "
            f"{echo.rss_peak_mb if echo else 0:.0f} MB |"
        )
        peak = max(peak, bot.rss_peak_mb)
    lines += [
        "",
        f"Targets (under 2 s, under 150 MB): start-up {_verdict(deployed.startup_s < 2)}, "
        f"memory {_verdict(peak < 150)}. Measured {machine()}.",
        "",
    ]
    return "\n".join(lines)


def report_growth(rows: list[tuple[World, Phase]]) -> str:
    lines = [
        "## Growth",
        "",
        "`python -m bench growth`: the same stream and commands against databases of three sizes "
        "(ten tasks, five people, two check-in schedules per sponsorship), the real bot without "
        "its rate limiter. CPU per update is the bot process's own time per update, which "
        "drifts less with the machine's other load than updates a second do.",
        "",
        "| sponsorships | tasks | updates a second | CPU per update | p50 (five commands) | "
        "p99 (five commands) | start-up | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for w, p in rows:
        lines.append(
            f"| {w.sponsorships:,} | {w.tasks:,} | {p.rate:.0f} | {p.cpu_ms_per_update:.2f} ms | "
            f"{_ms(p.percentile(None, 0.5))} | {_ms(p.percentile(None, 0.99))} | "
            f"{p.startup_s:.2f} s | {p.rss_peak_mb:.0f} MB |"
        )
    small, large = rows[0][1], rows[-1][1]
    lines += [
        "",
        f"From {rows[0][0].sponsorships:,} to {rows[-1][0].sponsorships:,} sponsorships, CPU "
        f"per update changes {_ratio(large.cpu_ms_per_update, small.cpu_ms_per_update)}x and "
        f"p50 latency {_ratio(large.percentile(None, 0.5), small.percentile(None, 0.5))}x. "
        f"{_problems(*(p for _, p in rows))} Measured {machine()}.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or add) the section that `text` starts with ("## Name"), keeping the others."""
    title = text.split("\n", 1)[0]
    text = text.rstrip("\n") + "\n"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find(title + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + text + ("" if end < 0 else "\n" + old[end + 1 :])
    path.write_text(new)


def summary(p: Phase) -> str:
    """One line for the terminal."""
    return (
        f"{p.bot:8} @ {p.sponsorships:>6,}: {p.rate:4.0f} updates/s, {p.cpu_ms_per_update:.2f} ms "
        f"CPU/update, p50 {_ms(p.percentile(None, 0.5))}, p99 {_ms(p.percentile(None, 0.99))}, "
        f"start {p.startup_s:.2f} s, RSS {p.rss_at_poll_mb:.0f}/{p.rss_peak_mb:.0f} MB"
        + (f", problems {dict(p.errors)} {p.logged_errors}" if p.errors or p.logged_errors else "")
    )


# -- entry points ---------------------------------------------------------------------------------


@dataclass
class Sizes:
    """How much to send (the defaults keep `python -m bench` under five minutes on 2 cores)."""

    sponsorships: int = 10_000
    updates: int = 2_000
    samples: int = 1_500
    deployed_updates: int = 400
    deployed_samples: int = 200
    growth: tuple[int, ...] = (100, 1_000, 10_000)


async def measure_world(
    n: int, sizes: Sizes, *, throughput: bool, latency: bool, startup: bool
) -> Results:
    """One world; the phases the asked-for figures need."""
    async with world(n, stages=2) as w:
        print(f"world: {w.sponsorships:,} sponsorships, {w.tasks:,} tasks ({w.seed_seconds:.1f} s)")
        r = Results(w)
        updates = sizes.updates if throughput else 0
        samples = sizes.samples if latency else 0
        if throughput or latency:
            r.bot, r.echo = await run_pair(w, updates, samples)
            print(summary(r.bot))
        else:  # the echo bot's start-up and memory, for comparison
            echo = Runner(w, w.stages[1], "echo")
            try:
                await echo.start()
            finally:
                r.echo = await echo.stop()
        print(summary(r.echo))
        r.deployed = await run_bot(
            w,
            "deployed",
            sizes.deployed_updates if throughput else 0,
            sizes.deployed_samples if latency else 0,
            pace=PACE,
            warm=DEPLOYED_WARM_UP if throughput or latency else 0,
        )
        print(summary(r.deployed))
        return r


async def measure_growth(sizes: Sizes, known: Results | None = None) -> list[tuple[World, Phase]]:
    """The real bot at each size (reusing `known` for its size)."""
    rows = []
    for n in sizes.growth:
        if known is not None and known.bot is not None and known.world.sponsorships == n:
            rows.append((known.world, known.bot))
            continue
        async with world(n) as w:
            phase = await run_bot(w, "bot", sizes.updates, sizes.samples)
            print(summary(phase))
            rows.append((w, phase))
    return rows
