"""Machine translation for people: consent first, the original always kept, a kind note when a
translation did not happen. No message text is logged here or anywhere."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import glossary
from bot.context import Services
from bot.i18n import Lang, native_name
from bot.storage import people
from bot.translation import OFF, Translation

NO_CONSENT = "no_consent"
SERVICE_NAMES = {
    "google": "Google Translate",
    "libre": "LibreTranslate",
    "deepl": "DeepL",
    "microsoft": "Microsoft Translator",
    "mymemory": "MyMemory",
}


def service_name(services: Services) -> str:
    """The translation service people are asked about."""
    backend = services.translator.backend if services.translator else "none"
    return SERVICE_NAMES.get(backend, backend)


async def needs_consent(services: Services, person_id: int) -> bool:
    """True when the person's text would leave the machine and they have not said yes."""
    translator = services.translator
    if translator is None or not translator.is_external:
        return False
    person = await people.get(services.db, person_id)
    return person is None or person.translate_consent is not True


async def translate_for(
    services: Services, person_id: int, text: str, source: str, target: str
) -> Translation:
    """Translate a person's text, only with their consent when the service is external."""
    if source == target:
        return Translation(text, True, text, source, target)
    if services.translator is None:
        return Translation(text, False, text, source, target, note=OFF)
    if await needs_consent(services, person_id):
        return Translation(text, False, text, source, target, note=NO_CONSENT)
    return await services.translator.translate(text, source, target)


def failure_note(lang: Lang, result: Translation) -> str:
    """Why there is no translation, in the reader's language."""
    if result.note == OFF:
        return lang.t("Not translated: translation is switched off here.")
    if result.note == NO_CONSENT:
        return lang.t("Not translated: the writer has not allowed machine translation.")
    return lang.t("Not translated: the translation service did not answer. This is the original.")


def with_original(lang: Lang, result: Translation) -> str:
    """The translation, labelled, followed by the original; or the original and a note."""
    if not result.ok:
        return lang.value(result.source_text) + "\n\n<i>" + failure_note(lang, result) + "</i>"
    if result.text == result.source_text:
        return lang.value(result.source_text)
    lines = [lang.value(result.text)]
    notes = glossary.glossary_notes(result.source_text, lang.code)
    if notes:  # Dutch terms kept as they are, explained in the reader's language
        lines += ["", *("ℹ️ " + lang.value(note) for note in notes)]
    label = lang.t(
        "Machine translation from {language}. The original:", language=native_name(result.source)
    )
    lines += ["", f"<i>{label}</i>", lang.value(result.source_text)]
    return "\n".join(lines)


def consent_request(lang: Lang, service: str) -> tuple[str, InlineKeyboardMarkup]:
    """Asking once, in the person's language, before their text goes to a translator."""
    text = "\n\n".join(
        [
            lang.t(
                "To translate what you write, I send your text to {service}, a translation "
                "service outside Samen Hier. It does not get your name.",
                service=service,
            ),
            lang.t("Is that okay? You can change your answer at any time with /privacy."),
        ]
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(lang.t("Yes, translate"), callback_data="tc:yes"),
                InlineKeyboardButton(lang.t("No"), callback_data="tc:no"),
            ]
        ]
    )
    return text, markup
