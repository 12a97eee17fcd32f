"""Storage: SQLite through aiosqlite, one repository module per aggregate. No telegram imports."""

from bot.storage.db import Database, SchemaTooNewError

__all__ = ["Database", "SchemaTooNewError"]
