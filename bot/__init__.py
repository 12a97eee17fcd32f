"""Samen Hier: a Telegram bot for community sponsorship of resettled refugees."""

__version__ = "0.1.0"
