"""The real application for benchmarks, without its rate limiter.

    python -m bench.botproc -c CONFIG

What `samenhier run` does in polling mode (the same configuration, `build_application`, the same
handlers, database and start-up), except that `build_application(paced=False)` leaves out the
AIORateLimiter. That limiter keeps every send under Telegram's 30 a second overall, so with it the
bot can never answer more than 30 chats a second, whatever its own cost; without it the bot runs
as fast as its own work allows, which is what `python -m bench throughput` compares with a bare
echo bot. Never point this at the real Telegram.
"""

from __future__ import annotations

import argparse

from telegram import Update

from bot.app import build_application
from bot.config import load_config
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    """Run until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.botproc", description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    setup_logging(config.logging.level)
    app = build_application(config, paced=False)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
