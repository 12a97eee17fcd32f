"""Fan-out: one check-in to many group chats, from the real `python -m bot run` process through
the HTTP sandbox with Telegram's flood limits on (30 messages a second overall, 20 a minute per
group, about one a second per chat). Prints the achieved rate as a ratio of 30 msg/s and the
number of 429s the sandbox served.

    python -m bench fanout [--groups 1000] [--write]

The sponsorships, their shared chats and a weekly check-in that fell due half an hour ago are
written straight into a fresh database and sandbox; the bot catches the check-in up at start-up
(within the grace period) and its outbox sends it to every group. `--write` puts the figures
in bench/RESULTS.md, section "Fan-out".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.sandbox import Sandbox, SandboxServer
from bot.storage import Database, sponsorships
from bot.storage import checkins as schedules

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
LIMIT = 30.0  # Telegram's overall limit, messages a second
COORDINATOR = 1
TIMEZONE = "Europe/Amsterdam"


@dataclass
class Seeded:
    """What `seed` made: the group chat ids, in sponsorship order."""

    chats: list[int]
    due: datetime  # the check-in's instant (UTC)


async def seed(sandbox: Sandbox, db_path: Path, groups: int, *, late: timedelta) -> Seeded:
    """`groups` active sponsorships with a linked chat each (the bot a member), and a weekly
    check-in whose moment was `late` ago, so that the bot sends it at start-up."""
    tz = ZoneInfo(TIMEZONE)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    due_local = (now - late).astimezone(tz)
    owner = sandbox.user("Sanne")
    chats: list[int] = []
    for i in range(groups):
        chat = sandbox.add_group(f"Samen {i:04d}", owner.id, [])
        sandbox.set_status(chat, sandbox.bot_id, "member", actor=owner.id, spawn=False)
        chats.append(chat.id)
    sandbox.drop_pending_updates()
    db = await Database.open(db_path)
    try:
        ids = []
        for i, chat_id in enumerate(chats):
            s = await sponsorships.create(
                db,
                name=f"Sponsorship {i:04d}",
                municipality="Rotterdam",
                newcomer_language="ar",
                arrival_date=None,
                created_by=COORDINATOR,
            )
            await sponsorships.claim_chat(db, s.id, chat_id, COORDINATOR)
            await sponsorships.set_chat_ready(db, s.id, f"https://t.me/+seed{i}")
            await sponsorships.set_status(db, s.id, "active", COORDINATOR)
            ids.append(s.id)
        await schedules.ensure(
            db,
            ids,
            weekday=due_local.weekday(),
            local_time=due_local.strftime("%H:%M"),
            now=now - timedelta(days=1),
            active=True,
            kinds=("group",),
        )
    finally:
        await db.close()
    return Seeded(chats, due_local.astimezone(UTC))


def write_config(path: Path, sandbox: Sandbox, server: SandboxServer, db_path: Path) -> None:
    """A config for the bot process: the sandbox's token and URL, the seeded database."""
    path.write_text(
        f'[telegram]\ntoken = "{sandbox.token}"\n'
        f'base_url = "{server.base_url.removesuffix("/bot")}"\n'
        f'[database]\npath = "{db_path}"\n'
        f'[schedule]\ntimezone = "{TIMEZONE}"\n'
        '[logging]\nlevel = "WARNING"\n'
    )


async def start_bot(config: Path) -> asyncio.subprocess.Process:
    """`python -m bot run -c CONFIG` in its own process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SAMENHIER_BOT_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "-c",
        str(config),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(proc: asyncio.subprocess.Process, timeout: float = 30.0) -> str:  # noqa: ASYNC109
    """SIGTERM, wait, and return what the process wrote to stderr."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), timeout)
    return err.decode(errors="replace")


def delivered(sandbox: Sandbox, chats: list[int]) -> list[int]:
    """How many bot messages each chat holds."""
    return [
        sum(1 for m in sandbox.messages(chat) if m.from_id == sandbox.bot_id and m.kind == "text")
        for chat in chats
    ]


def arrival_times(sandbox: Sandbox, chats: list[int]) -> list[float]:
    """When the first bot message reached each chat (sandbox clock), sorted."""
    times = []
    for chat in chats:
        sent = [m.date for m in sandbox.messages(chat) if m.from_id == sandbox.bot_id]
        if sent:
            times.append(min(sent))
    return sorted(times)


@contextlib.asynccontextmanager
async def sandbox_server() -> AsyncIterator[tuple[Sandbox, SandboxServer]]:
    """A sandbox with Telegram's default flood limits, served over HTTP on loopback."""
    sandbox = Sandbox()
    server = SandboxServer(sandbox)
    await server.start()
    try:
        yield sandbox, server
    finally:
        await server.stop()
        await sandbox.aclose()


@dataclass
class Result:
    """The figures of one run."""

    groups: int
    seconds: float  # first to last delivery
    rate: float  # messages a second over that span
    served_429: int
    duplicates: int
    startup: float  # process start to first delivery

    @property
    def ratio(self) -> float:
        """The rate as a share of Telegram's 30 messages a second."""
        return self.rate / LIMIT


async def run(groups: int, timeout: float = 600.0) -> Result:  # noqa: ASYNC109
    """One fan-out of a check-in to `groups` chats."""
    async with sandbox_server() as (sandbox, server):
        with tempfile.TemporaryDirectory(prefix="samenhier-bench-") as tmp:
            db_path = Path(tmp) / "bench.db"
            seeded = await seed(sandbox, db_path, groups, late=timedelta(minutes=30))
            config = Path(tmp) / "config.toml"
            write_config(config, sandbox, server, db_path)
            started = sandbox.clock.now()
            proc = await start_bot(config)
            try:
                await sandbox.wait_until(
                    lambda: all(delivered(sandbox, seeded.chats)) or proc.returncode is not None,
                    timeout,
                )
            finally:
                log = await stop_bot(proc)
            counts = delivered(sandbox, seeded.chats)
            if not all(counts):
                raise RuntimeError(f"not every group got its check-in:\n{log[-2000:]}")
    times = arrival_times(sandbox, seeded.chats)
    span = times[-1] - times[0]
    return Result(
        groups=groups,
        seconds=span,
        rate=(len(times) - 1) / span if span > 0 else float("inf"),
        served_429=sandbox.served_429,
        duplicates=sum(c - 1 for c in counts),
        startup=times[0] - started,
    )


def report(result: Result) -> str:
    """The figures as Markdown."""
    verdict = "met" if result.ratio >= 0.9 and result.served_429 == 0 else "NOT met"
    return "\n".join(
        [
            "## Fan-out",
            "",
            "One check-in to every group chat, sent by the real `python -m bot run` process "
            "through the HTTP sandbox with Telegram's flood limits on (`python -m bench fanout "
            f"--groups {result.groups}`).",
            "",
            "| figure | value |",
            "| --- | --- |",
            f"| group chats | {result.groups} |",
            f"| first to last delivery | {result.seconds:.1f} s |",
            f"| achieved rate | {result.rate:.2f} msg/s |",
            f"| ratio of the 30 msg/s limit | {result.ratio:.3f} |",
            f"| 429s served by the sandbox | {result.served_429} |",
            f"| duplicates | {result.duplicates} |",
            f"| bot start to first delivery | {result.startup:.1f} s |",
            "",
            f"Target (ratio at least 0.9, zero 429s): {verdict}. Measured "
            f"{time.strftime('%Y-%m-%d')} on {platform.machine()}, Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs; the sandbox and the bot each "
            "run in their own process on loopback.",
            "",
        ]
    )


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or add) the "## Fan-out" section of RESULTS.md."""
    old = path.read_text() if path.exists() else "# Benchmark results\n\n"
    start = old.find("## Fan-out")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + text + ("" if end < 0 else old[end + 1 :])
    path.write_text(new)


def main(argv: list[str]) -> int:
    """Entry point of `python -m bench fanout`."""
    parser = argparse.ArgumentParser(prog="python -m bench fanout", description=__doc__)
    parser.add_argument("--groups", type=int, default=1000, help="number of group chats")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.groups))
    print(
        f"fan-out to {result.groups} groups: {result.rate:.2f} msg/s = {result.ratio:.3f} of "
        f"30 msg/s over {result.seconds:.1f} s; 429s served: {result.served_429}; "
        f"duplicates: {result.duplicates}"
    )
    text = report(result)
    if args.write:
        write_section(text)
        print(f"written to {RESULTS}")
    ok = result.ratio >= 0.9 and result.served_429 == 0 and result.duplicates == 0
    return 0 if ok else 1
