"""The match score: each criterion, the hard blockers, ties, the config, and the property that a
group at least as good on every criterion is never ranked below another."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import matching
from bot.config import ConfigError, MatchingConfig, parse_config
from bot.matching import Group, Household

ROOT = Path(__file__).resolve().parent.parent
GOOD_TOKEN = "123456789:AAEexampleexampleexample_-x"
WEIGHTS = MatchingConfig()
HOUSEHOLD = Household(
    languages={"ar": 3, "en": 1},
    needs=frozenset({"school", "medical"}),
    interests=frozenset({"cooking", "sport"}),
    location="Rotterdam",
)


def group(group_id: int = 1, **values: object) -> Group:
    base = Group(
        id=group_id,
        languages={"nl": 3},
        hours=8,
        municipality="Rotterdam",
        skills=frozenset(),
        interests=frozenset(),
    )
    return replace(base, **values)  # type: ignore[arg-type]


def test_each_part_and_its_reason() -> None:
    g = group(
        languages={"nl": 3, "ar": 2, "en": 3},
        hours=6,
        municipality=" rotterdam ",
        skills=frozenset({"school", "paperwork"}),
        interests=frozenset({"cooking", "music"}),
    )
    s = matching.score(g, HOUSEHOLD, WEIGHTS, translation=False)
    assert [(p.criterion, p.points, p.maximum, p.reason) for p in s.parts] == [
        ("language", 27, 40, "shared"),  # Arabic good beats English basic
        ("needs", 13, 25, "needs"),  # half of 25, rounded half up
        ("capacity", 11, 15, "hours"),  # 6 of 8 hours
        ("location", 10, 10, "same_place"),  # case and spaces do not matter
        ("interests", 5, 10, "interests"),
    ]
    assert s.part("language").items == ("ar",) and s.part("language").levels == (2, 3)
    assert s.part("needs").items == ("school",) and s.part("needs").missing == ("medical",)
    assert s.part("interests").items == ("cooking",)
    assert (s.total, s.maximum, s.blockers) == (66, 100, ())


def test_nothing_asked_gives_full_points() -> None:
    plain = Household(languages={"nl": 1}, needs=frozenset(), interests=frozenset(), location=None)
    s = matching.score(group(), plain, WEIGHTS, translation=False)
    assert [(p.points, p.reason) for p in s.parts] == [
        (13, "shared"),
        (25, "no_needs"),
        (15, "hours"),
        (10, "no_preference"),
        (10, "no_interests"),
    ]


def test_hard_blockers() -> None:
    silent = matching.score(group(), HOUSEHOLD, WEIGHTS, translation=False)
    assert silent.blockers == (matching.NO_LANGUAGE,)
    assert silent.part("language").points == 0
    assert matching.score(group(), HOUSEHOLD, WEIGHTS, translation=True).blockers == ()
    idle = group(languages={"ar": 3}, hours=0)
    assert matching.score(idle, HOUSEHOLD, WEIGHTS, translation=True).blockers == (
        matching.NO_CAPACITY,
    )
    both = group(hours=0)
    assert matching.score(both, HOUSEHOLD, WEIGHTS, translation=False).blockers == (
        matching.NO_LANGUAGE,
        matching.NO_CAPACITY,
    )


def test_blocked_groups_come_last_and_ties_share_a_rank() -> None:
    arabic = {"nl": 3, "ar": 3}
    groups = [
        group(1, languages=arabic, hours=0),  # best language, but no time
        group(2, languages=arabic, hours=8),
        group(3, languages=arabic, hours=12),  # the same points as 2, more hours
        group(4, hours=8),  # no shared language, translation off
        group(5, languages={"ar": 1}, hours=2),
    ]
    ranked = matching.rank(groups, HOUSEHOLD, WEIGHTS, translation=False)
    assert [(s.rank, s.score.group_id, s.score.total) for s in ranked] == [
        (1, 3, 65),
        (1, 2, 65),
        (3, 5, 27),
        (4, 1, 50),
        (5, 4, 25),
    ]


def test_example_config_documents_the_weights() -> None:
    text = (ROOT / "config.example.toml").read_text()
    assert "[matching]" in text
    for key in ("language", "needs", "capacity", "capacity_hours", "location", "interests"):
        assert f"\n{key} =" in text.split("[matching]")[1].split("\n[")[0], key


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"language": 101}, "[matching] language: expected a number of points from 0 to 100"),
        ({"needs": -1}, "[matching] needs: expected a number of points from 0 to 100"),
        ({"capacity_hours": 0}, "[matching] capacity_hours: expected a number of hours"),
        ({"interests": 2.5}, "[matching] interests: expected a whole number"),
        ({"religion": 1}, "[matching] religion: unknown key"),
    ],
)
def test_bad_weights_are_one_line_errors(values: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"telegram": {"token": GOOD_TOKEN}, "matching": values}, "c.toml")
    assert expected in str(caught.value)


# --- the property: a group that dominates another is never ranked below it ---------------------

CODES = ("nl", "en", "ar", "ti", "fa_AF")
PLACES = ("Rotterdam", "Schiedam", "Delft")
levels = st.dictionaries(st.sampled_from(CODES), st.integers(1, 3), max_size=4)
keys = st.frozensets
groups = st.builds(
    Group,
    id=st.integers(1, 10_000),
    languages=levels,
    hours=st.integers(0, 20),
    municipality=st.sampled_from(PLACES),
    skills=keys(st.sampled_from(sorted(matching.SKILLS))),
    interests=keys(st.sampled_from(sorted(matching.INTERESTS))),
)
households = st.builds(
    Household,
    languages=levels,
    needs=keys(st.sampled_from(sorted(matching.NEEDS))),
    interests=keys(st.sampled_from(sorted(matching.INTERESTS))),
    location=st.none() | st.sampled_from(PLACES),
)
weights = st.builds(
    MatchingConfig,
    language=st.integers(0, 100),
    needs=st.integers(0, 100),
    capacity=st.integers(0, 100),
    location=st.integers(0, 100),
    interests=st.integers(0, 100),
    capacity_hours=st.integers(1, 40),
)


@st.composite
def better(draw: st.DrawFn, worse: Group, household: Household) -> Group:
    """A group at least as good as `worse` on every criterion, and maybe better on some."""
    languages = dict(worse.languages)
    for code, level in draw(levels).items():
        languages[code] = max(languages.get(code, 0), level)
    for code in list(languages):
        languages[code] = draw(st.integers(languages[code], 3))
    municipality = worse.municipality
    if household.location is not None and draw(st.booleans()):
        municipality = household.location  # moving to the preferred place never hurts
    return Group(
        id=draw(st.integers(1, 10_000)),
        languages=languages,
        hours=worse.hours + draw(st.integers(0, 10)),
        municipality=municipality,
        skills=worse.skills | draw(keys(st.sampled_from(sorted(matching.SKILLS)))),
        interests=worse.interests | draw(keys(st.sampled_from(sorted(matching.INTERESTS)))),
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), household=households, config=weights, translation=st.booleans())
def test_a_dominating_group_is_never_ranked_below(
    data: st.DataObject, household: Household, config: MatchingConfig, translation: bool
) -> None:
    worse = data.draw(groups)
    best = data.draw(better(worse, household))
    others = data.draw(st.lists(groups, max_size=6))
    pool = [*others, worse, best]
    ids = list(range(1, len(pool) + 1))
    shuffled = data.draw(st.permutations(ids))
    pool = [replace(g, id=i) for g, i in zip(pool, shuffled, strict=True)]
    worse_id, best_id = pool[-2].id, pool[-1].id
    ranked = {
        s.score.group_id: s for s in matching.rank(pool, household, config, translation=translation)
    }
    assert ranked[best_id].rank <= ranked[worse_id].rank
    w, b = ranked[worse_id].score, ranked[best_id].score
    assert set(b.blockers) <= set(w.blockers)
    for part in matching.CRITERIA:
        assert b.part(part).points >= w.part(part).points, part
