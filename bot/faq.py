"""Everyday topics for newcomers: TOML content files in `bot/topics`, validated and cached."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

from bot.i18n import FALLBACK_LANGUAGE, SHIPPED_LANGUAGES

PACKAGE = "bot.topics"
MAX_TITLE = 40
MAX_QUESTION = 120
MAX_ANSWER = 900
FORBIDDEN = frozenset("<>&")  # texts go out with Telegram's HTML parse mode
KEY = re.compile(r"[a-z][a-z0-9_]{0,23}")  # short enough for callback data


class TopicError(Exception):
    """A content file is broken; the message names the file and the problem on one line."""


@dataclass(frozen=True)
class Question:
    """One question with its answer, each keyed by language code."""

    key: str
    question: Mapping[str, str]
    answer: Mapping[str, str]


@dataclass(frozen=True)
class Topic:
    """A topic: button emoji, title per language and its questions in file order."""

    key: str
    order: int
    emoji: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question | None:
        """The question with this key, or None."""
        return next((q for q in self.questions if q.key == key), None)


def text_in(mapping: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, falling back to English."""
    return mapping.get(lang) or mapping.get(FALLBACK_LANGUAGE, "")


def _fail(name: str, problem: str) -> TopicError:
    return TopicError(f"{name}: {' '.join(problem.split())}")


def _key(name: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise _fail(name, f"{where}: key must match {KEY.pattern}, got {value!r}")
    return value


def _texts(name: str, where: str, value: Any, limit: int) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise _fail(name, f"{where}: expected a table of languages")
    missing = [lang for lang in SHIPPED_LANGUAGES if lang not in value]
    extra = sorted(set(value) - set(SHIPPED_LANGUAGES))
    if missing:
        raise _fail(name, f"{where}: missing languages {missing}")
    if extra:
        raise _fail(name, f"{where}: unknown languages {extra}")
    texts: dict[str, str] = {}
    for lang in SHIPPED_LANGUAGES:
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            raise _fail(name, f"{where}.{lang}: empty or not text")
        text = text.strip()
        if bad := sorted(FORBIDDEN & set(text)):
            raise _fail(name, f"{where}.{lang}: forbidden characters {''.join(bad)}")
        if len(text) > limit:
            raise _fail(name, f"{where}.{lang}: {len(text)} characters, at most {limit}")
        texts[lang] = text
    return MappingProxyType(texts)


def _fields(name: str, where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    if unknown := sorted(set(data) - allowed):
        raise _fail(name, f"{where}unknown fields {unknown}")
    if missing := sorted(allowed - set(data)):
        raise _fail(name, f"{where}missing fields {missing}")


def parse_topic(name: str, text: str) -> Topic:
    """One topic from the TOML text of the file called `name`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(name, f"invalid TOML: {exc}") from None
    _fields(name, "", data, {"key", "order", "emoji", "title", "questions"})
    key = _key(name, "key", data["key"])
    order, emoji = data["order"], data["emoji"]
    if not isinstance(order, int) or isinstance(order, bool):
        raise _fail(name, "order must be a whole number")
    if not isinstance(emoji, str) or not emoji.strip() or len(emoji) > 8 or emoji.isascii():
        raise _fail(name, "emoji must be one emoji")
    raw = data["questions"]
    if not isinstance(raw, list) or not raw:
        raise _fail(name, "needs at least one [[questions]]")
    questions: list[Question] = []
    for i, item in enumerate(raw, 1):
        where = f"questions[{i}]"
        if not isinstance(item, dict):
            raise _fail(name, f"{where}: expected a table")
        _fields(name, f"{where}: ", item, {"key", "question", "answer"})
        qkey = _key(name, f"{where}.key", item["key"])
        if any(q.key == qkey for q in questions):
            raise _fail(name, f"{where}: duplicate question key {qkey!r}")
        questions.append(
            Question(
                key=qkey,
                question=_texts(name, f"{qkey}.question", item["question"], MAX_QUESTION),
                answer=_texts(name, f"{qkey}.answer", item["answer"], MAX_ANSWER),
            )
        )
    title = _texts(name, "title", data["title"], MAX_TITLE)
    return Topic(key, order, emoji.strip(), title, tuple(questions))


def load_topics_from(files: Iterable[Traversable]) -> tuple[Topic, ...]:
    """Topics from the `*.toml` files among `files`, sorted by order; keys and orders unique."""
    topics: list[Topic] = []
    for file in sorted((f for f in files if f.name.endswith(".toml")), key=lambda f: f.name):
        topic = parse_topic(file.name, file.read_text(encoding="utf-8"))
        for other in topics:
            if topic.key == other.key or topic.order == other.order:
                raise _fail(file.name, f"key or order repeats topic {other.key!r}")
        topics.append(topic)
    return tuple(sorted(topics, key=lambda t: t.order))


@cache
def load_topics() -> tuple[Topic, ...]:
    """All shipped topics, sorted by order (read once)."""
    return load_topics_from(resources.files(PACKAGE).iterdir())


def topic_by_key(key: str) -> Topic | None:
    """The shipped topic with this key, or None."""
    return next((t for t in load_topics() if t.key == key), None)
