"""Logging set-up with a filter that removes bot tokens from every record."""

from __future__ import annotations

import logging
import re

_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
REDACTED = "<token>"


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token (also inside URLs) with <token>."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN_RE.search(message):
            record.msg = _TOKEN_RE.sub(REDACTED, message)
            record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr; quiet the HTTP client, which would print request URLs."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
