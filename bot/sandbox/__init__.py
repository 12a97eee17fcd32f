"""A strict, stateful fake of the Telegram Bot API for tests, the demo and benchmarks.

It keeps the state Telegram keeps and refuses what Telegram refuses. Two transports share one
core: `SandboxRequest` (in-process, for python-telegram-bot) and `SandboxServer` (loopback HTTP).
`SimUser` acts as a person. Nothing here imports the rest of the project.

In-process::

    sandbox = Sandbox()
    app = Application.builder().token(sandbox.token).request(SandboxRequest(sandbox)) \
        .get_updates_request(SandboxRequest(sandbox)).build()
    async with app:
        sandbox.dispatcher = lambda u: app.process_update(Update.de_json(u, app.bot))
        amal = sandbox.user("Amal", language_code="ar")
        await amal.start("invite123")          # returns after the bot handled it
        await amal.press(amal.last(), "العربية")

Over HTTP (a bot in another process): `SandboxServer(sandbox)`, `base_url=server.base_url`, no
dispatcher, then `await sandbox.wait_until(lambda: ...)` or `await sandbox.settle()`.
"""

from __future__ import annotations

from .clock import Clock
from .core import Sandbox
from .errors import ApiError, SandboxTimeout
from .limits import FloodLimits
from .models import CallbackQueryState, ChatState, InviteLink, JoinRequest, SimMessage
from .server import SandboxServer
from .transport import SandboxRequest
from .users import SimGroup, SimUser

__all__ = [
    "ApiError",
    "CallbackQueryState",
    "ChatState",
    "Clock",
    "FloodLimits",
    "InviteLink",
    "JoinRequest",
    "Sandbox",
    "SandboxRequest",
    "SandboxServer",
    "SandboxTimeout",
    "SimGroup",
    "SimMessage",
    "SimUser",
]
