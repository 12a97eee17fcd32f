"""The loopback HTTP server with PTB's own HTTPXRequest: API calls, polling and webhooks."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.sandbox import Sandbox, SandboxServer


@pytest.fixture
async def server(sbx: Sandbox) -> AsyncIterator[SandboxServer]:
    srv = SandboxServer(sbx)
    await srv.start()
    yield srv
    await srv.stop()
    await sbx.aclose()


@pytest.fixture
async def http_bot(sbx: Sandbox, server: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(sbx.token, base_url=server.base_url, base_file_url=server.base_file_url) as bot:
        yield bot


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def echo_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"Hallo {context.args[0] if context.args else ''}".strip())


async def test_calls_and_refusals_over_http(
    sbx: Sandbox, server: SandboxServer, http_bot: Bot
) -> None:
    amal = sbx.user("Amal")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await http_bot.send_message(amal.id, "hi")
    await amal.start()
    sent = await http_bot.send_message(amal.id, "123")  # a form field that looks like JSON
    assert sent.text == "123" and amal.last().text == "123"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
        await http_bot.send_message(amal.id, "pick", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await http_bot.send_message(-5, "hi")
    with pytest.raises(EndPointNotFound):
        await http_bot.do_api_request("sendTelepathy")
    await http_bot.set_my_commands(
        [BotCommand("help", "Hulp")], scope=BotCommandScopeAllPrivateChats(), language_code="nl"
    )
    assert sbx.my_commands({"type": "all_private_chats"}, "nl") == [("help", "Hulp")]
    doc = await http_bot.send_document(amal.id, b"\x00binary\xff", filename="a.bin")
    stored = amal.last().document
    assert stored is not None and stored["content"] == b"\x00binary\xff"
    assert doc.document is not None
    file = await doc.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"\x00binary\xff"
    wrong = Bot("123456789:WRONGwrongWRONGwrong", base_url=server.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()


async def test_json_body_and_get(sbx: Sandbox, server: SandboxServer) -> None:
    amal = sbx.user("Amal")
    await amal.start()
    url = f"{server.base_url}{sbx.token}"
    async with httpx.AsyncClient(trust_env=False) as client:
        res = await client.post(
            f"{url}/sendMessage",
            json={"chat_id": amal.id, "text": "<b>x</b>", "parse_mode": "HTML"},
        )
        assert res.status_code == 200 and res.json()["result"]["text"] == "x"
        res = await client.get(f"{url}/getMe")
        assert res.json()["result"]["is_bot"] is True
        res = await client.post(f"{url}/sendMessage", data={"chat_id": str(amal.id), "text": ""})
        assert res.status_code == 400
        assert res.json()["description"] == "Bad Request: message text is empty"
        res = await client.get(f"{server.base_url}nope:token/getMe")
        assert (res.status_code, res.json()["description"]) == (401, "Unauthorized")


async def test_long_polling_application(sbx: Sandbox, server: SandboxServer) -> None:
    app = (
        Application.builder()
        .token(sbx.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", echo_start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    try:
        amal, jan = sbx.user("Amal"), sbx.user("Jan")
        await amal.start("abc")
        await jan.start()
        await sbx.wait_until(lambda: bool(amal.inbox()) and bool(jan.inbox()))
        assert amal.last().text == "Hallo abc" and jan.last().text == "Hallo"
        await sbx.settle()
        assert sbx.pending_updates == []
        assert sbx.allowed_updates == list(Update.ALL_TYPES)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    methods = [m for m, _ in sbx.api_calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]


async def test_webhook_delivery_with_secret(sbx: Sandbox, server: SandboxServer) -> None:
    port = free_port()
    app = (
        Application.builder()
        .token(sbx.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", echo_start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret_token",
    )
    try:
        assert sbx.webhook.url == f"http://127.0.0.1:{port}/hook"
        assert sbx.webhook.secret_token == "s3cret_token"
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates()
        amal = sbx.user("Amal")
        await amal.start("hook")
        await sbx.wait_until(lambda: bool(amal.inbox()))
        assert amal.last().text == "Hallo hook"
        assert [code for _, code in sbx.webhook.deliveries] == [200]
        info = await app.bot.get_webhook_info()
        assert info.url == sbx.webhook.url and info.pending_update_count == 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


class _Receiver(tornado.web.RequestHandler):
    def initialize(self, seen: list[tuple[str | None, dict[str, Any]]]) -> None:
        self.seen = seen

    def post(self) -> None:
        self.seen.append(
            (
                self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                json.loads(self.request.body),
            )
        )
        self.set_status(500 if len(self.seen) == 1 else 200)


async def test_webhook_retries_a_failed_delivery(sbx: Sandbox, http_bot: Bot) -> None:
    seen: list[tuple[str | None, dict[str, Any]]] = []
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    receiver = tornado.httpserver.HTTPServer(
        tornado.web.Application([("/in", _Receiver, {"seen": seen})])
    )
    receiver.add_sockets(sockets)
    try:
        await http_bot.set_webhook(f"http://127.0.0.1:{port}/in", secret_token="abc-DEF_1")
        amal = sbx.user("Amal")
        await amal.send("hallo")
        await sbx.settle()
        assert [secret for secret, _ in seen] == ["abc-DEF_1", "abc-DEF_1"]
        assert seen[0][1] == seen[1][1] and seen[1][1]["message"]["text"] == "hallo"
        assert [code for _, code in sbx.webhook.deliveries] == [500, 200]
        info = await http_bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 500"
        with pytest.raises(BadRequest, match="unallowed characters"):
            await http_bot.set_webhook(f"http://127.0.0.1:{port}/in", secret_token="no spaces")
        await http_bot.delete_webhook()
        assert await http_bot.get_updates() == ()
    finally:
        receiver.stop()
        await receiver.close_all_connections()


async def test_timeout_fault_over_http(sbx: Sandbox, server: SandboxServer) -> None:
    amal = sbx.user("Amal")
    await amal.start()
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(sbx.token, base_url=server.base_url, request=request) as bot:
        sbx.inject_fault("timeout", method="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(amal.id, "slow")
        await sbx.wait_until(lambda: not server.active)
        await bot.send_message(amal.id, "fast")
    assert [m.text for m in amal.inbox()] == ["fast"]


async def test_stopping_the_server_ends_a_long_poll(sbx: Sandbox, server: SandboxServer) -> None:
    async with Bot(sbx.token, base_url=server.base_url) as bot:
        poll = asyncio.ensure_future(bot.get_updates(timeout=30))
        await sbx.wait_until(lambda: sbx.polling)
        await server.stop()
        assert await poll == ()
