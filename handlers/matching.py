"""/match HOUSEHOLD: the sponsor groups without a household, ranked, each score explained in
plain words with its hard blockers. The coordinator confirms a match with a button: that sets up
the sponsorship (named after the group, in its municipality, in the household's language, with
the default plan) and starts the pre-arrival phase: the plan's tasks before arrival, an
introduction of the household for the group's contact person, and an introduction of the group
in the household's language for the coordinator to forward or print before departure."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import matching, profileview
from bot.context import Ctx
from bot.i18n import Lang, native_name
from bot.messaging import send_private
from bot.storage import people, profiles, sponsorships, tasks
from bot.storage.profiles import GroupProfile, HouseholdProfile
from bot.storage.sponsorships import Sponsorship
from handlers.coordinator import allowed, coordinator_only
from handlers.tasks import template_tasks

log = logging.getLogger(__name__)

PRE_ARRIVAL = "pre_arrival"
MAX_SHOWN = 5  # groups shown with their full explanation, each with a button
MAX_BLOCKED = 5  # groups ruled out, shown with their blockers
MAX_TEXT = 4096


def _translation_on(context: Ctx) -> bool:
    return context.config.translation.backend != "none"


def fit(sections: list[str], lang: Lang) -> tuple[str, int]:
    """Join sections with blank lines, dropping whole sections from the end until the text fits
    in one Telegram message; returns the text and how many sections it kept."""
    kept = len(sections)
    while True:
        parts = sections[:kept]
        if kept < len(sections):
            parts = [*parts, lang.t("…and {n} more.", n=len(sections) - kept)]
        text = "\n\n".join(parts)
        if len(text) <= MAX_TEXT or kept <= 1:
            return text[:MAX_TEXT], kept
        kept -= 1


async def suggestions(
    context: Ctx, household: HouseholdProfile
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The ranked, explained groups for a household, with a button per possible group."""
    lang = context.lang
    waiting = await profiles.groups(context.db, waiting_only=True)
    header = lang.t(
        "<b>Match suggestions for household {id}: {label}</b>",
        id=household.id,
        label=household.label,
    )
    if not waiting:
        return header + "\n\n" + lang.t(
            "There are no sponsor groups waiting for a household. Add one with /group_profile."
        ), None
    translation = _translation_on(context)
    ranked = matching.rank(
        [g.facts for g in waiting],
        household.facts,
        context.config.matching,
        translation=translation,
    )
    groups = {g.id: g for g in waiting}
    possible = [s for s in ranked if not s.score.blockers][:MAX_SHOWN]
    ruled_out = [s for s in ranked if s.score.blockers][:MAX_BLOCKED]
    intro = [header]
    if not translation:
        intro.append(
            lang.t(
                "Machine translation is off, so a group needs a language in common with the "
                "household."
            )
        )
    if not possible:
        intro.append(lang.t("No group is possible for this household now."))
    sections = ["\n".join(intro)] + [
        profileview.suggestion_text(lang, s, groups[s.score.group_id])
        for s in [*possible, *ruled_out]
    ]
    text, kept = fit(sections, lang)
    shown = possible[: max(0, kept - 1)]
    buttons = [
        [
            InlineKeyboardButton(
                f"{s.rank}. {groups[s.score.group_id].name}"[:60],
                callback_data=f"mt:pick:{household.id}:{s.score.group_id}",
            )
        ]
        for s in shown
    ]
    return text, InlineKeyboardMarkup(buttons) if buttons else None


def _parse_id(args: list[str]) -> int | None:
    if len(args) == 1 and args[0].isdigit() and len(args[0]) <= 9:
        return int(args[0])
    return None


@coordinator_only
async def match(update: Update, context: Ctx) -> None:
    """/match HOUSEHOLD."""
    message = update.effective_message
    assert message is not None
    lang = context.lang
    household_id = _parse_id(context.args or [])
    if household_id is None:
        await message.reply_text(
            lang.t(
                "Please add the number of the household, for example /match 2. "
                "/households lists them all."
            )
        )
        return
    household = await profiles.get_household(context.db, household_id)
    if household is None:
        await message.reply_text(
            lang.t("There is no household {id}. /households lists them all.", id=household_id)
        )
        return
    if household.sponsorship_id is not None:
        await message.reply_text(_already(lang, household))
        return
    text, markup = await suggestions(context, household)
    await message.reply_text(text, reply_markup=markup)


def _already(lang: Lang, household: HouseholdProfile) -> str:
    return lang.t(
        "Household {label} is already matched: sponsorship {id}.",
        label=household.label,
        id=household.sponsorship_id,
    )


async def on_button(update: Update, context: Ctx) -> None:
    """mt:list|back:HOUSEHOLD, mt:pick|ok:HOUSEHOLD:GROUP."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await allowed(update, context):
        return
    lang = context.lang
    parts = query.data.split(":")
    numbers = parts[2:]
    shape = {"list": 1, "back": 1, "pick": 2, "ok": 2}.get(parts[1]) if len(parts) > 1 else None
    if shape != len(numbers) or not all(n.isdigit() and len(n) <= 12 for n in numbers):
        await query.answer(
            lang.t("This button no longer works. Please start again."), show_alert=True
        )
        return
    household = await profiles.get_household(context.db, int(numbers[0]))
    group = await profiles.get_group(context.db, int(numbers[1])) if shape == 2 else None
    if household is None or (shape == 2 and group is None):
        await query.answer(lang.t("This profile does not exist any more."), show_alert=True)
        return
    if household.sponsorship_id is not None:
        await query.answer(_already(lang, household), show_alert=True)
        return
    action = parts[1]
    if action in ("list", "back"):
        await query.answer()
        text, markup = await suggestions(context, household)
        if action == "back":
            await query.edit_message_text(text, reply_markup=markup)
        else:
            await context.bot.send_message(query.from_user.id, text, reply_markup=markup)
        return
    assert group is not None
    if group.sponsorship_id is not None:
        await query.answer(
            lang.t(
                "The group {name} already has a household: sponsorship {id}.",
                name=group.name,
                id=group.sponsorship_id,
            ),
            show_alert=True,
        )
        return
    score = matching.score(
        group.facts,
        household.facts,
        context.config.matching,
        translation=_translation_on(context),
    )
    if score.blockers:
        await query.answer(
            " ".join(lang.t(profileview.BLOCKER_TEXT[b]) for b in score.blockers), show_alert=True
        )
        return
    if action == "pick":
        await query.answer()
        await query.edit_message_text(
            lang.t(
                "Match household {label} with the sponsor group {name}?",
                label=household.label,
                name=group.name,
            )
            + "\n\n"
            + lang.t(
                "This sets up the sponsorship with the tasks of the plan, and gives you an "
                "introduction of each side for the other, to share before departure."
            ),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            lang.t("Confirm match"),
                            callback_data=f"mt:ok:{household.id}:{group.id}",
                        ),
                        InlineKeyboardButton(
                            lang.t("Back"), callback_data=f"mt:back:{household.id}"
                        ),
                    ]
                ]
            ),
        )
        return
    await _confirm(update, context, household, group)


async def _confirm(
    update: Update, context: Ctx, household: HouseholdProfile, group: GroupProfile
) -> None:
    """Set up the sponsorship and start the pre-arrival phase."""
    query = update.callback_query
    assert query is not None
    lang, user = context.lang, query.from_user
    template_id: str | None = context.config.tasks.default_template
    if template_id not in context.services.templates:
        template_id = None
    s = await sponsorships.create(
        context.db,
        name=group.name,
        municipality=group.municipality,
        newcomer_language=household.main_language,
        arrival_date=None,
        created_by=user.id,
        template_id=template_id,
    )
    if template_id is not None:
        await tasks.add_many(context.db, s.id, template_tasks(context, template_id, None), user.id)
    if not await profiles.link_match(
        context.db, group_id=group.id, household_id=household.id, sponsorship_id=s.id, by=user.id
    ):
        await sponsorships.set_status(context.db, s.id, "closed", user.id)
        await query.answer(lang.t("This match was made already."), show_alert=True)
        return
    await query.answer()
    to_forward = await _introduce_household(context, group, household)
    await query.edit_message_text(
        _result_text(context, s, group, household, delivered=to_forward is None),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        lang.t("Open the sponsorship"), callback_data=f"sp:show:{s.id}"
                    )
                ]
            ]
        ),
    )
    if to_forward is not None:  # no contact person reached: the coordinator passes it on
        await context.bot.send_message(user.id, to_forward)
    theirs = context.i18n.get(household.main_language)
    await context.bot.send_message(user.id, profileview.group_intro(theirs, group))


async def _introduce_household(
    context: Ctx, group: GroupProfile, household: HouseholdProfile
) -> str | None:
    """Send the group's contact person the introduction of the household, in their language;
    the text for the coordinator to pass on when that is not possible (None: delivered)."""
    person = (
        await people.get(context.db, group.contact_id) if group.contact_id is not None else None
    )
    lang = context.i18n.get(person.language if person else context.i18n.group_language)
    text = profileview.household_intro(lang, household)
    if group.contact_id is None:
        return text
    try:
        sent = await send_private(context.bot, context.db, group.contact_id, text)
    except BadRequest:
        log.info("could not reach the contact person of group profile %d", group.id)
        sent = None
    return None if sent is not None else text


def _result_text(
    context: Ctx,
    s: Sponsorship,
    group: GroupProfile,
    household: HouseholdProfile,
    *,
    delivered: bool,
) -> str:
    lang = context.lang
    lines = [
        lang.t(
            "<b>Matched: {name} and household {label}</b>", name=group.name, label=household.label
        )
    ]
    template = context.services.templates.get(s.template_id) if s.template_id else None
    before = template.tasks_in(PRE_ARRIVAL) if template is not None else ()
    if before:
        lines.append(
            lang.t(
                "Sponsorship {id} is being prepared. Its plan starts with the tasks before "
                "arrival:",
                id=s.id,
            )
        )
        lines += [f"• {lang.value(t.title_in(lang.code))}" for t in before]
    else:
        lines.append(lang.t("Sponsorship {id} is being prepared.", id=s.id))
    lines.append("")
    lines.append(
        lang.t("I sent the introduction of the household to the group's contact person.")
        if delivered
        else lang.t("Please forward the introduction of the household below to the group.")
    )
    lines.append(
        lang.t(
            "Below is an introduction of the group in {language}: forward or print it for the "
            "household before departure.",
            language=native_name(household.main_language),
        )
    )
    lines.append(
        lang.t("Next: set the arrival date and send the invite links from the sponsorship's card.")
    )
    return "\n".join(lines)


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install /match and its buttons."""
    app.add_handler(CommandHandler("match", match), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^mt:"), group=group)
