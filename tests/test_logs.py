"""Logs without secrets: at INFO and above no bot token, no message text and no names.

The filter (bot.logs) is checked record by record, then a whole scenario runs with the real
logging set-up (`setup_logging`, the app's own loggers at DEBUG) and every record at INFO and
above is searched for the people's names, the phrases they wrote and the token."""

from __future__ import annotations

import ast
import io
import logging
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import CommandHandler

from bot.checkins import scale_text, service
from bot.clock import FakeClock
from bot.context import Ctx
from bot.logs import REDACTED, WITHHELD, RedactTokens, describe_exception, setup_logging
from bot.sandbox import FloodLimits, Sandbox
from bot.sandbox.fake_translator import FakeTranslator
from tests.scenarios import (
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    set_up_chat,
    world,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "Tulpenveldunique"
AMS = ZoneInfo("Europe/Amsterdam")
MONDAY_NOON = datetime(2027, 2, 1, 12, 0, tzinfo=AMS)
TUESDAY_19 = datetime(2027, 2, 2, 19, 0, tzinfo=AMS)


def record(
    level: int, msg: str, *args: object, exc: BaseException | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("bot.test", level, __file__, 1, msg, args, exc_info)


def formatted(rec: logging.LogRecord) -> str:
    RedactTokens().filter(rec)
    return logging.Formatter("%(levelname)s %(name)s: %(message)s").format(rec)


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def parse_the_date(text: str) -> None:
    raise ValueError(f"cannot read {text!r} as a date")


def chained() -> BaseException:
    try:
        try:
            parse_the_date(f"{SECRET} morgen")
        except ValueError as inner:
            raise RuntimeError(f"while saving {SECRET}") from inner
    except RuntimeError as outer:
        return outer
    raise AssertionError("unreachable")


# -- the filter, record by record ------------------------------------------------------------


def test_tokens_are_redacted_everywhere_at_every_level() -> None:
    for level in (logging.DEBUG, logging.INFO, logging.ERROR):
        text = formatted(record(level, "POST %s", f"https://x/bot{TOKEN}/getMe"))
        assert TOKEN not in text and f"bot{REDACTED}/getMe" in text
        text = formatted(record(level, f"token {TOKEN} in the format string"))
        assert TOKEN not in text
        exc = raised(NetworkError(f"httpx.ConnectError: https://x/bot{TOKEN}/getMe"))
        text = formatted(record(level, "failed", exc=exc))
        assert TOKEN not in text and REDACTED in text


def test_an_exception_keeps_its_frames_and_type_but_not_its_message() -> None:
    text = formatted(record(logging.ERROR, "saving failed", exc=chained()))
    assert SECRET not in text
    assert "Traceback (most recent call last):" in text
    assert "in parse_the_date" in text and "in chained" in text  # the frames
    assert f"ValueError {WITHHELD}" in text
    assert f"RuntimeError {WITHHELD}" in text
    assert "The above exception was the direct cause of the following exception" in text


def test_exceptions_as_arguments_become_their_type() -> None:
    text = formatted(record(logging.WARNING, "could not save: %s", ValueError(SECRET)))
    assert text.endswith("could not save: ValueError")


def test_telegram_keeps_its_wording_except_for_bad_requests() -> None:
    blocked = formatted(record(logging.ERROR, "x", exc=raised(Forbidden("bot was blocked"))))
    assert "telegram.error.Forbidden: bot was blocked" in blocked
    refused = BadRequest(f"Can't parse entities: unsupported start tag {SECRET!r}")
    text = formatted(record(logging.ERROR, "x", exc=raised(refused)))
    assert SECRET not in text and f"telegram.error.BadRequest {WITHHELD}" in text


def test_debug_keeps_the_message_for_development() -> None:
    text = formatted(record(logging.DEBUG, "x", exc=raised(ValueError(SECRET))))
    assert f"ValueError: {SECRET}" in text


def test_a_broken_format_string_does_not_break_the_caller() -> None:
    rec = record(logging.INFO, "%d items", "not a number")
    assert RedactTokens().filter(rec) is True


def test_describe_exception_groups() -> None:
    group = raised(ExceptionGroup(SECRET, [ValueError(SECRET), KeyError(SECRET)]))
    text = describe_exception(group)
    assert SECRET not in text
    assert "[ValueError, KeyError]" in text


# -- every log call, read from the source ----------------------------------------------------

LEVELS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# Attributes that hold what people wrote or who they are.
PERSONAL = {
    "first_name", "last_name", "full_name", "username", "text", "caption", "note", "title",
    "data", "question", "answer", "phone_number", "contact", "description", "message",
}  # fmt: skip
ROOT = Path(__file__).resolve().parent.parent


def log_calls() -> Iterator[tuple[str, ast.Call]]:
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "sandbox" in path.parts:  # the fake Telegram, not the bot
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in LEVELS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("log", "logger", "logging")
                ):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_no_log_call_passes_names_or_text() -> None:
    """Our own log calls pass ids, counts, codes and exception types only: a constant format
    string (no f-string that could hide a value), and no argument that reads a name, a text,
    button data or a message (checked on the source, so that a new log call is checked too)."""
    calls = list(log_calls())
    assert len(calls) > 20  # the walk found the code
    bad = []
    for where, call in calls:
        args = [*call.args, *(k.value for k in call.keywords if k.arg != "exc_info")]
        if call.args and not isinstance(call.args[0], ast.Constant):
            bad.append(f"{where}: the message is not a constant string")
        for arg in args[1:]:
            for node in ast.walk(arg):
                own = isinstance(node, ast.Attribute) and ast.unparse(node.value).endswith("bot")
                if isinstance(node, ast.Attribute) and node.attr in PERSONAL and not own:
                    bad.append(f"{where}: passes .{node.attr}")  # (the bot's own name is fine)
                if isinstance(node, ast.Name) and node.id in PERSONAL:
                    bad.append(f"{where}: passes {node.id}")
    assert bad == []


# -- a whole scenario ------------------------------------------------------------------------

NAMES = ("Fatimaunique", "Haddadunique", "fatima_unique_tg", "Sanneunique", "Pietunique")
FAMILY = "Kralingen – family Haddadunique"
QUESTION = "أين أجد طبيب الأسرة؟ Tulpenveldunique"
ANSWER = "Bel de huisarts aan de Klaprozenunique-laan."
NOTE = "Mijn buurman Zwaluwunique helpt ons"
GROUP_NOTE = "De huur voor Lelieunique is geregeld."
PLAIN = "mijn adres is Dorpsstraat Reigerunique 1"
BOOM = "Kievitunique"
PHRASES = (
    *(QUESTION, "Tulpenveldunique", "Klaprozenunique", "Zwaluwunique", "Lelieunique"),
    *("Reigerunique", BOOM, "TULPENVELDUNIQUE", "KLAPROZENUNIQUE-LAAN.", "ZWALUWUNIQUE"),
)  # what they wrote, and its machine translation


class Collect(logging.Handler):
    """Every record, formatted by the real handler's formatter after its filters ran."""

    def __init__(self, real: logging.Handler) -> None:
        super().__init__()
        self.real = real
        self.lines: list[tuple[int, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.name, self.real.format(record)))


@pytest.fixture
def logs() -> Iterator[tuple[Collect, io.StringIO]]:
    """setup_logging("INFO") as `samenhier run` does, writing to a buffer instead of stderr;
    the app's own loggers (bot, handlers) at DEBUG."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    own = [logging.getLogger(name) for name in ("bot", "handlers")]
    saved_own = [logger.level for logger in own]
    setup_logging("INFO")
    real = root.handlers[0]
    assert isinstance(real, logging.StreamHandler)
    stream = io.StringIO()
    real.setStream(stream)
    collect = Collect(real)
    for f in real.filters:
        collect.addFilter(f)
    root.addHandler(collect)
    for logger in own:
        logger.setLevel(logging.DEBUG)
    try:
        yield collect, stream
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for logger, level in zip(own, saved_own, strict=True):
            logger.setLevel(level)
        real.setStream(sys.stderr)


async def boom(update: Update, context: Ctx) -> None:
    """A handler that fails with the user's words in the exception, as a parsing bug could."""
    text = update.effective_message.text if update.effective_message else ""
    if "network" in (text or ""):
        raise NetworkError(f"httpx.ReadError: https://api.telegram.org/bot{TOKEN}/sendMessage")
    raise ValueError(f"cannot understand {text!r}")


class InstantTimer:
    """The outbox's pacing on a fake monotonic clock."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_a_full_scenario_logs_no_names_no_text_and_no_token(
    tmp_path: Path, logs: tuple[Collect, io.StringIO]
) -> None:
    collect, stream = logs
    sandbox = Sandbox(token=TOKEN, limits=FloodLimits(enabled=False))
    clock = FakeClock(MONDAY_NOON)
    with FakeTranslator() as fake:
        translation = {"backend": "google", "url": fake.url("/m"), "timeout_seconds": 2.0}
        async with world(tmp_path, sandbox, clock=clock, translation=translation) as (bot, carla):
            checkins = service(bot.app)
            checkins.outbox.timer = InstantTimer()
            bot.app.add_handler(CommandHandler("boom", boom), group=-10)
            links = await create_sponsorship(carla, name=FAMILY)
            sanne = sandbox.user("Sanneunique", language_code="nl")
            piet = sandbox.user("Pietunique", language_code="nl")
            fatima = sandbox.user(
                "Fatimaunique", last_name="Haddadunique", username="fatima_unique_tg",
                language_code="ar",
            )  # fmt: skip
            await join_as_member(sanne, links.member, roles=("Contactpersoon",))
            await join_as_member(piet, links.member, roles=("Wonen",))
            await join_as_newcomer(fatima, links.newcomer)
            group = await set_up_chat(sanne, links.startgroup)
            for person in (piet, fatima):
                await person.press(person.last(), person.last().buttons[0][0])
            ar = bot.services.i18n.get("ar")
            nl = bot.services.i18n.get("nl")

            # A question to the group, machine-translated, and an answer relayed back.
            await fatima.send(ar.t("💬 Ask my group"))
            await fatima.send(QUESTION)
            await fatima.press(fatima.last(), ar.t("Yes, translate"))
            posted = sandbox.messages(group.id)[-1]
            assert "TULPENVELDUNIQUE" in posted.text  # it was translated
            await sanne.reply(posted, ANSWER)
            await sanne.press(sanne.last(), nl.t("Yes, translate"))
            fake.fail_status = 503  # the translation service fails: logged without the text
            await sanne.reply(posted, ANSWER + " Nogmaals.")
            fake.fail_status = None
            await sanne.reply(posted, ANSWER)
            assert "KLAPROZENUNIQUE" in fatima.last().text

            # A check-in: the newcomer answers privately and adds a note; a member replies.
            clock.set(MONDAY_NOON)
            await checkins.tick()
            sandbox.inject_fault("5xx", method="sendMessage", chat_id=fatima.id)  # a retry
            clock.set(TUESDAY_19)
            await checkins.tick()
            await checkins.outbox.drain()
            await fatima.press(fatima.last(), scale_text(ar, 2))
            await fatima.send(NOTE)
            await piet.reply(sanne.last(group.id), GROUP_NOTE)
            clock.set(TUESDAY_19 + timedelta(hours=48))
            await checkins.tick()
            await checkins.outbox.drain()
            assert "Zwaluwunique" in carla.last().text or any(
                "Zwaluwunique" in m.text for m in carla.inbox()
            )

            # Plain text, a failure while answering, and handlers that fail with the words.
            await fatima.send(PLAIN)
            sandbox.inject_fault("5xx", method="sendMessage", chat_id=piet.id)
            await piet.send(PLAIN)
            await piet.send(f"/boom {BOOM}")
            await piet.send(f"/boom network {BOOM}")

    secrets = (*NAMES, FAMILY, *PHRASES, TOKEN, TOKEN.split(":")[1])
    shown = [(level, name, text) for level, name, text in collect.lines if level >= logging.INFO]
    leaks = [(name, text) for _, name, text in shown if any(s in text for s in secrets)]
    assert leaks == []
    assert not any(s in stream.getvalue() for s in secrets)

    # The run did log: start-up, a retry, a failed translation and the failures, with their
    # type and place.
    everything = "\n".join(text for _, _, text in shown)
    assert "migrating database to schema version" in everything
    assert "outbox: NetworkError; trying message" in everything
    assert "translation ar->nl" in everything or "translation nl->ar" in everything
    errors = [text for level, name, text in shown if level >= logging.ERROR]
    assert any(
        "error while handling update" in t and f"ValueError {WITHHELD}" in t and "in boom" in t
        for t in errors
    ), errors
    assert any(f"bot{REDACTED}/sendMessage" in t for t in errors), errors
