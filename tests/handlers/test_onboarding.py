"""Onboarding as people do it: /start, picking a language, /language, /help, wrong input."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import FSI, PDI, SHIPPED_LANGUAGES, native_name
from bot.sandbox import Sandbox
from bot.storage import people
from tests.helpers import Harness

PICKER = [
    ["Nederlands", "English"],
    ["العربية", "ትግርኛ"],
    ["دری", "Soomaali"],
    ["Українська", "Türkçe"],
]
EVERYONE_MENU = [
    ("start", "Start and choose your language"),
    ("help", "What I can do for you"),
    ("language", "Change your language"),
    ("tasks", "Tasks of the plan"),
    ("task_add", "Add a task: /task_add TEXT"),
    ("questions", "Everyday questions"),
    ("translate", "Translate a text: /translate TEXT"),
    ("privacy", "Your data and translation"),
    ("mydata", "Everything stored about you"),
    ("forget", "Delete your data"),
    ("concern", "Tell the coordinator, privately"),
    ("cancel", "Stop what you are doing"),
]
HELP_EN = (
    "Here is what you can do:\n"
    "/start – Start and choose your language\n"
    "/help – What I can do for you\n"
    "/language – Change your language\n"
    "/tasks – Tasks of the plan\n"
    "/task_add – Add a task: /task_add TEXT\n"
    "/questions – Everyday questions\n"
    "/translate – Translate a text: /translate TEXT\n"
    "/privacy – Your data and translation\n"
    "/mydata – Everything stored about you\n"
    "/forget – Delete your data\n"
    "/concern – Tell the coordinator, privately\n"
    "/cancel – Stop what you are doing"
)


async def test_new_arabic_newcomer_is_greeted_in_arabic_and_picks_arabic(
    bot: Harness, sandbox: Sandbox
) -> None:
    amal = sandbox.user("Amal", language_code="ar")
    await amal.start()
    greeting = amal.last()
    ar = bot.services.i18n.get("ar")
    assert greeting.text == ar.t(
        "Hello {name}! I am the Samen Hier assistant. I help newcomers and their sponsor "
        "group work together, each in their own language.\n\n"
        "Which language would you like me to use?",
        name="Amal",
    )
    assert f"{FSI}Amal{PDI}" in greeting.text
    assert greeting.text.startswith("مرحب")
    assert greeting.buttons == PICKER
    assert await people.get(bot.services.db, amal.id) is None  # nothing stored before a choice

    await amal.press(greeting, "العربية")
    person = await people.get(bot.services.db, amal.id)
    assert person is not None and person.language == "ar"
    confirmation = amal.last()
    assert confirmation.message_id == greeting.message_id  # edited, not a second message
    assert confirmation.text.startswith(
        ar.t("From now on I will write to you in {language}.", language="العربية")
    )
    assert "/help" in confirmation.text
    assert len(amal.inbox()) == 1
    menu = sandbox.my_commands({"type": "chat", "chat_id": amal.id})
    assert menu == [(name, ar.t(text)) for name, text in EVERYONE_MENU]


async def test_language_is_remembered_and_can_be_changed(bot: Harness, sandbox: Sandbox) -> None:
    sanne = sandbox.user("Sanne", language_code="nl")
    await sanne.start()
    await sanne.press(sanne.last(), "Nederlands")
    await sanne.send("/help")
    assert sanne.last().text.startswith("Dit kun je doen") or sanne.last().text.startswith(
        bot.services.i18n.get("nl").t("Here is what you can do:")
    )
    await sanne.start()
    nl = bot.services.i18n.get("nl")
    assert sanne.last().text.startswith(nl.t("Welcome back, {name}!", name="Sanne"))

    await sanne.send("/language")
    picker = sanne.last()
    assert picker.text == nl.t("Which language would you like me to use?")
    assert picker.buttons[0] == ["✓ Nederlands", "English"]
    await sanne.press(picker, "English")
    person = await people.get(bot.services.db, sanne.id)
    assert person is not None and person.language == "en"
    await sanne.send("/help")
    assert sanne.last().text == HELP_EN


async def test_unshipped_telegram_language_gets_english(bot: Harness, sandbox: Sandbox) -> None:
    jonas = sandbox.user("Jonas", language_code="de")
    await jonas.start()
    assert jonas.last().text.startswith("Hello Jonas! I am the Samen Hier assistant.")
    nobody = sandbox.user("Kim", language_code=None)
    await nobody.start()
    assert nobody.last().text.startswith("Hello Kim!")


@pytest.mark.parametrize("code", SHIPPED_LANGUAGES)
async def test_every_language_can_be_chosen(bot: Harness, sandbox: Sandbox, code: str) -> None:
    user = sandbox.user("Yusuf", language_code="en")
    await user.start()
    await user.press(user.last(), native_name(code))
    lang = bot.services.i18n.get(code)
    assert user.last().text.startswith(
        lang.t("From now on I will write to you in {language}.", language=native_name(code))
    )


async def test_unknown_command_and_plain_text_get_a_helpful_answer(
    bot: Harness, sandbox: Sandbox
) -> None:
    kim = sandbox.user("Kim", language_code="en")
    await kim.send("/weather tomorrow")
    assert kim.last().text == (
        "I do not know the command /weather. Send /help to see what you can do."
    )
    await kim.send("hello?")
    assert (
        kim.last().text == "I understand commands and buttons. Send /help to see what you can do."
    )
    await kim.send("/" + "x" * 200)  # too long to be a command for Telegram: plain text
    assert kim.last().text.startswith("I understand commands")
    await kim.send("<b>not html</b> & more")
    assert kim.last().text.startswith("I understand commands")


async def test_forged_and_stale_buttons_change_nothing(bot: Harness, sandbox: Sandbox) -> None:
    kim = sandbox.user("Kim", language_code="en")
    await kim.start()
    picker = kim.last()
    picker.reply_markup = {
        "inline_keyboard": [
            [
                {"text": "Klingon", "callback_data": "lang:tlh"},
                {"text": "Junk", "callback_data": "zz:9"},
            ]
        ]
    }
    picker.buttons = [["Klingon", "Junk"]]
    await kim.press(picker, "Klingon")
    await kim.press(picker, "Junk")
    assert await people.get(bot.services.db, kim.id) is None
    answers = [p for m, p in sandbox.api_calls if m == "answerCallbackQuery"]
    assert [a.get("text") for a in answers] == [
        "This button no longer works. Please send /start again."
    ] * 2
    assert kim.last().message_id == picker.message_id


async def test_command_menus_published_per_language(bot: Harness, sandbox: Sandbox) -> None:
    scope = {"type": "all_private_chats"}
    for code in SHIPPED_LANGUAGES:
        tg_code = "fa" if code == "fa_AF" else code
        lang = bot.services.i18n.get(code)
        assert sandbox.my_commands(scope, tg_code) == [
            (name, lang.t(text)) for name, text in EVERYONE_MENU
        ]
        groups = sandbox.my_commands({"type": "all_group_chats"}, tg_code)
        names = [name for name, _ in groups]
        assert names == ["members", "tasks", "task_add", "link", "autotranslate"]
    assert sandbox.my_commands(scope, "")[1] == ("help", "What I can do for you")


async def test_a_failure_is_logged_without_text_and_answered_kindly(
    bot: Harness, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    kim = sandbox.user("Kim", language_code="en")
    sandbox.inject_fault("5xx", method="sendMessage", times=1)
    with caplog.at_level(logging.INFO):
        await kim.send("my secret address is Dorpsstraat 1")
    assert (
        kim.last().text == "Sorry, something went wrong on my side. Please try again in a moment."
    )
    assert "Dorpsstraat" not in caplog.text
    assert "error while handling update" in caplog.text


async def test_commands_in_groups_are_answered_only_when_addressed_to_us(
    bot: Harness, sandbox: Sandbox
) -> None:
    kim = sandbox.user("Kim", language_code="en")
    group = await kim.create_group("Buren")
    await kim.add_bot(group)
    before = len(sandbox.messages(group.id))
    await kim.send("/help", chat_id=group.id)  # not addressed to us: other bots may be there
    assert [m for m in sandbox.messages(group.id)[before:] if m.from_id == sandbox.bot_id] == []
    await kim.send(f"/weather@{sandbox.bot_username}", chat_id=group.id)
    assert sandbox.messages(group.id)[-1].text == (
        "I do not know the command /weather. In a shared chat you can use /members."
    )
