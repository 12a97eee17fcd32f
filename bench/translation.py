"""Translation benchmark: 20 translations at once against a fake server that answers each in 1 s.

Prints the event loop's worst lag meanwhile (a ticker every 10 ms; target < 50 ms) and the cost
of a cached translation (SQLite hit) per call, and writes a "Translation" section in
bench/RESULTS.md. Run: python -m bench.translation [--calls 20] [--delay 1] [--cached 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.config import TranslationConfig
from bot.sandbox.fake_translator import FakeTranslator
from bot.storage import Database
from bot.translation import MAX_CONCURRENT, TranslationService

RESULTS = Path(__file__).with_name("RESULTS.md")
TICK = 0.010
TARGET_LAG_MS = 50.0
T = TypeVar("T")


@dataclass
class Figures:
    calls: int
    delay: float
    concurrency: int
    wall_s: float
    ok: int
    max_active: int
    worst_lag_ms: float
    cached_calls: int
    cached_us: float
    cached_lag_ms: float


async def _ticker(stop: asyncio.Event, worst: list[float]) -> None:
    """Sleep TICK again and again; record how late each wake-up was."""
    expected = time.perf_counter() + TICK
    while not stop.is_set():
        await asyncio.sleep(TICK)
        now = time.perf_counter()
        worst[0] = max(worst[0], now - expected)
        expected = now + TICK


async def _with_ticker(work: Awaitable[T]) -> tuple[T, float]:
    stop = asyncio.Event()
    worst = [0.0]
    ticker = asyncio.create_task(_ticker(stop, worst))
    try:
        result = await work
    finally:
        stop.set()
        await ticker
    return result, worst[0] * 1000


async def run(calls: int, delay: float, cached_calls: int, concurrency: int) -> Figures:
    """Run both measurements against a fresh fake server and database."""
    with tempfile.TemporaryDirectory() as tmp, FakeTranslator(delay=delay) as fake:
        db = await Database.open(Path(tmp) / "bench.db")
        config = TranslationConfig(backend="libre", url=fake.url(), timeout_seconds=10)
        service = TranslationService(config, db, max_concurrent=concurrency)
        try:
            texts = [f"Bericht {i}: kun je mij helpen met de huisarts?" for i in range(calls)]
            started = time.perf_counter()
            batch = asyncio.gather(*(service.translate(t, "nl", "ar") for t in texts))
            results, lag_ms = await _with_ticker(batch)
            wall = time.perf_counter() - started

            async def cached_loop() -> float:
                begin = time.perf_counter()
                for i in range(cached_calls):
                    hit = await service.translate(texts[i % calls], "nl", "ar")
                    assert hit.cached
                return time.perf_counter() - begin

            spent, cached_lag_ms = await _with_ticker(cached_loop())
        finally:
            await service.close()
            await db.close()
        return Figures(
            calls=calls,
            delay=delay,
            concurrency=concurrency,
            wall_s=wall,
            ok=sum(r.ok for r in results),
            max_active=fake.max_active,
            worst_lag_ms=lag_ms,
            cached_calls=cached_calls,
            cached_us=spent / cached_calls * 1e6,
            cached_lag_ms=cached_lag_ms,
        )


def _section(f: Figures) -> str:
    machine = (
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    verdict = "met" if f.worst_lag_ms < TARGET_LAG_MS else "MISSED"
    return (
        "## Translation\n\n"
        f"`python -m bench.translation` on {datetime.now(UTC):%Y-%m-%d} ({machine}).\n"
        f"{f.calls} translations at once through the LibreTranslate path against a loopback fake "
        f"that answers each in {f.delay:g} s; at most {f.concurrency} run at once (worker "
        "threads of the service's own pool).\n\n"
        "| figure | value |\n|---|---|\n"
        f"| all {f.calls} done (wall) | {f.wall_s:.2f} s, {f.ok} ok, "
        f"at most {f.max_active} at the server at once |\n"
        f"| worst event-loop lag meanwhile (10 ms ticker) | {f.worst_lag_ms:.1f} ms "
        f"(target < {TARGET_LAG_MS:g} ms: {verdict}) |\n"
        f"| cached translation (SQLite hit), per call | {f.cached_us:.0f} µs "
        f"over {f.cached_calls:,} calls |\n"
        f"| worst event-loop lag during the cached calls | {f.cached_lag_ms:.1f} ms |\n"
    )


def write_results(section: str, path: Path = RESULTS) -> None:
    """Replace the "## Translation" section of RESULTS.md, or append it; keep the rest."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Translation\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the figures and record them in bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.translation", description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--delay", type=float, default=1.0, help="the fake's answer time, s")
    parser.add_argument("--cached", type=int, default=10_000, help="cached calls to time")
    parser.add_argument("--concurrency", type=int, default=MAX_CONCURRENT)
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.calls, args.delay, args.cached, args.concurrency))
    section = _section(figures)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS}")
    return 0 if figures.worst_lag_ms < TARGET_LAG_MS and figures.ok == figures.calls else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
