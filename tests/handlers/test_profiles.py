"""Profiles before arrival as a coordinator makes them: a sponsor group and a household step by
step with buttons, one field changed from the card, consent first, the contact person keeping
their own group's profile up to date, and everyone else refused."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import FSI, PDI, native_name
from bot.sandbox import Sandbox, SimUser
from handlers.profiles import language_label
from tests.helpers import Harness
from tests.scenarios import QUICK_PEOPLE, choose, press_forged, world


async def _rows(bot: Harness, sql: str, *params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.services.db.fetchall(sql, params)]


async def tap_language(bot: Harness, user: SimUser, code: str, times: int = 1) -> None:
    """Tap a language button `times` times (fluent, good, basic, not spoken)."""
    lang = bot.services.i18n.get("en")
    for _ in range(times):
        message = user.last()
        label = next(b for row in message.buttons for b in row if b.startswith(native_name(code)))
        await user.press(message, label)
    assert language_label(lang, code, 0)  # the helper the bot uses to label them


async def make_group(bot: Harness, carla: SimUser, contact: SimUser | None = None) -> None:
    """/group_profile answered step by step, as a coordinator would."""
    await carla.send("/group_profile")
    await carla.send("Buren van Kralingen")
    await carla.send("Rotterdam")
    await choose(carla, "Skip")  # no neighbourhood
    await tap_language(bot, carla, "nl")  # fluent
    await tap_language(bot, carla, "ar", times=2)  # good
    await choose(carla, "Done")
    await choose(carla, "6")
    await choose(carla, "evenings")
    await choose(carla, "weekends")
    await choose(carla, "Done")
    await choose(carla, "children's schooling")
    await choose(carla, "paperwork")
    await choose(carla, "Done")
    await choose(carla, "cooking")
    await choose(carla, "Done")
    if contact is None:
        await choose(carla, "Skip")
    else:
        await carla.send(str(contact.id))


async def test_group_profile_step_by_step(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        sanne = sandbox.user("Sanne", language_code="nl")
        await sanne.start()
        await make_group(bot, carla, contact=sanne)
        assert await _rows(
            bot,
            "SELECT name, contact_id, municipality, neighbourhood, languages, hours, "
            "availability, skills, interests, sponsorship_id FROM group_profiles",
        ) == [
            (
                "Buren van Kralingen",
                sanne.id,
                "Rotterdam",
                "",
                "nl:3,ar:2",
                6,
                "evenings,weekends",
                "paperwork,school",
                "cooking",
                None,
            )
        ]
        assert carla.last().text.splitlines() == [
            "Saved. I told the contact person.",
            "",
            "Group profile 1: Buren van Kralingen",
            f"Contact person: Telegram ID {sanne.id}",
            "Municipality: Rotterdam",
            "Neighbourhood: not set",
            f"Languages: {FSI}Nederlands (fluent) and العربية (good){PDI}",
            "Time: 6 hours a week",
            "Available: evenings and weekends",
            "Can help with: paperwork and children's schooling",
            "Hopes to share: cooking",
            "Status: looking for a household",
        ]
        nl = bot.services.i18n.get("nl")
        assert sanne.last().text == nl.t(
            "You are the contact person of the sponsor group {name}. You can check and "
            "complete the group's profile with /group_profile.",
            name="Buren van Kralingen",
        )
        assert await _rows(
            bot, "SELECT action, target_id FROM audit WHERE action LIKE 'group%'"
        ) == [("group_profile_create", 1)]


async def test_household_profile_starts_with_consent(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await carla.send("/household")
        assert carla.last().text == (
            "Let's make a profile of a newcomer household from the resettlement file.\n\n"
            "Has the household agreed that I keep this profile and share it with the sponsor "
            "group they are matched with? Only record a profile with their consent."
        )
        assert carla.last().buttons == [["Yes, they agreed"], ["Cancel"]]
        await choose(carla, "Cancel")
        assert carla.last().text == "Okay, I stopped. Send /help to see what you can do."

        await carla.send("/household")
        await choose(carla, "Yes, they agreed")
        await carla.send("RSZ-2027-014.")
        await tap_language(bot, carla, "ar")  # fluent
        await tap_language(bot, carla, "en", times=3)  # basic
        await choose(carla, "Done")
        assert carla.last().text == "Which of these languages should I use for the household?"
        assert carla.last().buttons == [["العربية", "English"], ["Cancel"]]
        await choose(carla, "العربية")
        await choose(carla, "2")
        await carla.send("four and nine")
        assert carla.last().text == (
            "Please send the ages as whole numbers from 0 to 17, separated by commas, for "
            "example 4, 9, 15."
        )
        await carla.send("9, 4, 19")
        assert carla.last().text.startswith("Please send the ages")
        await carla.send("9, 4")
        # A child of school age: the need is ticked already.
        assert ["✓ school-age children", "medical follow-up"] in carla.last().buttons
        await choose(carla, "medical follow-up")
        await choose(carla, "Done")
        await choose(carla, "cooking")
        await choose(carla, "sport")
        await choose(carla, "Done")
        assert await _rows(bot, "SELECT count(*) FROM household_profiles") == [(0,)]
        await carla.send("  Rotterdam ")
        assert await _rows(
            bot,
            "SELECT label, main_language, languages, adults, children_ages, needs, interests, "
            "location, consent_by, created_by, sponsorship_id FROM household_profiles",
        ) == [
            (
                "RSZ-2027-014",
                "ar",
                "ar:3,en:1",
                2,
                "4,9",
                "medical,school",
                "cooking,sport",
                "Rotterdam",
                carla.id,
                carla.id,
                None,
            )
        ]
        card = carla.last()
        today = bot.services.i18n.get("en").date(bot.services.clock.now())
        assert card.text.splitlines() == [
            "Saved.",
            "",
            "Household 1: RSZ-2027-014",
            f"Consent recorded on {today}",
            f"Main language: {FSI}العربية{PDI}",
            f"Languages: {FSI}العربية (fluent) and English (basic){PDI}",
            "Adults: 2",
            "Children's ages: 4 and 9",
            "Needs: school-age children and medical follow-up",
            "Interests: cooking and sport",
            "Preferred municipality: Rotterdam",
            "Status: waiting for a match",
        ]
        assert card.buttons == [
            ["Reference", "Main language"],
            ["Languages", "Adults"],
            ["Children", "Needs"],
            ["Interests", "Preferred municipality"],
            ["Find a match"],
            ["Delete"],
        ]
        assert await _rows(bot, "SELECT action, details FROM audit WHERE target_id = 1") == [
            ("household_create", "consent")
        ]
        await carla.send("/households")
        assert carla.last().text.splitlines() == [
            "Household profiles",
            "1. RSZ-2027-014 – Rotterdam – waiting for a match",
        ]


async def test_a_household_language_the_bot_does_not_speak(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await carla.send("/household")
        await choose(carla, "Yes, they agreed")
        await carla.send("RSZ-7")
        await tap_language(bot, carla, "ps")
        await choose(carla, "Done")
        assert carla.last().text == (
            "I do not speak any of these languages. Which language should I use for the household?"
        )
        await choose(carla, "دری")
        await choose(carla, "1")
        await choose(carla, "No children")
        await choose(carla, "Done")
        await choose(carla, "Done")
        await choose(carla, "No preference")
        assert await _rows(
            bot,
            "SELECT main_language, languages, children_ages, needs, interests, location "
            "FROM household_profiles",
        ) == [("fa_AF", "ps:3", "", "", "", None)]


async def test_one_field_changed_from_the_card(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await make_group(bot, carla)
        await carla.send("/group_profile 1")
        card = carla.last()
        assert card.buttons == [
            ["Name", "Municipality"],
            ["Neighbourhood", "Languages"],
            ["Hours a week", "Availability"],
            ["Skills", "Hopes to share"],
            ["Contact person"],
            ["Delete"],
        ]
        await carla.press(card, "Hours a week")
        assert carla.last().message_id == card.message_id  # the card became the question
        await carla.send("a lot")
        assert carla.last().text == "Please send a whole number from 0 to 80."
        await carla.send("10")
        assert "Time: 10 hours a week" in carla.last().text.splitlines()
        await carla.press(carla.last(), "Languages")
        await tap_language(bot, carla, "ar")  # good -> basic
        await tap_language(bot, carla, "nl", times=4)  # fluent -> ... -> not spoken -> fluent
        await choose(carla, "Done")
        await carla.press(carla.last(), "Neighbourhood")
        await carla.send("Kralingen-Oost")
        assert await _rows(bot, "SELECT hours, languages, neighbourhood FROM group_profiles") == [
            (10, "nl:3,ar:1", "Kralingen-Oost")
        ]
        assert await _rows(
            bot, "SELECT details FROM audit WHERE action = 'group_profile_update' ORDER BY id"
        ) == [("hours",), ("languages",), ("neighbourhood",)]
        await carla.send("/group_profiles")
        assert carla.last().text.splitlines() == [
            "Sponsor group profiles",
            "1. Buren van Kralingen – Rotterdam – looking for a household",
        ]
        await carla.press(carla.last(), "1. Buren van Kralingen")
        assert carla.last().text.startswith("Group profile 1: Buren van Kralingen")
        await carla.press(carla.last(), "Delete")
        assert carla.last().text == (
            "Delete the profile Buren van Kralingen? This cannot be undone."
        )
        await carla.press(carla.last(), "Yes, delete")
        assert carla.last().text == "The profile is deleted."
        assert await _rows(bot, "SELECT count(*) FROM group_profiles") == [(0,)]


async def test_the_contact_person_keeps_their_group_profile_up_to_date(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        sanne = sandbox.user("Sanne", language_code="nl")
        await sanne.start()
        await sanne.press(sanne.last(), "Nederlands")
        await make_group(bot, carla, contact=sanne)
        await make_group(bot, carla)  # another group, without her
        nl = bot.services.i18n.get("nl")
        await sanne.send("/group_profile")
        card = sanne.last()
        assert card.text.splitlines()[0] == nl.t(
            "<b>Group profile {id}: {name}</b>", id=1, name="Buren van Kralingen"
        ).replace("<b>", "").replace("</b>", "")
        labels = [label for row in card.buttons for label in row]
        assert nl.t("Contact person") not in labels and nl.t("Delete") not in labels
        await sanne.press(card, nl.t("Hours a week"))
        await sanne.send("4")
        assert await _rows(bot, "SELECT id, hours FROM group_profiles ORDER BY id") == [
            (1, 4),
            (2, 6),
        ]
        refusal = nl.t("Sorry, only coordinators can do this.")
        for command in ("/group_profile 2", "/group_profiles", "/household", "/match 1"):
            await sanne.send(command)
            assert sanne.last().text == refusal, command
        for data in ("pfc:g:del:1", "pfc:g:delok:1", "pfc:g:edit:1:contact", "pfc:g:show:2"):
            await press_forged(sanne, data)
            assert sandbox.last_callback().text == refusal, data
        assert await _rows(bot, "SELECT count(*), max(contact_id) FROM group_profiles") == [
            (2, sanne.id)
        ]


async def test_strangers_are_refused_and_stale_buttons_explained(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        await make_group(bot, carla)
        eve = sandbox.user("Eve", language_code="en")
        for command in ("/group_profile", "/group_profile 1", "/group_profiles", "/household"):
            await eve.send(command)
            assert eve.last().text == "Sorry, only coordinators can do this.", command
        for data in ("pfc:g:edit:1:hours", "pfc:g:del:1", "pfc:h:show:1"):
            await press_forged(eve, data)
            assert sandbox.last_callback().text == "Sorry, only coordinators can do this."
        await press_forged(eve, "pf:g:hours:8")  # nobody asked her anything
        assert sandbox.last_callback().text == "This button no longer works. Please start again."
        await carla.send("/group_profile 1")
        card = carla.last()
        await carla.press(card, "Skills")
        await carla.send("/cancel")
        question, stopped = carla.inbox()[-2:]  # one answer: the fallbacks stay quiet
        assert stopped.text == "Okay, I stopped. Send /help to see what you can do."
        await carla.press(question, "Done")
        assert sandbox.last_callback().text == "This button no longer works. Please start again."
        await carla.send("/group_profile 7")
        assert carla.last().text == "This profile does not exist any more."
        await carla.send("/group_profile x")
        assert carla.last().text == (
            "Please add the number of the group profile, for example /group_profile 2. "
            "/group_profiles lists them all."
        )
        assert await _rows(bot, "SELECT count(*) FROM audit WHERE action LIKE 'group%'") == [(1,)]
