"""Command-line tasks for the people who run the bot: `samenhier report`, `backup` and
`restore` (wired into bot.cli). Each reads the configuration for the database's path."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime
from pathlib import Path

from bot import backup as backups
from bot import report
from bot.config import Config
from bot.i18n import I18n
from bot.plans import load_all
from bot.storage import Database

EXIT_OK = 0
EXIT_FAILURE = 1


async def _collect(config: Config, period: report.Period) -> report.Report:
    db = await Database.open(config.database.path)
    try:
        templates = load_all(config.tasks.template_files)
        return await report.collect(db, tz=config.tz, period=period, templates=templates)
    finally:
        await db.close()


def write_report(
    config: Config, out: Path, start: date | None, end: date, language: str
) -> tuple[Path, Path]:
    """Write the CSV and the PNG of the period into `out`; their paths."""
    templates = load_all(config.tasks.template_files)
    lang = I18n(config.i18n.languages, config.tz, config.i18n.group_language).get(language)
    period = report.Period(start, end)
    result = asyncio.run(_collect(config, period))
    out.mkdir(parents=True, exist_ok=True)
    name = f"samenhier-report_{period.slug()}"
    csv_path, png_path = out / f"{name}.csv", out / f"{name}.png"
    cfg = config.report
    csv_path.write_bytes(
        report.to_csv(result, delimiter=cfg.csv_delimiter, decimal=cfg.decimal_separator)
    )
    png_path.write_bytes(report.to_png(result, lang, templates))
    return csv_path, png_path


def report_command(
    config: Config, out: str, start: str | None, end: str | None, language: str | None
) -> int:
    """samenhier report --out DIR [--from DATE] [--to DATE] [--lang CODE]."""
    first = report.parse_date(start) if start else None
    last = report.parse_date(end) if end else datetime.now(config.tz).date()
    if (start and first is None) or last is None:
        print("samenhier: dates look like 2027-01-31", file=sys.stderr)
        return EXIT_FAILURE
    if first is not None and first > last:
        print("samenhier: --from is after --to", file=sys.stderr)
        return EXIT_FAILURE
    code = language or config.i18n.group_language
    if code not in config.i18n.languages:
        print(f"samenhier: --lang: one of {', '.join(config.i18n.languages)}", file=sys.stderr)
        return EXIT_FAILURE
    csv_path, png_path = write_report(config, Path(out), first, last, code)
    print(f"{csv_path}\n{png_path}")
    return EXIT_OK


def backup_command(config: Config, target: str) -> int:
    """samenhier backup PATH: an online backup, checked."""
    try:
        copy = backups.backup(config.database.path, target)
    except backups.BackupError as exc:
        print(f"samenhier: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"{copy.path}: backup of {config.database.path} written and checked "
        f"(integrity ok, schema version {copy.schema_version}, {copy.size} bytes)"
    )
    return EXIT_OK


def restore_command(config: Config, source: str) -> int:
    """samenhier restore PATH: replace the database with a backup while the bot is stopped."""
    try:
        copy, kept = backups.restore(config.database.path, source)
    except backups.BackupError as exc:
        print(f"samenhier: restore refused: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"{copy.path}: restored from {source} (integrity ok, schema version {copy.schema_version})"
    )
    if kept is not None:
        print(f"the database it replaced was kept as {kept}")
    return EXIT_OK
