"""A tiny run of the throughput, latency, start-up and growth harness (the real figures come
from `python -m bench`, see bench/RESULTS.md): both bots answer everything, the reports are
written into their sections and the other sections are kept. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

from bench import load, profile


async def test_load_harness_smoke(tmp_path: Path) -> None:
    async with load.world(30, stages=2) as w:
        assert w.tasks == 30 * load.TASKS_PER_SPONSORSHIP
        results = load.Results(w)
        results.bot, results.echo = await load.run_pair(w, updates=40, samples=10, rounds=2)
        results.deployed = await load.run_bot(w, "deployed", 20, 5, pace=0.01, warm=10)
    for phase in (results.bot, results.echo, results.deployed):
        assert phase is not None
        assert not phase.errors and not phase.logged_errors, load.summary(phase)
        assert phase.startup_s > 0 and phase.rss_at_poll_mb > 0
    assert results.bot is not None and results.bot.updates == 40
    assert results.bot.samples == 10 and sum(results.bot.mix.values()) == 40
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\n## Fan-out\n\nkept\n")
    for text in (
        load.report_throughput(results),
        load.report_latency(results),
        load.report_startup(results),
        load.report_growth([(w, results.bot)]),
    ):
        load.write_section(text, out)
        load.write_section(text, out)  # replaced, not added twice
    written = out.read_text()
    assert "## Fan-out\n\nkept\n" in written
    assert "\n## " not in written.replace("\n\n## ", "")  # a blank line before each section
    for title in ("Throughput", "Latency", "Start-up and memory", "Growth"):
        assert written.count(f"## {title}\n") == 1


def test_profile_summary_reads_collapsed_stacks(tmp_path: Path) -> None:
    raw = tmp_path / "bot.raw"
    main = (
        "<module> (bench/botproc.py:37);Application.run_polling (telegram/ext/_application.py:839)"
    )
    raw.write_text(
        f"{main};EpollSelector.select (selectors.py:468) 5\n"
        f"{main};on_button (handlers/tasks.py:223);Bot._post (telegram/_bot.py:712) 3\n"
        f"{main};on_button (handlers/tasks.py:223) 2\n"
        "Thread._bootstrap (threading.py:1002);_connection_worker_thread (aiosqlite/core.py:59) 4\n"
    )
    s = profile.summarise(raw)
    assert (s.main, s.worker) == (10, 4)
    shares = dict(s.categories)
    assert shares["in the event loop's select() (wake-ups)"] == 0.5
    assert shares["sending answers (PTB, httpx)"] == 0.3
    assert dict(s.own)["on_button (handlers/tasks.py)"] == 0.5
