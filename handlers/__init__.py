"""Every handler is registered here, in named groups: guards, the loader, features, fallbacks."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import errors, fallback, loader, onboarding

# Handler groups run in this order; within one group the first matching handler wins.
GUARDS = -2
LOADER = -1
FEATURES = 0
FALLBACK = 100


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every feature module with the application."""
    loader.register(app, guards=GUARDS, loader=LOADER)
    onboarding.register(app, group=FEATURES)
    fallback.register(app, group=FALLBACK)
    errors.register(app)
