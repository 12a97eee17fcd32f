"""Backups of the SQLite database while the bot runs, restores only while it does not.

`backup` uses SQLite's online backup API (a consistent snapshot, even with a writer busy in
WAL mode), writes to a temporary file next to the target, checks the copy with
`PRAGMA integrity_check` and only then moves it into place. A running bot holds an exclusive
lock on `<database>.lock` (taken in post_init, released at shutdown, and released by the
operating system if the process dies); `restore` takes the same lock, so it refuses while a bot
has the database open, and a bot cannot start in the middle of a restore. Before replacing the
database, `restore` keeps a copy of the current one (`<database>.before-restore-<time>`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.storage.migrations import SCHEMA_VERSION

if sys.platform != "win32":
    import fcntl


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why, in one line."""


class DatabaseInUse(BackupError):
    """Another process (a running bot, or a restore) holds the database's lock."""


def lock_path(database: str | Path) -> Path:
    """The lock file of a database."""
    return Path(f"{database}.lock")


class DatabaseLock:
    """An exclusive, non-blocking lock on `<database>.lock` for as long as it is held."""

    def __init__(self, database: str | Path) -> None:
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self, purpose: str = "") -> DatabaseLock:
        """Take the lock, or raise DatabaseInUse naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        if sys.platform != "win32":
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise DatabaseInUse(
                    f"the database is in use ({holder}); stop the bot first"
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{purpose or 'samenhier'} pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Let go of the lock (and remove the file)."""
        handle, self._file = self._file, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        handle.close()

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass(frozen=True)
class Copy:
    """A database file that was written and checked."""

    path: Path
    size: int
    schema_version: int
    pages: int


def _check(path: Path) -> Copy:
    """integrity_check and the schema version of a database file."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:3])}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a SQLite database ({exc})") from None
    finally:
        conn.close()
    if "sponsorships" not in tables or version < 1:
        raise BackupError(f"{path}: not a Samen Hier database")
    return Copy(path, path.stat().st_size, version, pages)


def _copy(source: Path, target: Path) -> Copy:
    """Online backup of `source` into a temporary file, checked, then moved to `target`."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    temporary.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(temporary)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        temporary.unlink(missing_ok=True)
        raise BackupError(f"{source}: cannot be read ({exc})") from None
    finally:
        src.close()
    try:
        checked = _check(temporary)
    except BackupError:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)
    return Copy(target, checked.size, checked.schema_version, checked.pages)


def backup(database: str | Path, target: str | Path) -> Copy:
    """Copy the database to `target` (also while the bot runs) and check the copy. A target
    that is a folder (or ends with a slash) gets a file named after the time."""
    source, out = Path(database), Path(target)
    if out.is_dir() or str(target).endswith(("/", os.sep)):  # a folder: a dated file in it
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = out / f"samenhier-{stamp}.db"
    if out.resolve() == source.resolve():
        raise BackupError(f"{out}: that is the database itself")
    return _copy(source, out)


async def backup_async(database: str | Path, target: str | Path) -> Copy:
    """`backup` in a thread, for use inside the running bot."""
    return await asyncio.to_thread(backup, database, target)


def restore(database: str | Path, source: str | Path) -> tuple[Copy, Path | None]:
    """Replace the database with a checked backup; refuses while a bot has it open. Returns the
    restored copy and where the replaced database was kept (None when there was none)."""
    target, backup_file = Path(database), Path(source)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such file")
    if backup_file.resolve() == target.resolve():
        raise BackupError(f"{backup_file}: that is the database itself")
    checked = _check(backup_file)
    if checked.schema_version > SCHEMA_VERSION:
        raise BackupError(
            f"{backup_file}: schema version {checked.schema_version} is newer than this bot "
            f"({SCHEMA_VERSION}); upgrade the bot first"
        )
    with DatabaseLock(target).acquire("samenhier restore"):
        kept: Path | None = None
        if target.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = _copy(target, target.with_name(f"{target.name}.before-restore-{stamp}")).path
        incoming = target.with_name(f".{target.name}.restoring")
        restored = _copy(backup_file, incoming)
        for suffix in ("-wal", "-shm", "-journal"):  # the old file's; kept in the copy above
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(incoming, target)
    return Copy(target, restored.size, restored.schema_version, restored.pages), kept
