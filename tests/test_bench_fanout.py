"""A tiny run of the fan-out benchmark's harness (the real figures come from `python -m bench
fanout`, see bench/RESULTS.md)."""

from __future__ import annotations

from pathlib import Path

from bench.fanout import report, run, write_section


async def test_fan_out_harness_smoke(tmp_path: Path) -> None:
    result = await run(12, timeout=60)
    assert result.groups == 12
    assert result.served_429 == 0 and result.duplicates == 0
    assert result.rate > 0
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Other\n\nkept\n")
    write_section(report(result), results)
    write_section(report(result), results)  # replaced, not added twice
    text = results.read_text()
    assert text.count("## Fan-out") == 1 and "## Other\n\nkept\n" in text
    assert "| group chats | 12 |" in text
