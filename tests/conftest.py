"""Fixtures: a strict sandbox and the real bot running against it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
