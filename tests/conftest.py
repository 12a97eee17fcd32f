"""Fixtures: a strict sandbox and the real bot running against it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.i18n import UNTRANSLATED
from bot.sandbox import Sandbox
from tests.helpers import Harness, run_bot, sandbox_config


@pytest.fixture
def sandbox() -> Sandbox:
    """A fresh sandbox with Telegram's flood limits on."""
    return Sandbox()


@pytest.fixture
async def bot(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    """The real application, running in-process against the sandbox."""
    async with run_bot(sandbox, sandbox_config(tmp_path, sandbox)) as harness:
        yield harness


@pytest.fixture(autouse=True)
def every_shown_text_is_translated() -> Iterator[None]:
    """Fail a test in which the bot showed a text missing from a shipped catalog."""
    UNTRANSLATED.clear()
    yield
    missing = sorted(UNTRANSLATED)
    UNTRANSLATED.clear()
    assert not missing, (
        "texts shown without a translation (run scripts/catalogs.sh and translate): "
        + "; ".join(f"{code}: {text!r}" for code, text in missing[:10])
    )
