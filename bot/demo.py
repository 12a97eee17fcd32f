"""`samenhier demo`: the real bot against the sandbox on loopback, with a printed transcript."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.app import build_application, running
from bot.config import parse_config
from bot.i18n import FSI, PDI
from bot.sandbox import Sandbox, SandboxServer, SimMessage, SimUser

Step = Callable[[], Awaitable[object]]


class Transcript:
    """Prints every message that appeared or changed since the last look, chat by chat."""

    def __init__(self, sandbox: Sandbox, out: TextIO, plain: bool) -> None:
        self.sandbox = sandbox
        self.out = out
        self.plain = plain
        self.names: dict[int, str] = {sandbox.bot_id: "bot"}
        self.chats: dict[int, str] = {}
        self._seen: dict[tuple[int, int], str] = {}

    def follow(self, chat_id: int, title: str) -> None:
        """Show this chat in the transcript under this title."""
        self.chats[chat_id] = title

    def person(self, user: SimUser) -> SimUser:
        """Remember a person's name for the transcript."""
        self.names[user.id] = user.first_name
        self.follow(user.private_chat_id, f"{user.first_name} ↔ bot (private)")
        return user

    def _clean(self, text: str) -> str:
        return text.replace(FSI, "").replace(PDI, "") if self.plain else text

    def _print(self, message: SimMessage, edited: bool) -> None:
        sender = self.names.get(message.from_id, str(message.from_id))
        mark = " (edited)" if edited else ""
        lines = self._clean(message.text).splitlines() or [""]
        self.out.write(f"  {sender:>6} ›{mark} {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"  {'':>6}   {line}\n")
        for row in message.buttons or message.reply_keyboard:
            labels = "  ".join(f"[ {self._clean(label)} ]" for label in row)
            self.out.write(f"  {'':>6}   {labels}\n")
        if message.document:
            self.out.write(f"  {'':>6}   (file: {message.document['file_name']})\n")

    def flush(self) -> None:
        """Print what is new in every followed chat."""
        for chat_id, title in self.chats.items():
            fresh: list[tuple[SimMessage, bool]] = []
            for message in self.sandbox.messages(chat_id):
                key = (chat_id, message.message_id)
                if message.deleted or self._seen.get(key) == message.text + str(message.buttons):
                    continue
                fresh.append((message, key in self._seen))
                self._seen[key] = message.text + str(message.buttons)
            if fresh:
                self.out.write(f"── {title} ──\n")
                for message, edited in fresh:
                    self._print(message, edited)
        self.out.flush()


async def play(out: TextIO, plain: bool = False) -> None:
    """Run the scenario; raise if the bot does not answer as it should."""
    sandbox = Sandbox()
    server = SandboxServer(sandbox)
    await server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="samenhier-demo-") as tmp:
            config = parse_config(
                {
                    "telegram": {
                        "token": sandbox.token,
                        "base_url": server.base_url.removesuffix("/bot"),
                    },
                    "database": {"path": str(Path(tmp) / "demo.db")},
                },
                "<demo>",
            )
            app = build_application(config)
            async with running(app, polling=True):
                await _scenario(sandbox, Transcript(sandbox, out, plain), out)
    finally:
        await server.stop()


async def _scenario(sandbox: Sandbox, t: Transcript, out: TextIO) -> None:
    sanne = t.person(sandbox.user("Sanne", language_code="nl"))
    amal = t.person(sandbox.user("Amal", language_code="ar"))
    jonas = t.person(sandbox.user("Jonas", language_code="de"))

    async def step(title: str, action: Step) -> None:
        out.write(f"\n# {title}\n")
        await action()
        await sandbox.settle()
        t.flush()

    out.write("Samen Hier demo: the real bot, talking to a sandboxed Telegram on loopback.\n")
    await step("Sanne, a Dutch sponsor, starts the bot", lambda: sanne.start())
    await step("She picks Nederlands", lambda: sanne.press(sanne.last(), "Nederlands"))
    await step(
        "Amal, the newcomer, starts the bot on her phone (Telegram in Arabic)", lambda: amal.start()
    )
    await step("She picks العربية", lambda: amal.press(amal.last(), "العربية"))
    await step("Amal asks for help", lambda: amal.send("/help"))
    await step("Amal types a command that does not exist", lambda: amal.send("/weer"))
    await step(
        "Jonas's Telegram is in German, which we do not ship: English it is", lambda: jonas.start()
    )
    await step("Sanne switches to English with /language", lambda: sanne.send("/language"))
    await step("…and presses English", lambda: sanne.press(sanne.last(), "English"))
    out.write("\nDemo finished.\n")


def main(plain: bool = False) -> int:
    """Entry point for `samenhier demo`."""
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(play(sys.stdout, plain))
    except Exception as exc:  # the demo must end in one readable line
        print(f"samenhier demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
