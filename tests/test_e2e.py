"""End to end: the real `samenhier run` process against the sandbox's HTTP server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bot.sandbox import Sandbox, SandboxServer

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def bot_process(config: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `python -m bot run -c CONFIG`; stop it with SIGTERM and check it exits cleanly."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SAMENHIER_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "-c",
        str(config),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        log = err.decode()
        assert proc.returncode == 0, log
        assert "Traceback" not in log, log


async def test_polling_process_answers_start(tmp_path: Path) -> None:
    sandbox = Sandbox()
    server = SandboxServer(sandbox)
    await server.start()
    try:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\n'
            f'base_url = "{server.base_url.removesuffix("/bot")}"\n'
            '[database]\npath = "bot.db"\n'
        )
        async with bot_process(config):
            await sandbox.wait_until(lambda: any(m == "getupdates" for m, _ in _calls(sandbox)), 30)
            amal = sandbox.user("Amal", language_code="ar")
            await amal.start()
            await sandbox.wait_until(lambda: len(amal.inbox()) == 1, 15)
            assert amal.last().buttons[1] == ["العربية", "ትግርኛ"]
            await amal.press(amal.last(), "العربية")
            await sandbox.wait_until(lambda: "/help" in amal.last().text, 15)
            assert len(amal.inbox()) == 1  # the picker was edited into the confirmation
        assert (tmp_path / "bot.db").exists()
    finally:
        await server.stop()


async def test_webhook_process_answers_and_refuses_missing_secret(tmp_path: Path) -> None:
    sandbox = Sandbox()
    server = SandboxServer(sandbox)
    await server.start()
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    try:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\n'
            f'base_url = "{server.base_url.removesuffix("/bot")}"\n'
            f'mode = "webhook"\nwebhook_url = "{hook}"\nlisten = "127.0.0.1"\nport = {port}\n'
            'secret_token = "s3cret-token"\n'
            '[database]\npath = "bot.db"\n'
        )
        async with bot_process(config):
            await sandbox.wait_until(lambda: sandbox.webhook.url == hook, 30)
            assert sandbox.webhook.secret_token == "s3cret-token"
            kim = sandbox.user("Kim", language_code="en")
            await kim.start()
            await sandbox.wait_until(lambda: len(kim.inbox()) == 1, 15)
            assert kim.last().text.startswith("Hello Kim!")
            update = {
                "update_id": 999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 5, "type": "private"},
                    "from": {"id": 5, "is_bot": False, "first_name": "Mallory"},
                    "text": "/start",
                },
            }
            async with httpx.AsyncClient() as client:
                no_secret = await client.post(hook, json=update)
                wrong = await client.post(
                    hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
                )
            assert no_secret.status_code == 403
            assert wrong.status_code == 403
    finally:
        await server.stop()


def _calls(sandbox: Sandbox) -> list[tuple[str, dict[str, object]]]:
    return [(m.lower(), p) for m, p in sandbox.api_calls]
