"""A strict, stateful fake of the Telegram Bot API for tests, the demo and benchmarks.

It keeps the state Telegram keeps and refuses what Telegram refuses. Two transports share one
core: `SandboxRequest` (in-process, for python-telegram-bot) and `SandboxServer` (loopback HTTP).
`SimUser` acts as a person. Nothing here imports the rest of the project.
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
