"""Plan templates: the shipped one validates and says true things; broken files fail clearly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.i18n import SHIPPED_LANGUAGES
from bot.plans import (
    HOW_MAX,
    NAME_MAX,
    OWNERS,
    PlanTemplate,
    TemplateError,
    due_date,
    load_all,
    load_template,
)

PHASES = ("pre_arrival", "arrival_week", "first_month", "months_2_3", "months_4_12", "hand_over")


@pytest.fixture(scope="module")
def standard() -> PlanTemplate:
    return load_all()["standard"]


# --- the shipped template -------------------------------------------------------------------


def test_shipped_templates_validate() -> None:
    templates = load_all()
    assert "standard" in templates
    for template_id, template in templates.items():
        assert template.id == template_id
        assert template.tasks


def test_standard_phases_in_order(standard: PlanTemplate) -> None:
    assert tuple(p.key for p in standard.phases) == PHASES
    assert 20 <= len(standard.tasks) <= 30
    assert all(standard.tasks_in(key) for key in PHASES)


# Due offsets (days after arrival) that fit each phase.
PHASE_DAYS = {
    "pre_arrival": range(-60, 0),
    "arrival_week": range(0, 8),
    "first_month": range(8, 32),
    "months_2_3": range(32, 92),
    "months_4_12": range(92, 330),
    "hand_over": range(300, 366),
}


def test_due_days_fit_their_phase_and_run_in_order(standard: PlanTemplate) -> None:
    for phase in standard.phases:
        days = [t.due_days for t in standard.tasks_in(phase.key)]
        assert days == sorted(days), phase.key
        assert all(d in PHASE_DAYS[phase.key] for d in days), (phase.key, days)


def test_every_text_in_every_language(standard: PlanTemplate) -> None:
    assert set(standard.name) == set(SHIPPED_LANGUAGES)
    for phase in standard.phases:
        assert set(phase.name) == set(SHIPPED_LANGUAGES)
    for task in standard.tasks:
        assert set(task.title) == set(SHIPPED_LANGUAGES), task.key
        assert set(task.how) == set(SHIPPED_LANGUAGES), task.key
        for lang in SHIPPED_LANGUAGES:
            assert 0 < len(task.title[lang]) <= NAME_MAX
            assert 0 < len(task.how[lang]) <= HOW_MAX
        assert task.owner in OWNERS
        # Translations are really there: no language just repeats the English how-to.
        assert len({task.how[lang] for lang in SHIPPED_LANGUAGES}) == len(SHIPPED_LANGUAGES)


def test_how_to_is_two_to_four_sentences(standard: PlanTemplate) -> None:
    for task in standard.tasks:
        sentences = re.findall(r"[.!?](?:\s|$)", task.how["en"])
        assert 2 <= len(sentences) <= 4, task.key


def test_scripts_match_the_language(standard: PlanTemplate) -> None:
    """Arabic, Tigrinya and Ukrainian texts are in their script; Dari uses Persian letters."""
    scripts = {"ar": "\u0600-\u06ff", "fa_AF": "\u0600-\u06ff", "ti": "\u1200-\u137f"}
    scripts["uk"] = "\u0400-\u04ff"
    for task in standard.tasks:
        for lang, letters in scripts.items():
            assert re.search(f"[{letters}]", task.how[lang]), (task.key, lang)
        dari = task.title["fa_AF"] + task.how["fa_AF"]
        assert "\u064a" not in dari and "\u0643" not in dari, task.key  # Arabic yeh and kaf


# Dutch official terms (or facts) every language must keep, per task.
FACTS = [
    ("brp_registration", ("BRP", "BSN", "gemeente")),
    ("digid", ("DigiD", "digid.nl", "BSN")),
    ("bank_account", ("basisbetaalrekening",)),
    ("health_insurance", ("zorgverzekering", "18")),
    ("zorgtoeslag", ("zorgtoeslag", "Dienst Toeslagen", "DigiD")),
    ("huisarts", ("huisarts", "apotheek")),
    ("school_enrolment", ("5",)),
    ("vluchtelingenwerk", ("VluchtelingenWerk",)),
    ("bijstand", ("bijstand", "Participatiewet", "gemeente")),
    ("inburgering", ("inburgering", "DUO", "PIP")),
    ("huurtoeslag", ("huurtoeslag", "Dienst Toeslagen")),
    ("kinderbijslag", ("kinderbijslag", "SVB", "svb.nl", "18")),
    ("dentist", ("tandarts", "18")),
    ("ov_chipkaart", ("OV-chipkaart",)),
    ("help_numbers", ("112", "0900-8844", "huisartsenpost")),
]


@pytest.mark.parametrize(("key", "terms"), FACTS)
def test_facts_and_dutch_terms_in_every_language(
    standard: PlanTemplate, key: str, terms: tuple[str, ...]
) -> None:
    task = standard.task(key)
    assert task is not None
    for lang in SHIPPED_LANGUAGES:
        for term in terms:
            assert term.lower() in task.how[lang].lower(), (key, lang, term)


def test_hand_over_tells_who_to_call(standard: PlanTemplate) -> None:
    help_numbers = standard.task("help_numbers")
    assert help_numbers is not None and help_numbers.phase == "hand_over"
    dutch = help_numbers.how_in("nl")
    assert "bel 112" in dutch
    assert "Politie zonder spoed: 0900-8844" in dutch
    assert "huisartsenpost" in dutch


def test_due_dates_from_the_arrival_date(standard: PlanTemplate) -> None:
    arrival = date(2027, 3, 1)
    due = {t.key: due_date(t, arrival) for t in standard.tasks}
    assert due["group_roles"] == date(2027, 2, 8)  # three weeks before
    assert due["welcome_home"] == arrival
    assert due["brp_registration"] == date(2027, 3, 6)  # within the legal five days
    assert due["help_numbers"] == date(2028, 2, 9)
    assert all(due[t.key] < arrival for t in standard.tasks_in("pre_arrival"))


def test_texts_fall_back_to_english(standard: PlanTemplate) -> None:
    task = standard.task("bank_account")
    assert task is not None
    assert task.title_in("de") == task.title_in("en") == "Open a bank account"
    assert task.how_in("xx") == task.how["en"]
    assert task.title_in("nl") == "Een bankrekening openen"
    assert standard.phases[0].name_in("ar") == "قبل الوصول"
    assert standard.name_in("pt") == "Standard plan for the first year"
    assert standard.task("no_such_task") is None


# --- broken templates -------------------------------------------------------------------------


def _texts(word: str, skip: str = "") -> str:
    pairs = ", ".join(f'{lang} = "{word}"' for lang in SHIPPED_LANGUAGES if lang != skip)
    return "{" + pairs + "}"


def _lines(word: str) -> str:
    return "\n".join(f'{lang} = "{word}"' for lang in SHIPPED_LANGUAGES)


# Line numbers matter below: texts of "bank" are inline tables, those of "gp" sub-tables.
VALID = f"""id = "mine"
name = {_texts("My plan")}

[[phases]]
key = "start"
name = {_texts("Start")}

[[phases.tasks]]
key = "bank"
owner = "money"
due_days = 10
title = {_texts("Open a bank account")}
how = {_texts("Go to the bank.")}

[[phases.tasks]]
key = "gp"
owner = "health"
due_days = 14

[phases.tasks.title]
{_lines("Find a GP")}

[phases.tasks.how]
{_lines("Ask a huisarts.")}
"""
assert VALID.splitlines()[8] == 'key = "bank"' and VALID.splitlines()[29] == "[phases.tasks.how]"

OWNER_LIST = "newcomer, together, contact, buddy, housing, money, health, language, other"
LANGUAGE_LIST = "nl, en, ar, ti, fa_AF, so, uk, tr"

BROKEN = [
    # (what, replace this, with this, expected "line N: problem" after the file name)
    (
        "syntax error",
        'owner = "money"',
        "owner = money",
        "line 10: invalid TOML: Invalid value (column 9)",
    ),
    (
        "unclosed string",
        'key = "gp"',
        'key = "gp',
        "line 16: invalid TOML: Illegal character '\\n' (column 10)",
    ),
    (
        "missing language, inline table",
        f"title = {_texts('Open a bank account')}",
        f"title = {_texts('Open a bank account', skip='ti')}",
        'line 12: task "bank" has no title in "ti"',
    ),
    (
        "missing language, sub-table",
        'ti = "Ask a huisarts."\n',
        "",
        'line 30: task "gp" has no how in "ti"',
    ),
    (
        "unknown owner",
        'owner = "money"',
        'owner = "mony"',
        f'line 10: task "bank": unknown owner "mony" (expected {OWNER_LIST})',
    ),
    (
        "missing owner",
        'owner = "health"\n',
        "",
        f'line 16: task "gp" has no owner (expected {OWNER_LIST})',
    ),
    (
        "duplicate task key",
        'key = "gp"',
        'key = "bank"',
        'line 16: duplicate task key "bank" (first on line 9)',
    ),
    (
        "unknown task field",
        "due_days = 14\n",
        "due_days = 14\ndeadline = 3\n",
        'line 19: task "gp": unknown field "deadline" (expected key, owner, due_days, title, how)',
    ),
    (
        "unknown top-level field",
        'id = "mine"',
        'id = "mine"\nversion = 2',
        'line 2: the template: unknown field "version" (expected id, name, phases)',
    ),
    (
        "due_days as text",
        "due_days = 10",
        'due_days = "10"',
        'line 11: task "bank": due_days must be a whole number of days, not "10"',
    ),
    (
        "due_days as a fraction",
        "due_days = 10",
        "due_days = 1.5",
        'line 11: task "bank": due_days must be a whole number of days, not 1.5',
    ),
    (
        "due_days as a boolean",
        "due_days = 10",
        "due_days = true",
        'line 11: task "bank": due_days must be a whole number of days, not true',
    ),
    (
        "due_days out of range",
        "due_days = 10",
        "due_days = 1000",
        'line 11: task "bank": due_days 1000 is outside -365..730',
    ),
    (
        "HTML in a text",
        'uk = "Ask a huisarts."',
        'uk = "Ask <b>a</b> huisarts."',
        'line 37: task "gp": how in "uk" contains "<" (texts are sent as HTML; write it in words)',
    ),
    (
        "ampersand in a title",
        'tr = "Find a GP"',
        'tr = "GP & pharmacy"',
        'line 28: task "gp": title in "tr" contains "&" '
        "(texts are sent as HTML; write it in words)",
    ),
    (
        "text too long",
        'nl = "Ask a huisarts."',
        f'nl = "{"x" * 601}"',
        'line 31: task "gp": how in "nl" has 601 characters (at most 600)',
    ),
    (
        "empty text",
        'en = "Find a GP"',
        'en = "  "',
        'line 22: task "gp": title in "en" is empty',
    ),
    (
        "text of the wrong type",
        'en = "Find a GP"',
        "en = 3",
        'line 22: task "gp": title in "en" must be text, not 3',
    ),
    (
        "unknown language",
        'en = "Find a GP"',
        'en = "Find a GP"\nde = "Hausarzt finden"',
        f'line 23: task "gp": title in unknown language "de" (expected {LANGUAGE_LIST})',
    ),
    (
        "bad id",
        'id = "mine"',
        'id = "My Plan"',
        'line 1: id must be 1-32 characters a-z, 0-9, _ or -, not "My Plan"',
    ),
    (
        "missing id",
        'id = "mine"\n',
        "",
        'missing "id" (for example id = "my_plan")',
    ),
    (
        "bad task key",
        'key = "gp"',
        'key = "GP visit"',
        'line 16: task 2 (phase "start"): key must be 1-40 characters a-z, 0-9 or _, '
        'not "GP visit"',
    ),
    (
        "duplicate phase key",
        'tr = "Ask a huisarts."\n',
        f'tr = "Ask a huisarts."\n\n[[phases]]\nkey = "start"\nname = {_texts("Again")}\n',
        'line 41: duplicate phase key "start"',
    ),
    (
        "phase without tasks",
        'tr = "Ask a huisarts."\n',
        f'tr = "Ask a huisarts."\n\n[[phases]]\nkey = "later"\nname = {_texts("Later")}\n',
        'line 41: phase "later" has no tasks',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_broken_template(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in VALID
    path = tmp_path / "my_plan.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    message = str(caught.value)
    assert message == f"{path}: {expected}"
    assert "\n" not in message


def test_valid_template_loads(tmp_path: Path) -> None:
    path = tmp_path / "my_plan.toml"
    path.write_text(VALID, encoding="utf-8")
    template = load_template(path)
    assert template.id == "mine"
    assert [(t.key, t.phase, t.owner, t.due_days) for t in template.tasks] == [
        ("bank", "start", "money", 10),
        ("gp", "start", "health", 14),
    ]
    assert template.tasks[1].how_in("so") == "Ask a huisarts."


INLINE = f"""id = "inline"
name = {_texts("Inline")}
phases = [
  {{key = "start", name = {_texts("Start")}, tasks = [
    {{key = "bank", owner = "money", due_days = 1, title = {_texts("A")}, how = {_texts("B")}}},
    {{key = "bank", owner = "money", due_days = 2, title = {_texts("C")}, how = {_texts("D")}}},
  ]}},
]
"""


def test_inline_tables_find_the_task_by_its_key(tmp_path: Path) -> None:
    path = tmp_path / "inline.toml"
    path.write_text(INLINE, encoding="utf-8")
    with pytest.raises(TemplateError, match=r": line 6: duplicate task key \"bank\" \(first on"):
        load_template(path)
    path.write_text(INLINE.replace('"bank", owner = "money", due_days = 2', '"gp", owner = "x"'))
    with pytest.raises(TemplateError, match=r': line 6: task "gp": unknown owner "x"'):
        load_template(path)


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(TemplateError) as caught:
        load_template(missing)
    assert str(caught.value) == f"{missing}: cannot read the file: No such file or directory"
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(VALID.replace("Start", "D\xe9but").encode("latin-1"))
    with pytest.raises(TemplateError) as caught:
        load_template(latin1)
    assert str(caught.value) == f"{latin1}: the file is not UTF-8 text"


def test_load_all_adds_deployment_templates(tmp_path: Path) -> None:
    path = tmp_path / "my_plan.toml"
    path.write_text(VALID, encoding="utf-8")
    templates = load_all([path])
    assert list(templates) == ["standard", "mine"]


def test_load_all_refuses_a_duplicate_id(tmp_path: Path) -> None:
    path = tmp_path / "copy.toml"
    path.write_text(VALID.replace('id = "mine"', 'id = "standard"'), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_all([str(path)])
    message = str(caught.value)
    assert message.startswith(f'{path}: line 1: template id "standard" is already used by ')
    assert message.endswith("standard.toml")


def test_load_all_stops_at_a_broken_deployment_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(VALID, encoding="utf-8")
    bad.write_text(VALID.replace('id = "mine"', 'id = "other"').replace("= 14", "= x"))
    with pytest.raises(TemplateError, match=r"bad\.toml: line 18: invalid TOML"):
        load_all([good, bad])
