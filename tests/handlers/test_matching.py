"""/match as a coordinator uses it: a small set of sponsor groups ranked for a household with
every score explained, each hard blocker, and a confirmed match that sets up the sponsorship
with its pre-arrival tasks and the two introductions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.i18n import FSI, PDI
from bot.sandbox import Sandbox, SimUser
from bot.storage import profiles, sponsorships
from bot.storage.profiles import HouseholdProfile
from tests.helpers import Harness
from tests.scenarios import QUICK_PEOPLE, press_forged, world

AR = f"{FSI}العربية{PDI}"


async def _rows(bot: Harness, sql: str, *params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.services.db.fetchall(sql, params)]


async def add_group(bot: Harness, carla: SimUser, name: str, **values: Any) -> int:
    """A group profile as /group_profile would store it (defaults: Dutch, 8 hours, Rotterdam)."""
    stored = {"name": name, "municipality": "Rotterdam", "languages": "nl:3", "hours": 8}
    stored.update(values)
    group = await profiles.create_group(bot.services.db, stored, carla.id)
    return group.id


async def add_household(bot: Harness, carla: SimUser, **values: Any) -> HouseholdProfile:
    """A household profile as /household would store it."""
    stored = {
        "label": "RSZ-014",
        "main_language": "ar",
        "languages": "ar:3,en:1",
        "adults": 2,
        "children_ages": "4,9",
        "needs": "medical,school",
        "interests": "cooking,sport",
        "location": "Rotterdam",
    }
    stored.update(values)
    return await profiles.create_household(
        bot.services.db, stored, consent_by=carla.id, by=carla.id
    )


async def small_set(bot: Harness, carla: SimUser, contact: SimUser | None = None) -> None:
    """Five waiting groups, one group that already has a household, and the household."""
    await add_group(
        bot,
        carla,
        "Buren van Kralingen",
        languages="nl:3,ar:2",
        hours=6,
        skills="paperwork,school",
        interests="cooking",
    )
    await add_group(
        bot,
        carla,
        "Delfshaven Samen",
        languages="nl:3,en:3",
        hours=10,
        skills="driving,health,school",
        interests="cooking,sport",
    )
    await add_group(
        bot,
        carla,
        "Schiedam helpt",
        municipality="Schiedam",
        neighbourhood="Nieuwland",
        languages="nl:3,ar:3",
        hours=8,
        availability="evenings",
        skills="health,school",
        interests="sport",
        contact_id=contact.id if contact else None,
    )
    await add_group(bot, carla, "Alleen Nederlands")
    await add_group(bot, carla, "Geen tijd", languages="nl:3,ar:3", hours=0)
    taken = await add_group(bot, carla, "Al gekoppeld", languages="nl:3,ar:3", hours=20)
    other = await add_household(bot, carla, label="RSZ-001")
    s = await sponsorships.create(
        bot.services.db,
        name="Al gekoppeld",
        municipality="Rotterdam",
        newcomer_language="ar",
        arrival_date=None,
        created_by=carla.id,
    )
    assert await profiles.link_match(
        bot.services.db, group_id=taken, household_id=other.id, sponsorship_id=s.id, by=carla.id
    )
    await add_household(bot, carla)


RANKED = [
    "Match suggestions for household 2: RSZ-014",
    "Machine translation is off, so a group needs a language in common with the household.",
    "",
    "1. Schiedam helpt – 85 of 100 points",
    f"• Language: 40 of 40 – they share {AR} (group: fluent, household: fluent)",
    "• Needs: 25 of 25 – can help with school-age children and medical follow-up",
    "• Capacity: 15 of 15 – 8 hours a week",
    "• Location: 0 of 10 – in Schiedam; the household prefers Rotterdam",
    "• Interests: 5 of 10 – both enjoy sport",
    "",
    "2. Delfshaven Samen – 73 of 100 points",
    "• Language: 13 of 40 – they share English (group: fluent, household: basic)",
    "• Needs: 25 of 25 – can help with school-age children and medical follow-up",
    "• Capacity: 15 of 15 – 10 hours a week",
    "• Location: 10 of 10 – in Rotterdam, as the household prefers",
    "• Interests: 10 of 10 – both enjoy cooking and sport",
    "",
    "3. Buren van Kralingen – 66 of 100 points",
    f"• Language: 27 of 40 – they share {AR} (group: good, household: fluent)",
    "• Needs: 13 of 25 – can help with school-age children, not with medical follow-up",
    "• Capacity: 11 of 15 – 6 hours a week",
    "• Location: 10 of 10 – in Rotterdam, as the household prefers",
    "• Interests: 5 of 10 – both enjoy cooking",
    "",
    "4. Geen tijd – 50 of 100 points",
    f"• Language: 40 of 40 – they share {AR} (group: fluent, household: fluent)",
    "• Needs: 0 of 25 – cannot help with school-age children and medical follow-up",
    "• Capacity: 0 of 15 – no time available now",
    "• Location: 10 of 10 – in Rotterdam, as the household prefers",
    "• Interests: 0 of 10 – no shared interests",
    "⛔ Not possible: the group has no time available now.",
    "",
    "5. Alleen Nederlands – 25 of 100 points",
    "• Language: 0 of 40 – no shared language",
    "• Needs: 0 of 25 – cannot help with school-age children and medical follow-up",
    "• Capacity: 15 of 15 – 8 hours a week",
    "• Location: 10 of 10 – in Rotterdam, as the household prefers",
    "• Interests: 0 of 10 – no shared interests",
    "⛔ Not possible: nobody in the group shares a language with the household, and "
    "translation is off.",
]


async def test_groups_ranked_and_explained(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/match 2")
        suggestions = carla.last()
        assert suggestions.text.splitlines() == RANKED
        # Only possible groups get a button; the matched group is not suggested at all.
        assert suggestions.buttons == [
            ["1. Schiedam helpt"],
            ["2. Delfshaven Samen"],
            ["3. Buren van Kralingen"],
        ]


async def test_find_a_match_from_the_household_card(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/household 2")
        await carla.press(carla.last(), "Find a match")
        assert carla.last().text.splitlines() == RANKED
        await carla.send("/household 1")  # matched already: nothing to find
        assert "Find a match" not in [b for row in carla.last().buttons for b in row]
        assert "Status: matched: sponsorship 1" in carla.last().text.splitlines()


async def test_no_shared_language_is_fine_when_translation_is_on(tmp_path: Path) -> None:
    translation = {"backend": "google"}
    async with world(tmp_path, translation=translation) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/match 2")
        text = carla.last().text
        assert "Machine translation is off" not in text
        assert "nobody in the group shares a language" not in text
        lines = text.splitlines()
        at = lines.index("4. Alleen Nederlands – 25 of 100 points")
        assert lines[at + 1] == "• Language: 0 of 40 – no shared language"
        assert lines[at + 6 :] == [
            "",
            "5. Geen tijd – 50 of 100 points",
            f"• Language: 40 of 40 – they share {AR} (group: fluent, household: fluent)",
            "• Needs: 0 of 25 – cannot help with school-age children and medical follow-up",
            "• Capacity: 0 of 15 – no time available now",
            "• Location: 10 of 10 – in Rotterdam, as the household prefers",
            "• Interests: 0 of 10 – no shared interests",
            "⛔ Not possible: the group has no time available now.",
        ]
        assert carla.last().buttons[-1] == ["4. Alleen Nederlands"]


async def test_weights_come_from_the_config(tmp_path: Path) -> None:
    weights = {"language": 10, "needs": 10, "capacity": 10, "location": 60, "interests": 10}
    async with world(tmp_path, matching=weights) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/match 2")
        assert carla.last().buttons[0] == ["1. Delfshaven Samen"]
        assert "1. Delfshaven Samen – 93 of 100 points" in carla.last().text.splitlines()


async def test_hard_blockers_cannot_be_confirmed(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/match 2")
        for group_id, reason in (
            (4, "Not possible: nobody in the group shares a language with the household, and "
             "translation is off."),
            (5, "Not possible: the group has no time available now."),
        ):  # fmt: skip
            for action in ("pick", "ok"):
                await press_forged(carla, f"mt:{action}:2:{group_id}")
                assert bot.sandbox.last_callback().text == reason
        assert await _rows(bot, "SELECT count(*) FROM sponsorships") == [(1,)]


async def test_nothing_to_suggest(tmp_path: Path) -> None:
    async with world(tmp_path) as (bot, carla):
        await add_household(bot, carla)
        await carla.send("/match 1")
        assert carla.last().text.splitlines() == [
            "Match suggestions for household 1: RSZ-014",
            "",
            "There are no sponsor groups waiting for a household. Add one with /group_profile.",
        ]
        await carla.send("/match 9")
        assert carla.last().text == "There is no household 9. /households lists them all."
        await carla.send("/match")
        assert carla.last().text == (
            "Please add the number of the household, for example /match 2. "
            "/households lists them all."
        )


async def test_confirmed_match_starts_the_pre_arrival_phase(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        sanne = sandbox.user("Sanne", language_code="nl")
        await sanne.start()
        await sanne.press(sanne.last(), "Nederlands")
        await small_set(bot, carla, contact=sanne)
        await carla.send("/match 2")
        await carla.press(carla.last(), "1. Schiedam helpt")
        confirm = carla.last()
        assert confirm.text == (
            "Match household RSZ-014 with the sponsor group Schiedam helpt?\n\n"
            "This sets up the sponsorship with the tasks of the plan, and gives you an "
            "introduction of each side for the other, to share before departure."
        )
        await carla.press(confirm, "Back")
        assert carla.last().text.splitlines() == RANKED
        await carla.press(carla.last(), "1. Schiedam helpt")
        await carla.press(carla.last(), "Confirm match")

        # The sponsorship, named after the group, in the household's language, with the plan.
        assert await _rows(
            bot,
            "SELECT id, name, municipality, newcomer_language, arrival_date, status, template_id "
            "FROM sponsorships WHERE id = 2",
        ) == [(2, "Schiedam helpt", "Schiedam", "ar", None, "preparing", "standard")]
        template = bot.services.templates["standard"]
        assert await _rows(
            bot, "SELECT template_key, phase, due_date, status FROM tasks WHERE sponsorship_id = 2"
        ) == [(t.key, t.phase, None, "open") for t in template.tasks]
        before = template.tasks_in("pre_arrival")
        assert before  # the plan starts before arrival
        assert await _rows(bot, "SELECT sponsorship_id FROM group_profiles WHERE id = 3") == [(2,)]
        assert await _rows(bot, "SELECT sponsorship_id FROM household_profiles WHERE id = 2") == [
            (2,)
        ]
        assert await _rows(
            bot, "SELECT actor_id, target_id, details FROM audit WHERE action = 'match_confirm'"
        ) == [(carla.id, 1, "group 6"), (carla.id, 2, "group 3")]

        # What the coordinator reads: the result, then the household's introduction of the group.
        result, intro = carla.inbox()[-2:]
        assert result.text.splitlines() == [
            "Matched: Schiedam helpt and household RSZ-014",
            "Sponsorship 2 is being prepared. Its plan starts with the tasks before arrival:",
            *[f"• {t.title_in('en')}" for t in before],
            "",
            "I sent the introduction of the household to the group's contact person.",
            f"Below is an introduction of the group in {AR}: forward or print it for the "
            "household before departure.",
            "Next: set the arrival date and send the invite links from the sponsorship's card.",
        ]
        assert result.buttons == [["Open the sponsorship"]]
        ar = bot.services.i18n.get("ar")
        assert intro.text.splitlines() == [
            ar.t("<b>Your sponsor group: {name}</b>", name="Schiedam helpt")
            .replace("<b>", "")
            .replace("</b>", ""),
            ar.t(
                "A group of local residents in {place} will welcome you and help you settle in "
                "during your first year.",
                place="Nieuwland, Schiedam",
            ),
            ar.t(
                "Languages in the group: {languages}",
                languages=ar.list(
                    [f"Nederlands ({ar.t('fluent')})", f"العربية ({ar.t('fluent')})"]
                ),
            ),
            ar.tn("Time for you: about {n} hour a week", "Time for you: about {n} hours a week", 8),
            ar.t("Usually available: {when}", when=ar.t("evenings")),
            ar.t(
                "They can help with: {skills}",
                skills=ar.list([ar.t("health care"), ar.t("children's schooling")]),
            ),
            ar.t("They would like to share: {interests}", interests=ar.t("sport")),
            "",
            ar.t(
                "You will meet them soon after you arrive. Until then, your coordinator can "
                "answer your questions."
            ),
        ]

        # The group's contact person gets the household's introduction in her language.
        nl = bot.services.i18n.get("nl")
        assert sanne.last().text.splitlines() == [
            nl.t("<b>The household you will welcome</b>").replace("<b>", "").replace("</b>", ""),
            nl.t(
                "Languages: {languages}",
                languages=nl.list([f"العربية ({nl.t('fluent')})", f"English ({nl.t('basic')})"]),
            ),
            nl.t("Adults: {n}", n=2),
            nl.t("Children's ages: {ages}", ages=nl.list(["4", "9"])),
            nl.t(
                "They could use help with: {needs}",
                needs=nl.list([nl.t("school-age children"), nl.t("medical follow-up")]),
            ),
            nl.t("They enjoy: {interests}", interests=nl.list([nl.t("cooking"), nl.t("sport")])),
            nl.t("Preferred municipality: {municipality}", municipality="Rotterdam"),
            "",
            nl.t(
                "Please keep this within the group. Your coordinator will send you the invite "
                "links; the tasks to prepare the arrival are ready in the plan."
            ),
        ]
        assert "RSZ-014" not in sanne.last().text  # the file reference stays with the coordinator

        # The sponsorship's card is one tap away; the pair is not suggested again.
        await carla.press(result, "Open the sponsorship")
        assert carla.last().text.startswith("Sponsorship 2: Schiedam helpt")
        await carla.send("/match 2")
        assert carla.last().text == "Household RSZ-014 is already matched: sponsorship 2."
        await press_forged(carla, "mt:ok:2:3")
        assert bot.sandbox.last_callback().text == (
            "Household RSZ-014 is already matched: sponsorship 2."
        )
        third = await add_household(bot, carla, label="RSZ-020")
        await carla.send(f"/match {third.id}")
        assert "Schiedam helpt" not in carla.last().text
        await press_forged(carla, f"mt:ok:{third.id}:3")
        assert bot.sandbox.last_callback().text == (
            "The group Schiedam helpt already has a household: sponsorship 2."
        )
        assert await _rows(bot, "SELECT count(*) FROM sponsorships") == [(2,)]


async def test_without_a_contact_person_the_coordinator_passes_the_introduction_on(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as (bot, carla):
        await small_set(bot, carla)
        await carla.send("/match 2")
        await carla.press(carla.last(), "2. Delfshaven Samen")
        await carla.press(carla.last(), "Confirm match")
        result, for_group, for_household = carla.inbox()[-3:]
        assert "Please forward the introduction of the household below to the group." in (
            result.text.splitlines()
        )
        nl = bot.services.i18n.get("nl")  # the group language: nobody to ask
        assert for_group.text.splitlines()[2] == nl.t("Adults: {n}", n=2)
        ar = bot.services.i18n.get("ar")
        assert for_household.text.splitlines()[1] == ar.t(
            "A group of local residents in {place} will welcome you and help you settle in "
            "during your first year.",
            place="Rotterdam",
        )


async def test_others_cannot_match(tmp_path: Path) -> None:
    sandbox = Sandbox(limits=QUICK_PEOPLE)
    async with world(tmp_path, sandbox) as (bot, carla):
        await small_set(bot, carla)
        eve = sandbox.user("Eve", language_code="en")
        for command in ("/match 2", "/match", "/households", "/household 2"):
            await eve.send(command)
            assert eve.last().text == "Sorry, only coordinators can do this.", command
        for data in ("mt:ok:2:3", "mt:pick:2:3", "mt:list:2"):
            await press_forged(eve, data)
            assert sandbox.last_callback().text == "Sorry, only coordinators can do this."
        group = await carla.create_group("Carla's group")
        await carla.add_bot(group)
        await carla.send("/match 2", chat_id=group.id)
        assert sandbox.messages(group.id)[-1].text == "Please do this in a private chat with me."
        assert await _rows(bot, "SELECT count(*) FROM sponsorships") == [(1,)]
