"""The bot's commands in one visible place: used by /help and the per-language command menus."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from telegram import BotCommand

from bot.i18n import N_, Lang


class Audience(Enum):
    """Who sees a command in /help and in the menu."""

    EVERYONE = "everyone"
    COORDINATOR = "coordinator"
    GROUP = "group"


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
    Command("tasks", N_("Tasks of the plan")),
    Command("task_add", N_("Add a task: /task_add TEXT")),
    Command("questions", N_("Everyday questions")),
    Command("translate", N_("Translate a text: /translate TEXT")),
    Command("privacy", N_("Your data and translation")),
    Command("mydata", N_("Everything stored about you")),
    Command("forget", N_("Delete your data")),
    Command("concern", N_("Tell the coordinator, privately")),
    Command("cancel", N_("Stop what you are doing")),
    Command("new_sponsorship", N_("Set up a new sponsorship"), Audience.COORDINATOR),
    Command("sponsorships", N_("All sponsorships"), Audience.COORDINATOR),
    Command("sponsorship", N_("One sponsorship: /sponsorship ID"), Audience.COORDINATOR),
    Command("overview", N_("Where every sponsorship stands"), Audience.COORDINATOR),
    Command("report", N_("Impact report: /report [FROM] [TO]"), Audience.COORDINATOR),
    Command("broadcast", N_("Message to the shared chats: /broadcast TEXT"), Audience.COORDINATOR),
    Command("pause", N_("Pause a sponsorship: /pause [ID]"), Audience.COORDINATOR),
    Command("resume", N_("Resume a sponsorship: /resume [ID]"), Audience.COORDINATOR),
    Command("close", N_("Close a sponsorship: /close [ID]"), Audience.COORDINATOR),
    Command("audit", N_("Who did what: /audit [ID]"), Audience.COORDINATOR),
    Command("group_profile", N_("Add a sponsor group profile"), Audience.COORDINATOR),
    Command("group_profiles", N_("Sponsor group profiles"), Audience.COORDINATOR),
    Command("household", N_("Add a household profile"), Audience.COORDINATOR),
    Command("households", N_("Household profiles"), Audience.COORDINATOR),
    Command("match", N_("Suggest groups: /match HOUSEHOLD"), Audience.COORDINATOR),
    Command("roles", N_("Change roles in a group"), Audience.COORDINATOR),
    Command("checkins", N_("Check-in day, time and rhythm"), Audience.COORDINATOR),
    Command("coordinator_add", N_("Add a coordinator"), Audience.COORDINATOR),
    Command("coordinator_remove", N_("Remove a coordinator"), Audience.COORDINATOR),
    Command("members", N_("Who is who in this chat"), Audience.GROUP),
    Command("tasks", N_("Tasks of the plan"), Audience.GROUP),
    Command("task_add", N_("Add a task: /task_add TEXT"), Audience.GROUP),
    Command("link", N_("Link this chat: /link CODE"), Audience.GROUP),
    Command("autotranslate", N_("Translate the chat: on or off"), Audience.GROUP),
)


def for_audience(audience: Audience) -> list[Command]:
    """The commands shown to this audience (coordinators also see everyone's)."""
    wanted = {audience, Audience.EVERYONE} if audience is Audience.COORDINATOR else {audience}
    return [c for c in COMMANDS if c.audience in wanted]


def menu(lang: Lang, audience: Audience) -> list[BotCommand]:
    """The command menu of an audience in one language."""
    return [BotCommand(c.name, lang.t(c.description)) for c in for_audience(audience)]
