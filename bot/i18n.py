"""Languages: gettext catalogs read from the .po files, native names, dates, RTL isolation."""

from __future__ import annotations

import gettext
import html
import io
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# The languages we ship, in the order of the language picker.
SHIPPED_LANGUAGES: tuple[str, ...] = ("nl", "en", "ar", "ti", "fa_AF", "so", "uk", "tr")
FALLBACK_LANGUAGE = "en"
DOMAIN = "messages"

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

# Telegram sends IETF tags ("fa", "pt-br"); map the base language onto what we ship.
_ALIASES = {"fa": "fa_AF", "prs": "fa_AF", "fa_af": "fa_AF"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


def resolve_language(code: str | None, offered: Iterable[str] = SHIPPED_LANGUAGES) -> str | None:
    """The shipped language for a Telegram `language_code`, or None when we do not ship it."""
    if not code:
        return None
    norm = code.strip().replace("-", "_").lower()
    offered = tuple(offered)
    for candidate in (_ALIASES.get(norm), _ALIASES.get(norm.split("_")[0]), norm.split("_")[0]):
        if candidate and candidate in offered:
            return candidate
    return None


def native_name(code: str) -> str:
    """The language's own name for itself, from CLDR (Dari: دری)."""
    if code == "fa_AF":
        name: str = Locale("fa").languages["fa_AF"]
    else:
        locale = Locale.parse(code)
        name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def has_rtl(text: str) -> bool:
    """True when the text holds a strong right-to-left character."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def isolate(value: object) -> str:
    """Wrap an inserted value in FSI/PDI so it cannot scramble the surrounding text."""
    return f"{FSI}{value}{PDI}"


# msgids asked for but missing from a catalog; tests assert this stays empty.
UNTRANSLATED: set[tuple[str, str]] = set()


def _load_catalog(code: str) -> tuple[gettext.GNUTranslations, frozenset[str]] | None:
    path = resources.files("locales").joinpath(code, "LC_MESSAGES", f"{DOMAIN}.po")
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=code)
    known = frozenset(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    )
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf), known


class Lang:
    """Everything needed to speak to one reader in one language."""

    def __init__(
        self,
        code: str,
        translations: gettext.NullTranslations,
        tz: ZoneInfo,
        known: frozenset[str] = frozenset(),
    ) -> None:
        self.code = code
        self._t = translations
        self._known = known
        self.tz = tz

    @cached_property
    def locale(self) -> Locale:
        """The babel locale."""
        return Locale.parse(self.code)

    @cached_property
    def rtl(self) -> bool:
        """True for right-to-left languages (Arabic, Dari)."""
        return bool(self.locale.text_direction == "rtl")

    @cached_property
    def name(self) -> str:
        """The native name of this language."""
        return native_name(self.code)

    def value(self, value: object) -> str:
        """A value to show as is: HTML-escaped, isolated in right-to-left text."""
        return self._wrap(value)

    def _wrap(self, value: object) -> str:
        text = html.escape(str(value), quote=False)
        if self.rtl or has_rtl(text):
            return isolate(text)
        return text

    def t(self, message: str, /, **values: Any) -> str:
        """Translate; fill `{name}` placeholders, HTML-escaped and isolated where needed."""
        if message not in self._known:
            UNTRANSLATED.add((self.code, message))
        text = self._t.gettext(message)
        if not values:
            return text
        return text.format(**{k: self._wrap(v) for k, v in values.items()})

    def tn(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """Plural-aware translation; `{n}` is available as a placeholder."""
        if singular not in self._known:
            UNTRANSLATED.add((self.code, singular))
        text = self._t.ngettext(singular, plural, n)
        return text.format(**{k: self._wrap(v) for k, v in {"n": n, **values}.items()})

    def list(self, items: Iterable[str]) -> str:
        """Items joined the way this language joins a list ("A, B en C")."""
        return format_list(list(items), locale=self.locale)

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        """A date in the reader's locale (datetimes are shown in local time)."""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format=fmt, locale=self.locale)

    def time(self, value: datetime) -> str:
        """A time of day in the reader's locale and the configured zone."""
        return format_time(value, format="short", tzinfo=self.tz, locale=self.locale)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        """Date and time in the reader's locale and the configured zone."""
        return format_datetime(value, format=fmt, tzinfo=self.tz, locale=self.locale)


class I18n:
    """All shipped catalogs, loaded once at start-up from the .po sources."""

    def __init__(
        self,
        languages: Iterable[str] = SHIPPED_LANGUAGES,
        tz: ZoneInfo | str = "Europe/Amsterdam",
        group_language: str = "nl",
    ) -> None:
        self.languages = tuple(languages)
        self.group_language = group_language
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._langs: dict[str, Lang] = {}
        for code in self.languages:
            loaded = _load_catalog(code)
            if loaded is None:
                self._langs[code] = Lang(code, gettext.NullTranslations(), zone)
            else:
                self._langs[code] = Lang(code, loaded[0], zone, loaded[1])

    def get(self, code: str | None) -> Lang:
        """The Lang for a shipped code; anything else falls back to English."""
        if code in self._langs:
            return self._langs[code]
        resolved = resolve_language(code, self.languages)
        if resolved:
            return self._langs[resolved]
        if FALLBACK_LANGUAGE in self._langs:
            return self._langs[FALLBACK_LANGUAGE]
        return self._langs[self.languages[0]]

    def choices(self) -> list[tuple[str, str]]:
        """(code, native name) for the language picker."""
        return [(code, native_name(code)) for code in self.languages]


def bilingual(i18n: I18n, codes: Iterable[str], message: str, /, **values: Any) -> str:
    """The same message in several languages (no repeats), for the shared chat."""
    seen: list[str] = []
    parts: list[str] = []
    for code in codes:
        lang = i18n.get(code)
        if lang.code in seen:
            continue
        seen.append(lang.code)
        parts.append(lang.t(message, **values))
    return "\n\n".join(parts)
