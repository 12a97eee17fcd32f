"""The translation service against a loopback fake server (no network): exact results per
backend, cache, glossary, timeouts, refused connections, HTTP errors, limits and config."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import glossary
from bot.config import ConfigError, Secret, TranslationConfig, parse_config
from bot.i18n import SHIPPED_LANGUAGES
from bot.sandbox.fake_translator import FakeTranslator, fake_translate, free_port
from bot.storage import Database
from bot.storage import translations as store
from bot.translation import REASONS, Translation, TranslationService, Translator

GOOD_TOKEN = "123456789:AAEexampleexampleexample_-x"
TEXT = "Heb je al een afspraak bij de huisarts?"


@pytest.fixture
def fake() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "translations.db")
    yield database
    await database.close()


@pytest.fixture
async def services() -> AsyncIterator[list[TranslationService]]:
    """Services made by a test, closed afterwards."""
    made: list[TranslationService] = []
    yield made
    for service in made:
        await service.close()


def libre(fake: FakeTranslator, **changes: object) -> TranslationConfig:
    return replace(TranslationConfig(backend="libre", url=fake.url()), **changes)  # type: ignore[arg-type]


def google(fake: FakeTranslator, **changes: object) -> TranslationConfig:
    return replace(TranslationConfig(backend="google", url=fake.url("/m")), **changes)  # type: ignore[arg-type]


@pytest.fixture
def make(services: list[TranslationService]):
    def _make(config: TranslationConfig, db: Database | None = None, **kw) -> TranslationService:
        service = TranslationService(config, db, **kw)
        services.append(service)
        return service

    return _make


async def test_libre_translates_exactly_with_the_text_in_the_body(fake, make) -> None:
    service = make(libre(fake, api_key=Secret("sekrit")))
    result = await service.translate(TEXT, "nl", "ar")
    expected = "[ar] huisarts? DE BIJ AFSPRAAK EEN AL JE HEB"
    assert result == Translation(expected, True, TEXT, "nl", "ar")
    (request,) = fake.requests
    assert request["form"] == {
        "q": "Heb je al een afspraak bij de XZQ1?",
        "source": "nl",
        "target": "ar",
        "format": "text",
        "api_key": "sekrit",
    }
    assert request["query"] == {}  # nothing of the message in the URL (access logs)
    translator: Translator = service  # the service satisfies the protocol (checked by mypy)
    assert translator is service


@pytest.mark.parametrize(
    ("target", "sent"), [("fa_AF", "fa"), ("ti", "ti"), ("so", "so"), ("uk", "uk")]
)
async def test_libre_sends_languages_deep_translators_table_lacks(fake, make, target, sent):
    result = await make(libre(fake)).translate("Goedemorgen allemaal", "nl", target)
    assert result.ok and result.text == f"[{sent}] ALLEMAAL GOEDEMORGEN"
    assert fake.requests[0]["form"]["target"] == sent
    assert "api_key" not in fake.requests[0]["form"]  # none configured, none sent


async def test_google_path_translates_exactly(fake, make) -> None:
    result = await make(google(fake)).translate("Waar is het station?", "nl", "fa_AF")
    expected = Translation("[fa] STATION? HET IS WAAR", True, "Waar is het station?", "nl", "fa_AF")
    assert result == expected
    (request,) = fake.requests
    assert request["method"] == "GET" and request["path"] == "/m"
    assert (request["query"]["sl"], request["query"]["tl"]) == ("nl", "fa")


@pytest.mark.parametrize(
    ("config", "target", "prefix"),
    [
        (lambda f: TranslationConfig("deepl", f.url("/v2"), Secret("k:fx")), "en", "[EN-GB]"),
        (lambda f: TranslationConfig("deepl", f.url("/v2"), Secret("k:fx")), "ar", "[AR]"),
        (
            lambda f: TranslationConfig(
                "microsoft", f.url("/translate?api-version=3.0"), Secret("k"), region="weu"
            ),
            "fa_AF",
            "[prs]",
        ),
        (lambda f: TranslationConfig("mymemory", f.url("/get"), email="a@b.nl"), "ti", "[ti-ET]"),
    ],
)
async def test_other_backends_against_the_fake(fake, make, config, target, prefix) -> None:
    result = await make(config(fake)).translate("Tot morgen", "nl", target)
    assert result.ok and result.text == f"{prefix} MORGEN TOT"
    headers = fake.requests[0]["headers"]
    if config(fake).backend == "deepl":
        assert headers["Authorization"] == "DeepL-Auth-Key k:fx"
        assert "auth_key" not in fake.requests[0]["query"]
    if config(fake).backend == "microsoft":
        assert headers["Ocp-Apim-Subscription-Region"] == "weu"


async def test_repeated_text_is_served_from_the_cache(fake, make, db) -> None:
    service = make(libre(fake), db)
    first = await service.translate(TEXT, "nl", "ti")
    second = await service.translate(TEXT, "nl", "ti")
    again = await make(libre(fake), db).translate(TEXT, "nl", "ti")  # a restart: still cached
    assert fake.calls == 1
    assert first.ok and not first.cached
    assert second.cached and again.cached and second.text == first.text
    rows = await db.fetchall("SELECT * FROM translation_cache")
    assert len(rows) == 1 and all("afspraak" not in str(v) for v in tuple(rows[0])[:5])
    assert rows[0]["source_hash"] == store.source_hash(TEXT)
    await make(libre(fake), db).translate(TEXT, "nl", "ar")  # another pair: another call
    assert fake.calls == 2
    assert await service.forget([TEXT, "something else"]) == 2
    await service.translate(TEXT, "nl", "ti")
    assert fake.calls == 3


async def test_the_same_text_at_once_goes_out_once(fake, make) -> None:
    fake.delay = 0.1
    service = make(libre(fake))
    results = await asyncio.gather(*(service.translate(TEXT, "nl", "uk") for _ in range(5)))
    assert fake.calls == 1 and all(r.ok for r in results)


async def test_old_cache_rows_are_not_used_and_are_pruned(fake, make, db) -> None:
    clock = [datetime(2027, 1, 1, tzinfo=UTC)]
    service = make(libre(fake, cache_days=7), db, now=lambda: clock[0])
    await service.translate(TEXT, "nl", "ar")
    clock[0] += timedelta(days=8)
    assert not (await service.translate(TEXT, "nl", "ar")).cached
    assert fake.calls == 2
    clock[0] += timedelta(days=8)
    assert await service.prune_cache() == 1
    assert await store.count(db) == 0


async def test_no_cache_when_cache_days_is_zero(fake, make, db) -> None:
    service = make(libre(fake, cache_days=0), db)
    for _ in range(2):
        assert not (await service.translate(TEXT, "nl", "ar")).cached
    assert fake.calls == 2 and await store.count(db) == 0


async def test_timeout_gives_the_original_in_time(make) -> None:
    with FakeTranslator(delay=3) as slow:
        for config in (libre(slow, timeout_seconds=0.2), google(slow, timeout_seconds=0.2)):
            started = time.perf_counter()
            result = await make(config).translate(TEXT, "nl", "ar")
            assert time.perf_counter() - started < 0.5
            assert result == Translation(TEXT, False, TEXT, "nl", "ar", note="timeout")


async def test_busy_when_every_slot_stays_taken(fake, make, monkeypatch) -> None:
    service = make(libre(fake, timeout_seconds=0.2), max_concurrent=1)

    def outlives_the_deadline(*args: str) -> str:  # as if its request timeout did not fire
        time.sleep(0.6)
        return "late"

    monkeypatch.setattr(service, "_work", outlives_the_deadline)
    results = await asyncio.gather(
        service.translate("een", "nl", "ar"), service.translate("twee", "nl", "ar")
    )
    assert sorted(r.note or "" for r in results) == ["busy", "timeout"]
    await asyncio.sleep(0.5)  # the thread ends, the slot is free again
    monkeypatch.setattr(service, "_work", lambda *args: "klaar")
    assert (await service.translate("drie", "nl", "ar")).text == "klaar"


@pytest.mark.parametrize("kind", ["libre", "google"])
async def test_connection_refused_gives_the_original(make, kind) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    config = TranslationConfig(backend=kind, url=url if kind == "libre" else url + "/m")
    result = await make(config).translate(TEXT, "nl", "ar")
    assert result == Translation(TEXT, False, TEXT, "nl", "ar", note="unavailable")


@pytest.mark.parametrize("kind", ["libre", "google"])
async def test_http_500_gives_the_original(make, kind, db) -> None:
    with FakeTranslator(fail_status=500) as broken:
        service = make(libre(broken) if kind == "libre" else google(broken), db)
        result = await service.translate(TEXT, "nl", "ar")
        assert result == Translation(TEXT, False, TEXT, "nl", "ar", note="unavailable")
        assert await store.count(db) == 0  # failures are not cached


async def test_wrong_key_is_rejected(make) -> None:
    with FakeTranslator(api_key="right") as server:
        result = await make(libre(server, api_key=Secret("wrong"))).translate(TEXT, "nl", "ar")
        assert (result.ok, result.text, result.note) == (False, TEXT, "rejected")


async def test_backend_none_sends_nothing(fake, make, db) -> None:
    service = make(TranslationConfig(), db)
    result = await service.translate(TEXT, "nl", "ar")
    assert result == Translation(TEXT, False, TEXT, "nl", "ar", note="off")
    assert fake.calls == 0 and not service.is_external and not service.enabled


async def test_same_language_and_empty_text_need_no_call(fake, make) -> None:
    service = make(libre(fake))
    assert await service.translate(TEXT, "nl", "nl") == Translation(TEXT, True, TEXT, "nl", "nl")
    assert (await service.translate("  ", "nl", "ar")).ok
    assert fake.calls == 0


async def test_unsupported_languages(fake, make) -> None:
    deepl = make(TranslationConfig("deepl", fake.url("/v2"), Secret("k")))
    for target in ("ti", "fa_AF", "so"):
        result = await deepl.translate(TEXT, "nl", target)
        assert (result.ok, result.text, result.note) == (False, TEXT, "unsupported")
    assert not deepl.supports("nl", "ti") and deepl.supports("nl", "uk")
    unknown = await make(google(fake)).translate(TEXT, "nl", "xx")
    assert unknown.note == "unsupported"
    assert fake.calls == 0  # refused before sending
    with FakeTranslator(unsupported=("ti",)) as server:  # a LibreTranslate without Tigrinya
        refused = await make(libre(server)).translate(TEXT, "nl", "ti")
        assert (refused.text, refused.note, server.calls) == (TEXT, "unsupported", 1)


async def test_concurrency_is_bounded(make) -> None:
    with FakeTranslator(delay=0.1) as server:
        service = make(libre(server), max_concurrent=4)
        results = await asyncio.gather(
            *(service.translate(f"bericht {i}", "nl", "en") for i in range(12))
        )
        assert all(r.ok for r in results) and server.calls == 12
        assert server.max_active <= 4


async def test_glossary_terms_survive_translation(fake, make) -> None:
    text = (
        "Met je DigiD en BSN vraag je zorgtoeslag, huurtoeslag en kinderbijslag aan; de "
        "gemeente helpt met inburgering en de Participatiewet, DUO met de lening, de SVB, de "
        "IND en VluchtelingenWerk ook. Bel 's nachts de huisartsenpost, overdag de huisarts. "
        "Zorgverzekering? OV-chipkaart!"
    )
    result = await make(google(fake)).translate(text, "nl", "ar")
    assert result.ok
    words = [
        "DigiD", "BSN", "zorgtoeslag", "huurtoeslag", "kinderbijslag", "gemeente", "inburgering",
        "Participatiewet", "DUO", "SVB", "IND", "VluchtelingenWerk", "huisartsenpost", "huisarts",
        "Zorgverzekering", "OV-chipkaart",
    ]
    for word in words:
        assert text.count(word) == result.text.count(word), word
    assert len(glossary.find_terms(result.text)) == len(glossary.find_terms(text)) == 16
    assert "XZQ" not in result.text
    mangled = fake_translate(text, "ar")  # the fake upper-cases everything it does not keep
    assert "DIGID" in mangled and "DIGID" not in result.text
    assert result.text.startswith("[ar] OV-chipkaart! Zorgverzekering? huisarts. DE OVERDAG")


def test_glossary_protect_and_restore_are_tolerant() -> None:
    protected, kept = glossary.protect("De huisartsen en de BSN-nummers; een duo zingt.")
    assert protected == "De XZQ1 en de XZQ2-nummers; een duo zingt."
    assert kept == ["huisartsen", "BSN"]
    # translators split tokens, change case or write Arabic-Indic digits
    assert glossary.restore("xzq ١ و XZQ 2 XZQ9", kept) == "huisartsen و BSN XZQ9"
    assert glossary.protect("code XZQ1 al in de tekst") == ("code XZQ1 al in de tekst", [])


def test_glossary_notes_and_content() -> None:
    notes = glossary.glossary_notes("Ga naar de Gemeente voor je DigiD en je BSN. Een duo.", "ti")
    assert [n.split(":")[0] for n in notes] == ["gemeente", "DigiD", "BSN"]
    assert notes[1] == f"DigiD: {glossary.GLOSSARY[0].explain['ti']}"
    assert glossary.glossary_notes("niets bijzonders", "ar") == []
    assert len(glossary.GLOSSARY) >= 16
    for term in glossary.GLOSSARY:
        assert set(term.explain) == set(SHIPPED_LANGUAGES), term.term
        assert all(text.strip() and len(text) < 300 for text in term.explain.values())


def test_is_external() -> None:
    def service(**kw: object) -> TranslationService:
        return TranslationService(TranslationConfig(**kw))  # type: ignore[arg-type]

    assert not service(backend="libre", url="http://localhost:5000").is_external
    assert not service(backend="libre", url="http://127.0.0.1:5000").is_external
    assert service(backend="libre", url="https://libre.example.org").is_external
    assert service(backend="google").is_external
    assert REASONS[0] == "off"


def test_translation_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMENHIER_BOT_TOKEN", raising=False)

    def parse(section: dict[str, object]) -> TranslationConfig:
        return parse_config({"telegram": {"token": GOOD_TOKEN}, "translation": section}).translation

    assert parse({}) == TranslationConfig(backend="none", timeout_seconds=10.0)
    config = parse({"backend": "deepl", "api_key": "very-secret-key", "timeout_seconds": 2.5})
    assert config.api_key == Secret("very-secret-key") and config.timeout_seconds == 2.5
    assert "very-secret-key" not in repr(config) and "very-secret-key" not in str(config)
    whole = parse_config({"telegram": {"token": GOOD_TOKEN}, "translation": {"api_key": "xyz1"}})
    assert "xyz1" not in repr(whole)
    cases: list[tuple[dict[str, object], str]] = [
        ({"backend": "libre"}, "[translation] url"),
        ({"backend": "deepl"}, "[translation] api_key"),
        ({"backend": "microsoft", "api_key": ""}, "[translation] api_key"),
        ({"backend": "yandex"}, "[translation] backend"),
        ({"timeout_seconds": 0}, "[translation] timeout_seconds"),
        ({"timeout_seconds": "10"}, "[translation] timeout_seconds"),
        ({"url": "ftp://x"}, "[translation] url"),
        ({"cache_days": -1}, "[translation] cache_days"),
        ({"colour": "red"}, "[translation] colour"),
    ]
    for section, key in cases:
        with pytest.raises(ConfigError) as err:
            parse(section)
        assert err.value.key == key and "\n" not in str(err.value)
