"""Raising a concern: privately, to the coordinator only, acknowledged, the person told."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import Sandbox
from tests.scenarios import (
    QUICK_PEOPLE,
    create_sponsorship,
    join_as_member,
    join_as_newcomer,
    press_forged,
    set_up_chat,
    world,
)

CONCERN = "أشعر بالقلق من رسالة من المالك"


async def test_newcomer_raises_a_concern_that_never_reaches_the_group(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        links = await create_sponsorship(carla)
        sanne = sandbox.user("Sanne", language_code="nl")
        amal = sandbox.user("Amal", language_code="ar")
        await join_as_member(sanne, links.member, roles=("Contactpersoon",))
        await join_as_newcomer(amal, links.newcomer)
        group = await set_up_chat(carla, links.startgroup)
        for person in (sanne, amal):
            await person.press(person.last(), person.last().buttons[0][0])
        ar, en, nl = (bot.services.i18n.get(c) for c in ("ar", "en", "nl"))
        in_group = len(sandbox.messages(group.id))
        sanne_inbox = len(sanne.inbox())

        await amal.send(ar.t("🛟 Talk to the coordinator"))  # her menu button
        assert amal.last().text == ar.t(
            "What worries you? Write it in your own language. Only the coordinator reads it, "
            "never your group."
        )
        await amal.send(CONCERN)
        assert amal.last().text == ar.t(
            "Thank you for telling me. I passed your concern on to the coordinator, and only to "
            "them. I will tell you when they have read it."
        )
        alert = carla.last()
        assert alert.text == "🛟 " + en.t(
            "{person} ({name}) raised a concern, privately:",
            person="Amal",
            name="Kralingen – family A",
        ) + "\n\n" + en.value(CONCERN)
        assert len(sandbox.messages(group.id)) == in_group  # never the group
        assert len(sanne.inbox()) == sanne_inbox

        await sanne.send("/help")
        await press_forged(sanne, alert.button_data(en.t("Acknowledge")))
        assert sandbox.last_callback().text == nl.t("Sorry, only coordinators can do this.")
        rows = await bot.services.db.fetchall("SELECT person_id, acknowledged_at FROM concerns")
        assert [(r[0], r[1]) for r in rows] == [(amal.id, None)]

        await carla.press(alert, en.t("Acknowledge"))
        assert amal.last().text == ar.t(
            "The coordinator has read your concern and will contact you."
        )
        rows = await bot.services.db.fetchall("SELECT acknowledged_by FROM concerns")
        assert [r[0] for r in rows] == [carla.id]
        edited = next(m for m in carla.inbox() if m.message_id == alert.message_id)
        assert edited.buttons == []  # the button is gone
        assert len(sandbox.messages(group.id)) == in_group


async def test_strangers_cannot_raise_concerns(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, _):
        eve = sandbox.user("Eve", language_code="en")
        await eve.send("/concern")
        assert eve.last().text == (
            "You can raise a concern once you take part in a sponsorship. Until then, please "
            "contact the organisation that invited you."
        )
        rows = await bot.services.db.fetchall("SELECT count(*) FROM concerns")
        assert rows[0][0] == 0
