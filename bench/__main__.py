"""python -m bench [NAME] [options]: run one benchmark, or all of them (no NAME).

    python -m bench                      all of the below, under five minutes on two cores
    python -m bench throughput           the real bot and a bare PTB echo bot, updates a second
    python -m bench latency              p50/p99 of the five most common commands, both bots
    python -m bench startup              time to the first getUpdates and peak memory
    python -m bench growth               throughput and latency at 100, 1,000, 10,000 sponsorships
    python -m bench fanout [--groups N]  a check-in to many groups under Telegram's flood limits
    python -m bench profile              py-spy of the real bot under the throughput stream

Each writes its own section of bench/RESULTS.md and keeps the others (`--no-write`: print only;
`fanout` writes only with `--write`, as before). See bench/load.py for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.load import Sizes

BENCHMARKS = ("throughput", "latency", "startup", "growth", "fanout", "profile")
WORLD = ("throughput", "latency", "startup")
ALL_FANOUT_GROUPS = 1000


def _sizes(argv: list[str], name: str) -> tuple[argparse.Namespace, Sizes]:
    from bench.load import Sizes

    defaults = Sizes()
    parser = argparse.ArgumentParser(prog=f"python -m bench {name}".rstrip())
    parser.add_argument("--sponsorships", type=int, default=defaults.sponsorships)
    parser.add_argument("--updates", type=int, default=defaults.updates)
    parser.add_argument("--samples", type=int, default=defaults.samples)
    parser.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = Sizes(
        sponsorships=args.sponsorships,
        updates=args.updates,
        samples=args.samples,
        growth=(*(n for n in defaults.growth if n < args.sponsorships), args.sponsorships),
    )
    return args, sizes


async def _run(names: tuple[str, ...], argv: list[str]) -> int:
    from bench import fanout, load

    args, sizes = _sizes(argv, names[0] if len(names) == 1 else "")
    sections: list[str] = []
    known = None
    if any(n in WORLD for n in names):
        known = await load.measure_world(
            sizes.sponsorships,
            sizes,
            throughput="throughput" in names,
            latency="latency" in names,
            startup="startup" in names,
        )
        if "throughput" in names:
            sections.append(load.report_throughput(known))
        if "latency" in names:
            sections.append(load.report_latency(known))
        if "startup" in names:
            sections.append(load.report_startup(known))
    if "growth" in names:
        sections.append(load.report_growth(await load.measure_growth(sizes, known)))
    if "profile" in names:
        from bench import profile

        sections.append(await profile.run(sizes))
    for text in sections:
        print("\n" + text)
        if not args.no_write:
            load.write_section(text)
    if "fanout" in names:
        result = await fanout.run(ALL_FANOUT_GROUPS)
        text = fanout.report(result)
        print("\n" + text)
        if not args.no_write:
            load.write_section(text)
    if not args.no_write:
        print(f"written to {load.RESULTS}")
    return 0


def main(argv: list[str]) -> int:
    """Dispatch: no name runs everything but the profile."""
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0] == "fanout":
        from bench import fanout

        return fanout.main(argv[1:])
    if argv and not argv[0].startswith("-"):
        if argv[0] not in BENCHMARKS:
            print(f"usage: python -m bench [{'|'.join(BENCHMARKS)}] [options]", file=sys.stderr)
            return 2
        names: tuple[str, ...] = (argv[0],)
        argv = argv[1:]
    else:
        names = ("throughput", "latency", "startup", "growth", "fanout")
    started = time.perf_counter()
    code = asyncio.run(_run(names, argv))
    print(f"done in {time.perf_counter() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
