"""The typed CallbackContext every handler receives: services, the person and their language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.i18n import I18n, Lang
from bot.plans import PlanTemplate
from bot.storage import Database
from bot.storage.people import Person
from bot.translation import TranslationService

SERVICES_KEY = "services"


@dataclass
class Services:
    """Dependencies shared by all handlers, created in post_init."""

    config: Config
    i18n: I18n
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    templates: Mapping[str, PlanTemplate] = field(default_factory=dict)
    translator: TranslationService | None = None


class Ctx(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the bot's services and the resolved person and language."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.person: Person | None = None
        self._lang: Lang | None = None

    @property
    def services(self) -> Services:
        """The shared services."""
        services: Services = self.application.bot_data[SERVICES_KEY]
        return services

    @property
    def db(self) -> Database:
        """The database."""
        return self.services.db

    @property
    def i18n(self) -> I18n:
        """All languages."""
        return self.services.i18n

    @property
    def clock(self) -> Clock:
        """The bot's clock (a fake one in tests)."""
        return self.services.clock

    @property
    def config(self) -> Config:
        """The configuration."""
        return self.services.config

    @property
    def lang(self) -> Lang:
        """The language of the person this update comes from (set by the loader)."""
        if self._lang is None:
            self._lang = self.i18n.get(None)
        return self._lang

    @lang.setter
    def lang(self, value: Lang) -> None:
        self._lang = value
