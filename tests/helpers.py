"""Shared test helpers: a config for the sandbox and a running bot driven in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import App, build_application, running
from bot.clock import Clock
from bot.config import Config, parse_config
from bot.context import SERVICES_KEY, Services
from bot.sandbox import Sandbox, SandboxRequest


def sandbox_config(tmp_path: Path, sandbox: Sandbox, **sections: dict[str, Any]) -> Config:
    """A valid Config pointing at the sandbox's token and a temporary database."""
    data: dict[str, Any] = {
        "telegram": {"token": sandbox.token},
        "database": {"path": str(tmp_path / "bot.db")},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return parse_config(data, "test.toml")


@dataclass
class Harness:
    """A running application wired to a sandbox through the in-process transport."""

    app: App
    sandbox: Sandbox
    config: Config

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data[SERVICES_KEY]
        return services


@asynccontextmanager
async def run_bot(
    sandbox: Sandbox, config: Config, clock: Clock | None = None
) -> AsyncIterator[Harness]:
    """Run the real application in-process; user actions on the sandbox reach it directly."""
    app = build_application(
        config,
        request=SandboxRequest(sandbox),
        get_updates_request=SandboxRequest(sandbox),
        clock=clock,
    )

    async def dispatch(data: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(data, app.bot))

    async with running(app):
        sandbox.dispatcher = dispatch
        try:
            yield Harness(app, sandbox, config)
        finally:
            sandbox.dispatcher = None
