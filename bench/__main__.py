"""python -m bench NAME [options]: run one benchmark."""

from __future__ import annotations

import sys

BENCHMARKS = ("fanout",)


def main(argv: list[str]) -> int:
    """Dispatch to a benchmark module's main()."""
    if not argv or argv[0] not in BENCHMARKS:
        print(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]", file=sys.stderr)
        return 2
    if argv[0] == "fanout":
        from bench import fanout

        return fanout.main(argv[1:])
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
