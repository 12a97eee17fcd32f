"""Sponsorships as people live them: a coordinator sets one up, a sponsor group and a newcomer
join from their links, and all of them end up in one shared chat that strangers cannot enter."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import FSI, PDI
from bot.sandbox import Sandbox
from bot.storage import people
from tests.scenarios import (
    ALL_RIGHTS,
    QUICK_PEOPLE,
    choose,
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    links_in,
    press_forged,
    set_up_chat,
    world,
)

NAME = "Kralingen – family A"  # typed with a full stop, stored without


async def _rows(harness, sql: str, *params):
    return [tuple(r) for r in await harness.services.db.fetchall(sql, params)]


async def test_happy_path(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        card = carla.inbox()[-2]
        assert card.text.splitlines()[:6] == [
            f"Sponsorship 1: {NAME}",
            "Municipality: Rotterdam",
            f"Newcomer language: {FSI}العربية{PDI}",
            "Expected arrival: Jan 15, 2027",
            "Status: preparing",
            "Shared chat: not linked yet",
        ]
        assert links.member.startswith("https://t.me/samenhier_test_bot?start=")
        assert len(links.member.split("=")[1]) == 32
        assert links.startgroup.endswith(
            "&admin=invite_users+restrict_members+delete_messages+pin_messages"
        )

        sanne = sandbox.user("Sanne", language_code="nl")
        piet = sandbox.user("Piet", language_code="nl")
        fatma = sandbox.user("Fatma", language_code="tr")
        amal = sandbox.user("Amal", language_code="ar")
        done = await join_as_member(sanne, links.member, roles=("Contactpersoon", "Maatje"))
        assert done.text.startswith(f"Welkom bij {NAME}!")
        await join_as_member(piet, links.member, roles=("Wonen",))
        await join_as_member(fatma, links.member, language="Nederlands", roles=("Gezondheid",))
        welcome = await join_as_newcomer(amal, links.newcomer)
        ar = bot.services.i18n.get("ar")
        assert welcome.text.startswith(
            ar.t("Welcome, {name}! We are glad you are here.", name="Amal")
        )
        assert f"{FSI}Sanne{PDI}" in welcome.text and f"{FSI}Piet{PDI}" in welcome.text

        assert await _rows(
            bot,
            "SELECT person_id, kind, roles, consent_at IS NOT NULL, in_chat "
            "FROM participants ORDER BY person_id",
        ) == [
            (sanne.id, "member", "contact,buddy", 1, 0),
            (piet.id, "member", "housing", 1, 0),
            (fatma.id, "member", "health", 1, 0),
            (amal.id, "newcomer", "", 1, 0),
        ]
        assert await _rows(bot, "SELECT id, language, first_name FROM people ORDER BY id") == [
            (carla.id, "en", None),
            (sanne.id, "nl", "Sanne"),
            (piet.id, "nl", "Piet"),
            (fatma.id, "nl", "Fatma"),
            (amal.id, "ar", "Amal"),
        ]

        group = await set_up_chat(carla, links.startgroup)  # the coordinator makes the group
        ready = sandbox.messages(group.id)[-1]
        nl, ar_lang = bot.services.i18n.get("nl"), ar
        assert ready.text == (
            nl.t(
                "This chat now belongs to {name}. I let in only the people of this sponsorship.",
                name=NAME,
            )
            + "\n\n"
            + ar_lang.t(
                "This chat now belongs to {name}. I let in only the people of this sponsorship.",
                name=NAME,
            )
        )
        for person in (sanne, piet, fatma, amal):
            invite = person.last()
            assert invite.buttons[0][0] == (
                ar.t("Join the shared chat") if person is amal else "Deelnemen aan de gedeelde chat"
            )
            await person.press(invite, invite.buttons[0][0])
        chat = sandbox.chat(group.id)
        for person in (sanne, piet, fatma, amal):
            assert chat.status(person.id) == "member"  # all four approved into the chat
        assert await _rows(bot, "SELECT in_chat FROM participants") == [(1,)] * 4
        welcome_msg = [m for m in sandbox.messages(group.id) if m.from_id == sandbox.bot_id][-1]
        nl_part, ar_part = welcome_msg.text.split("\n\n")
        assert nl_part.splitlines() == [
            nl.t("Welcome, {name}! This is your shared chat with your sponsor group.", name="Amal"),
            nl.t("• {name} – {roles}", name="Sanne", roles="Contactpersoon en Maatje"),
            nl.t("• {name} – {roles}", name="Piet", roles="Wonen"),
            nl.t("• {name} – {roles}", name="Fatma", roles="Gezondheid"),
        ]
        assert ar_part.startswith(
            ar.t("Welcome, {name}! This is your shared chat with your sponsor group.", name="Amal")
        )
        assert await _rows(bot, "SELECT status, chat_id, chat_ready FROM sponsorships") == [
            ("active", group.id, 1)
        ]
        assert await _rows(
            bot, "SELECT kind, used_by FROM invites WHERE used_at IS NOT NULL ORDER BY kind"
        ) == [("group", carla.id), ("newcomer", amal.id)]

        await sanne.send("/members", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text.startswith(
            nl.t("Who is who in {name}:", name=NAME)
        )


async def test_strangers_and_other_sponsorships_are_declined(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        first = await create_sponsorship(carla)
        second = await create_sponsorship(carla, name="Delfshaven – family B.")
        sanne = sandbox.user("Sanne", language_code="nl")
        await join_as_member(sanne, first.member, roles=("Contactpersoon",))
        bas = sandbox.user("Bas", language_code="nl")
        await join_as_member(bas, second.member)
        group = await set_up_chat(sanne, first.startgroup)
        ((chat_link,),) = await _rows(bot, "SELECT chat_invite_link FROM sponsorships WHERE id = 1")
        before = len(carla.inbox())

        mallory = sandbox.user("Mallory", language_code="en")
        await mallory.open_link(chat_link)
        await bas.open_link(chat_link)
        chat = sandbox.chat(group.id)
        assert chat.status(mallory.id) != "member" and chat.status(bas.id) != "member"
        assert mallory.id not in chat.join_requests and bas.id not in chat.join_requests
        alerts = [m.text for m in carla.inbox()[before:]]
        assert alerts == [
            f"{name} (Telegram ID {uid}) asked to join the shared chat of {NAME} but is not part "
            "of it. I declined the request."
            for name, uid in (("Mallory", mallory.id), ("Bas", bas.id))
        ]
        assert await people.get(bot.services.db, mallory.id) is None
        assert mallory.inbox() == []


async def test_non_coordinators_cannot_run_admin_commands(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        await create_sponsorship(carla)
        counts = await _counts(bot)
        eve = sandbox.user("Eve", language_code="en")
        for command in (
            "/new_sponsorship",
            "/sponsorships",
            "/sponsorship 1",
            "/coordinator_add 42",
            f"/coordinator_remove {carla.id}",
            "/coordinator_add",
            "/coordinator_remove",
        ):
            await eve.send(command)
            assert eve.last().text == "Sorry, only coordinators can do this.", command
        card = carla.inbox()[-2]
        await eve.send("/help")
        for label in ("New invite links", "Revoke open links", "Remove a participant"):
            await press_forged(eve, card.button_data(label))
            assert sandbox.last_callback().text == "Sorry, only coordinators can do this."
        group = await eve.create_group("Eve's group")
        await eve.add_bot(group)
        await eve.send("/new_sponsorship", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == "Sorry, only coordinators can do this."
        assert await _counts(bot) == counts


async def _counts(bot) -> dict[str, int]:
    out = {}
    for table in ("people", "coordinators", "sponsorships", "invites", "participants", "audit"):
        out[table] = (await _rows(bot, f"SELECT count(*) FROM {table}"))[0][0]
    revoked = await _rows(bot, "SELECT count(*) FROM invites WHERE revoked_at IS NOT NULL")
    out["revoked"] = revoked[0][0]
    return out


async def test_coordinator_in_a_group_is_sent_to_the_private_chat(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (_, carla):
        group = await carla.create_group("Team")
        await carla.add_bot(group)
        await carla.send("/sponsorships", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == "Please do this in a private chat with me."


async def test_bad_tokens_all_get_the_same_answer_and_create_nothing(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        amal = sandbox.user("Amal", language_code="ar")
        await join_as_newcomer(amal, links.newcomer)
        counts = await _counts(bot)

        expired = await create_sponsorship(carla, name="Expired")
        await bot.services.db.conn.execute(
            "UPDATE invites SET expires_at = '2000-01-01T00:00:00+00:00' WHERE sponsorship_id = 2"
        )
        revoked = await create_sponsorship(carla, name="Revoked")
        await carla.press(carla.inbox()[-2], "Revoke open links")
        assert sandbox.last_callback().text == "3 open links revoked."
        counts = await _counts(bot)

        bad = [
            "A" * 32,  # unknown
            "short",  # not even token-shaped
            links.newcomer.split("=")[1],  # newcomer link already used
            expired.member.split("=")[1],
            revoked.member.split("=")[1],
        ]
        users = [sandbox.user(f"User{i}", language_code="en") for i in range(len(bad))]
        for user, token in zip(users, bad, strict=True):
            await user.start(token)
            assert user.last().text == (
                "This link does not work. Links expire after a while, and some work only once. "
                "Please ask your coordinator for a new link."
            )
        assert await _counts(bot) == counts

        pest = sandbox.user("Pest", language_code="en")
        for i in range(5):
            await pest.start(f"{'B' * 31}{i}")
        await pest.open_link(links.member)  # even a good link waits now
        assert pest.last().text == (
            "You tried several links that do not work. Please wait 15 minutes, or ask your "
            "coordinator for a new link."
        )
        assert await _counts(bot) == counts


async def test_newcomer_link_works_only_once(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        amal = sandbox.user("Amal", language_code="ar")
        other = sandbox.user("Yusuf", language_code="ar")
        await other.open_link(links.newcomer)  # opens, but does not finish yet
        await join_as_newcomer(amal, links.newcomer)
        await choose(other, "العربية")
        await other.press(other.last(), other.last().buttons[0][0])
        assert other.last().text == bot.services.i18n.get("ar").t(
            "This link does not work. Links expire after a while, and some work only once. "
            "Please ask your coordinator for a new link."
        )
        assert await _rows(bot, "SELECT person_id FROM participants") == [(amal.id,)]


async def test_missing_admin_rights_are_named_and_rechecked(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        group = await set_up_chat(carla, links.startgroup, rights=("invite_users",))
        nl, ar = bot.services.i18n.get("nl"), bot.services.i18n.get("ar")
        assert sandbox.messages(group.id)[-1].text == "\n\n".join(
            lang.t(
                "I need these admin rights to keep this chat safe: {rights}. Please make me an "
                "administrator with them; I will check again by myself.",
                rights=lang.list(
                    lang.t(r) for r in ("Ban users", "Delete messages", "Pin messages")
                ),
            )
            for lang in (nl, ar)
        )
        assert await _rows(bot, "SELECT chat_id, chat_ready FROM sponsorships") == [(group.id, 0)]
        await carla.promote_bot(group, ALL_RIGHTS)
        assert await _rows(bot, "SELECT chat_ready FROM sponsorships") == [(1,)]
        assert sandbox.messages(group.id)[-1].text.startswith(
            nl.t(
                "This chat now belongs to {name}. I let in only the people of this sponsorship.",
                name=NAME,
            )
        )

        other = await create_sponsorship(carla, name="Delfshaven – family B.")
        await carla.send(f"/link {other.code}", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == (
            "This chat already belongs to another sponsorship."
        )
        assert await _rows(bot, "SELECT id, chat_id FROM sponsorships ORDER BY id") == [
            (1, group.id),
            (2, None),
        ]


async def test_link_command_by_contact_person_and_refusal_for_others(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        piet = sandbox.user("Piet", language_code="nl")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await join_as_member(piet, links.member, roles=("Wonen",))
        group = await sanne.create_group("Buren", members=[piet])
        await sanne.add_bot(group, admin_rights=ALL_RIGHTS)
        await piet.send(f"/link {links.code}", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == bot.services.i18n.get("nl").t(
            "Only a coordinator or the group's contact person can link this chat."
        )
        assert await _rows(bot, "SELECT chat_id FROM sponsorships") == [(None,)]
        await sanne.send(f"/link {links.code}", chat_id=group.id)
        assert await _rows(bot, "SELECT chat_id, chat_ready FROM sponsorships") == [(group.id, 1)]


async def test_supergroup_migration_keeps_working(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        group = await set_up_chat(sanne, links.startgroup)
        old_id = group.id
        new_id = await sanne.migrate_to_supergroup(group)
        assert new_id != old_id
        assert await _rows(bot, "SELECT chat_id FROM sponsorships") == [(new_id,)]
        piet = sandbox.user("Piet", language_code="nl")
        await join_as_member(piet, links.member)
        await piet.press(piet.last(), piet.last().buttons[0][0])
        assert sandbox.chat(new_id).status(piet.id) == "member"
        await piet.send("/members", chat_id=new_id)
        assert "Piet" in sandbox.messages(new_id)[-1].text


async def test_bot_removed_flags_and_alerts(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        group = await set_up_chat(carla, links.startgroup)
        await carla.remove_bot(group)
        assert await _rows(bot, "SELECT flag, chat_ready FROM sponsorships") == [("bot_removed", 0)]
        assert carla.last().text == (
            f"I was removed from the shared chat of {NAME}. Nobody can be let in until I am back: "
            "please add me again as an administrator."
        )
        await carla.add_bot(group, admin_rights=ALL_RIGHTS)
        assert await _rows(bot, "SELECT flag, chat_ready FROM sponsorships") == [(None, 1)]


async def test_blocked_person_is_unreachable_until_they_return(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await sanne.block_bot()
        person = await people.get(bot.services.db, sanne.id)
        assert person is not None and person.unreachable
        calls = len(sandbox.api_calls)
        await set_up_chat(carla, links.startgroup)
        to_sanne = [
            p
            for m, p in sandbox.api_calls[calls:]
            if m == "sendMessage" and p.get("chat_id") == sanne.id
        ]
        assert to_sanne == []  # skipped, not retried
        await sanne.start()
        person = await people.get(bot.services.db, sanne.id)
        assert person is not None and not person.unreachable


async def test_removed_participant_leaves_the_chat(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        piet = sandbox.user("Piet", language_code="nl")
        await join_as_member(piet, links.member, roles=("Wonen",))
        group = await set_up_chat(carla, links.startgroup)
        await piet.press(piet.last(), piet.last().buttons[0][0])
        assert sandbox.chat(group.id).status(piet.id) == "member"
        await carla.send("/sponsorship 1")
        await carla.press(carla.last(), "Remove a participant")
        await carla.press(carla.last(), "Piet")
        await carla.press(carla.last(), "Yes, remove")
        assert carla.last().text == f"Piet no longer takes part in {NAME}."
        assert sandbox.chat(group.id).status(piet.id) != "member"
        assert await _rows(bot, "SELECT removed_at IS NOT NULL FROM participants") == [(1,)]
        assert piet.last().text == bot.services.i18n.get("nl").t(
            "You no longer take part in {name}. If you think this is a mistake, please contact "
            "your coordinator.",
            name=NAME,
        )
        audit = await _rows(
            bot, "SELECT actor_id, action, target_id FROM audit WHERE action = 'participant_remove'"
        )
        assert audit == [(carla.id, "participant_remove", piet.id)]


async def test_coordinators_add_and_remove_each_other(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        dirk = sandbox.user("Dirk", language_code="nl")
        await dirk.start()
        await carla.send("/coordinator_add")
        await carla.send(str(dirk.id))
        assert carla.last().text == f"{dirk.id} is now a coordinator."
        assert dirk.last().text == bot.services.i18n.get("nl").t(
            "You are now a coordinator of the Samen Hier bot. Send /help to see what you can do."
        )
        await dirk.send("/sponsorships")
        assert dirk.last().text == bot.services.i18n.get("nl").t(
            "There are no sponsorships yet. Start one with /new_sponsorship."
        )
        await carla.send(f"/coordinator_remove {dirk.id}")
        assert carla.last().text == f"{dirk.id} is no longer a coordinator."
        await carla.send(f"/coordinator_remove {carla.id}")
        assert carla.last().text == "You are the last coordinator, so you cannot be removed."
        await carla.send("/coordinator_add me")
        assert carla.last().text.startswith("Please send a Telegram ID (a number)")
        actions = await _rows(
            bot,
            "SELECT actor_id, action, target_id FROM audit "
            "WHERE action LIKE 'coordinator%' ORDER BY id",
        )
        assert actions == [
            (None, "coordinator_bootstrap", carla.id),
            (carla.id, "coordinator_add", dirk.id),
            (carla.id, "coordinator_remove", dirk.id),
        ]


async def test_unlinked_group_is_left_politely(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, _):
        stranger = sandbox.user("Stranger", language_code="en")
        group = await stranger.create_group("Random")
        await stranger.add_bot(group)
        assert bot.app.job_queue is not None
        jobs = bot.app.job_queue.get_jobs_by_name(f"leave-unlinked:{group.id}")
        assert len(jobs) == 1
        await jobs[0].run(bot.app)
        assert sandbox.chat(group.id).status(sandbox.bot_id) == "left"
        assert sandbox.messages(group.id)[-1].text.endswith(
            "Nobody linked this chat to a sponsorship, so I am leaving it. Goodbye!"
        )
        assert await _rows(bot, "SELECT count(*) FROM sponsorships") == [(0,)]


async def test_links_message_parses(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (_, carla):
        links = await create_sponsorship(carla, arrival=None)
        assert links_in(carla.last()) == links
        assert "Expected arrival: not yet known" in carla.inbox()[-2].text


async def test_contact_person_changes_roles_and_others_cannot(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        piet = sandbox.user("Piet", language_code="nl")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await join_as_member(piet, links.member, roles=("Wonen",))
        nl = bot.services.i18n.get("nl")

        await piet.send("/roles")
        assert piet.last().text == nl.t(
            "Only the contact person of a group or a coordinator can change roles."
        )
        await press_forged(piet, f"roles:t:1:{piet.id}:health")
        assert sandbox.last_callback().text == nl.t(
            "Only the contact person of a group or a coordinator can change roles."
        )

        await sanne.send("/roles")
        await sanne.press(sanne.last(), sanne.last().buttons[1][0])  # Piet
        await choose(sanne, nl.t("Health"))
        await choose(sanne, nl.t("Housing"))
        await sanne.press(sanne.last(), nl.t("Done"))
        assert sanne.last().text == nl.t("The roles are saved.")
        assert await _rows(bot, "SELECT roles FROM participants WHERE person_id = ?", piet.id) == [
            ("health",)
        ]
        assert await _rows(
            bot,
            "SELECT actor_id, action, details FROM audit WHERE action = 'roles_set' ORDER BY id",
        ) == [(sanne.id, "roles_set", "housing,health"), (sanne.id, "roles_set", "health")]
