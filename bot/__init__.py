"""Samen Hier: a Telegram bot for community sponsorship of resettled refugees."""

import os

__version__ = "0.1.0"

# Opt in to python-telegram-bot's time periods as datetime.timedelta (the v23 behaviour);
# without it PTB warns on every RetryAfter it builds.
os.environ.setdefault("PTB_TIMEDELTA", "true")
