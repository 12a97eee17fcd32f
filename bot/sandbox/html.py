"""Telegram-HTML (parse_mode=HTML): strict validation, plain text and entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_TAG_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?\s*/?", re.DOTALL)
_ATTR_RE = re.compile(r"""([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    name: str
    offset: int
    attrs: dict[str, str] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _unescape(text: str, where: int, source: str) -> str:
    """Decode the entities of an attribute value or text run, refusing bare '&'."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            match = _ENTITY_RE.match(text, i)
            if match is None:
                raise HtmlError(
                    f'Character "&" is reserved and must be escaped as "&amp;" at byte offset '
                    f"{_byte_offset(source, where + i)}"
                )
            out.append(_entity_char(match, source, where + i))
            i = match.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _entity_char(match: re.Match[str], source: str, where: int) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HtmlError(f"Invalid numeric entity at byte offset {_byte_offset(source, where)}")
    return chr(code)


def _attrs(raw: str, source: str, where: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs[m.group(1).lower()] = _unescape(value, where, source)
    return attrs


def _check_start(name: str, attrs: dict[str, str], off: int) -> None:
    if name not in _ENTITY_TYPES:
        raise HtmlError(f'Unsupported start tag "{name}" at byte offset {off}')
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {off}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HtmlError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {off}')


def _entity(tag: _Open, end: int, parent: _Open | None) -> dict[str, Any] | None:
    length = end - tag.offset
    if length <= 0:
        return None
    kind = _ENTITY_TYPES[tag.name]
    entity: dict[str, Any] = {"type": kind, "offset": tag.offset, "length": length}
    if kind == "text_link":
        href = tag.attrs.get("href")
        if not href:
            return None
        entity["url"] = href
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif kind == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        lang = tag.attrs.get("class", "")
        if lang.startswith("language-"):
            parent.attrs["language"] = lang.removeprefix("language-")
        return None
    elif kind == "pre" and tag.attrs.get("language"):
        entity["language"] = tag.attrs["language"]
    return entity


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for Telegram-HTML `text`, or raise HtmlError."""
    out: list[str] = []
    pos = 0  # UTF-16 offset of the plain text so far
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            off = _byte_offset(text, i)
            end = text.find(">", i)
            if end == -1:
                raise HtmlError(f"Unclosed start tag at byte offset {off}")
            inner = text[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise HtmlError(f'Unexpected end tag "{name}" at byte offset {off}')
                top = stack.pop()
                if top.name != name:
                    raise HtmlError(
                        f'Unmatched end tag at byte offset {off}, expected "</{top.name}>", '
                        f'found "</{name}>"'
                    )
                ent = _entity(top, pos, stack[-1] if stack else None)
                if ent is not None:
                    entities.append(ent)
            else:
                match = _TAG_RE.fullmatch(inner)
                if match is None:
                    word = inner.split()[0] if inner.split() else ""
                    raise HtmlError(f'Unsupported start tag "{word}" at byte offset {off}')
                name = match.group(1).lower()
                attrs = _attrs(match.group(2) or "", text, i)
                _check_start(name, attrs, off)
                stack.append(_Open(name, pos, attrs))
            i = end + 1
        elif ch == "&":
            match = _ENTITY_RE.match(text, i)
            if match is None:
                raise HtmlError(
                    'Character "&" is reserved and must be escaped as "&amp;" at byte offset '
                    f"{_byte_offset(text, i)}"
                )
            decoded = _entity_char(match, text, i)
            out.append(decoded)
            pos += utf16_len(decoded)
            i = match.end()
        else:
            out.append(ch)
            pos += 2 if ord(ch) > 0xFFFF else 1
            i += 1
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
