"""build_application(config): the PTB Application with our context, limits and handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

import handlers
from bot import broadcasts, checkins, plans
from bot.backup import DatabaseLock
from bot.clock import Clock, SystemClock
from bot.commands import Audience, menu
from bot.config import Config
from bot.context import SERVICES_KEY, Ctx, Services
from bot.i18n import I18n
from bot.storage import Database, coordinators, people
from bot.translation import TranslationService

log = logging.getLogger(__name__)

App = Application[Any, Ctx, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]

# Telegram's language_code for a command menu is two letters.
MENU_LANGUAGE = {"fa_AF": "fa"}
RATE_LIMIT_RETRIES = 5
LOCK_KEY = "database_lock"


def build_application(
    config: Config,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    paced: bool = True,
) -> App:
    """Assemble the application; services are opened in post_init and closed in post_shutdown.

    `paced=False` leaves out the rate limiter that keeps sends under Telegram's limits: only for
    benchmarks that measure the bot's own work against a sandbox without flood limits."""
    builder: Any = (  # the builder's type changes with the rate limiter: keep it simple
        ApplicationBuilder()
        .token(config.telegram.token.get())
        .context_types(ContextTypes(context=Ctx))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=config.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if paced:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
    if config.telegram.base_url:
        base = config.telegram.base_url.rstrip("/")
        builder = builder.base_url(base + "/bot").base_file_url(base + "/file/bot")
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app: App = builder.build()
    app.bot_data["config"] = config
    app.bot_data["templates"] = plans.load_all(config.tasks.template_files)
    if clock is not None:
        app.bot_data["clock"] = clock
    handlers.register_all(app)
    return app


async def post_init(app: App) -> None:
    """Open the database, load catalogs and publish the command menus."""
    config: Config = app.bot_data["config"]
    if config.database.path != ":memory:":  # `samenhier restore` refuses while this is held
        app.bot_data[LOCK_KEY] = DatabaseLock(config.database.path).acquire("samenhier run")
    i18n = I18n(config.i18n.languages, config.tz, config.i18n.group_language)
    db = await Database.open(config.database.path)
    clock = app.bot_data.get("clock") or SystemClock()
    app.bot_data[SERVICES_KEY] = Services(
        config=config,
        i18n=i18n,
        db=db,
        clock=clock,
        templates=app.bot_data["templates"],
        translator=TranslationService(config.translation, db),
    )
    await coordinators.bootstrap(db, config.coordinators.telegram_ids)
    await publish_commands(app, i18n, db)
    await checkins.start(app)  # outbox recovery, check-ins missed while down, the tick job
    await broadcasts.resume(app)  # delivery summaries of broadcasts under way
    log.info("bot ready as @%s", app.bot.username)


async def post_stop(app: App) -> None:
    """Stop the check-in tick and let the outbox finish what is in flight."""
    await checkins.stop(app)


async def post_shutdown(app: App) -> None:
    """Close the database."""
    await checkins.stop(app)  # when post_stop did not run
    services: Services | None = app.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        if services.translator is not None:
            await services.translator.close()
        await services.db.close()
    lock: DatabaseLock | None = app.bot_data.pop(LOCK_KEY, None)
    if lock is not None:
        lock.release()


async def publish_commands(app: App, i18n: I18n, db: Database) -> None:
    """setMyCommands per shipped language (and a default) for private and group chats, and
    the admin menu in each coordinator's own chat."""
    for scope, audience in (
        (BotCommandScopeAllPrivateChats(), Audience.EVERYONE),
        (BotCommandScopeAllGroupChats(), Audience.GROUP),
    ):
        for code in i18n.languages:
            await app.bot.set_my_commands(
                menu(i18n.get(code), audience),
                scope=scope,
                language_code=MENU_LANGUAGE.get(code, code),
            )
        await app.bot.set_my_commands(menu(i18n.get("en"), audience), scope=scope)
    for coordinator_id in await coordinators.all_ids(db):
        person = await people.get(db, coordinator_id)
        lang = i18n.get(person.language if person else i18n.group_language)
        try:
            await app.bot.set_my_commands(
                menu(lang, Audience.COORDINATOR), scope=BotCommandScopeChat(coordinator_id)
            )
        except BadRequest:  # never opened a chat with the bot: the menu follows at /start
            log.info("coordinator %d has not started the bot yet", coordinator_id)


@asynccontextmanager
async def running(app: App, *, polling: bool = False) -> AsyncIterator[App]:
    """Run the application's life cycle around a block (tests, demo), like run_polling does."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    try:
        await app.start()
        if polling and app.updater is not None:
            await app.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
        try:
            yield app
        finally:
            if polling and app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
