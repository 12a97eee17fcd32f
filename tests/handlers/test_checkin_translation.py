"""The newcomer's check-in note reaches the coordinator with a machine translation (with her
consent) next to the original, and untranslated without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.checkins import scale_text
from bot.sandbox.fake_translator import FakeTranslator, fake_translate
from tests.handlers.test_checkins import TUESDAY_19, running_team

NOTE = "شكرا، كل شيء بخير"


@pytest.fixture
def fake() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


@pytest.mark.parametrize("consent", [True, False])
async def test_newcomer_note_is_translated_for_the_coordinator_only_with_consent(
    tmp_path: Path, fake: FakeTranslator, consent: bool
) -> None:
    translation = {"backend": "google", "url": fake.url("/m"), "timeout_seconds": 2.0}
    async with running_team(tmp_path, translation=translation) as t:
        ar, en = t.lang("ar"), t.lang("en")
        if consent:
            await t.amal.send("/privacy")
            await t.amal.press(t.amal.last(), ar.t("Allow translation"))
        await t.at(TUESDAY_19)
        await t.amal.press(t.amal.last(), scale_text(ar, 3))
        await t.amal.send(NOTE)
        await t.checkins.outbox.drain()
        original = "📝 " + en.t(
            "{person} ({name}) added a note to the check-in: {note}",
            person="Amal",
            name=t.name,
            note=NOTE,
        )
        if consent:
            assert t.carla.last().text == (
                original
                + "\n\n🌐 "
                + en.value(fake_translate(NOTE, "en"))
                + " "
                + en.t("(machine translation)")
            )
            assert fake.calls == 1
        else:
            assert t.carla.last().text == original
            assert fake.calls == 0
