"""Match suggestions between sponsor groups and newcomer households: a pure, explainable score.

Five criteria, each worth up to its weight from the `[matching]` config (defaults in brackets):

- **language** (40): the best language the group and the household share, counted at the lower
  of the two levels (fluent 3/3, good 2/3, basic 1/3). No shared language gives 0 points, and is
  a *hard blocker* while machine translation is off (`[translation] backend = "none"`).
- **needs** (25): the share of the household's needs that the group's skills cover (school-age
  children: children's schooling; medical follow-up: health care; limited mobility: driving;
  looking for work: job search). A household without particular needs gives every group full
  points.
- **capacity** (15): hours a week, full points from `capacity_hours` (8). Zero hours is a *hard
  blocker*.
- **location** (10): full points when the group lives in the municipality the household prefers,
  or when the household has no preference.
- **interests** (10): the share of the household's interests the group hopes to share too (full
  points when the household named none).

Points are whole numbers (rounded half up), the total their sum. More of anything never lowers a
score, so a group that is at least as good on every criterion is never ranked below another:
groups without blockers come first, then by total; equal totals share a rank.
Nothing here does I/O: the handlers turn the result into plain words (bot/profileview.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.config import MatchingConfig
from bot.i18n import N_

CRITERIA: tuple[str, ...] = ("language", "needs", "capacity", "location", "interests")

# Language levels: how well someone speaks a language.
LEVELS: dict[int, str] = {3: N_("fluent"), 2: N_("good"), 1: N_("basic")}
MAX_LEVEL = 3

# Languages a profile can name: the bot's own and others common among resettled households.
PROFILE_LANGUAGES: tuple[str, ...] = (
    "nl", "en", "ar", "ti", "fa_AF", "so", "uk", "tr", "fr", "ru", "ps", "am", "ckb", "ku",
)  # fmt: skip

# What a sponsor group can help with.
SKILLS: dict[str, str] = {
    "paperwork": N_("paperwork"),
    "health": N_("health care"),
    "school": N_("children's schooling"),
    "jobs": N_("job search"),
    "driving": N_("driving"),
    "housing": N_("housing"),
}

# What a household could use help with, and the group skill that covers it. Deliberately
# nothing medical beyond "needs medical follow-up".
NEEDS: dict[str, str] = {
    "school": N_("school-age children"),
    "medical": N_("medical follow-up"),
    "mobility": N_("limited mobility"),
    "jobs": N_("looking for work"),
}
SCHOOL_AGES = range(4, 18)  # Dutch children go to school from 4 (compulsory from 5)
NEED_SKILL: dict[str, str] = {
    "school": "school",
    "medical": "health",
    "mobility": "driving",
    "jobs": "jobs",
}

# What a group hopes to share and what a household enjoys: the same list, so they can meet.
INTERESTS: dict[str, str] = {
    "cooking": N_("cooking"),
    "sport": N_("sport"),
    "music": N_("music"),
    "outdoors": N_("walks in nature"),
    "crafts": N_("crafts"),
    "gardening": N_("gardening"),
    "games": N_("games"),
    "culture": N_("museums"),
}

# When a group is usually available.
AVAILABILITY: dict[str, str] = {
    "weekdays": N_("weekdays"),
    "evenings": N_("evenings"),
    "weekends": N_("weekends"),
}

# Hard blockers.
NO_LANGUAGE = "no_language"
NO_CAPACITY = "no_capacity"


@dataclass(frozen=True)
class Group:
    """What the score needs to know about a sponsor group."""

    id: int
    languages: Mapping[str, int]  # language code -> level 1..3
    hours: int  # a week, together
    municipality: str
    skills: frozenset[str]
    interests: frozenset[str]


@dataclass(frozen=True)
class Household:
    """What the score needs to know about a household."""

    languages: Mapping[str, int]
    needs: frozenset[str]
    interests: frozenset[str]
    location: str | None  # preferred municipality; None: no preference


@dataclass(frozen=True)
class Part:
    """The points for one criterion and why (`reason` is a key the view turns into words)."""

    criterion: str
    points: int
    maximum: int
    reason: str
    items: tuple[str, ...] = ()  # e.g. the shared language, covered needs, shared interests
    missing: tuple[str, ...] = ()  # e.g. needs the group cannot cover
    levels: tuple[int, int] = (0, 0)  # language: (group level, household level)
    hours: int = 0


@dataclass(frozen=True)
class Score:
    """A group's score for a household."""

    group_id: int
    parts: tuple[Part, ...]
    blockers: tuple[str, ...]

    @property
    def total(self) -> int:
        """The sum of the parts."""
        return sum(p.points for p in self.parts)

    @property
    def maximum(self) -> int:
        """The most a group could get."""
        return sum(p.maximum for p in self.parts)

    def part(self, criterion: str) -> Part:
        """The part for one criterion."""
        return next(p for p in self.parts if p.criterion == criterion)


@dataclass(frozen=True)
class Suggestion:
    """A ranked group: rank 1 is the best; equal scores share a rank."""

    rank: int
    score: Score


def same_place(a: str, b: str) -> bool:
    """Municipality names compared without case and extra spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _points(weight: int, share: Fraction) -> int:
    """weight × share, rounded half up (exact: no floating point)."""
    value = weight * share
    return int((value * 2 + 1) // 2)


def _ordered(keys: Iterable[str], vocabulary: Iterable[str]) -> tuple[str, ...]:
    wanted = set(keys)
    return tuple(k for k in vocabulary if k in wanted)


def _language(group: Group, household: Household, weight: int) -> Part:
    best: tuple[int, int, int, str] | None = None  # (shared level, household level, -index, code)
    for index, (code, level) in enumerate(household.languages.items()):
        theirs = group.languages.get(code, 0)
        if theirs <= 0 or level <= 0:
            continue
        candidate = (min(theirs, level), level, -index, code)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return Part("language", 0, weight, "none")
    shared, _, _, code = best
    return Part(
        "language",
        _points(weight, Fraction(shared, MAX_LEVEL)),
        weight,
        "shared",
        items=(code,),
        levels=(group.languages[code], household.languages[code]),
    )


def _needs(group: Group, household: Household, weight: int) -> Part:
    needs = _ordered(household.needs, NEEDS)
    if not needs:
        return Part("needs", weight, weight, "no_needs")
    covered = tuple(n for n in needs if NEED_SKILL[n] in group.skills)
    missing = tuple(n for n in needs if n not in covered)
    return Part(
        "needs",
        _points(weight, Fraction(len(covered), len(needs))),
        weight,
        "needs",
        items=covered,
        missing=missing,
    )


def _capacity(group: Group, weight: int, full_hours: int) -> Part:
    if group.hours <= 0:
        return Part("capacity", 0, weight, "no_time")
    share = Fraction(min(group.hours, full_hours), full_hours)
    return Part("capacity", _points(weight, share), weight, "hours", hours=group.hours)


def _location(group: Group, household: Household, weight: int) -> Part:
    if household.location is None:
        return Part("location", weight, weight, "no_preference")
    if same_place(group.municipality, household.location):
        return Part("location", weight, weight, "same_place", items=(group.municipality,))
    return Part(
        "location", 0, weight, "other_place", items=(group.municipality, household.location)
    )


def _interests(group: Group, household: Household, weight: int) -> Part:
    wanted = _ordered(household.interests, INTERESTS)
    if not wanted:
        return Part("interests", weight, weight, "no_interests")
    shared = tuple(i for i in wanted if i in group.interests)
    return Part(
        "interests",
        _points(weight, Fraction(len(shared), len(wanted))),
        weight,
        "interests",
        items=shared,
    )


def score(
    group: Group, household: Household, weights: MatchingConfig, *, translation: bool
) -> Score:
    """The group's score for the household, its parts and its hard blockers."""
    parts = (
        _language(group, household, weights.language),
        _needs(group, household, weights.needs),
        _capacity(group, weights.capacity, weights.capacity_hours),
        _location(group, household, weights.location),
        _interests(group, household, weights.interests),
    )
    blockers: list[str] = []
    if parts[0].reason == "none" and not translation:
        blockers.append(NO_LANGUAGE)
    if group.hours <= 0:
        blockers.append(NO_CAPACITY)
    return Score(group.id, parts, tuple(blockers))


def rank(
    groups: Sequence[Group],
    household: Household,
    weights: MatchingConfig,
    *,
    translation: bool,
) -> list[Suggestion]:
    """Groups best first: without blockers before with, then by total; ties share a rank and
    are listed with the most hours first, then the oldest profile first."""
    scored = [(g, score(g, household, weights, translation=translation)) for g in groups]
    scored.sort(key=lambda gs: (bool(gs[1].blockers), -gs[1].total, -gs[0].hours, gs[0].id))
    out: list[Suggestion] = []
    previous: tuple[bool, int] | None = None
    current = 0
    for position, (_, s) in enumerate(scored, start=1):
        key = (bool(s.blockers), s.total)
        if key != previous:
            current, previous = position, key
        out.append(Suggestion(current, s))
    return out
