"""The bot's commands in one visible place: used by /help and the per-language command menus."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.i18n import N_


class Audience(Enum):
    """Who sees a command in /help and in the menu."""

    EVERYONE = "everyone"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Command:
    """A command name and its short description (an untranslated msgid)."""

    name: str
    description: str
    audience: Audience = Audience.EVERYONE


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start and choose your language")),
    Command("help", N_("What I can do for you")),
    Command("language", N_("Change your language")),
)


def for_audience(audience: Audience) -> list[Command]:
    """The commands shown to this audience (coordinators also see everyone's)."""
    if audience is Audience.EVERYONE:
        return [c for c in COMMANDS if c.audience is Audience.EVERYONE]
    return list(COMMANDS)
