"""Where the real bot's time goes under the throughput stream: py-spy, summarised.

    python -m bench profile [--sponsorships 10000] [--updates 2000]

The bot (without its rate limiter, as in `python -m bench throughput`) is recorded with
`py-spy record --format raw` (pip install -e ".[bench]") from the end of the warm-up until it
stops; the collapsed stacks are summarised into a "Profile" section of bench/RESULTS.md: where
the samples fall by category, and the bot's own functions with the largest inclusive share.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import load

_FRAME = re.compile(r"(?P<fn>.*) \((?P<path>.*?):\d+\)$")
# First match wins: what a sample of the main thread is doing.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("in the event loop's select() (wake-ups)", ("EpollSelector.select",)),
    ("the check-in tick (every minute)", ("Checkins.tick",)),
    ("getUpdates: fetching and parsing updates", ("Updater._start_polling", "Update.de_json")),
    ("sending answers (PTB, httpx)", ("Bot._post",)),
    ("database calls (aiosqlite, event-loop side)", ("aiosqlite/",)),
    ("the bot's handlers and loader (own code)", ("handlers/", "bot/")),
    ("PTB dispatch (handler lookup, filters, context)", ("telegram/ext/",)),
)


@dataclass
class Summary:
    """Shares of the samples."""

    total: int
    main: int
    worker: int  # aiosqlite's thread, running SQLite
    categories: list[tuple[str, float]]  # share of the main thread's samples
    own: list[tuple[str, float]]  # the bot's functions, inclusive share of the main thread


def _frames(stack: str) -> list[str]:
    out = []
    for frame in stack.split(";"):
        m = _FRAME.match(frame)
        if m is None:
            out.append(frame)
            continue
        path = re.sub(r".*(site-packages|python3\.\d+|/work/main)/", "", m["path"])
        out.append(f"{m['fn']} ({path})")
    return out


def summarise(raw: Path, top: int = 15) -> Summary:
    """Read py-spy's raw (collapsed) output."""
    total = main = worker = 0
    cats: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)
        total += n
        if not any("run_polling" in f for f in frames):
            if any("aiosqlite" in f for f in frames):
                worker += n
            continue
        main += n
        joined = ";".join(frames)
        leaf = frames[-1]
        for name, marks in CATEGORIES:
            where = leaf if name.endswith("(idle)") else joined
            if any(mark in where for mark in marks):
                cats[name] += n
                break
        else:
            cats["other (asyncio, PTB)"] += n
        for f in set(frames):
            if "(handlers/" in f or ("(bot/" in f and "botproc" not in f):
                own[f] += n
    return Summary(
        total,
        main,
        worker,
        [(k, v / main) for k, v in cats.most_common()] if main else [],
        [(k, v / main) for k, v in own.most_common(top)] if main else [],
    )


def report(s: Summary, phase: load.Phase, sponsorships: int) -> str:
    """The section."""
    lines = [
        "## Profile",
        "",
        f"`python -m bench profile`: py-spy (250 Hz) on the real bot, without its rate limiter, "
        f"under {phase.updates:,} updates of the throughput stream and {phase.samples} latency "
        f"samples, {sponsorships:,} sponsorships ({phase.rate:.0f} updates a second under the "
        f"profiler). {s.main:,} samples of the main thread while it was busy (py-spy leaves "
        "out a thread that sleeps, so waiting for the sandbox's answers is not in them); "
        f"aiosqlite's worker thread, which now runs only the writes, was busy for "
        f"{s.worker:,} samples.",
        "",
        "| the busy main thread was | share |",
        "| --- | --- |",
        *(f"| {name} | {share:.1%} |" for name, share in s.categories),
        "",
        "The bot's own functions with the largest inclusive share of the main thread (a function "
        "counts while it or anything it calls runs, including its database calls and sends):",
        "",
        "| function | inclusive |",
        "| --- | --- |",
        *(f"| `{name}` | {share:.1%} |" for name, share in s.own),
        "",
        f"Measured {load.machine()}.",
        "",
    ]
    return "\n".join(lines)


async def run(sizes: load.Sizes) -> str:
    """Record, summarise, return the section."""
    with tempfile.TemporaryDirectory(prefix="samenhier-profile-") as tmp:
        raw = Path(tmp) / "bot.raw"
        async with load.world(sizes.sponsorships) as w:
            phase = await load.run_bot(w, "bot", sizes.updates, sizes.samples, spy=raw)
            print(load.summary(phase))
        return report(summarise(raw), phase, sizes.sponsorships)
