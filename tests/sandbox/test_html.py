"""Telegram-HTML parsing: what is accepted, what is refused, plain text and entities."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.html import HtmlError, parse_html, utf16_len


def test_plain_text_and_entities() -> None:
    plain, entities = parse_html('<b>Hi</b> <a href="https://x.org/?a=1&amp;b=2">you</a> &lt;3')
    assert plain == "Hi you <3"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "offset": 3, "length": 3, "url": "https://x.org/?a=1&b=2"},
    ]


def test_offsets_count_utf16_code_units() -> None:
    plain, entities = parse_html("😀<i>x</i>")
    assert plain == "😀x"
    assert entities == [{"type": "italic", "offset": 2, "length": 1}]
    assert utf16_len(plain) == 3


def test_all_telegram_tags_are_accepted() -> None:
    text = (
        "<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s>"
        '<strike>8</strike><del>9</del><span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>'
        '<code>c</code><pre><code class="language-python">d</code></pre>'
        "<blockquote expandable>e</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "&#65;&#x42;&quot;"
    )
    plain, entities = parse_html(text)
    assert plain == '123456789abcde👍AB"'
    kinds = [e["type"] for e in entities]
    assert "expandable_blockquote" in kinds and "custom_emoji" in kinds
    assert {"type": "pre", "offset": 12, "length": 1, "language": "python"} in entities


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", "Unclosed start tag"),
        ("a < b > c", "Unsupported start tag"),
        ("1 <2", "Unclosed start tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("Tom & Jerry", 'Character "&" is reserved'),
        ("&nbsp;", 'Character "&" is reserved'),
        ('<span class="x">y</span>', 'must have class "tg-spoiler"'),
        ("&#0;", "Invalid numeric entity"),
    ],
)
def test_refusals(text: str, error: str) -> None:
    with pytest.raises(HtmlError, match=error.replace("(", r"\(")):
        parse_html(text)


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    plain, entities = parse_html(html.escape(text))
    assert plain == text
    assert entities == []
