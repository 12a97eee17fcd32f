"""Machine translation behind one small async interface that never raises.

`TranslationService.translate(text, source, target)` returns a `Translation`: the translated
text with `ok=True`, or the ORIGINAL text with `ok=False` and a machine-readable `note` (one of
`REASONS`) when translation is off or fails. deep-translator backends are synchronous and use
`requests`: calls run in a small thread pool of their own (not the loop's default executor,
which asyncio needs for DNS), at most `max_concurrent` at once, under a deadline of
`[translation] timeout_seconds`, and `requests` itself gets the same timeout so threads end too.
Results are cached in SQLite by hash (bot.storage.translations); Dutch glossary terms are
replaced by tokens before sending and put back afterwards (bot.glossary).

Consent: this module does not ask. Callers MUST check that a person has consented before
passing their text to a service whose `is_external` is True (every backend except "none" and a
LibreTranslate on localhost). Message text is never logged here.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from deep_translator import (
    DeeplTranslator,
    GoogleTranslator,
    LibreTranslator,
    MicrosoftTranslator,
    MyMemoryTranslator,
)
from deep_translator import exceptions as dt_errors
from deep_translator import google as _dt_google
from deep_translator import mymemory as _dt_mymemory

from bot import glossary
from bot.config import TranslationConfig
from bot.storage import translations as store
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_CONCURRENT = 8
PRUNE_EVERY = timedelta(hours=1)

# Why a translation did not happen (Translation.note when ok is False).
OFF = "off"  # backend "none"
UNSUPPORTED = "unsupported"  # the backend does not know one of the languages
TIMEOUT = "timeout"  # no answer within timeout_seconds
BUSY = "busy"  # every slot stayed taken until the deadline
UNAVAILABLE = "unavailable"  # connection refused or reset, DNS, HTTP 5xx or 429
REJECTED = "rejected"  # HTTP 4xx: bad key, quota, bad request
TOO_LONG = "too_long"  # over the backend's length limit
ERROR = "error"  # anything else (an answer we could not read ...)
REASONS = (OFF, UNSUPPORTED, TIMEOUT, BUSY, UNAVAILABLE, REJECTED, TOO_LONG, ERROR)


@dataclass(frozen=True)
class Translation:
    """A translation result; on failure `text` is the original and `note` says why."""

    text: str
    ok: bool
    source_text: str
    source: str
    target: str
    cached: bool = False
    note: str | None = None


class Translator(Protocol):
    """Anything that translates between our language codes (nl en ar ti fa_AF so uk tr)."""

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate, or return the original with ok=False and a reason; never raises."""
        ...


# Our language codes -> each backend's. fa_AF is Dari: Google and LibreTranslate only know
# Persian ("fa"); Microsoft and MyMemory know Dari ("prs"). DeepL has no ti, fa_AF or so.
_PLAIN = {lang: lang for lang in ("nl", "en", "ar", "ti", "so", "uk", "tr")} | {"fa_AF": "fa"}
BACKEND_CODES: dict[str, dict[str, str]] = {
    "google": dict(_PLAIN),
    "libre": dict(_PLAIN),  # what a server offers depends on its models: it may answer 400
    "deepl": {"nl": "NL", "en": "EN", "ar": "AR", "uk": "UK", "tr": "TR"},
    "microsoft": {**_PLAIN, "fa_AF": "prs"},
    "mymemory": {
        "nl": "nl-NL", "en": "en-GB", "ar": "ar-SA", "ti": "ti-ET",
        "fa_AF": "prs-AF", "so": "so-SO", "uk": "uk-UA", "tr": "tr-TR",
    },
}
_DEEPL_TARGETS = {"EN": "EN-GB"}  # DeepL wants a variant for English as a target


class BackendError(Exception):
    """A failure with one of REASONS (raised in worker threads, never out of the service)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- requests with a timeout --------------------------------------------------------------

_REQUEST_TIMEOUT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "translation_request_timeout", default=None
)


class _RequestsWithTimeout:
    """Stands in for `requests` inside deep-translator's google and mymemory modules, whose
    translate() calls requests.get without a timeout: adds ours (None outside this service,
    so other users of deep-translator see no change)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", _REQUEST_TIMEOUT.get())
        return requests.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", _REQUEST_TIMEOUT.get())
        return requests.post(url, **kwargs)


for _module in (_dt_google, _dt_mymemory):
    if not isinstance(_module.requests, _RequestsWithTimeout):
        _module.requests = _RequestsWithTimeout()


def _status_reason(response: requests.Response) -> str | None:
    """None for a 2xx answer, else the reason for its status."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    if status == 429 or status >= 500:
        return UNAVAILABLE
    if status == 413:
        return TOO_LONG
    if status == 400:
        try:
            error = str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            error = ""
        if "not supported" in error.lower():  # LibreTranslate: "xx is not supported"
            return UNSUPPORTED
    return REJECTED


def _post(url: str, **kwargs: Any) -> Any:
    """POST with our timeout; the decoded JSON answer, or BackendError."""
    response = requests.post(url, timeout=_REQUEST_TIMEOUT.get(), **kwargs)
    reason = _status_reason(response)
    if reason is not None:
        raise BackendError(reason)
    try:
        return response.json()
    except ValueError:
        raise BackendError(ERROR) from None


# --- thin subclasses of deep-translator's backends ------------------------------------------


class _Google(GoogleTranslator):  # type: ignore[misc]
    """Google's web page, at an overridable address (tests point it at a fake)."""

    def __init__(self, source: str, target: str, url: str | None) -> None:
        super().__init__(source=source, target=target)
        if url:
            self._base_url = url


class _Libre(LibreTranslator):  # type: ignore[misc]
    """LibreTranslate with every language the server may have (deep-translator's table lacks
    fa, ti, so, uk and nl and refuses them before sending); the text goes in the POST body, not
    the URL, so it does not end up in access logs."""

    def __init__(self, source: str, target: str, url: str, api_key: str | None) -> None:
        super().__init__(
            source="en", target="en", api_key=api_key or "-", custom_url=url.rstrip("/") + "/"
        )
        self._source, self._target = source, target
        self._send_key = bool(api_key)

    def translate(self, text: str, **kwargs: Any) -> str:
        form = {"q": text, "source": self._source, "target": self._target, "format": "text"}
        if self._send_key:
            form["api_key"] = self.api_key
        answer = _post(self._base_url + "translate", data=form)
        return str(answer["translatedText"])


class _DeepL(DeeplTranslator):  # type: ignore[misc]
    """DeepL with the key in the Authorization header and POST (DeepL stopped accepting the
    auth_key parameter and GET that deep-translator 1.11.4 uses)."""

    def __init__(self, source: str, target: str, api_key: str, url: str | None) -> None:
        super().__init__(
            source="en", target="de", api_key=api_key, use_free_api=api_key.endswith(":fx")
        )
        self._source, self._target = source, _DEEPL_TARGETS.get(target, target)
        if url:
            self._base_url = url.rstrip("/") + "/"

    def translate(self, text: str, **kwargs: Any) -> str:
        answer = _post(
            self._base_url + "translate",
            data={"text": text, "source_lang": self._source, "target_lang": self._target},
            headers={"Authorization": f"DeepL-Auth-Key {self.api_key}"},
        )
        return str(answer["translations"][0]["text"])


class _Microsoft(MicrosoftTranslator):  # type: ignore[misc]
    """Azure Translator without the network call deep-translator makes in __init__ (to list
    languages, with no timeout) and with errors raised instead of swallowed."""

    def __init__(
        self, source: str, target: str, api_key: str, region: str | None, url: str | None
    ) -> None:
        super().__init__(source=source, target=target, api_key=api_key, region=region)
        if url:
            self._base_url = url

    def _get_supported_languages(self) -> dict[str, str]:
        return {code: code for code in BACKEND_CODES["microsoft"].values()}

    def translate(self, text: str, **kwargs: Any) -> str:
        answer = _post(
            self._base_url,
            params={"from": self._source, "to": self._target},
            headers=self.headers,
            json=[{"text": text}],
        )
        return "\n".join(str(item["text"]) for item in answer[0]["translations"])


class _MyMemory(MyMemoryTranslator):  # type: ignore[misc]
    """MyMemory at an overridable address."""

    def __init__(self, source: str, target: str, email: str | None, url: str | None) -> None:
        super().__init__(source=source, target=target, email=email)
        if url:
            self._base_url = url


def _reason(exc: BaseException) -> str:
    """One of REASONS for an exception from a backend."""
    if isinstance(exc, BackendError):
        return exc.reason
    if isinstance(exc, requests.Timeout | TimeoutError):
        return TIMEOUT
    if isinstance(exc, requests.ConnectionError | ConnectionError | dt_errors.TooManyRequests):
        return UNAVAILABLE
    if isinstance(exc, dt_errors.RequestError):  # google / mymemory: a non-2xx answer
        return UNAVAILABLE
    if isinstance(
        exc, dt_errors.LanguageNotSupportedException | dt_errors.InvalidSourceOrTargetLanguage
    ):
        return UNSUPPORTED
    if isinstance(exc, dt_errors.NotValidLength):
        return TOO_LONG
    if isinstance(exc, dt_errors.AuthorizationException | dt_errors.ApiKeyException):
        return REJECTED
    if isinstance(exc, dt_errors.ServerException):
        return UNAVAILABLE
    return ERROR


def _is_loopback(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _now() -> datetime:
    return datetime.now(UTC)


class TranslationService:
    """The Translator for the configured backend: cache, glossary, deadline, bounded threads."""

    def __init__(
        self,
        config: TranslationConfig,
        db: Database | None = None,
        *,
        max_concurrent: int = MAX_CONCURRENT,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.config = config
        self._db = db if config.cache_days > 0 else None
        self._now = now
        self._timeout = config.timeout_seconds
        self._slots = asyncio.Semaphore(max_concurrent)
        self._executor = ThreadPoolExecutor(max_concurrent, thread_name_prefix="translate")
        self._inflight: dict[str, asyncio.Task[Translation]] = {}
        self._last_prune: datetime | None = None

    @property
    def backend(self) -> str:
        """The configured backend name ("none" when translation is off)."""
        return self.config.backend

    @property
    def enabled(self) -> bool:
        """Whether anything is translated at all."""
        return self.config.backend != "none"

    @property
    def is_external(self) -> bool:
        """Whether text leaves this machine: callers must have the person's consent first."""
        if self.config.backend == "none":
            return False
        return not (self.config.backend == "libre" and _is_loopback(self.config.url))

    def supports(self, source: str, target: str) -> bool:
        """Whether the backend knows both languages (our codes)."""
        codes = BACKEND_CODES.get(self.config.backend, {})
        return source in codes and target in codes

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate `text`; on any failure the original, ok=False and a reason. Never raises."""
        if source == target or not text.strip():
            return Translation(text, True, text, source, target)
        if not self.enabled:
            return self._failed(text, source, target, OFF)
        if not self.supports(source, target):
            return self._failed(text, source, target, UNSUPPORTED)
        key = store.cache_key(self.config.backend, source, target, text)
        cached = await self._cached(key)
        if cached is not None:
            return Translation(cached, True, text, source, target, cached=True)
        task = self._inflight.get(key)
        if task is None:  # the same text asked twice at once goes out once
            task = asyncio.create_task(self._fetch(key, text, source, target))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def forget(self, texts: Iterable[str]) -> int:
        """Delete every cached translation of these source texts (for privacy requests)."""
        if self._db is None:
            return 0
        return await store.forget_texts(self._db, texts)

    async def prune_cache(self) -> int:
        """Delete cached translations older than [translation] cache_days."""
        if self._db is None:
            return 0
        now = self._now()
        self._last_prune = now
        return await store.prune(self._db, now - timedelta(days=self.config.cache_days))

    async def close(self) -> None:
        """Stop the worker threads (calls still running end at their request timeout)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- internals --

    def _failed(self, text: str, source: str, target: str, reason: str) -> Translation:
        return Translation(text, False, text, source, target, note=reason)

    async def _cached(self, key: str) -> str | None:
        if self._db is None:
            return None
        not_before = self._now() - timedelta(days=self.config.cache_days)
        try:
            return await store.get(self._db, key, not_before=not_before)
        except Exception as exc:  # a broken cache must not stop translation
            log.warning("translation cache read failed: %s", type(exc).__name__)
            return None

    async def _fetch(self, key: str, text: str, source: str, target: str) -> Translation:
        protected, kept = glossary.protect(text)
        try:
            raw = await self._call(protected, source, target)
        except Exception as exc:
            reason = _reason(exc)
            log.warning(
                "translation %s->%s via %s failed: %s (%s)",
                source, target, self.config.backend, reason, type(exc).__name__,
            )
            return self._failed(text, source, target, reason)
        translated = glossary.restore(raw, kept)
        await self._store(key, text, translated, source, target)
        return Translation(translated, True, text, source, target)

    async def _call(self, text: str, source: str, target: str) -> str:
        """Run the backend in a worker thread under the deadline; its answer, or raise."""
        loop = asyncio.get_running_loop()
        acquired = False
        try:
            async with asyncio.timeout(self._timeout):
                await self._slots.acquire()
                acquired = True
                future = loop.run_in_executor(self._executor, self._work, text, source, target)
                future.add_done_callback(self._release)  # the slot frees when the thread does
                return await asyncio.shield(future)
        except TimeoutError:
            raise BackendError(TIMEOUT if acquired else BUSY) from None

    def _release(self, future: asyncio.Future[str]) -> None:
        self._slots.release()
        if not future.cancelled():
            future.exception()  # retrieved: no "never retrieved" noise after a timeout

    def _work(self, text: str, source: str, target: str) -> str:
        """In a worker thread: build the deep-translator backend and call it."""
        token = _REQUEST_TIMEOUT.set(self._timeout)
        try:
            result = self._backend(source, target).translate(text)
        finally:
            _REQUEST_TIMEOUT.reset(token)
        if not isinstance(result, str) or not result.strip():
            raise BackendError(ERROR)
        return result

    def _backend(self, source: str, target: str) -> Any:
        """A fresh deep-translator object (they keep per-request state, so one per call)."""
        cfg = self.config
        codes = BACKEND_CODES[cfg.backend]
        src, tgt = codes[source], codes[target]
        key = cfg.api_key.get() if cfg.api_key is not None else None
        if cfg.backend == "google":
            return _Google(src, tgt, cfg.url)
        if cfg.backend == "libre":
            assert cfg.url is not None  # checked by the config
            return _Libre(src, tgt, cfg.url, key)
        if cfg.backend == "deepl":
            return _DeepL(src, tgt, key or "", cfg.url)
        if cfg.backend == "microsoft":
            return _Microsoft(src, tgt, key or "", cfg.region, cfg.url)
        if cfg.backend == "mymemory":
            return _MyMemory(src, tgt, cfg.email, cfg.url)
        raise BackendError(OFF)

    async def _store(
        self, key: str, text: str, translated: str, source: str, target: str
    ) -> None:
        if self._db is None:
            return
        now = self._now()
        try:
            await store.put(
                self._db, key, text=text, translated=translated,
                backend=self.config.backend, source=source, target=target, now=now,
            )
            if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
                await self.prune_cache()
        except Exception as exc:
            log.warning("translation cache write failed: %s", type(exc).__name__)
