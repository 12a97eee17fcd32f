"""Everyday topics: every content file complete in every shipped language, facts kept, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.faq import (
    MAX_ANSWER,
    TopicError,
    load_topics,
    load_topics_from,
    parse_topic,
    text_in,
    topic_by_key,
)
from bot.i18n import SHIPPED_LANGUAGES

TOPICS_DIR = Path(__file__).resolve().parent.parent / "bot" / "topics"
REQUIRED = {
    "emergency",
    "health",
    "money",
    "letters",
    "housing",
    "transport",
    "school",
    "language",
    "work",
    "rights",
}
LANGS = set(SHIPPED_LANGUAGES)


def _raw() -> dict[str, dict[str, Any]]:
    return {
        p.name: tomllib.loads(p.read_text(encoding="utf-8"))
        for p in sorted(TOPICS_DIR.glob("*.toml"))
    }


def _all_texts(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("title", data["title"])]
    for q in data["questions"]:
        out += [(f"{q['key']}.question", q["question"]), (f"{q['key']}.answer", q["answer"])]
    return out


def _answers(key: str, lang: str) -> str:
    topic = topic_by_key(key)
    assert topic is not None, key
    return " ".join(q.answer[lang] for q in topic.questions)


def test_every_text_in_every_shipped_language() -> None:
    files = _raw()
    assert len(files) >= 10
    for name, data in files.items():
        for where, texts in _all_texts(data):
            assert set(texts) == LANGS, f"{name} {where}: {sorted(set(texts) ^ LANGS)}"
            for lang, text in texts.items():
                assert isinstance(text, str) and text.strip(), f"{name} {where}.{lang}"


def test_files_agree_on_structure() -> None:
    files = _raw()
    keys = [d["key"] for d in files.values()]
    orders = [d["order"] for d in files.values()]
    assert len(set(keys)) == len(keys) and len(set(orders)) == len(orders)
    for name, data in files.items():
        qkeys = [q["key"] for q in data["questions"]]
        assert 3 <= len(qkeys) <= 5, name
        assert len(set(qkeys)) == len(qkeys), name
        assert data["emoji"].strip(), name


def test_loader_matches_files() -> None:
    topics = load_topics()
    assert topics is load_topics()  # cached
    assert [t.order for t in topics] == sorted(t.order for t in topics)
    raw = {d["key"]: d for d in _raw().values()}
    assert {t.key for t in topics} == set(raw)
    for t in topics:
        assert [q.key for q in t.questions] == [q["key"] for q in raw[t.key]["questions"]]


def test_required_topics_present() -> None:
    assert {t.key for t in load_topics()} >= REQUIRED
    assert load_topics()[0].key == "emergency"


def test_texts_are_telegram_html_safe_and_short() -> None:
    for t in load_topics():
        for q in t.questions:
            for lang in SHIPPED_LANGUAGES:
                for text in (t.title[lang], q.question[lang], q.answer[lang]):
                    assert not set(text) & set("<>&"), (t.key, q.key, lang)
                assert len(q.answer[lang]) <= 700 < MAX_ANSWER, (t.key, q.key, lang)


def test_emergency_numbers_in_every_language() -> None:
    for lang in SHIPPED_LANGUAGES:
        text = _answers("emergency", lang)
        assert "112" in text and "0900-8844" in text, lang


def test_health_names_the_dutch_services() -> None:
    nl = _answers("health", "nl")
    assert "huisarts" in nl and "huisartsenpost" in nl
    for lang in SHIPPED_LANGUAGES:  # the Dutch terms are kept in every language
        assert "huisartsenpost" in _answers("health", lang), lang


@pytest.mark.parametrize(
    ("topic", "terms"),
    [
        ("letters", ["DigiD", "Berichtenbox"]),
        ("money", ["zorgtoeslag", "huurtoeslag", "kinderbijslag", "SVB", "BSN"]),
        ("language", ["DUO", "PIP"]),
        ("rights", ["Juridisch Loket", "VluchtelingenWerk"]),
        ("transport", ["OV-chipkaart", "9292"]),
    ],
)
def test_dutch_terms_kept_in_every_language(topic: str, terms: list[str]) -> None:
    for lang in SHIPPED_LANGUAGES:
        text = _answers(topic, lang)
        for term in terms:
            assert term in text, (topic, lang, term)


def test_text_in_falls_back_to_english() -> None:
    title = load_topics()[0].title
    assert text_in(title, "ar") == title["ar"]
    assert text_in(title, "xx") == title["en"]
    assert text_in({}, "nl") == ""


GOOD = (TOPICS_DIR / "01_emergency.toml").read_text(encoding="utf-8")


def _one_line_error(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(TopicError) as info:
        load_topics_from(tmp_path.iterdir())
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{name}: ")
    return message


def test_missing_language_is_one_line_error(tmp_path: Path) -> None:
    broken = GOOD.replace('so = "Goorma ayaan wacaa 112?"\n', "", 1)
    message = _one_line_error(tmp_path, "01_broken.toml", broken)
    assert "when_112.question" in message and "so" in message


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('en = "When do I call 112?"', 'en = "When do I call <b>112</b>?"', "forbidden"),
        ('en = "When do I call 112?"', 'en = ""', "empty"),
        ('en = "When do I call 112?"', 'en = "' + "x" * 121 + '"', "121 characters"),
        ('emoji = "🚨"', 'emoji = ""', "emoji"),
        ('key = "police"', 'key = "when_112"', "duplicate question key"),
        ('key = "emergency"', 'key = "Emergency Topic"', "key must match"),
        ("order = 1", "order = true", "order"),
        ('[title]\nnl = "Nood', '[title]\nfr = "x"\nnl = "Nood', "unknown languages ['fr']"),
        ("[questions.answer]", "[questions.answer", "invalid TOML"),
    ],
)
def test_broken_file_gives_one_line_error(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in GOOD
    assert problem in _one_line_error(tmp_path, "x.toml", GOOD.replace(old, new, 1))


def test_repeated_topic_key_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    message = _one_line_error(tmp_path, "b.toml", GOOD.replace("order = 1", "order = 2"))
    assert "repeats topic 'emergency'" in message


def test_parse_topic_reads_one_file() -> None:
    topic = parse_topic("01_emergency.toml", GOOD)
    assert topic.key == "emergency" and topic.question("police") is not None
    assert topic.question("nope") is None
