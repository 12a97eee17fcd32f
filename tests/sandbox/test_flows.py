"""What people do: buttons, deep links, groups, invite links, migration, blocking, files."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.sandbox import Sandbox, SandboxRequest
from tests.sandbox.conftest import T0

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


async def test_application_command_and_button_press(sbx: Sandbox) -> None:
    """A real Application with handlers; presses go by label, deep-link payloads arrive."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Nederlands", callback_data="lang:nl")]]
        )
        await update.message.reply_html(f"Hallo <b>{context.args}</b>", reply_markup=markup)

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("OK")
        await query.edit_message_text(f"Taal: {query.data}")

    app = (
        Application.builder()
        .token(sbx.token)
        .request(SandboxRequest(sbx))
        .get_updates_request(SandboxRequest(sbx))
        .updater(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(chosen))
    async with app:
        sbx.dispatcher = lambda data: app.process_update(Update.de_json(data, app.bot))
        sanne = sbx.user("Sanne")
        await sanne.open_link(f"https://t.me/{sbx.bot_username}?start=invite_42")
        first = sanne.last()
        assert first.text == "Hallo ['invite_42']"
        assert first.html == "Hallo <b>['invite_42']</b>"
        assert first.buttons == [["Nederlands"]] and first.button_data("Nederlands") == "lang:nl"
        with pytest.raises(KeyError, match="Nederlands"):
            first.button_data("English")
        await sanne.press(first, "Nederlands")
        assert sanne.last() is first and first.text == "Taal: lang:nl" and first.edited
        assert sbx.last_callback().text == "OK"
    assert [m.from_id for m in sbx.messages(sanne.id)] == [sanne.id, sbx.bot_id]


async def test_reply_keyboard_press_sends_text(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    jan = sbx.user("Jan")
    await jan.start()
    markup = ReplyKeyboardMarkup([[KeyboardButton("Ja"), KeyboardButton("Nee")]])
    await tg.send_message(jan.id, "Klaar?", reply_markup=markup)
    assert jan.last().reply_keyboard == [["Ja", "Nee"]]
    await jan.press(jan.last(), "Nee")
    assert seen[-1].message is not None and seen[-1].message.text == "Nee"


async def test_startgroup_link_adds_bot_as_admin(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("Buddy group Amal")
    link = (
        f"https://t.me/{sbx.bot_username}?startgroup=g7"
        "&admin=invite_users+restrict_members+delete_messages+pin_messages"
    )
    msg = await sanne.open_link(link, group=group)
    assert msg is not None and msg.text == f"/start@{sbx.bot_username} g7"
    member_update = seen[0].my_chat_member
    assert member_update is not None
    new = member_update.new_chat_member
    assert isinstance(new, ChatMemberAdministrator)
    assert new.can_invite_users and new.can_restrict_members and not new.can_promote_members
    assert seen[1].message is not None and seen[1].message.new_chat_members[0].id == sbx.bot_id
    command = seen[2].message
    assert command is not None and command.text == msg.text
    assert command.entities[0].type == "bot_command"
    assert sbx.chat(group.id).rights[sbx.bot_id]["can_pin_messages"]
    admins = await tg.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {sanne.id, sbx.bot_id}
    assert await tg.get_chat_member_count(group.id) == 2


async def test_group_privacy_mode(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne, bo = sbx.user("Sanne"), sbx.user("Bo")
    group = await sanne.create_group("G", [bo])
    await sanne.add_bot(group)
    count = len(seen)
    await bo.send("just chatting", chat_id=group.id)
    assert len(seen) == count  # privacy mode: plain talk is not delivered
    mine = await tg.send_message(group.id, "Vraag?")
    await bo.reply(sbx.messages(group.id)[-1], "Antwoord")
    await bo.send("/help", chat_id=group.id)
    texts = [u.message.text for u in seen[count:] if u.message]
    assert texts == ["Antwoord", "/help"]
    answer = seen[count].message
    assert answer is not None and answer.reply_to_message is not None
    assert answer.reply_to_message.message_id == mine.message_id
    outsider = sbx.user("Outsider")
    with pytest.raises(ValueError, match="not a member"):
        await outsider.send("hi", chat_id=group.id)


async def test_invite_link_join_request_and_approval(
    sbx: Sandbox, tg: Bot, seen: list[Update]
) -> None:
    sbx.allowed_updates = list(Update.ALL_TYPES)
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("Buddies")
    await sanne.add_bot(group, admin_rights=["invite_users"])
    link = await tg.create_chat_invite_link(group.id, name="amal", creates_join_request=True)
    assert link.invite_link.startswith("https://t.me/+") and link.creates_join_request
    amal = sbx.user("Amal", language_code="ar")
    assert await amal.open_link(link.invite_link) is None
    request = seen[-1].chat_join_request
    assert request is not None and request.user_chat_id == amal.id
    assert request.invite_link is not None and request.invite_link.invite_link == link.invite_link
    assert sbx.chat(group.id).join_requests[amal.id].invite_link == link.invite_link
    # While the request is pending the bot may write to the requester.
    await tg.send_message(request.user_chat_id, "Welkom! Even geduld.")
    count = len(seen)
    assert await tg.approve_chat_join_request(group.id, amal.id)
    await sbx.settle()
    joined = seen[count].chat_member
    assert joined is not None and joined.via_join_request
    assert joined.new_chat_member.status == "member"
    service = seen[count + 1].message
    assert service is not None and service.new_chat_members[0].id == amal.id
    assert sbx.chat(group.id).members[amal.id] == "member"
    assert amal.id not in sbx.chat(group.id).join_requests


async def test_direct_invite_links(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("Buddies")
    await sanne.add_bot(group, admin_rights=["invite_users"])
    link = await tg.create_chat_invite_link(group.id, member_limit=1, expire_date=int(T0) + 600)
    first, second = sbx.user("One"), sbx.user("Two")
    joined = await first.open_link(link.invite_link)
    assert joined is not None and joined.service["new_chat_members"][0]["id"] == first.id
    with pytest.raises(ValueError, match="member limit"):
        await second.open_link(link.invite_link)
    other = await tg.create_chat_invite_link(group.id, expire_date=int(T0) + 60)
    sbx.clock.advance(61)
    with pytest.raises(ValueError, match="expired"):
        await second.open_link(other.invite_link)
    revoked = await tg.create_chat_invite_link(group.id)
    await tg.revoke_chat_invite_link(group.id, revoked.invite_link)
    with pytest.raises(ValueError, match="revoked"):
        await second.open_link(revoked.invite_link)
    edited = await tg.edit_chat_invite_link(group.id, link.invite_link, member_limit=5)
    assert edited.member_limit == 5
    await second.open_link(link.invite_link)
    assert sbx.chat(group.id).members[second.id] == "member"


async def test_supergroup_migration(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne = sbx.user("Sanne")
    group = await sanne.create_group("Buddies")
    await sanne.add_bot(group, admin_rights=["invite_users"])
    old_id = group.id
    new_id = await sanne.migrate_to_supergroup(group)
    assert str(new_id).startswith("-100") and group.id == new_id and group.type == "supergroup"
    to, frm = seen[-2].message, seen[-1].message
    assert to is not None and to.migrate_to_chat_id == new_id and to.chat.id == old_id
    assert frm is not None and frm.migrate_from_chat_id == old_id and frm.chat.id == new_id
    with pytest.raises(ChatMigrated) as caught:
        await tg.send_message(old_id, "hello?")
    assert caught.value.new_chat_id == new_id
    await tg.send_message(new_id, "hello supergroup")
    assert sanne.last(old_id).text == "hello supergroup"  # inbox follows the migration
    member = await tg.get_chat_member(new_id, sbx.bot_id)
    assert isinstance(member, ChatMemberAdministrator) and member.can_invite_users


async def test_blocked_user(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    amal = sbx.user("Amal")
    await amal.start()
    await amal.block_bot()
    update = seen[-1].my_chat_member
    assert update is not None and update.chat.id == amal.id
    assert (update.old_chat_member.status, update.new_chat_member.status) == ("member", "kicked")
    with pytest.raises(ValueError, match="blocked"):
        await amal.send("hi")
    await amal.start()
    restart = seen[-2].my_chat_member
    assert restart is not None and restart.new_chat_member.status == "member"
    assert seen[-1].message is not None and seen[-1].message.text == "/start"


async def test_user_edits_and_bans(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    sanne, bo = sbx.user("Sanne"), sbx.user("Bo")
    group = await sanne.create_group("G", [bo])
    await sanne.add_bot(group, admin_rights=["restrict_members", "delete_messages"])
    said = await bo.send("hallo allemaal", chat_id=group.id)  # admin bots see everything
    await bo.edit(said, "hallo iedereen")
    assert seen[-1].edited_message is not None
    assert seen[-1].edited_message.text == "hallo iedereen"
    assert await tg.delete_message(group.id, said.message_id)
    assert said.deleted
    await tg.ban_chat_member(group.id, bo.id)
    assert sbx.chat(group.id).members[bo.id] == "kicked"
    with pytest.raises(ValueError, match="not a member"):
        await bo.send("x", chat_id=group.id)
    await tg.unban_chat_member(group.id, bo.id)
    assert sbx.chat(group.id).status(bo.id) == "left"
    await tg.leave_chat(group.id)
    await sbx.settle()  # updates caused by API calls are dispatched in the background
    assert seen[-1].my_chat_member is not None
    assert seen[-1].my_chat_member.new_chat_member.status == "left"


async def test_documents_photos_and_downloads(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    amal = sbx.user("Amal")
    await amal.start()
    sent = await tg.send_document(
        amal.id,
        b"%PDF-1.4 hello",
        filename="checklist.pdf",
        caption="<b>Lijst</b>",
        parse_mode="HTML",
    )
    doc = amal.last().document
    assert doc is not None and doc["content"] == b"%PDF-1.4 hello"
    assert doc["file_name"] == "checklist.pdf" and doc["mime_type"] == "application/pdf"
    assert amal.last().text == "Lijst" and sent.caption == "Lijst"
    assert sent.document is not None
    file = await sent.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 hello"
    again = await tg.send_document(amal.id, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    photo = await tg.send_photo(amal.id, PNG)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (2, 3)
    last_doc = amal.last().document
    assert last_doc is not None and last_doc["file_name"] == "photo.png"
    with pytest.raises(BadRequest, match=r"^Image_process_failed$"):
        await tg.send_photo(amal.id, b"not an image")


async def test_chat_info_and_bot_settings(sbx: Sandbox, tg: Bot, seen: list[Update]) -> None:
    amal = sbx.user("Amal", username="amal_k", last_name="K")
    await amal.start()
    chat = await tg.get_chat(amal.id)
    assert (chat.type, chat.username, chat.first_name) == ("private", "amal_k", "Amal")
    member = await tg.get_chat_member(amal.id, amal.id)
    assert member.status == "member"
    await tg.set_my_description("Samen Hier helpt", language_code="nl")
    await tg.set_my_short_description("Helpt")
    await tg.set_my_name("Samen Hier NL", language_code="nl")
    assert sbx.descriptions == {"nl": "Samen Hier helpt"}
    assert (await tg.get_my_short_description()).short_description == "Helpt"
    await tg.set_chat_menu_button(amal.id)
    await tg.send_chat_action(amal.id, "typing")
    assert sbx.chat(amal.id).chat_actions == ["typing"]
    sent = await tg.send_message(amal.id, "pin me")
    await tg.pin_chat_message(amal.id, sent.message_id)
    chat = await tg.get_chat(amal.id)
    assert chat.pinned_message is not None and chat.pinned_message.text == "pin me"
    copy = await tg.copy_message(amal.id, amal.id, sent.message_id)
    assert sbx.messages(amal.id)[-1].message_id == copy.message_id
    assert await tg.log_out() and await tg.close()
