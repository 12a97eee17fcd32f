"""Logging set-up with a filter that keeps secrets and people's words out of the log.

The promise: at INFO and above a log line holds no bot token, no message text and no names.
Our own log calls only pass ids, counts, codes and exception *types* (reviewed; see
tests/test_logs.py). The filter adds two safety nets for what we do not write ourselves:

- anything shaped like a bot token becomes ``<token>`` (message, arguments and tracebacks);
- exceptions lose their message: a traceback keeps every frame (file, line, function and the
  source line) and the exception's type, but not its arguments, which can quote user text
  (a ``ValueError`` about a date someone typed, a SQLite error about a value). Telegram's own
  errors keep their description (fixed wording from Telegram), except ``BadRequest``, whose
  description can quote a piece of the refused message. The same applies to exceptions passed
  as log arguments. DEBUG records keep the full exception: DEBUG is for development only, and
  python-telegram-bot itself logs whole requests at DEBUG.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path

from telegram.error import BadRequest, TelegramError

_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
REDACTED = "<token>"
WITHHELD = "(message withheld)"
_PROJECT = Path(__file__).resolve().parent.parent
_OWN = (str(_PROJECT / "bot"), str(_PROJECT / "handlers"))


def redact(text: str) -> str:
    """The text with anything shaped like a bot token replaced by <token>."""
    return _TOKEN_RE.sub(REDACTED, text)


def _message_is_safe(error: BaseException) -> bool:
    return isinstance(error, TelegramError) and not isinstance(error, BadRequest)


def exception_label(error: BaseException) -> str:
    """The exception's type, with Telegram's description when it cannot quote user text."""
    name = type(error).__qualname__
    module = type(error).__module__
    label = name if module == "builtins" else f"{module}.{name}"
    if _message_is_safe(error) and str(error):
        return redact(f"{label}: {error}")
    return label


def where(error: BaseException) -> str:
    """`file:line in function` of the innermost frame of our own code (else the innermost)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    own = [f for f in frames if f.filename.startswith(_OWN)]
    frame = (own or frames)[-1]
    try:
        filename = str(Path(frame.filename).resolve().relative_to(_PROJECT))
    except ValueError:
        filename = Path(frame.filename).name
    return f"{filename}:{frame.lineno} in {frame.name}"


def describe_exception(error: BaseException) -> str:
    """A traceback like Python's, chained exceptions included, without exception messages."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "context"
        else:
            current = None
    parts: list[str] = []
    for exc, link in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        label = exception_label(exc)
        parts.append(label if ": " in label else f"{label} {WITHHELD}")
        if isinstance(exc, BaseExceptionGroup):
            inner = ", ".join(exception_label(e) for e in exc.exceptions)
            parts.append(f" [{inner}]")
        parts.append("\n")
        if link == "direct cause":
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
            )
        elif link == "context":
            parts.append(
                "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
    return redact("".join(parts).rstrip("\n"))


class RedactTokens(logging.Filter):
    """Replace bot tokens with <token>; at INFO and above, withhold exception messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        private = record.levelno >= logging.INFO
        args = record.args
        if private and isinstance(args, tuple) and any(isinstance(a, BaseException) for a in args):
            record.args = tuple(
                exception_label(a) if isinstance(a, BaseException) else a for a in args
            )
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        if _TOKEN_RE.search(message):
            record.msg = redact(message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            if private:
                record.exc_text = describe_exception(error)
            else:
                record.exc_text = redact("".join(traceback.format_exception(error)).rstrip("\n"))
            record.exc_info = None  # no later formatter can print the original
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
