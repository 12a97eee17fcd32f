"""Everything Telegram refuses, the sandbox refuses, with the exception PTB raises."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken

from bot.sandbox import Sandbox, SandboxRequest, SimUser


@pytest.fixture
async def amal(sbx: Sandbox, seen: list[Update]) -> SimUser:
    user = sbx.user("Amal", language_code="ar")
    await user.start()
    return user


def keyboard(**button: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(**button)]])


async def test_text_empty_and_too_long(tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await tg.send_message(amal.id, "")
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await tg.send_message(amal.id, "<b> </b>", parse_mode="HTML")
    await tg.send_message(amal.id, "x" * 4096)
    # Counted in UTF-16 code units after entity parsing: tags do not count, emoji count twice.
    await tg.send_message(amal.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"^Message is too long$"):
        await tg.send_message(amal.id, "😀" * 2049)
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await tg.send_document(amal.id, b"data", filename="a.txt", caption="c" * 1025)


async def test_html_must_parse(tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities: unsupported start tag"):
        await tg.send_message(amal.id, "<div>hi</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await tg.send_message(amal.id, "Tom & Jerry", parse_mode="HTML")
    with pytest.raises(BadRequest, match="only supports parse_mode html"):
        await tg.send_message(amal.id, "*hi*", parse_mode="MarkdownV2")
    # Without parse_mode the same text is fine and stays literal.
    await tg.send_message(amal.id, "Tom & Jerry <3")
    assert amal.last().text == "Tom & Jerry <3" and amal.last().html is None


@pytest.mark.parametrize(
    ("button", "error"),
    [
        ({"text": "x", "callback_data": "d" * 65}, "^Button_data_invalid$"),
        ({"text": "x", "callback_data": "é" * 33}, "^Button_data_invalid$"),
        ({"text": "x", "callback_data": ""}, "^Button_data_invalid$"),
        ({"text": "x"}, "text buttons are unallowed"),
        ({"text": "x", "callback_data": "a", "url": "https://x.org"}, "exactly one"),
        ({"text": "", "callback_data": "a"}, "^Button_text_empty$"),
        ({"text": "x", "url": "ftp://x.org"}, "^Button_url_invalid$"),
    ],
)
async def test_inline_keyboard_rules(
    tg: Bot, amal: SimUser, button: dict[str, Any], error: str
) -> None:
    markup = {"inline_keyboard": [[button]]}
    with pytest.raises(BadRequest, match=error):
        await tg.send_message(amal.id, "pick", reply_markup=markup)  # type: ignore[arg-type]


async def test_inline_keyboard_limits_that_pass(tg: Bot, amal: SimUser) -> None:
    await tg.send_message(amal.id, "pick", reply_markup=keyboard(text="ok", callback_data="é" * 32))
    await tg.send_message(amal.id, "open", reply_markup=keyboard(text="go", url="tg://resolve?x"))
    assert amal.last().buttons == [["go"]]


async def test_chat_access(sbx: Sandbox, tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await tg.send_message(-987654, "hi")
    stranger = sbx.user("Stranger")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await tg.send_message(stranger.id, "hi")
    await amal.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(amal.id, "hi")
    await amal.start()
    await tg.send_message(amal.id, "welcome back")


async def test_kicked_from_group_and_supergroup(sbx: Sandbox, tg: Bot, amal: SimUser) -> None:
    group = await amal.create_group("Buddies")
    await amal.add_bot(group)
    await tg.send_message(group.id, "hello group")
    await amal.remove_bot(group)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await tg.send_message(group.id, "still there?")
    other = await amal.create_group("Other")
    await amal.add_bot(other)
    await amal.migrate_to_supergroup(other)
    await amal.remove_bot(other)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await tg.send_message(other.id, "hi")
    never = await amal.create_group("Never")
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await tg.send_message(never.id, "hi")


async def test_edits(tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await tg.edit_message_text("x", chat_id=amal.id, message_id=999)
    sent = await tg.send_message(amal.id, "one", reply_markup=keyboard(text="a", callback_data="a"))
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await sent.edit_text("one", reply_markup=keyboard(text="a", callback_data="a"))
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await sent.edit_reply_markup(keyboard(text="a", callback_data="a"))
    # Editing without reply_markup removes the keyboard, as in Telegram.
    await sent.edit_text("one")
    assert amal.last().buttons == [] and amal.last().edited
    mine = await amal.send("my words")
    with pytest.raises(BadRequest, match=r"^Message can't be edited$"):
        await tg.edit_message_text("theirs", chat_id=amal.id, message_id=mine.message_id)


async def test_reply_to_missing_message(tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Message to be replied not found$"):
        await tg.send_message(amal.id, "re", reply_to_message_id=4242)
    sent = await tg.send_message(
        amal.id, "re", reply_parameters=ReplyParameters(4242, allow_sending_without_reply=True)
    )
    assert sent.reply_to_message is None
    mine = await amal.send("question")
    answer = await tg.send_message(amal.id, "answer", reply_to_message_id=mine.message_id)
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "question"


async def test_unknown_method_and_wrong_token(sbx: Sandbox, tg: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await tg.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    status, body = await sbx.call("SENDTELEPATHY", {})
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await sbx.call("GETME", {})  # method names are case-insensitive
    assert status == 200 and body["result"]["username"] == sbx.bot_username
    wrong = Bot("123456789:WRONGwrongWRONGwrong", request=SandboxRequest(sbx))
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await wrong.initialize()


async def test_commands_validation(sbx: Sandbox, tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Invalid language code specified$"):
        await tg.set_my_commands([BotCommand("help", "Help")], language_code="nld")
    with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
        await tg.set_my_commands([BotCommand("Help", "Help")])
    with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
        await tg.set_my_commands([BotCommand("x" * 33, "Help")])
    with pytest.raises(BadRequest, match=r"^Bot_command_description_invalid$"):
        await tg.set_my_commands([BotCommand("help", "d" * 257)])
    with pytest.raises(BadRequest, match=r"^Too many commands specified$"):
        await tg.set_my_commands([BotCommand(f"c{i}", "d") for i in range(101)])
    await tg.set_my_commands([BotCommand("help", "Hulp")], language_code="nl")
    scope = BotCommandScopeChat(amal.id)
    await tg.set_my_commands([BotCommand("start", "Begin")], scope=scope)
    assert sbx.my_commands(language_code="nl") == [("help", "Hulp")]
    assert sbx.my_commands({"type": "chat", "chat_id": amal.id}) == [("start", "Begin")]
    assert [c.command for c in await tg.get_my_commands(scope=scope)] == ["start"]
    await tg.delete_my_commands(language_code="nl")
    assert sbx.my_commands(language_code="nl") == []


async def test_admin_rights_are_required(sbx: Sandbox, tg: Bot, amal: SimUser) -> None:
    group = await amal.create_group("Buddies", [sbx.user("Bo")])
    await amal.add_bot(group)
    with pytest.raises(BadRequest, match=r"^Not enough rights to manage chat invite link$"):
        await tg.create_chat_invite_link(group.id)
    with pytest.raises(BadRequest, match=r"^Not enough rights to restrict/unrestrict"):
        await tg.ban_chat_member(group.id, amal.id)
    with pytest.raises(BadRequest, match=r"^Chat_admin_required$"):
        await tg.approve_chat_join_request(group.id, amal.id)
    await amal.promote_bot(group, ["invite_users", "restrict_members"])
    with pytest.raises(BadRequest, match=r"^Member limit can't be specified"):
        await tg.create_chat_invite_link(group.id, creates_join_request=True, member_limit=5)
    with pytest.raises(BadRequest, match=r"^Hide_requester_missing$"):
        await tg.approve_chat_join_request(group.id, amal.id - 1)
    with pytest.raises(BadRequest, match=r"^Can't remove chat owner$"):
        await tg.ban_chat_member(group.id, amal.id)


async def test_callback_answers(sbx: Sandbox, tg: Bot, amal: SimUser) -> None:
    with pytest.raises(BadRequest, match=r"^Query is too old and response timeout expired"):
        await tg.answer_callback_query("12345")
    await tg.send_message(amal.id, "pick", reply_markup=keyboard(text="Ja", callback_data="yes"))
    await amal.press(amal.last(), "Ja")
    query = sbx.last_callback()
    await tg.answer_callback_query(query.id, text="Dank je")
    assert query.answered and query.text == "Dank je"
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await tg.answer_callback_query(query.id)
    await amal.press(amal.last(), "Ja")
    sbx.clock.advance(16)
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await tg.answer_callback_query(sbx.last_callback().id)
