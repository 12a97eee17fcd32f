"""The `samenhier` command: run, demo, check-config, report, backup, restore."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot import __version__
from bot.config import ConfigError, load_config
from bot.plans import TemplateError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2
DEFAULT_CONFIG = "config.toml"
CONFIG_ENV = "SAMENHIER_CONFIG"

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samenhier",
        description="Samen Hier: a Telegram bot for community sponsorship of resettled refugees.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    config_help = f"TOML configuration file (default: ${CONFIG_ENV} or {DEFAULT_CONFIG})"

    run = sub.add_parser(
        "run",
        help="run the bot (polling or webhook, as configured)",
        description="Run the bot until SIGINT or SIGTERM.",
    )
    run.add_argument("-c", "--config", help=config_help)

    demo = sub.add_parser(
        "demo",
        help="play a scripted scenario against the built-in Telegram sandbox (no token needed)",
        description="Start the sandbox and the real bot on loopback, play a scenario and print "
        "the transcript. No token and no network needed.",
    )
    demo.add_argument(
        "--plain",
        action="store_true",
        help="leave out the Unicode direction marks in the transcript",
    )

    check = sub.add_parser(
        "check-config",
        help="validate a configuration file and exit",
        description="Validate a configuration file; exit 0 when it is good, "
        "2 with one line naming the problem otherwise.",
    )
    check.add_argument("path", nargs="?", help=config_help)

    report = sub.add_parser(
        "report",
        help="write the impact report (CSV and PNG chart) into a folder",
        description="Write the impact report of a period into DIR: a CSV with one row per "
        "sponsorship (UTF-8 with BOM, for Excel) and a PNG chart. Works while the bot runs.",
    )
    report.add_argument("--out", required=True, metavar="DIR", help="folder for the two files")
    report.add_argument(
        "--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: the beginning)"
    )
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (default: today)")
    report.add_argument(
        "--lang", metavar="CODE", help="language of the chart (default: [i18n] group_language)"
    )
    report.add_argument("-c", "--config", help=config_help)

    backup = sub.add_parser(
        "backup",
        help="copy the database to PATH, also while the bot runs, and check the copy",
        description="Copy the database with SQLite's online backup API (safe while the bot "
        "runs), then check the copy with PRAGMA integrity_check. PATH may be a folder.",
    )
    backup.add_argument(
        "path", metavar="PATH", help="the backup file, or a folder (ending in /) for a dated one"
    )
    backup.add_argument("-c", "--config", help=config_help)

    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (the bot must be stopped)",
        description="Check the backup, keep a copy of the current database next to it, then "
        "replace it. Refuses while a bot has the database open.",
    )
    restore.add_argument("path", metavar="PATH", help="the backup file")
    restore.add_argument("-c", "--config", help=config_help)
    return parser


def _config_path(value: str | None) -> str:
    return value or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and `python -m bot`."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-config":
            return check_config(_config_path(args.path))
        if args.command == "run":
            return run(_config_path(args.config))
        if args.command == "demo":
            from bot.demo import main as demo_main

            return demo_main(plain=args.plain)
        if args.command in ("report", "backup", "restore"):
            from bot import admin

            config = load_config(_config_path(args.config))
            if args.command == "report":
                return admin.report_command(config, args.out, args.start, args.end, args.lang)
            if args.command == "backup":
                return admin.backup_command(config, args.path)
            return admin.restore_command(config, args.path)
    except ConfigError as exc:
        print(f"samenhier: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except TemplateError as exc:
        print(f"samenhier: plan template error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_FAILURE  # pragma: no cover - argparse enforces a command


def check_config(path: str) -> int:
    """Validate the configuration and the plan templates; say so in one line."""
    from bot.plans import load_all

    config = load_config(path)
    templates = load_all(config.tasks.template_files)
    print(
        f"{path}: OK ({config.telegram.mode} mode, database {config.database.path}, "
        f"plan templates: {', '.join(sorted(templates))})"
    )
    return EXIT_OK


def run(path: str) -> int:
    """Load the configuration and run the bot until it is stopped."""
    from telegram import Update
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application
    from bot.backup import DatabaseInUse
    from bot.logs import setup_logging
    from bot.storage import SchemaTooNewError

    config = load_config(path)
    setup_logging(config.logging.level)
    app = build_application(config)
    tg = config.telegram
    try:
        if tg.mode == "webhook":
            assert tg.webhook_url is not None and tg.secret_token is not None
            app.run_webhook(
                listen=tg.listen,
                port=tg.port,
                url_path=urlsplit(tg.webhook_url).path.lstrip("/"),
                webhook_url=tg.webhook_url,
                secret_token=tg.secret_token.get(),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print(
            f"samenhier: Telegram refused the bot token ({path}: [telegram] token); "
            "ask @BotFather for the right one",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except SchemaTooNewError as exc:
        print(f"samenhier: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseInUse as exc:
        print(f"samenhier: {config.database.path}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except NetworkError as exc:
        print(f"samenhier: cannot reach Telegram: {type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
