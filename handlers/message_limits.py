"""Telegram's message length limits, measured as Telegram measures them, and cutting a text (plain or
HTML) to fit without breaking a tag, an entity or a character drawn as one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from html import unescape

# Bot API (https://core.telegram.org/bots/api): a message text is "1-4096 characters after entities
# parsing" (sendMessage, editMessageText), a caption "0-1024 characters after entities parsing" (sendPhoto,
# sendDocument, InputMedia*). Characters are counted in UTF-16 code units ("Formatting options": entity
# offsets and lengths are in UTF-16 code units), so an emoji outside the BMP counts 2; "after entities
# parsing" means for parse mode HTML that tags count nothing and ``&amp;`` or ``&#128293;`` count as the
# character they stand for.
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
ELLIPSIS = "…"
# How much of a long typed text (a description, measures: up to 4000 characters) a card or a question shows,
# in UTF-16 code units, so that the lines after it stay in the message and emoji cannot overflow it
# ("Current: …" of a form step or a life cycle step, a hazard's or a tip-off's description). The whole
# text stays stored: pressing "keep" keeps it, /export hazards writes it.
LONG_TEXT_LIMIT = 1200


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


# A tag (attribute values may be quoted) or a character reference; anything else is text.
_MARKUP = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
_ZWJ = "\u200d"


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _extends(ch: str) -> bool:
    """True when ``ch`` belongs to the character before it: combining marks, variation selectors, the keycap
    mark, skin tone modifiers and emoji tag characters."""
    o = ord(ch)
    return (unicodedata.combining(ch) != 0 or 0xFE00 <= o <= 0xFE0F or o == 0x20E3 or 0x1F3FB <= o <= 0x1F3FF
            or 0xE0020 <= o <= 0xE007F or 0xE0100 <= o <= 0xE01EF)


def _joined(text: str, end: int) -> bool:
    """True when a cut before ``text[end]`` would split what is drawn as one character (an emoji sequence
    joined with U+200D, a flag, a letter and its accent)."""
    before, after = text[end - 1], text[end]
    if before == _ZWJ or after == _ZWJ or _extends(after):
        return True
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        run = 0
        while end - 1 - run >= 0 and _is_regional_indicator(text[end - 1 - run]):
            run += 1
        return run % 2 == 1  # the flag's first half is kept, its second half would be cut
    return False


def _prefix(text: str, units: int) -> str:
    """The longest start of plain ``text`` within ``units`` UTF-16 code units that does not split a character
    drawn as one (see ``_joined``)."""
    used = end = 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            break
        end += 1
    while 0 < end < len(text) and _joined(text, end):
        end -= 1
    return text[:end]


def shorten(value: object, limit: int) -> str:
    """``value`` as plain text, cut to at most ``limit`` UTF-16 code units with "…" at the end when longer.

    For a long value a user typed shown inside a card or a question: shortened before it is escaped with ``q``
    (so no entity is cut), it leaves room for the lines after it within Telegram's message limit."""
    text = str(value)
    if utf16_len(text) <= limit:
        return text
    return _prefix(text, limit - utf16_len(ELLIPSIS)).rstrip() + ELLIPSIS


def _html_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """``text`` (parse mode HTML) as ``(kind, source, units)``: kind ``text`` (a run of plain text), ``entity``
    (``&amp;``, ``&#128293;``…), ``open`` or ``close`` (a tag, 0 units) or ``other`` (something between angle
    brackets that is no tag); units as Telegram counts them."""
    pos = 0
    for match in _MARKUP.finditer(text):
        if match.start() > pos:
            run = text[pos : match.start()]
            yield "text", run, utf16_len(run)
        pos = match.end()
        token = match.group()
        if token.startswith("&"):
            yield "entity", token, utf16_len(unescape(token))
        elif (name := _TAG_NAME.match(token)) is None:  # "< b >" is no tag: counted whole, never cut
            yield "other", token, utf16_len(token)
        else:
            yield ("close" if name.group(1) else "open"), token, 0
    if pos < len(text):
        yield "text", text[pos:], utf16_len(text[pos:])


def _tag_name(tag: str) -> str:
    name = _TAG_NAME.match(tag)
    return name.group(2).lower() if name else ""


def clip(text: str, limit: int = TELEGRAM_TEXT_LIMIT, *, html: bool = True) -> str:
    """Keep a message within Telegram's limit: ``limit`` is ``TELEGRAM_TEXT_LIMIT`` (4096) for a message text
    or ``TELEGRAM_CAPTION_LIMIT`` (1024) for a caption.

    Telegram counts UTF-16 code units of the text after entities parsing (see the constants above). For
    ``html`` (parse mode HTML, the bot's default) tags count nothing and an entity such as ``&amp;`` counts as
    the one character it stands for; the cut never falls inside a tag, an entity or an emoji, tags still open
    at the cut are closed, and "…" marks the cut. A text within the limit is returned unchanged.

    Only a safety net: a card or question shortens the long values it shows (``shorten``) so that its own
    lines are kept."""
    if utf16_len(text) <= limit:  # tags and entities only ever shorten the source, so it bounds the result
        return text
    budget = limit - utf16_len(ELLIPSIS)
    if not html:
        return _prefix(text, budget).rstrip() + ELLIPSIS
    tokens = list(_html_tokens(text))
    if sum(units for _, _, units in tokens) <= limit:
        return text
    kept: list[tuple[str, str]] = []
    open_tags: list[str] = []
    used = 0
    for kind, source, units in tokens:
        if used + units > budget:
            if kind == "text":
                kept.append((kind, _prefix(source, budget - used)))
            break
        used += units
        kept.append((kind, source))
        if kind == "open":
            open_tags.append(_tag_name(source))
        elif kind == "close" and _tag_name(source) in open_tags:
            del open_tags[len(open_tags) - 1 - open_tags[::-1].index(_tag_name(source)):]
    while kept and kept[-1][0] in ("open", "text"):  # no empty tags and no trailing blanks before the "…"
        kind, source = kept.pop()
        if kind == "open":
            open_tags.pop()
        elif source.rstrip():
            kept.append((kind, source.rstrip()))
            break
    return "".join(source for _, source in kept) + ELLIPSIS + "".join(f"</{tag}>" for tag in reversed(open_tags))
