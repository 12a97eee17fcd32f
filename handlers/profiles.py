"""Profiles for matching before arrival: /group_profile, /group_profiles, /household and
/households. New profiles are made step by step with buttons; a profile's card has a button per
field to change it later. A group's contact person may keep their own group's profile up to date;
everything else is for coordinators, in a private chat. A household profile starts with the
household's consent, and nothing is stored before the last step."""

from __future__ import annotations

import re
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import matching, profileview, prompts
from bot.context import Ctx
from bot.i18n import N_, Lang, native_name
from bot.messaging import send_private
from bot.storage import coordinators, people, profiles, sponsorships
from bot.storage.profiles import GroupProfile, HouseholdProfile
from handlers.coordinator import allowed, coordinator_only
from handlers.prompting import CANCEL_DATA

FLOW = "profile"
GROUP, HOUSEHOLD = "g", "h"
GROUP_STEPS = (
    "name",
    "municipality",
    "neighbourhood",
    "languages",
    "hours",
    "availability",
    "skills",
    "interests",
    "contact",
)
HOUSEHOLD_STEPS = (
    "consent",
    "label",
    "languages",
    "main_language",
    "adults",
    "children",
    "needs",
    "interests",
    "location",
)
FIELD_LABELS: dict[str, dict[str, str]] = {
    GROUP: {
        "name": N_("Name"),
        "municipality": N_("Municipality"),
        "neighbourhood": N_("Neighbourhood"),
        "languages": N_("Languages"),
        "hours": N_("Hours a week"),
        "availability": N_("Availability"),
        "skills": N_("Skills"),
        "interests": N_("Hopes to share"),
        "contact": N_("Contact person"),
    },
    HOUSEHOLD: {
        "label": N_("Reference"),
        "main_language": N_("Main language"),
        "languages": N_("Languages"),
        "adults": N_("Adults"),
        "children": N_("Children"),
        "needs": N_("Needs"),
        "interests": N_("Interests"),
        "location": N_("Preferred municipality"),
    },
}
TOGGLES: dict[str, dict[str, str]] = {
    "availability": matching.AVAILABILITY,
    "skills": matching.SKILLS,
    "interests": matching.INTERESTS,
    "needs": matching.NEEDS,
}
COLUMN = {"children": "children_ages", "contact": "contact_id"}  # step -> column, when not equal
TEXT_LIMITS = {"name": 80, "municipality": 80, "location": 80, "neighbourhood": 80, "label": 40}
NUMBER_LIMITS = {"hours": (0, 80), "adults": (1, 20)}
NUMBER_CHOICES = {"hours": (0, 2, 4, 6, 8, 12), "adults": (1, 2, 3, 4, 5, 6)}
LEVEL_CYCLE = {0: 3, 3: 2, 2: 1, 1: 0}  # a tap goes fluent, good, basic, not spoken
MAX_CHILDREN = 15
MAX_LISTED = 30
_AGES = re.compile(r"\d{1,2}(?:\s*[,;]?\s*\d{1,2})*")


def _column(step: str) -> str:
    return COLUMN.get(step, step)


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# --- who may do what --------------------------------------------------------------------------


async def _refuse(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def permitted(
    update: Update, context: Ctx, kind: str, profile_id: int | None, *, staff: bool = False
) -> bool:
    """Coordinators in a private chat; for a group's own profile also its contact person
    (unless `staff`: coordinators only). Everyone else gets a short refusal."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return False
    contact_may = kind == GROUP and profile_id is not None and not staff
    if not contact_may or await coordinators.is_coordinator(context.db, user.id):
        return await allowed(update, context)
    assert profile_id is not None
    group = await profiles.get_group(context.db, profile_id)
    if group is None or group.contact_id != user.id:
        return await allowed(update, context)  # refuses: only coordinators
    if chat.type != "private":
        await _refuse(update, context.lang.t("Please do this in a private chat with me."))
        return False
    return True


# --- drafts: what a flow has collected so far --------------------------------------------------


def _group_draft(g: GroupProfile) -> dict[str, Any]:
    return {
        "name": g.name,
        "contact_id": g.contact_id,
        "municipality": g.municipality,
        "neighbourhood": g.neighbourhood,
        "languages": dict(g.languages),
        "hours": g.hours,
        "availability": sorted(g.availability),
        "skills": sorted(g.skills),
        "interests": sorted(g.interests),
    }


def _household_draft(h: HouseholdProfile) -> dict[str, Any]:
    return {
        "label": h.label,
        "main_language": h.main_language,
        "languages": dict(h.languages),
        "adults": h.adults,
        "children_ages": list(h.children_ages),
        "needs": sorted(h.needs),
        "interests": sorted(h.interests),
        "location": h.location,
    }


def _stored(draft: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Draft values in the form the database keeps them."""
    out: dict[str, Any] = {}
    for column in columns:
        value = draft.get(column)
        if column == "languages":
            value = profiles.encode_languages(value or {})
        elif column in TOGGLES:
            value = profiles.encode_keys(value or [])
        elif column == "children_ages":
            value = profiles.encode_ages(value or [])
        elif column == "neighbourhood":
            value = value or ""
        out[column] = value
    return out


def _main_candidates(context: Ctx, draft: dict[str, Any]) -> tuple[list[str], bool]:
    """The household's languages the bot speaks (best spoken first), and True; or every
    language the bot speaks, and False, when it speaks none of theirs."""
    order = {code: i for i, code in enumerate(matching.PROFILE_LANGUAGES)}
    spoken = sorted(
        draft.get("languages", {}).items(), key=lambda cl: (-cl[1], order.get(cl[0], 99))
    )
    offered = [code for code, _ in spoken if code in context.i18n.languages]
    if offered:
        return offered, True
    return list(context.i18n.languages), False


# --- questions ---------------------------------------------------------------------------------


async def _known_places(context: Ctx) -> list[str]:
    seen: list[str] = []
    for name in [
        *await profiles.municipalities(context.db),
        *await sponsorships.municipalities(context.db),
    ]:
        if not any(matching.same_place(name, s) for s in seen):
            seen.append(name)
    return seen[:6]


def _question(context: Ctx, state: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    lang: Lang = context.lang
    kind, step, draft = state["kind"], state["step"], state["draft"]

    def button(label: str, value: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(label[:60], callback_data=f"pf:{kind}:{step}:{value}")

    rows: list[list[InlineKeyboardButton]] = []
    done = [button(lang.t("Done"), "done")]
    if step == "name":
        text = lang.t("What is the sponsor group called? For example: Neighbours of Kralingen.")
    elif step == "municipality":
        text = lang.t("Which municipality? Type its name or choose one below.")
        rows = [[button(m, i)] for i, m in enumerate(state.get("known", []))]
    elif step == "location":
        text = lang.t(
            "Does the household prefer a municipality? Type its name, choose one below, or "
            'press "No preference".'
        )
        rows = [[button(m, i)] for i, m in enumerate(state.get("known", []))]
        rows.append([button(lang.t("No preference"), "-")])
    elif step == "neighbourhood":
        text = lang.t('Which neighbourhood does the group live in? Type its name, or press "Skip".')
        rows = [[button(lang.t("Skip"), "-")]]
    elif step == "languages":
        text = (
            lang.t(
                "Which languages does the group speak, and how well? Tap a language to change "
                "its level: fluent, good, basic, not spoken. Then press Done."
            )
            if kind == GROUP
            else lang.t(
                "Which languages does the household speak, and how well? Tap a language to "
                "change its level: fluent, good, basic, not spoken. Then press Done."
            )
        )
        levels: dict[str, int] = draft.get("languages", {})
        rows = _rows(
            [
                button(language_label(lang, c, levels.get(c, 0)), c)
                for c in matching.PROFILE_LANGUAGES
            ],
            2,
        )
        rows.append(done)
    elif step in NUMBER_CHOICES:
        text = (
            lang.t(
                "How many hours a week can the group give together? Send a number or choose "
                "one below."
            )
            if step == "hours"
            else lang.t("How many adults are in the household? Send a number or choose one below.")
        )
        rows = _rows([button(str(n), n) for n in NUMBER_CHOICES[step]], 3)
    elif step in TOGGLES:
        text = {
            "availability": lang.t(
                "When is the group usually available? Choose all that apply, then press Done."
            ),
            "skills": lang.t(
                "What can the group help with? Choose all that apply, then press Done."
            ),
            "needs": lang.t(
                "What could the household use help with? Choose all that apply, then press Done."
            ),
            "interests": lang.t(
                "What does the group hope to share with the household? Choose all that apply, "
                "then press Done."
            )
            if kind == GROUP
            else lang.t("What does the household enjoy? Choose all that apply, then press Done."),
        }[step]
        chosen = set(draft.get(step, []))
        rows = _rows(
            [
                button(("✓ " if key in chosen else "") + lang.t(label), key)
                for key, label in TOGGLES[step].items()
            ],
            2,
        )
        rows.append(done)
    elif step == "contact":
        text = lang.t(
            "Who is the group's contact person? Forward me a message from them, share their "
            'contact, or send their Telegram ID. Or press "Skip".'
        )
        rows = [[button(lang.t("Skip"), "-")]]
        if not state["new"] and draft.get("contact_id"):
            rows.append([button(lang.t("No contact person"), "0")])
    elif step == "consent":
        text = lang.t(
            "Has the household agreed that I keep this profile and share it with the sponsor "
            "group they are matched with? Only record a profile with their consent."
        )
        rows = [[button(lang.t("Yes, they agreed"), "yes")]]
    elif step == "label":
        text = lang.t(
            "Send a short reference for this household that you will recognise, such as a file "
            "number. Please do not use their name."
        )
    elif step == "main_language":
        candidates, spoken = _main_candidates(context, draft)
        text = (
            lang.t("Which of these languages should I use for the household?")
            if spoken
            else lang.t(
                "I do not speak any of these languages. Which language should I use for the "
                "household?"
            )
        )
        rows = _rows([button(native_name(c), c) for c in candidates], 2)
    else:  # children
        text = lang.t(
            "How old are the children? Send their ages separated by commas, for example "
            '4, 9, 15. Or press "No children".'
        )
        rows = [[button(lang.t("No children"), "-")]]
    rows.append([InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)])
    return text, InlineKeyboardMarkup(rows)


def language_label(lang: Lang, code: str, level: int) -> str:
    """A language button: its native name, and the level when spoken."""
    if level not in matching.LEVELS:
        return native_name(code)
    return f"{native_name(code)} · {lang.t(matching.LEVELS[level])}"


def _wait(context: Ctx, state: dict[str, Any]) -> None:
    prompts.expect(context, FLOW, **{k: v for k, v in state.items() if k != "name"})


async def _ask(
    update: Update, context: Ctx, state: dict[str, Any], *, edit: bool, intro: str = ""
) -> None:
    if state["step"] in ("municipality", "location"):
        state["known"] = await _known_places(context)
    text, markup = _question(context, state)
    _wait(context, state)
    if intro:
        text = f"{intro}\n\n{text}"
    await _show(update, context, text, markup, edit=edit)


async def _show(
    update: Update, context: Ctx, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool
) -> None:
    query, user = update.callback_query, update.effective_user
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=markup)
    else:
        assert user is not None
        await context.bot.send_message(user.id, text, reply_markup=markup)


# --- answers -----------------------------------------------------------------------------------


async def _answer(
    update: Update, context: Ctx, state: dict[str, Any], values: dict[str, Any], *, edit: bool
) -> None:
    """Keep an answer; then the next question, or save (a new profile at its end, a changed
    field at once)."""
    draft = state["draft"]
    draft.update(values)
    if not state["new"]:
        await _save_field(update, context, state, list(values), edit=edit)
        return
    ages = values.get("children_ages", [])
    if state["step"] == "children" and any(a in matching.SCHOOL_AGES for a in ages):
        draft["needs"] = sorted({*draft.get("needs", []), "school"})
    steps = GROUP_STEPS if state["kind"] == GROUP else HOUSEHOLD_STEPS
    index = steps.index(state["step"]) + 1
    while index < len(steps) and steps[index] == "main_language":
        candidates, spoken = _main_candidates(context, draft)
        if not (spoken and len(candidates) == 1):
            break
        draft["main_language"] = candidates[0]
        index += 1
    if index == len(steps):
        await _create(update, context, state, edit=edit)
        return
    state["step"] = steps[index]
    await _ask(update, context, state, edit=edit)


async def _create(update: Update, context: Ctx, state: dict[str, Any], *, edit: bool) -> None:
    prompts.stop(context)
    user = update.effective_user
    assert user is not None
    draft = state["draft"]
    note = ""
    if state["kind"] == GROUP:
        columns = sorted(c for c in profiles.GROUP_FIELDS if c in draft)
        group = await profiles.create_group(context.db, _stored(draft, columns), user.id)
        profile_id = group.id
        if group.contact_id is not None:
            note = await _tell_contact(context, group)
    else:
        columns = sorted(c for c in profiles.HOUSEHOLD_FIELDS if c in draft)
        household = await profiles.create_household(
            context.db, _stored(draft, columns), consent_by=user.id, by=user.id
        )
        profile_id = household.id
    text, markup = await card(context, state["kind"], profile_id, user.id)
    header = context.lang.t("Saved.") + (f" {note}" if note else "")
    await _show(update, context, f"{header}\n\n{text}", markup, edit=edit)


async def _save_field(
    update: Update, context: Ctx, state: dict[str, Any], columns: list[str], *, edit: bool
) -> None:
    prompts.stop(context)
    user = update.effective_user
    assert user is not None
    kind, profile_id, draft = state["kind"], state["id"], state["draft"]
    note = ""
    if kind == GROUP:
        before = await profiles.get_group(context.db, profile_id)
        if before is None:
            await _gone(update, context)
            return
        await profiles.update_group(context.db, profile_id, _stored(draft, columns), user.id)
        after = await profiles.get_group(context.db, profile_id)
        if after is not None and after.contact_id not in (None, before.contact_id):
            note = await _tell_contact(context, after)
    else:
        if await profiles.get_household(context.db, profile_id) is None:
            await _gone(update, context)
            return
        await profiles.update_household(context.db, profile_id, _stored(draft, columns), user.id)
    text, markup = await card(context, kind, profile_id, user.id)
    header = context.lang.t("Saved.") + (f" {note}" if note else "")
    await _show(update, context, f"{header}\n\n{text}", markup, edit=edit)


async def _gone(update: Update, context: Ctx) -> None:
    """The profile was deleted while someone was changing it (the button is answered)."""
    text = context.lang.t("This profile does not exist any more.")
    await _show(update, context, text, None, edit=True)


async def _tell_contact(context: Ctx, group: GroupProfile) -> str:
    """Tell the new contact person, in their language; a note for the coordinator."""
    assert group.contact_id is not None
    person = await people.get(context.db, group.contact_id)
    theirs = context.i18n.get(person.language if person else context.i18n.group_language)
    try:
        sent = await send_private(
            context.bot,
            context.db,
            group.contact_id,
            theirs.t(
                "You are the contact person of the sponsor group {name}. You can check and "
                "complete the group's profile with /group_profile.",
                name=group.name,
            ),
        )
    except BadRequest:
        sent = None
    if sent is not None:
        return context.lang.t("I told the contact person.")
    return context.lang.t(
        "I could not write to the contact person yet: they need to start a chat with me first."
    )


def _contact_target(update: Update) -> int | str | None:
    """A Telegram user id from a contact, a forwarded message or a number ("hidden" when the
    sender hides who they are)."""
    message = update.effective_message
    if message is None:
        return None
    if message.contact is not None:
        return message.contact.user_id
    if isinstance(message.forward_origin, MessageOriginUser):
        return message.forward_origin.sender_user.id
    if isinstance(message.forward_origin, MessageOriginHiddenUser):
        return "hidden"
    text = (message.text or "").strip()
    if text.isdigit() and 0 < len(text) <= 15:
        return int(text)
    return None


def parse_ages(text: str) -> list[int] | None:
    """ "4, 9, 15" -> [4, 9, 15]; None unless every age is 0-17 (at most 15 children)."""
    cleaned = text.strip()
    if not _AGES.fullmatch(cleaned):
        return None
    ages = [int(a) for a in re.findall(r"\d+", cleaned)]
    if not 1 <= len(ages) <= MAX_CHILDREN or any(a > 17 for a in ages):
        return None
    return sorted(ages)


async def on_input(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    """Typed answers in a profile flow."""
    if not await permitted(update, context, state["kind"], state.get("id")):
        prompts.stop(context)
        return
    message = update.effective_message
    assert message is not None
    lang, step = context.lang, state["step"]
    text = " ".join((message.text or "").split())
    retry = InlineKeyboardMarkup(
        [[InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA)]]
    )
    if step in TEXT_LIMITS:
        limit = TEXT_LIMITS[step]
        if not 2 <= len(text) <= limit:
            await message.reply_text(
                lang.t("Please send a name of 2 to {max} characters.", max=limit),
                reply_markup=retry,
            )
            return
        value = text.rstrip(" .") if step in ("name", "label") else text
        await _answer(update, context, state, {_column(step): value}, edit=False)
    elif step in NUMBER_LIMITS:
        low, high = NUMBER_LIMITS[step]
        if not text.isdigit() or not low <= int(text) <= high:
            await message.reply_text(
                lang.t("Please send a whole number from {low} to {high}.", low=low, high=high),
                reply_markup=retry,
            )
            return
        await _answer(update, context, state, {step: int(text)}, edit=False)
    elif step == "children":
        ages = parse_ages(text)
        if ages is None:
            await message.reply_text(
                lang.t(
                    "Please send the ages as whole numbers from 0 to 17, separated by commas, "
                    "for example 4, 9, 15."
                ),
                reply_markup=retry,
            )
            return
        await _answer(update, context, state, {"children_ages": ages}, edit=False)
    elif step == "contact":
        target = _contact_target(update)
        if target == "hidden" or not isinstance(target, int):
            await message.reply_text(
                lang.t(
                    "This person's privacy settings hide who they are. Ask them for their "
                    "Telegram ID instead, or share their contact."
                )
                if target == "hidden"
                else lang.t(
                    "I could not find a person in that. Forward a message from them, "
                    "share their contact, or send their Telegram ID."
                ),
                reply_markup=retry,
            )
            return
        await _answer(update, context, state, {"contact_id": target}, edit=False)
    else:
        await message.reply_text(lang.t("Please choose one of the buttons."))


async def on_button(update: Update, context: Ctx) -> None:
    """Buttons of a profile question: pf:KIND:STEP:VALUE."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":", 3)
    state = prompts.waiting(context)
    lang = context.lang
    stale = lang.t("This button no longer works. Please start again.")
    if (
        len(parts) != 4
        or state is None
        or state.get("name") != FLOW
        or state.get("kind") != parts[1]
        or state.get("step") != parts[2]
    ):
        await query.answer(stale, show_alert=True)
        return
    if not await permitted(update, context, state["kind"], state.get("id")):
        return
    step, value, draft = parts[2], parts[3], state["draft"]
    if step == "languages":
        levels: dict[str, int] = draft.setdefault("languages", {})
        if value == "done":
            if not levels:
                await query.answer(lang.t("Please choose at least one language."), show_alert=True)
                return
            await query.answer()
            await _answer(update, context, state, {"languages": levels}, edit=True)
            return
        if value not in matching.PROFILE_LANGUAGES:
            await query.answer(stale, show_alert=True)
            return
        level = LEVEL_CYCLE[levels.get(value, 0)]
        if level:
            levels[value] = level
        else:
            levels.pop(value, None)
        await query.answer()
        await query.edit_message_reply_markup(_question(context, state)[1])
        return
    if step in TOGGLES:
        chosen: list[str] = draft.setdefault(step, [])
        if value == "done":
            await query.answer()
            await _answer(update, context, state, {step: chosen}, edit=True)
            return
        if value not in TOGGLES[step]:
            await query.answer(stale, show_alert=True)
            return
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        await query.answer()
        await query.edit_message_reply_markup(_question(context, state)[1])
        return
    answer = _button_value(context, state, step, value)
    if answer is None:
        await query.answer(stale, show_alert=True)
        return
    await query.answer()
    await _answer(update, context, state, answer, edit=True)


def _button_value(
    context: Ctx, state: dict[str, Any], step: str, value: str
) -> dict[str, Any] | None:
    """What a single-choice button means for the draft (None: not a valid choice)."""
    known: list[str] = state.get("known", [])
    if step in ("municipality", "location"):
        if step == "location" and value == "-":
            return {"location": None}
        if value.isdigit() and int(value) < len(known):
            return {step: known[int(value)]}
        return None
    if step == "neighbourhood" and value == "-":
        return {"neighbourhood": ""}
    if step in NUMBER_CHOICES and value.isdigit() and int(value) in NUMBER_CHOICES[step]:
        return {step: int(value)}
    if step == "contact" and value in ("-", "0"):
        if value == "0":
            return {"contact_id": None}
        return {"contact_id": state["draft"].get("contact_id")}
    if step == "consent" and value == "yes":
        return {}
    if step == "main_language" and value in _main_candidates(context, state["draft"])[0]:
        return {"main_language": value}
    if step == "children" and value == "-":
        return {"children_ages": []}
    return None


# --- cards and lists ---------------------------------------------------------------------------


async def _contact_name(context: Ctx, contact_id: int | None) -> str | None:
    if contact_id is None:
        return None
    person = await people.get(context.db, contact_id)
    return person.first_name if person is not None else None


async def card(
    context: Ctx, kind: str, profile_id: int, viewer: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A profile's card with a button per field (coordinators can also delete it and, for a
    household, look for a match)."""
    lang = context.lang
    staff = await coordinators.is_coordinator(context.db, viewer)
    buttons: list[InlineKeyboardButton] = []
    extra: list[list[InlineKeyboardButton]] = []
    if kind == GROUP:
        group = await profiles.get_group(context.db, profile_id)
        if group is None:
            return lang.t("This profile does not exist any more."), None
        text = profileview.group_card(lang, group, await _contact_name(context, group.contact_id))
    else:
        household = await profiles.get_household(context.db, profile_id)
        if household is None:
            return lang.t("This profile does not exist any more."), None
        text = profileview.household_card(lang, household)
        if household.sponsorship_id is None:
            extra.append(
                [
                    InlineKeyboardButton(
                        lang.t("Find a match"), callback_data=f"mt:list:{household.id}"
                    )
                ]
            )
    for step, label in FIELD_LABELS[kind].items():
        if step == "contact" and not staff:
            continue
        buttons.append(
            InlineKeyboardButton(
                lang.t(label), callback_data=f"pfc:{kind}:edit:{profile_id}:{step}"
            )
        )
    rows = _rows(buttons, 2) + extra
    if staff:
        rows.append(
            [InlineKeyboardButton(lang.t("Delete"), callback_data=f"pfc:{kind}:del:{profile_id}")]
        )
    return text, InlineKeyboardMarkup(rows)


async def on_card_button(update: Update, context: Ctx) -> None:
    """pfc:KIND:ACTION:ID[:STEP]: show, change a field, delete (after a second press)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    lang = context.lang
    stale = lang.t("This button no longer works. Please start again.")
    valid = (
        len(parts) in (4, 5)
        and parts[1] in (GROUP, HOUSEHOLD)
        and parts[3].isdigit()
        and len(parts[3]) <= 12
        and (len(parts) == 4 or parts[4] in FIELD_LABELS[parts[1]])
    )
    if not valid:
        await query.answer(stale, show_alert=True)
        return
    kind, action, profile_id = parts[1], parts[2], int(parts[3])
    staff_only = action in ("del", "delok") or (len(parts) == 5 and parts[4] == "contact")
    if not await permitted(update, context, kind, profile_id, staff=staff_only):
        return
    user = query.from_user
    profile: GroupProfile | HouseholdProfile | None = (
        await profiles.get_group(context.db, profile_id)
        if kind == GROUP
        else await profiles.get_household(context.db, profile_id)
    )
    if profile is None:
        await query.answer(lang.t("This profile does not exist any more."), show_alert=True)
        return
    if action == "show":
        await query.answer()
        text, markup = await card(context, kind, profile_id, user.id)
        await context.bot.send_message(user.id, text, reply_markup=markup)
    elif action == "edit" and len(parts) == 5:
        await query.answer()
        draft = (
            _group_draft(profile)
            if isinstance(profile, GroupProfile)
            else _household_draft(profile)
        )
        state = {"kind": kind, "id": profile_id, "step": parts[4], "draft": draft, "new": False}
        await _ask(update, context, state, edit=True)
    elif action == "del":
        await query.answer()
        name = profile.name if isinstance(profile, GroupProfile) else profile.label
        await query.edit_message_text(
            lang.t("Delete the profile {name}? This cannot be undone.", name=name),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            lang.t("Yes, delete"), callback_data=f"pfc:{kind}:delok:{profile_id}"
                        ),
                        InlineKeyboardButton(lang.t("Cancel"), callback_data=CANCEL_DATA),
                    ]
                ]
            ),
        )
    elif action == "delok":
        if kind == GROUP:
            await profiles.delete_group(context.db, profile_id, user.id)
        else:
            await profiles.delete_household(context.db, profile_id, user.id)
        await query.answer()
        await query.edit_message_text(lang.t("The profile is deleted."))
    else:
        await query.answer(stale, show_alert=True)


def _profile_id(context: Ctx) -> int | str | None:
    """None: no argument; an id; or "bad"."""
    args = context.args or []
    if not args:
        return None
    if len(args) == 1 and args[0].isdigit() and len(args[0]) <= 9:
        return int(args[0])
    return "bad"


async def group_profile(update: Update, context: Ctx) -> None:
    """/group_profile: a new group profile; /group_profile ID: its card. The contact person gets
    their own group's card."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    wanted = _profile_id(context)
    staff = await coordinators.is_coordinator(context.db, user.id)
    if wanted is None and staff:
        if not await allowed(update, context):
            return
        state: dict[str, Any] = {
            "kind": GROUP,
            "id": None,
            "step": "name",
            "draft": {},
            "new": True,
        }
        intro = context.lang.t(
            "Let's make a profile of a sponsor group that is waiting for a household."
        )
        await _ask(update, context, state, edit=False, intro=intro)
        return
    if wanted is None:
        mine = await profiles.groups_of_contact(context.db, user.id)
        wanted = mine[0].id if mine else "bad"
    if isinstance(wanted, str):
        if await allowed(update, context):
            await message.reply_text(
                context.lang.t(
                    "Please add the number of the group profile, for example /group_profile 2. "
                    "/group_profiles lists them all."
                )
            )
        return
    if not await permitted(update, context, GROUP, wanted):
        return
    text, markup = await card(context, GROUP, wanted, user.id)
    await message.reply_text(text, reply_markup=markup)


@coordinator_only
async def household(update: Update, context: Ctx) -> None:
    """/household: a new household profile (consent first); /household ID: its card."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    wanted = _profile_id(context)
    if wanted is None:
        state: dict[str, Any] = {
            "kind": HOUSEHOLD,
            "id": None,
            "step": "consent",
            "draft": {},
            "new": True,
        }
        intro = context.lang.t(
            "Let's make a profile of a newcomer household from the resettlement file."
        )
        await _ask(update, context, state, edit=False, intro=intro)
        return
    if isinstance(wanted, str):
        await message.reply_text(
            context.lang.t(
                "Please add the number of the household, for example /household 2. "
                "/households lists them all."
            )
        )
        return
    text, markup = await card(context, HOUSEHOLD, wanted, user.id)
    await message.reply_text(text, reply_markup=markup)


@coordinator_only
async def list_groups(update: Update, context: Ctx) -> None:
    """/group_profiles: every group profile and whether it has a household."""
    lang, message = context.lang, update.effective_message
    assert message is not None
    items = await profiles.groups(context.db)
    if not items:
        await message.reply_text(
            lang.t("There are no group profiles yet. Add one with /group_profile.")
        )
        return
    lines = [lang.t("<b>Sponsor group profiles</b>")]
    lines += [
        lang.t(
            "{id}. {name} – {municipality} – {status}",
            id=g.id,
            name=g.name,
            municipality=g.municipality,
            status=profileview.group_status(lang, g.sponsorship_id),
        )
        for g in items[:MAX_LISTED]
    ]
    if len(items) > MAX_LISTED:
        lines.append(lang.t("…and {n} more.", n=len(items) - MAX_LISTED))
    buttons = [
        InlineKeyboardButton(f"{g.id}. {g.name}"[:60], callback_data=f"pfc:g:show:{g.id}")
        for g in items[:MAX_LISTED]
    ]
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(_rows(buttons, 2)))


@coordinator_only
async def list_households(update: Update, context: Ctx) -> None:
    """/households: every household profile and whether it has a group."""
    lang, message = context.lang, update.effective_message
    assert message is not None
    items = await profiles.households(context.db)
    if not items:
        await message.reply_text(
            lang.t("There are no household profiles yet. Add one with /household.")
        )
        return
    lines = [lang.t("<b>Household profiles</b>")]
    lines += [
        lang.t(
            "{id}. {name} – {municipality} – {status}",
            id=h.id,
            name=h.label,
            municipality=h.location or lang.t("no preference"),
            status=profileview.household_status(lang, h.sponsorship_id),
        )
        for h in items[:MAX_LISTED]
    ]
    if len(items) > MAX_LISTED:
        lines.append(lang.t("…and {n} more.", n=len(items) - MAX_LISTED))
    buttons = [
        InlineKeyboardButton(f"{h.id}. {h.label}"[:60], callback_data=f"pfc:h:show:{h.id}")
        for h in items[:MAX_LISTED]
    ]
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(_rows(buttons, 2)))


def register(app: Application[Any, Any, Any, Any, Any, Any], *, group: int) -> None:
    """Install the profile commands, their flows and their buttons."""
    app.add_handler(CommandHandler("group_profile", group_profile), group=group)
    app.add_handler(CommandHandler("group_profiles", list_groups), group=group)
    app.add_handler(CommandHandler("household", household), group=group)
    app.add_handler(CommandHandler("households", list_households), group=group)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^pf:"), group=group)
    app.add_handler(CallbackQueryHandler(on_card_button, pattern=r"^pfc:"), group=group)
    prompts.on_input(app, FLOW, on_input)
