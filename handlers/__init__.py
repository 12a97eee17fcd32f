"""Every handler is registered here, in named groups: guards, the loader, waiting flows,
features, then fallbacks. Within a group the first matching handler wins."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    broadcast,
    checkins,
    concern,
    coordinator,
    desk,
    errors,
    fallback,
    groupchat,
    home,
    joining,
    lifecycle,
    loader,
    matching,
    onboarding,
    presence,
    privacy,
    profiles,
    prompting,
    questions,
    roles,
    sponsorships,
    tasks,
    translate,
)

GUARDS = -5
LOADER = -4
HOME = -3  # the newcomer's menu buttons work even in the middle of a flow
PROMPTS = -2  # a flow waiting for this person's next message gets it first
RELAY = -1  # replies to a question in the shared chat go back to the newcomer
FEATURES = 0
PRESENCE = 1  # sees every my_chat_member update, next to the shared-chat handler
AUTO_TRANSLATE = 2  # sees every text in a shared chat, whatever else handled it


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every feature module with the application."""
    loader.register(app, guards=GUARDS, loader=LOADER)
    home.register(app, group=HOME)
    prompting.register(app, group=PROMPTS)
    joining.register(app, group=FEATURES)  # /start TOKEN, before onboarding's plain /start
    onboarding.register(app, group=FEATURES)
    coordinator.register(app, group=FEATURES)
    sponsorships.register(app, group=FEATURES)
    groupchat.register(app, group=FEATURES)
    roles.register(app, group=FEATURES)
    checkins.register(app, group=FEATURES)
    tasks.register(app, group=FEATURES)
    questions.register(app, group=FEATURES, relay_group=RELAY)
    translate.register(app, group=FEATURES, auto_group=AUTO_TRANSLATE)
    privacy.register(app, group=FEATURES)
    concern.register(app, group=FEATURES)
    profiles.register(app, group=FEATURES)
    matching.register(app, group=FEATURES)
    desk.register(app, group=FEATURES)
    broadcast.register(app, group=FEATURES)
    lifecycle.register(app, group=FEATURES)
    fallback.register(app, group=FEATURES)  # last in its group: only what no feature took
    presence.register(app, group=PRESENCE)
    errors.register(app)
