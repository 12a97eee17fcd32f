"""TOML configuration, validated into frozen dataclasses with masked secrets."""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import SHIPPED_LANGUAGES

TOKEN_ENV = "SAMENHIER_BOT_TOKEN"
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration problem, rendered as one line: file, key, what was expected."""

    def __init__(self, file: str | Path, key: str, expected: str) -> None:
        super().__init__(f"{file}: {key}: {expected}")
        self.file = str(file)
        self.key = key
        self.expected = expected


class Secret:
    """A string that never shows itself in reprs, str() or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """Return the real value (only where it is really needed)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class TelegramConfig:
    """How to reach Telegram (or a compatible server such as the sandbox)."""

    token: Secret = field(default_factory=lambda: Secret(""))
    base_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: Secret | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    """Where the SQLite database lives."""

    path: str = "samenhier.db"


@dataclass(frozen=True)
class I18nConfig:
    """Languages offered to people and used in shared chats."""

    group_language: str = "nl"
    languages: tuple[str, ...] = SHIPPED_LANGUAGES


@dataclass(frozen=True)
class ScheduleConfig:
    """Local time zone for check-ins, reminders and shown times."""

    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True)
class CoordinatorsConfig:
    """Coordinators bootstrapped from the config."""

    telegram_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class InvitesConfig:
    """How long invite links stay valid, in days."""

    member_days: int = 30
    newcomer_days: int = 30
    group_days: int = 30


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class CheckinsConfig:
    """Coordination check-ins: default moment, reminder, closing, catch-up and the digest."""

    weekday: Weekday = "tuesday"
    time: str = "19:00"
    reminder_after_hours: int = 24
    close_after_hours: int = 48
    grace_hours: int = 6
    digest_weekday: Weekday = "monday"
    digest_time: str = "09:00"


Backend = Literal["none", "google", "libre", "deepl", "microsoft", "mymemory"]


@dataclass(frozen=True)
class TasksConfig:
    """The settlement plan: extra template files and the template offered first."""

    template_files: tuple[str, ...] = ()
    default_template: str = "standard"


@dataclass(frozen=True)
class MatchingConfig:
    """Weights of the match criteria (points) and the hours a week that earn full capacity."""

    language: int = 40
    needs: int = 25
    capacity: int = 15
    location: int = 10
    interests: int = 10
    capacity_hours: int = 8


@dataclass(frozen=True)
class TranslationConfig:
    """Machine translation: the backend ("none": no text leaves the machine), keys, timeout."""

    backend: Backend = "none"
    url: str | None = None
    api_key: Secret | None = None
    timeout_seconds: float = 10.0
    region: str | None = None
    email: str | None = None
    cache_days: int = 30


@dataclass(frozen=True)
class PrivacyConfig:
    """How long data of a closed sponsorship is kept before it is purged."""

    retention_days: int = 90


@dataclass(frozen=True)
class ReportConfig:
    """The impact report's CSV: how spreadsheets in the coordinators' locale read it."""

    csv_delimiter: Literal[";", ","] = ";"
    decimal_separator: Literal[",", "."] = ","


@dataclass(frozen=True)
class LoggingConfig:
    """Log level for the bot's own log lines."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


@dataclass(frozen=True)
class Config:
    """The whole, validated configuration."""

    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    i18n: I18nConfig = field(default_factory=I18nConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    coordinators: CoordinatorsConfig = field(default_factory=CoordinatorsConfig)
    invites: InvitesConfig = field(default_factory=InvitesConfig)
    checkins: CheckinsConfig = field(default_factory=CheckinsConfig)
    translation: TranslationConfig = field(default_factory=TranslationConfig)
    tasks: TasksConfig = field(default_factory=TasksConfig)
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    source: str = "<defaults>"

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.schedule.timezone)

    def with_token(self, token: str) -> Config:
        """A copy with another bot token (used by the demo and tests)."""
        return replace(self, telegram=replace(self.telegram, token=Secret(token)))


_SECTIONS: dict[str, type[Any]] = {
    "telegram": TelegramConfig,
    "database": DatabaseConfig,
    "i18n": I18nConfig,
    "schedule": ScheduleConfig,
    "coordinators": CoordinatorsConfig,
    "invites": InvitesConfig,
    "checkins": CheckinsConfig,
    "translation": TranslationConfig,
    "tasks": TasksConfig,
    "matching": MatchingConfig,
    "privacy": PrivacyConfig,
    "report": ReportConfig,
    "logging": LoggingConfig,
}


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is Secret or tp is str:
        return "a string"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if origin is Literal:
        return " or ".join(f'"{a}"' for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(tp)[0]).removeprefix('a ')}s"
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _describe(inner[0])
    return str(tp)


def _convert(tp: Any, value: Any, file: str, key: str) -> Any:
    """Check `value` against the annotation `tp`; raise ConfigError naming the key."""
    origin = typing.get_origin(tp)
    bad = ConfigError(file, key, f"expected {_describe(tp)}, got {value!r}"[:200])
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(inner[0], value, file, key)
    if tp is Secret:
        if not isinstance(value, str):
            raise ConfigError(file, key, "expected a string")
        return Secret(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return float(value)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise bad
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise bad
        item_tp = typing.get_args(tp)[0]
        return tuple(_convert(item_tp, v, file, f"{key}[{i}]") for i, v in enumerate(value))
    raise TypeError(f"unsupported config type {tp!r}")  # pragma: no cover - programming error


def _section(cls: type[Any], data: Any, file: str, name: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(file, f"[{name}]", "expected a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(
                file, f"[{name}] {key}", f"unknown key (known keys: {', '.join(sorted(known))})"
            )
    values = {k: _convert(hints[k], v, file, f"[{name}] {k}") for k, v in data.items()}
    return cls(**values)


def parse_config(data: dict[str, Any], file: str = "<config>") -> Config:
    """Validate a parsed TOML document into a Config (token from the environment wins)."""
    for key in data:
        if key not in _SECTIONS:
            raise ConfigError(
                file, f"[{key}]", f"unknown section (known: {', '.join(sorted(_SECTIONS))})"
            )
    sections = {
        name: _section(cls, data.get(name, {}), file, name) for name, cls in _SECTIONS.items()
    }
    config = Config(**sections, source=file)
    env_token = os.environ.get(TOKEN_ENV, "").strip()
    if env_token:
        config = config.with_token(env_token)
    _validate(config, file)
    return config


def _validate(config: Config, file: str) -> None:
    tg = config.telegram
    token = tg.token.get()
    if not token:
        raise ConfigError(
            file, "[telegram] token", f"expected the bot token from BotFather (or set {TOKEN_ENV})"
        )
    if not _TOKEN_RE.match(token):
        raise ConfigError(
            file, "[telegram] token", 'expected a BotFather token like "123456789:AAE..." (hidden)'
        )
    if tg.base_url is not None and not tg.base_url.startswith(("http://", "https://")):
        raise ConfigError(file, "[telegram] base_url", "expected an http:// or https:// URL")
    if not 1 <= tg.port <= 65535:
        raise ConfigError(
            file, "[telegram] port", f"expected a port from 1 to 65535, got {tg.port}"
        )
    if tg.mode == "webhook":
        if not tg.webhook_url or not tg.webhook_url.startswith(("https://", "http://")):
            raise ConfigError(
                file, "[telegram] webhook_url", "expected the public https:// URL in webhook mode"
            )
        if tg.secret_token is None or not tg.secret_token.get():
            raise ConfigError(
                file, "[telegram] secret_token", "expected a secret (required in webhook mode)"
            )
    if tg.secret_token is not None and not _SECRET_TOKEN_RE.match(tg.secret_token.get()):
        raise ConfigError(
            file, "[telegram] secret_token", "expected 1-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    if not config.database.path:
        raise ConfigError(file, "[database] path", "expected a file path")
    shipped = ", ".join(SHIPPED_LANGUAGES)
    for i, lang in enumerate(config.i18n.languages):
        if lang not in SHIPPED_LANGUAGES:
            raise ConfigError(file, f"[i18n] languages[{i}]", f"expected one of {shipped}")
    if not config.i18n.languages:
        raise ConfigError(file, "[i18n] languages", f"expected at least one of {shipped}")
    if config.i18n.group_language not in config.i18n.languages:
        raise ConfigError(
            file, "[i18n] group_language", "expected one of the languages in [i18n] languages"
        )
    try:
        ZoneInfo(config.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            file, "[schedule] timezone", 'expected an IANA time zone such as "Europe/Amsterdam"'
        ) from None
    if config.report.csv_delimiter == config.report.decimal_separator:
        raise ConfigError(
            file,
            "[report] decimal_separator",
            'expected "." when csv_delimiter is "," (they must differ)',
        )
    if not 8 <= config.privacy.retention_days <= 3650:
        raise ConfigError(
            file, "[privacy] retention_days", "expected a number of days from 8 to 3650"
        )
    for key in ("member_days", "newcomer_days", "group_days"):
        if not 1 <= getattr(config.invites, key) <= 365:
            raise ConfigError(file, f"[invites] {key}", "expected a number of days from 1 to 365")
    _validate_checkins(config.checkins, file)
    _validate_translation(config.translation, file)
    _validate_matching(config.matching, file)
    for i, uid in enumerate(config.coordinators.telegram_ids):
        if uid <= 0:
            raise ConfigError(
                file, f"[coordinators] telegram_ids[{i}]", "expected a positive Telegram user id"
            )


def _validate_checkins(checkins: CheckinsConfig, file: str) -> None:
    for key in ("time", "digest_time"):
        if not _TIME_RE.match(getattr(checkins, key)):
            raise ConfigError(file, f"[checkins] {key}", 'expected a time of day like "19:00"')
    if not 1 <= checkins.close_after_hours <= 14 * 24:
        raise ConfigError(
            file, "[checkins] close_after_hours", "expected a number of hours from 1 to 336"
        )
    if not 0 <= checkins.reminder_after_hours < checkins.close_after_hours:
        raise ConfigError(
            file,
            "[checkins] reminder_after_hours",
            "expected 0 (no reminder) or fewer hours than close_after_hours",
        )
    if not 0 <= checkins.grace_hours <= 72:
        raise ConfigError(file, "[checkins] grace_hours", "expected a number of hours from 0 to 72")


def _validate_matching(matching: MatchingConfig, file: str) -> None:
    for key in ("language", "needs", "capacity", "location", "interests"):
        if not 0 <= getattr(matching, key) <= 100:
            raise ConfigError(
                file, f"[matching] {key}", "expected a number of points from 0 to 100"
            )
    if not 1 <= matching.capacity_hours <= 40:
        raise ConfigError(
            file, "[matching] capacity_hours", "expected a number of hours from 1 to 40"
        )


def _validate_translation(tr: TranslationConfig, file: str) -> None:
    if tr.url is not None and not tr.url.startswith(("http://", "https://")):
        raise ConfigError(file, "[translation] url", "expected an http:// or https:// URL")
    if tr.backend == "libre" and not tr.url:
        raise ConfigError(
            file, "[translation] url", "expected the URL of your LibreTranslate server (libre)"
        )
    if tr.backend in ("deepl", "microsoft") and (tr.api_key is None or not tr.api_key.get()):
        raise ConfigError(
            file, "[translation] api_key", f"expected the API key of {tr.backend} (hidden)"
        )
    if not 0 < tr.timeout_seconds <= 120:
        raise ConfigError(
            file, "[translation] timeout_seconds", "expected a number of seconds above 0, up to 120"
        )
    if not 0 <= tr.cache_days <= 365:
        raise ConfigError(
            file, "[translation] cache_days", "expected a number of days from 0 (no cache) to 365"
        )
    if tr.email is not None and "@" not in tr.email:
        raise ConfigError(file, "[translation] email", "expected an e-mail address")


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML file; every problem becomes a one-line ConfigError."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            file, "(file)", "expected a readable TOML file; it does not exist"
        ) from None
    except OSError as exc:
        raise ConfigError(
            file, "(file)", f"expected a readable TOML file ({exc.strerror})"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(file, "(file)", "expected UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "(syntax)", f"expected valid TOML: {exc}") from None
    config = parse_config(data, file)
    base = Path(path).resolve().parent
    db = Path(config.database.path)
    if not db.is_absolute() and config.database.path != ":memory:":
        config = replace(config, database=replace(config.database, path=str(base / db)))
    files = tuple(str(base / f) for f in config.tasks.template_files)
    return replace(config, tasks=replace(config.tasks, template_files=files))
