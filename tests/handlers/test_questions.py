"""Everyday questions and the translation relay, as a newcomer and her group live them. The
translation service is a loopback fake (tests/fake_translator.py): nothing leaves the machine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot import faq
from bot.glossary import glossary_notes
from bot.sandbox import Sandbox, SimGroup, SimUser
from bot.sandbox.fake_translator import FakeTranslator, fake_translate
from tests.helpers import Harness
from tests.scenarios import (
    QUICK_PEOPLE,
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    set_up_chat,
    world,
)

QUESTION = "أين أجد طبيب الأسرة؟"
ANSWER = "Je kunt je inschrijven bij de huisarts in de Dorpsstraat."


@pytest.fixture
def fake() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


@asynccontextmanager
async def family(
    tmp_path: Path, fake: FakeTranslator
) -> AsyncIterator[tuple[Harness, Sandbox, SimUser, SimUser, SimUser, SimGroup]]:
    """Carla (coordinator), Sanne (contact person), Amal (newcomer, Arabic), a shared chat;
    translation through "Google" (the loopback fake)."""
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    translation = {"backend": "google", "url": fake.url("/m"), "timeout_seconds": 2.0}
    async with world(tmp_path, sandbox, translation=translation) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        amal = sandbox.user("Amal", language_code="ar")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await join_as_newcomer(amal, links.newcomer)
        group = await set_up_chat(carla, links.startgroup)
        for person in (sanne, amal):
            await person.press(person.last(), person.last().buttons[0][0])
        yield bot, sandbox, carla, sanne, amal, group


def bot_lines(sandbox: Sandbox, chat_id: int) -> list[str]:
    return [m.text for m in sandbox.messages(chat_id) if m.from_id == sandbox.bot_id]


async def test_newcomer_browses_a_topic_in_arabic(tmp_path: Path, fake: FakeTranslator) -> None:
    async with family(tmp_path, fake) as (bot, _, _, _, amal, _):
        ar = bot.services.i18n.get("ar")
        await amal.send(ar.t("❓ Everyday questions"))  # the home menu button
        topics = amal.last()
        emergency = faq.topic_by_key("emergency")
        assert emergency is not None
        assert topics.buttons[0][0] == f"{emergency.emoji} {emergency.title['ar']}"
        assert topics.buttons[-1] == ["💬 " + ar.t("Ask my group")]
        await amal.press(topics, topics.buttons[0][0])
        first = emergency.questions[0]
        await amal.press(amal.last(), first.question["ar"][:60])
        shown = amal.last().text
        assert first.answer["ar"] in shown
        assert "112" in shown
        assert fake.calls == 0  # content, not machine translation


async def test_ask_my_group_with_consent_and_the_answer_comes_back(
    tmp_path: Path, fake: FakeTranslator
) -> None:
    async with family(tmp_path, fake) as (bot, sandbox, _, sanne, amal, group):
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        await amal.send(ar.t("💬 Ask my group"))
        await amal.send(QUESTION)
        ask = amal.last()
        assert ask.text.startswith(
            ar.t(
                "To translate what you write, I send your text to {service}, a translation service "
                "outside Samen Hier. It does not get your name.",
                service="Google Translate",
            )
        )
        assert fake.calls == 0  # nothing is sent before consent
        await amal.press(ask, ar.t("Yes, translate"))
        posted = sandbox.messages(group.id)[-1]
        assert posted.text == (
            "❓ "
            + nl.t("Question from {person}", person="Amal")
            + "\n\n"
            + nl.value(fake_translate(QUESTION, "nl"))
            + "\n\n"
            + nl.t("Machine translation from {language}. The original:", language="العربية")
            + "\n"
            + nl.value(QUESTION)
        )
        assert posted.buttons == [[nl.t("This translation is unclear")]]
        assert fake.calls == 1
        assert amal.last().text == ar.t(
            "I posted your question in your shared chat. When someone answers, I will send the "
            "answer to you here."
        )

        # Sanne answers before allowing translation: Amal gets the original, with a note.
        await sanne.reply(posted, ANSWER)
        got = amal.last()
        assert got.text.startswith("💬 " + ar.t("{person} answered your question:", person="Sanne"))
        assert ANSWER in got.text
        assert ar.t("Not translated: the writer has not allowed machine translation.") in got.text
        assert sandbox.messages(group.id)[-1].text == nl.t(
            "✓ Passed on to {person}.", person="Amal"
        )
        consent = sanne.last()
        await sanne.press(consent, nl.t("Yes, translate"))
        await sanne.reply(posted, ANSWER)
        got = amal.last()
        # The glossary keeps "huisarts" as it is, and explains it in Arabic.
        assert (
            ar.value("[ar] DORPSSTRAAT. DE IN huisarts DE BIJ INSCHRIJVEN JE KUNT JE") in got.text
        )
        assert "ℹ️ " + ar.value(glossary_notes(ANSWER, "ar")[0]) in got.text
        assert ANSWER in got.text  # the original is always kept
        assert fake.calls == 2

        # The same answer again comes from the cache.
        await sanne.reply(posted, ANSWER)
        assert fake.calls == 2
        rows = await bot.services.db.fetchall("SELECT person_id FROM questions")
        assert [tuple(r) for r in rows] == [(amal.id,)]

        # "This translation is unclear" flags it to the group, in both languages.
        await amal.press(got, ar.t("This translation is unclear"))
        flag = sandbox.messages(group.id)[-1]
        assert flag.text.split("\n\n")[0] == nl.t(
            "{person} says a machine translation here is unclear. Could someone say it again in "
            "short, simple words?",
            person="Amal",
        )
        assert flag.reply_to_message_id == posted.message_id


async def test_no_consent_means_nothing_is_sent(tmp_path: Path, fake: FakeTranslator) -> None:
    async with family(tmp_path, fake) as (bot, sandbox, _, _, amal, group):
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        await amal.send(ar.t("💬 Ask my group"))
        await amal.send(QUESTION)
        await amal.press(amal.last(), ar.t("No"))
        posted = sandbox.messages(group.id)[-1]
        assert QUESTION in posted.text
        assert (
            nl.t("Not translated: the writer has not allowed machine translation.") in posted.text
        )
        assert fake.calls == 0
        await amal.send("/translate " + QUESTION)  # asking for it is a reason to ask again
        assert amal.last().text.startswith(
            ar.t(
                "To translate what you write, I send your text to {service}, a translation "
                "service outside Samen Hier. It does not get your name.",
                service="Google Translate",
            )
        )
        assert fake.calls == 0


async def test_translation_service_down_gives_the_original_with_a_note(
    tmp_path: Path, fake: FakeTranslator
) -> None:
    async with family(tmp_path, fake) as (bot, sandbox, _, _, amal, group):
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        fake.stop()  # connection refused from now on
        await amal.send(ar.t("💬 Ask my group"))
        await amal.send(QUESTION)
        await amal.press(amal.last(), ar.t("Yes, translate"))
        posted = sandbox.messages(group.id)[-1].text
        assert QUESTION in posted
        assert (
            nl.t("Not translated: the translation service did not answer. This is the original.")
            in posted
        )


async def test_translate_command_for_the_newcomer_and_a_member(
    tmp_path: Path, fake: FakeTranslator
) -> None:
    async with family(tmp_path, fake) as (bot, _, _, sanne, amal, _):
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        await amal.send("/privacy")
        await amal.press(amal.last(), ar.t("Allow translation"))
        await amal.send("/translate شكرا جزيلا")
        assert amal.last().text.startswith(ar.value(fake_translate("شكرا جزيلا", "nl")))
        await sanne.send("/privacy")
        await sanne.press(sanne.last(), nl.t("Allow translation"))
        await sanne.send("/translate شكرا جزيلا")  # a message she got in Arabic
        assert sanne.last().text.startswith(nl.value(fake_translate("شكرا جزيلا", "nl")))
        await sanne.send("/translate")
        assert sanne.last().text == nl.t(
            "Write the text after the command, for example: /translate Waar is het gemeentehuis?"
        )


async def test_auto_translate_needs_the_newcomer_and_stays_under_the_group_limit(
    tmp_path: Path, fake: FakeTranslator
) -> None:
    async with family(tmp_path, fake) as (bot, sandbox, _, sanne, amal, group):
        ar, nl = bot.services.i18n.get("ar"), bot.services.i18n.get("nl")
        await sanne.send("/privacy")
        await sanne.press(sanne.last(), nl.t("Allow translation"))
        await sanne.send("/autotranslate on", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == nl.t(
            "Automatic translation starts as soon as {person} agrees to machine translation. "
            "I have asked them.",
            person="Amal",
        )
        await sanne.send("Hallo allemaal", chat_id=group.id)
        assert fake.calls == 0  # not before the newcomer agrees
        await amal.press(amal.last(), ar.t("Yes, translate"))
        await amal.send("مرحبا بالجميع", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == "🌐 " + nl.value(
            fake_translate("مرحبا بالجميع", "nl")
        )
        await sanne.send("Welkom Amal", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == "🌐 " + ar.value(
            fake_translate("Welkom Amal", "ar")
        )
        before = len(bot_lines(sandbox, group.id))
        for i in range(20):
            await sanne.send(f"Bericht nummer {i}", chat_id=group.id)
        posted = bot_lines(sandbox, group.id)[before:]
        notes = [
            t
            for t in posted
            if t.startswith(
                nl.t(
                    "Many messages at once: I skip translating for a minute. Reply to a message "
                    "with /translate if you need it."
                )
            )
        ]
        assert len(notes) == 1
        assert len(posted) <= 12
        await sanne.send("/autotranslate off", chat_id=group.id)
        calls = fake.calls
        await amal.send("شكرا", chat_id=group.id)
        assert fake.calls == calls
        piet = sandbox.user("Piet", language_code="nl")
        await piet.send("/autotranslate on")
        assert piet.last().text == nl.t(
            "Send /autotranslate on or /autotranslate off in the shared chat."
        )
