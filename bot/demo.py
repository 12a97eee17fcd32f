"""`samenhier demo`: the real bot against the sandbox on loopback, with a printed transcript."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot import checkins, faq, scheduling
from bot.app import App, build_application, running
from bot.clock import FakeClock
from bot.config import parse_config
from bot.context import SERVICES_KEY, Services
from bot.i18n import FSI, PDI
from bot.sandbox import Sandbox, SandboxServer, SimGroup, SimMessage, SimUser
from bot.sandbox.fake_translator import FakeTranslator
from bot.storage import checkins as schedules
from bot.storage import sponsorships

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

    def _service(self, message: SimMessage) -> str:
        """A readable line for a service message (someone joined, left, ...)."""
        service = message.service
        if "new_chat_members" in service:
            names = [self.names.get(u["id"], u["first_name"]) for u in service["new_chat_members"]]
            return f"(added to the chat: {', '.join(names)})"
        if "left_chat_member" in service:
            return f"(left the chat: {service['left_chat_member']['first_name']})"
        if service:
            return "(" + ", ".join(k.replace("_", " ") for k in service) + ")"
        return ""

    def _clean(self, text: str) -> str:
        return text.replace(FSI, "").replace(PDI, "") if self.plain else text

    def _print(self, message: SimMessage, edited: bool) -> None:
        sender = self.names.get(message.from_id, str(message.from_id))
        mark = " (edited)" if edited else ""
        lines = self._clean(message.text).splitlines() or [self._service(message)]
        self.out.write(f"  {sender:>6} ›{mark} {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"  {'':>6}   {line}\n")
        for row in message.buttons or message.reply_keyboard:
            labels = "  ".join(f"[ {self._clean(label)} ]" for label in row)
            self.out.write(f"  {'':>6}   {labels}\n")
        if message.document:
            self.out.write(f"  {'':>6}   (file: {message.document['file_name']})\n")

    def _fresh(self, chat_id: int) -> list[tuple[SimMessage, bool]]:
        fresh: list[tuple[SimMessage, bool]] = []
        for message in self.sandbox.messages(chat_id):
            key = (chat_id, message.message_id)
            if message.deleted or self._seen.get(key) == message.text + str(message.buttons):
                continue
            fresh.append((message, key in self._seen))
        return fresh

    def bot_answered(self) -> bool:
        """True when the bot wrote or edited something not printed yet."""
        return any(
            m.from_id == self.sandbox.bot_id for chat in self.chats for m, _ in self._fresh(chat)
        )

    def flush(self) -> None:
        """Print what is new in every followed chat."""
        for chat_id, title in self.chats.items():
            fresh = self._fresh(chat_id)
            for message, _ in fresh:
                self._seen[(chat_id, message.message_id)] = message.text + str(message.buttons)
            if fresh:
                self.out.write(f"── {title} ──\n")
                for message, edited in fresh:
                    self._print(message, edited)
        self.out.flush()


async def play(out: TextIO, plain: bool = False) -> None:
    """Run the scenario; raise if the bot does not answer as it should."""
    sandbox = Sandbox()
    server = SandboxServer(sandbox)
    carla = sandbox.user("Carla", language_code="nl")
    translator = FakeTranslator().start()
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
                    "coordinators": {"telegram_ids": [carla.id]},
                    # A loopback stand-in for a translation service: its "translations" are
                    # recognisable fakes ("[nl] ..."), and nothing leaves the machine.
                    "translation": {"backend": "google", "url": translator.url("/m")},
                },
                "<demo>",
            )
            clock = FakeClock(datetime.now(UTC))  # moved by hand for the check-in round
            app = build_application(config, clock=clock)
            async with running(app, polling=True):
                transcript = Transcript(sandbox, out, plain)
                cast = await _scenario(sandbox, carla, transcript, out)
                await _checkin_round(app, clock, sandbox, carla, cast, transcript, out)
                await _plan_round(app, clock, sandbox, cast, transcript, out)
                await _questions_round(app, sandbox, cast, transcript, out)
                out.write("\nDemo finished.\n")
    finally:
        await server.stop()
        translator.stop()


async def _scenario(
    sandbox: Sandbox, carla: SimUser, t: Transcript, out: TextIO
) -> tuple[SimUser, SimUser, SimUser, SimGroup]:
    sanne = t.person(sandbox.user("Sanne", language_code="nl"))
    piet = t.person(sandbox.user("Piet", language_code="nl"))
    amal = t.person(sandbox.user("Amal", language_code="ar"))
    jonas = t.person(sandbox.user("Jonas", language_code="de"))
    t.person(carla)

    async def step(title: str, action: Step, until: Callable[[], bool] | None = None) -> None:
        out.write(f"\n# {title}\n")
        await action()
        # Wait for the bot's answer (it may be pacing itself to stay within flood limits).
        await sandbox.wait_until(until or t.bot_answered, timeout=15)
        await sandbox.settle()
        t.flush()

    async def press(user: SimUser, text: str) -> None:
        message = user.last()
        labels = [label for row in message.buttons for label in row]
        await user.press(message, next(lb for lb in labels if lb in (text, f"✓ {text}")))

    out.write("Samen Hier demo: the real bot, talking to a sandboxed Telegram on loopback.\n")
    await step(
        "Jonas's Telegram is in German, which we do not ship: English it is", lambda: jonas.start()
    )
    await step(
        "He picks Nederlands from the native language names", lambda: press(jonas, "Nederlands")
    )

    # A coordinator sets up a sponsorship.
    await step("Carla, a coordinator, starts the bot and picks Nederlands", lambda: carla.start())
    await step("…", lambda: press(carla, "Nederlands"))
    await step("She sets up a new sponsorship", lambda: carla.send("/new_sponsorship"))
    await step("…gives it a name", lambda: carla.send("Kralingen – familie A"))
    await step("…the municipality", lambda: carla.send("Rotterdam"))
    await step("…the household's language", lambda: press(carla, "العربية"))
    await step("…and the expected arrival date", lambda: carla.send("15-01-2027"))
    await step(
        "…and picks the standard settlement plan",
        lambda: carla.press(carla.last(), carla.last().buttons[0][0]),
    )
    await sandbox.wait_until(lambda: "https://t.me/" in carla.last().text, timeout=15)
    t.flush()
    urls = re.findall(r"https://t\.me/\S+", carla.last().text)
    member_link, newcomer_link, startgroup_link = urls[:3]

    # The sponsor group joins.
    await step("Sanne opens the member link", lambda: sanne.open_link(member_link))
    await step("…keeps Nederlands", lambda: press(sanne, "Nederlands"))
    await step("…agrees", lambda: sanne.press(sanne.last(), sanne.last().buttons[0][0]))
    await step("…takes two roles", lambda: press(sanne, "Contactpersoon"))
    await step("…", lambda: press(sanne, "Maatje"))
    await step("…and is done", lambda: sanne.press(sanne.last(), sanne.last().buttons[-1][0]))
    await step("Piet joins too", lambda: piet.open_link(member_link))
    for action in (
        lambda: press(piet, "Nederlands"),
        lambda: piet.press(piet.last(), piet.last().buttons[0][0]),
        lambda: press(piet, "Wonen"),
        lambda: piet.press(piet.last(), piet.last().buttons[-1][0]),
    ):
        await step("…", action)

    # The newcomer joins, in Arabic.
    await step(
        "Amal, the newcomer, opens her link (her phone is in Arabic)",
        lambda: amal.open_link(newcomer_link),
    )
    await step("She picks العربية", lambda: press(amal, "العربية"))
    await step("She agrees", lambda: amal.press(amal.last(), amal.last().buttons[0][0]))

    # The shared chat.
    group = await sanne.create_group("Samen Kralingen")
    t.follow(group.id, "Samen Kralingen (shared group chat)")
    await step(
        "Sanne creates a group and adds the bot with the startgroup link",
        lambda: sanne.open_link(startgroup_link, group=group),
    )
    for person in (piet, amal):

        async def join(p: SimUser = person) -> None:
            await p.press(p.last(), p.last().buttons[0][0])

        def joined(p: SimUser = person) -> bool:
            return sandbox.chat(group.id).status(p.id) == "member"

        await step(
            f"{person.first_name} presses the button to join the shared chat; the bot approves",
            join,
            until=joined,
        )
    mallory = t.person(sandbox.user("Mallory", language_code="en"))
    ready = piet.inbox()[-1]
    invite = ready.inline_button(ready.buttons[0][0])["url"]
    await step(
        "A stranger who got hold of the chat link asks to join: declined, Carla is told",
        lambda: mallory.open_link(invite),
    )
    await step(
        "In the shared chat, Piet asks who is who", lambda: piet.send("/members", chat_id=group.id)
    )
    return sanne, piet, amal, group


async def _checkin_round(
    app: App,
    clock: FakeClock,
    sandbox: Sandbox,
    carla: SimUser,
    cast: tuple[SimUser, SimUser, SimUser, SimGroup],
    t: Transcript,
    out: TextIO,
) -> None:
    """A week of coordination check-ins. The bot's clock jumps from moment to moment and the
    tick runs at once (the job queue would wake it up within a minute): no waiting."""
    sanne, piet, amal, group = cast
    service = checkins.service(app)
    nl, ar = service.i18n.get("nl"), service.i18n.get("ar")

    async def step(title: str, action: Step, until: Callable[[], bool]) -> None:
        out.write(f"\n# {title}\n")
        await action()
        await sandbox.wait_until(until, timeout=15)
        await sandbox.settle()
        t.flush()

    async def at(when: datetime) -> None:
        clock.set(when)
        await service.tick()

    def grew(user: SimUser, chat_id: int | None = None) -> Callable[[], bool]:
        count = len(user.inbox(chat_id))
        return lambda: len(user.inbox(chat_id)) > count

    await service.tick()  # the sponsorship is active: it gets the default check-in schedule
    s = (await sponsorships.list_all(service.db))[0]
    rows = await service.ensure_schedules(s)
    first = await service.next_checkin(s, next(r for r in rows if r.kind == "group"))
    assert first is not None
    when = f"{nl.date(first, 'full')} {nl.time(first)}"
    in_group, in_private = grew(sanne, group.id), grew(amal)
    await step(
        f"Check-in time ({when}): the bot's clock jumps there",
        lambda: at(first),
        lambda: in_group() and in_private(),
    )
    await step(
        "Sanne answers in the shared chat: the message shows who answered, not what",
        lambda: sanne.press(sanne.last(group.id), checkins.scale_text(nl, 4)),
        t.bot_answered,
    )
    await step(
        "Amal answers privately, in Arabic",
        lambda: amal.press(amal.last(), checkins.scale_text(ar, 2)),
        t.bot_answered,
    )
    talk = f"{checkins.TALK_LABEL[0]} {ar.t(checkins.TALK_LABEL[1])}"
    await step(
        "…and would like to talk to someone: only Carla is told, never the group",
        lambda: amal.press(amal.last(), talk),
        grew(carla),
    )
    await step(
        "Amal adds a note for the coordinator",
        lambda: amal.send("شكرا. أحتاج مساعدة في رسالة من البلدية."),
        grew(carla),
    )
    await step(
        "A day later: one reminder, only to Piet, who has not answered",
        lambda: at(first + timedelta(hours=24)),
        grew(piet),
    )
    await step(
        "Two days after the check-in it closes",
        lambda: at(first + timedelta(hours=48)),
        t.bot_answered,
    )
    digest_row = next(r for r in await schedules.all_schedules(service.db) if r.kind == "digest")
    monday = scheduling.next_occurrence(service.schedule(digest_row, None), service.tz, clock.now())
    assert monday is not None
    await step(
        "Monday morning: Carla's weekly overview of every sponsorship",
        lambda: at(monday),
        grew(carla),
    )


async def _plan_round(
    app: App,
    clock: FakeClock,
    sandbox: Sandbox,
    cast: tuple[SimUser, SimUser, SimUser, SimGroup],
    t: Transcript,
    out: TextIO,
) -> None:
    """The settlement plan: the newcomer ticks off a task in Arabic, a member takes one, and
    a reminder arrives the day before its due date."""
    _, piet, amal, _ = cast
    service = checkins.service(app)
    nl, ar = service.i18n.get("nl"), service.i18n.get("ar")
    template = app.bot_data["templates"]["standard"]
    digid, house = template.task("digid"), template.task("house_ready")

    async def step(title: str, action: Step, until: Callable[[], bool] | None = None) -> None:
        out.write(f"\n# {title}\n")
        await action()
        await sandbox.wait_until(until or t.bot_answered, timeout=15)
        await sandbox.settle()
        t.flush()

    await step("Amal opens her own list of tasks, in Arabic", lambda: amal.send("/tasks"))
    await step("…opens the DigiD task", lambda: amal.press(amal.last(), digid.title_in("ar")))
    await step(
        "…and marks it done: the shared chat reads it in Dutch and Arabic",
        lambda: amal.press(amal.last(), "✅ " + ar.t("Done")),
    )
    await step("Piet looks at all open tasks", lambda: piet.send("/tasks all"))
    await step(
        "…opens one for the housing role", lambda: piet.press(piet.last(), house.title_in("nl"))
    )
    await step("…and takes it", lambda: piet.press(piet.last(), "🙋 " + nl.t("I'll take it")))
    reminder_at = datetime.combine(
        date(2027, 1, 15) + timedelta(days=house.due_days - 1), time(9, 0), tzinfo=service.tz
    )
    count = len(piet.inbox())

    async def jump() -> None:
        clock.set(reminder_at)
        await service.tick()

    await step(
        f"{nl.date(reminder_at, 'full')} 09:00: the day before it is due, a reminder",
        jump,
        lambda: len(piet.inbox()) > count,
    )


async def _questions_round(
    app: App,
    sandbox: Sandbox,
    cast: tuple[SimUser, SimUser, SimUser, SimGroup],
    t: Transcript,
    out: TextIO,
) -> None:
    """Everyday questions in Arabic, then a question to the group and the answer back."""
    sanne, _, amal, group = cast
    services: Services = app.bot_data[SERVICES_KEY]
    nl, ar = services.i18n.get("nl"), services.i18n.get("ar")
    health = faq.topic_by_key("health")
    assert health is not None

    async def step(title: str, action: Step) -> None:
        out.write(f"\n# {title}\n")
        await action()
        await sandbox.wait_until(t.bot_answered, timeout=15)
        await sandbox.settle()
        t.flush()

    out.write(
        '\n(Translation: a loopback stand-in answers "[language] WORDS REVERSED", so you '
        "can see what was machine-translated. A deployment picks a real service in "
        "[translation], or none.)\n"
    )
    await step("Amal taps ❓ in her menu", lambda: amal.send(ar.t("❓ Everyday questions")))
    await step(
        "…opens the health topic",
        lambda: amal.press(amal.last(), f"{health.emoji} {faq.text_in(health.title, 'ar')}"),
    )
    await step(
        "…and a question",
        lambda: amal.press(amal.last(), faq.text_in(health.questions[0].question, "ar")[:60]),
    )
    await step("She taps 💬 Ask my group", lambda: amal.send(ar.t("💬 Ask my group")))
    await step(
        "…writes her question in Arabic",
        lambda: amal.send("وصلتني رسالة من البلدية. هل يمكن أن يساعدني أحد؟"),
    )
    await step(
        "…and allows machine translation (asked once, in Arabic)",
        lambda: amal.press(amal.last(), ar.t("Yes, translate")),
    )
    question = sandbox.messages(group.id)[-1]
    await step("Sanne allows translation of her messages too", lambda: sanne.send("/privacy"))
    await step("…", lambda: sanne.press(sanne.last(), nl.t("Allow translation")))
    await step(
        "Sanne answers by replying to the question in the shared chat",
        lambda: sanne.reply(
            question, "Ja hoor! Stuur een foto van de brief, dan kijk ik vanavond met je mee."
        ),
    )


def main(plain: bool = False) -> int:
    """Entry point for `samenhier demo`."""
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(play(sys.stdout, plain))
    except Exception as exc:  # the demo must end in one readable line
        print(f"samenhier demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
