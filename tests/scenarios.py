"""Building blocks for scenario tests: what a coordinator, a member or a newcomer does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.sandbox import FloodLimits, Sandbox, SimGroup, SimMessage, SimUser
from tests.helpers import Harness, run_bot, sandbox_config

# People in tests tap faster than anyone could: allow bursts in private chats, keep the
# group and global limits. tests/test_flood.py checks the strict per-chat limit.
QUICK_PEOPLE = FloodLimits(per_chat_burst=50)
LINK_RE = re.compile(r"https://t\.me/\S+")
ALL_RIGHTS = ("invite_users", "restrict_members", "delete_messages", "pin_messages")


@dataclass
class Links:
    """The three links on a new sponsorship's card, and the /link code."""

    member: str
    newcomer: str
    startgroup: str
    code: str


def links_in(message: SimMessage) -> Links:
    """Read the invite links out of the coordinator's links message."""
    urls = LINK_RE.findall(message.text)
    member, newcomer, startgroup = urls[:3]
    return Links(member, newcomer, startgroup, startgroup.split("startgroup=")[1].split("&")[0])


def label(message: SimMessage, text: str) -> str:
    """The exact label of the button showing `text` (possibly ticked with ✓)."""
    for row in message.buttons:
        for candidate in row:
            if candidate in (text, f"✓ {text}"):
                return candidate
    raise KeyError(f"no button {text!r} in {message.buttons}")


async def choose(user: SimUser, text: str) -> None:
    """Press the button showing `text` on the user's last message from the bot."""
    await user.press(user.last(), label(user.last(), text))


@asynccontextmanager
async def world(
    tmp_path: Path,
    sandbox: Sandbox | None = None,
    clock: Clock | None = None,
    **sections: dict[str, Any],
) -> AsyncIterator[tuple[Harness, SimUser]]:
    """A running bot with one coordinator (from the config) who has started the bot and chose
    English. Extra config sections can be passed as keyword arguments."""
    sandbox = sandbox or Sandbox(limits=QUICK_PEOPLE)
    coordinator = sandbox.user("Carla", language_code="nl")
    config = sandbox_config(
        tmp_path, sandbox, coordinators={"telegram_ids": [coordinator.id]}, **sections
    )
    async with run_bot(sandbox, config, clock) as harness:
        await coordinator.start()
        await coordinator.press(coordinator.last(), "English")
        yield harness, coordinator


async def create_sponsorship(
    coordinator: SimUser,
    name: str = "Kralingen – family A.",
    municipality: str = "Rotterdam",
    language: str = "العربية",
    arrival: str | None = "15-01-2027",
    plan: str = "No plan",
) -> Links:
    """/new_sponsorship, answered step by step (the plan by its button label, as the
    coordinator sees it); returns the links it hands out."""
    await coordinator.send("/new_sponsorship")
    await coordinator.send(name)
    await coordinator.send(municipality)
    await coordinator.press(coordinator.last(), language)
    if arrival is None:
        await coordinator.press(coordinator.last(), "Not yet known")
    else:
        await coordinator.send(arrival)
    await coordinator.press(coordinator.last(), plan)
    return links_in(coordinator.last())


async def join_as_member(
    user: SimUser, link: str, language: str = "Nederlands", roles: tuple[str, ...] = ("Maatje",)
) -> SimMessage:
    """Open the member link, pick a language, agree, pick roles, press Done."""
    await user.open_link(link)
    await choose(user, language)
    agree = user.last().buttons[0][0]
    await user.press(user.last(), agree)
    for role in roles:
        await choose(user, role)
    done = user.last().buttons[-1][0]
    await user.press(user.last(), done)
    return user.last()


async def join_as_newcomer(user: SimUser, link: str, language: str = "العربية") -> SimMessage:
    """Open the newcomer link, pick a language, agree."""
    await user.open_link(link)
    await choose(user, language)
    consent = user.last()
    await user.press(consent, consent.buttons[0][0])
    # The consent message becomes the welcome; the newcomer's menu follows it.
    return next(m for m in user.inbox() if m.message_id == consent.message_id)


async def set_up_chat(
    creator: SimUser,
    startgroup: str,
    title: str = "Samen Kralingen",
    rights: tuple[str, ...] = ALL_RIGHTS,
) -> SimGroup:
    """Create a group and add the bot to it from the startgroup link with these rights."""
    group = await creator.create_group(title)
    url = startgroup.split("&admin=")[0] + "&admin=" + "+".join(rights)
    await creator.open_link(url, group=group)
    return group


def button_url(message: SimMessage, label: str) -> str:
    """The URL behind an inline URL button."""
    assert message.reply_markup is not None
    for row in message.reply_markup["inline_keyboard"]:
        for button in row:
            if button["text"] == label:
                return str(button["url"])
    raise KeyError(label)


async def press_forged(user: SimUser, data: str) -> None:
    """Press a button with callback data of our choosing on the user's last message from the
    bot, as a modified client could."""
    message = user.last()
    message.reply_markup = {"inline_keyboard": [[{"text": "forged", "callback_data": data}]]}
    message.buttons = [["forged"]]
    await user.press(message, "forged")
