"""Waiting for a person's next message in a step-by-step flow (kept in user_data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.context import Ctx

AWAIT_KEY = "awaiting"
ROUTES_KEY = "input_routes"

InputCallback = Callable[[Update, Ctx, dict[str, Any]], Awaitable[None]]


def on_input(
    app: Application[Any, Any, Any, Any, Any, Any], name: str, callback: InputCallback
) -> None:
    """Let a feature receive the next message of a person it is waiting for."""
    app.bot_data.setdefault(ROUTES_KEY, {})[name] = callback


def expect(context: Ctx, name: str, **state: Any) -> None:
    """Wait for this person's next message on behalf of the feature `name`."""
    if context.user_data is not None:
        context.user_data[AWAIT_KEY] = {"name": name, **state}


def waiting(context: Ctx) -> dict[str, Any] | None:
    """What this person is expected to send next, if anything."""
    if context.user_data is None:
        return None
    state: dict[str, Any] | None = context.user_data.get(AWAIT_KEY)
    return state


def stop(context: Ctx) -> bool:
    """Stop waiting; True when something was awaited."""
    if context.user_data is None:
        return False
    return context.user_data.pop(AWAIT_KEY, None) is not None


def route(context: Ctx, name: str) -> InputCallback | None:
    """The feature callback registered under `name`."""
    routes: dict[str, InputCallback] = context.application.bot_data.get(ROUTES_KEY, {})
    return routes.get(name)
