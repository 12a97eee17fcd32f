"""Catalogs: complete in every shipped language, placeholders and markup kept; RTL isolation."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.i18n import FSI, PDI, SHIPPED_LANGUAGES, I18n, native_name, resolve_language

LOCALES = Path(__file__).resolve().parent.parent / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?[a-z-]+")


def _template_ids() -> set[str]:
    with open(LOCALES / "messages.pot", "rb") as fh:
        return {m.id for m in read_po(fh) if m.id and isinstance(m.id, str)}


def test_eight_languages_shipped() -> None:
    assert SHIPPED_LANGUAGES == ("nl", "en", "ar", "ti", "fa_AF", "so", "uk", "tr")
    for code in SHIPPED_LANGUAGES:
        assert (LOCALES / code / "LC_MESSAGES" / "messages.po").is_file(), code


@pytest.mark.parametrize("code", SHIPPED_LANGUAGES)
def test_catalog_complete_and_consistent(code: str) -> None:
    with open(LOCALES / code / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=code)
    problems: list[str] = []
    translated = {m.id for m in catalog if m.id}
    for missing in sorted(_template_ids() - translated):
        problems.append(f"missing: {missing!r}")
    for message in catalog:
        if not message.id:
            continue
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple) else (message.id,))]
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(s or "") for s in raw]
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        want = sorted(PLACEHOLDER.findall(ids[-1]))
        want_tags = sorted(TAG.findall(ids[-1]))
        for s in strings:
            if sorted(PLACEHOLDER.findall(s)) != want:
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
            if sorted(TAG.findall(s)) != want_tags:
                problems.append(f"markup differs: {ids[0]!r} -> {s!r}")
    assert not problems, "\n".join(problems)


def test_catalogs_are_really_translated() -> None:
    i18n = I18n()
    source = "Which language would you like me to use?"
    seen = {i18n.get(code).t(source) for code in SHIPPED_LANGUAGES if code != "en"}
    assert source not in seen
    assert len(seen) == len(SHIPPED_LANGUAGES) - 1


def test_native_names() -> None:
    assert native_name("fa_AF") == "دری"
    assert native_name("ar") == "العربية"
    assert native_name("nl") == "Nederlands"
    assert native_name("ti") == "ትግርኛ"
    assert native_name("uk") == "Українська"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ar", "ar"),
        ("fa", "fa_AF"),
        ("fa-AF", "fa_AF"),
        ("prs", "fa_AF"),
        ("nl-BE", "nl"),
        ("en-GB", "en"),
        ("de", None),
        (None, None),
        ("", None),
        ("tr", "tr"),
    ],
)
def test_resolve_language(code: str | None, expected: str | None) -> None:
    assert resolve_language(code) == expected


def test_rtl_text_isolates_inserted_values() -> None:
    i18n = I18n()
    ar = i18n.get("ar")
    text = ar.t("Welcome back, {name}!", name="Anna")
    assert f"{FSI}Anna{PDI}" in text
    assert ar.rtl and i18n.get("fa_AF").rtl and not i18n.get("nl").rtl
    nl = i18n.get("nl")
    assert nl.t("Welcome back, {name}!", name="Anna") == "Welkom terug, Anna!"
    assert f"{FSI}أمل{PDI}" in nl.t("Welcome back, {name}!", name="أمل")


def test_inserted_values_are_html_escaped() -> None:
    text = I18n().get("en").t("Welcome back, {name}!", name="<b>&")
    assert text == "Welcome back, &lt;b&gt;&amp;!"


def test_unknown_language_falls_back_to_english() -> None:
    assert I18n().get("de").code == "en"


def test_dates_in_the_readers_locale() -> None:
    i18n = I18n(tz=ZoneInfo("Europe/Amsterdam"))
    day = date(2026, 12, 5)
    assert i18n.get("nl").date(day) == "5 dec 2026"
    assert i18n.get("en").date(day) == "Dec 5, 2026"
    late = datetime(2026, 12, 5, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert i18n.get("nl").date(late) == "6 dec 2026"
    assert i18n.get("nl").time(late) == "00:30"
