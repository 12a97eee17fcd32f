"""Profiles and match suggestions in words: cards for coordinators, the score explained part by
part, and the two introductions sent after a match (pure: text in, text out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot import matching
from bot.i18n import N_, Lang, native_name
from bot.matching import Part, Suggestion
from bot.storage.profiles import GroupProfile, HouseholdProfile, Languages

BLOCKER_TEXT: dict[str, str] = {
    matching.NO_LANGUAGE: N_(
        "Not possible: nobody in the group shares a language with the household, and "
        "translation is off."
    ),
    matching.NO_CAPACITY: N_("Not possible: the group has no time available now."),
}


def languages_text(lang: Lang, languages: Languages) -> str:
    """ "Nederlands (fluent), English (good)": best spoken first."""
    ordered = sorted(languages, key=lambda cl: -cl[1])
    return lang.list(
        f"{native_name(code)} ({lang.t(matching.LEVELS[level])})"
        for code, level in ordered
        if level in matching.LEVELS
    )


def keys_text(lang: Lang, keys: Iterable[str], vocabulary: Mapping[str, str]) -> str:
    """Translated labels of some keys, in the vocabulary's order, joined as a list."""
    wanted = set(keys)
    return lang.list(lang.t(label) for key, label in vocabulary.items() if key in wanted)


def ages_text(lang: Lang, ages: Iterable[int]) -> str:
    """ "4, 9 and 15"."""
    return lang.list(str(a) for a in sorted(ages))


def place_text(neighbourhood: str, municipality: str) -> str:
    """ "Kralingen, Rotterdam" (or just the municipality)."""
    return f"{neighbourhood}, {municipality}" if neighbourhood else municipality


def group_status(lang: Lang, sponsorship_id: int | None) -> str:
    """Waiting for a household, or matched."""
    if sponsorship_id is None:
        return lang.t("looking for a household")
    return lang.t("matched: sponsorship {id}", id=sponsorship_id)


def household_status(lang: Lang, sponsorship_id: int | None) -> str:
    """Waiting for a group, or matched."""
    if sponsorship_id is None:
        return lang.t("waiting for a match")
    return lang.t("matched: sponsorship {id}", id=sponsorship_id)


def contact_text(lang: Lang, contact_id: int | None, first_name: str | None) -> str:
    """The contact person's line on a group card."""
    if contact_id is None:
        return lang.t("Contact person: {contact}", contact=lang.t("not set"))
    if first_name:
        return lang.t("Contact person: {name} (Telegram ID {id})", name=first_name, id=contact_id)
    return lang.t("Contact person: Telegram ID {id}", id=contact_id)


def group_card(lang: Lang, g: GroupProfile, contact_name: str | None) -> str:
    """A group profile as its coordinator (or contact person) sees it."""
    unset = lang.t("not set")
    lines = [
        lang.t("<b>Group profile {id}: {name}</b>", id=g.id, name=g.name),
        contact_text(lang, g.contact_id, contact_name),
        lang.t("Municipality: {municipality}", municipality=g.municipality),
        lang.t("Neighbourhood: {neighbourhood}", neighbourhood=g.neighbourhood or unset),
        lang.t("Languages: {languages}", languages=languages_text(lang, g.languages) or unset),
        lang.tn("Time: {n} hour a week", "Time: {n} hours a week", g.hours),
        lang.t(
            "Available: {when}",
            when=keys_text(lang, g.availability, matching.AVAILABILITY) or unset,
        ),
        lang.t(
            "Can help with: {skills}", skills=keys_text(lang, g.skills, matching.SKILLS) or unset
        ),
        lang.t(
            "Hopes to share: {interests}",
            interests=keys_text(lang, g.interests, matching.INTERESTS) or unset,
        ),
        lang.t("Status: {status}", status=group_status(lang, g.sponsorship_id)),
    ]
    return "\n".join(lines)


def household_card(lang: Lang, h: HouseholdProfile) -> str:
    """A household profile as the coordinator sees it."""
    none = lang.t("none")
    consent = lang.date(datetime.fromisoformat(h.consent_at))
    children = (
        lang.t("Children's ages: {ages}", ages=ages_text(lang, h.children_ages))
        if h.children_ages
        else lang.t("Children: none")
    )
    lines = [
        lang.t("<b>Household {id}: {label}</b>", id=h.id, label=h.label),
        lang.t("Consent recorded on {date}", date=consent),
        lang.t("Main language: {language}", language=native_name(h.main_language)),
        lang.t("Languages: {languages}", languages=languages_text(lang, h.languages) or none),
        lang.t("Adults: {n}", n=h.adults),
        children,
        lang.t("Needs: {needs}", needs=keys_text(lang, h.needs, matching.NEEDS) or none),
        lang.t(
            "Interests: {interests}",
            interests=keys_text(lang, h.interests, matching.INTERESTS) or none,
        ),
        lang.t(
            "Preferred municipality: {municipality}",
            municipality=h.location or lang.t("no preference"),
        ),
        lang.t("Status: {status}", status=household_status(lang, h.sponsorship_id)),
    ]
    return "\n".join(lines)


def part_text(lang: Lang, part: Part) -> str:
    """One criterion of a score in plain words."""
    p, m = part.points, part.maximum
    if part.criterion == "language":
        if part.reason == "shared":
            group_level, household_level = part.levels
            return lang.t(
                "Language: {points} of {max} – they share {language} (group: {group_level}, "
                "household: {household_level})",
                points=p,
                max=m,
                language=native_name(part.items[0]),
                group_level=lang.t(matching.LEVELS[group_level]),
                household_level=lang.t(matching.LEVELS[household_level]),
            )
        return lang.t("Language: {points} of {max} – no shared language", points=p, max=m)
    if part.criterion == "needs":
        if part.reason == "no_needs":
            return lang.t("Needs: {points} of {max} – no particular needs", points=p, max=m)
        covered = keys_text(lang, part.items, matching.NEEDS)
        missing = keys_text(lang, part.missing, matching.NEEDS)
        if not part.missing:
            return lang.t(
                "Needs: {points} of {max} – can help with {covered}",
                points=p,
                max=m,
                covered=covered,
            )
        if not part.items:
            return lang.t(
                "Needs: {points} of {max} – cannot help with {missing}",
                points=p,
                max=m,
                missing=missing,
            )
        return lang.t(
            "Needs: {points} of {max} – can help with {covered}, not with {missing}",
            points=p,
            max=m,
            covered=covered,
            missing=missing,
        )
    if part.criterion == "capacity":
        if part.reason == "no_time":
            return lang.t("Capacity: {points} of {max} – no time available now", points=p, max=m)
        return lang.tn(
            "Capacity: {points} of {max} – {n} hour a week",
            "Capacity: {points} of {max} – {n} hours a week",
            part.hours,
            points=p,
            max=m,
        )
    if part.criterion == "location":
        if part.reason == "no_preference":
            return lang.t(
                "Location: {points} of {max} – the household has no preference", points=p, max=m
            )
        if part.reason == "same_place":
            return lang.t(
                "Location: {points} of {max} – in {municipality}, as the household prefers",
                points=p,
                max=m,
                municipality=part.items[0],
            )
        return lang.t(
            "Location: {points} of {max} – in {municipality}; the household prefers {preferred}",
            points=p,
            max=m,
            municipality=part.items[0],
            preferred=part.items[1],
        )
    if part.reason == "no_interests":
        return lang.t(
            "Interests: {points} of {max} – the household named no interests", points=p, max=m
        )
    if not part.items:
        return lang.t("Interests: {points} of {max} – no shared interests", points=p, max=m)
    return lang.t(
        "Interests: {points} of {max} – both enjoy {shared}",
        points=p,
        max=m,
        shared=keys_text(lang, part.items, matching.INTERESTS),
    )


def suggestion_text(lang: Lang, suggestion: Suggestion, group: GroupProfile) -> str:
    """A ranked group with its score explained, and what rules it out."""
    s = suggestion.score
    lines = [
        lang.t(
            "<b>{rank}. {name}</b> – {points} of {max} points",
            rank=suggestion.rank,
            name=group.name,
            points=s.total,
            max=s.maximum,
        )
    ]
    lines += [f"• {part_text(lang, part)}" for part in s.parts]
    lines += [f"⛔ {lang.t(BLOCKER_TEXT[b])}" for b in s.blockers]
    return "\n".join(lines)


def household_intro(lang: Lang, h: HouseholdProfile) -> str:
    """For the sponsor group, before departure: who they will welcome (no name, no file)."""
    lines = [lang.t("<b>The household you will welcome</b>")]
    if h.languages:
        lines.append(lang.t("Languages: {languages}", languages=languages_text(lang, h.languages)))
    lines.append(lang.t("Adults: {n}", n=h.adults))
    lines.append(
        lang.t("Children's ages: {ages}", ages=ages_text(lang, h.children_ages))
        if h.children_ages
        else lang.t("Children: none")
    )
    if h.needs:
        lines.append(
            lang.t(
                "They could use help with: {needs}",
                needs=keys_text(lang, h.needs, matching.NEEDS),
            )
        )
    if h.interests:
        lines.append(
            lang.t(
                "They enjoy: {interests}",
                interests=keys_text(lang, h.interests, matching.INTERESTS),
            )
        )
    if h.location:
        lines.append(lang.t("Preferred municipality: {municipality}", municipality=h.location))
    lines += [
        "",
        lang.t(
            "Please keep this within the group. Your coordinator will send you the invite "
            "links; the tasks to prepare the arrival are ready in the plan."
        ),
    ]
    return "\n".join(lines)


def group_intro(lang: Lang, g: GroupProfile) -> str:
    """For the household, in their language, before departure: the group that will welcome them."""
    lines = [
        lang.t("<b>Your sponsor group: {name}</b>", name=g.name),
        lang.t(
            "A group of local residents in {place} will welcome you and help you settle in "
            "during your first year.",
            place=place_text(g.neighbourhood, g.municipality),
        ),
    ]
    if g.languages:
        lines.append(
            lang.t(
                "Languages in the group: {languages}", languages=languages_text(lang, g.languages)
            )
        )
    if g.hours > 0:
        lines.append(
            lang.tn(
                "Time for you: about {n} hour a week",
                "Time for you: about {n} hours a week",
                g.hours,
            )
        )
    if g.availability:
        lines.append(
            lang.t(
                "Usually available: {when}",
                when=keys_text(lang, g.availability, matching.AVAILABILITY),
            )
        )
    if g.skills:
        lines.append(
            lang.t(
                "They can help with: {skills}", skills=keys_text(lang, g.skills, matching.SKILLS)
            )
        )
    if g.interests:
        lines.append(
            lang.t(
                "They would like to share: {interests}",
                interests=keys_text(lang, g.interests, matching.INTERESTS),
            )
        )
    lines += [
        "",
        lang.t(
            "You will meet them soon after you arrive. Until then, your coordinator can answer "
            "your questions."
        ),
    ]
    return "\n".join(lines)
