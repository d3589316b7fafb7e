"""Telegram's length limits (Bot API: a message text "1-4096 characters after entities parsing", a caption
"0-1024"; characters are UTF-16 code units): ``clip`` and ``shorten`` on their own, then hazards with
very long descriptions (emoji, 4000 Chinese characters) through the real dispatcher, on SQLite and
PostgreSQL: every text the bot sends fits, is valid HTML and the cards keep the lines after the description."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from aiogram.methods import EditMessageText, SendMessage

from bot.local_chat import LocalChat
from handlers.message_limits import TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, clip, shorten, utf16_len
from tests.chat_helpers import open_first
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_review

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

# https://core.telegram.org/bots/api#html-style
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
                 "code", "pre", "blockquote"}
TELEGRAM_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
EMOJI_DESCRIPTION = "🔥" * 2040 + "电线私拉乱接"  # 4046 characters, 4086 UTF-16 code units: a message Telegram accepts


class _TelegramHtml(HTMLParser):
    """Parses a message the way Telegram's HTML mode must read it; ``text`` is what the user sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, f"Telegram does not know <{tag}>"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> does not close {self.open}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        assert "<" not in data and ">" not in data and "&" not in data, f"unescaped markup in {data[-40:]!r}"
        self.text += data

    def handle_entityref(self, name: str) -> None:
        assert name in TELEGRAM_ENTITIES, f"&{name}; is no entity Telegram knows (an entity cut in half?)"
        self.text += TELEGRAM_ENTITIES[name]

    def handle_charref(self, name: str) -> None:
        self.text += chr(int(name[1:], 16) if name[:1] in "xX" else int(name))


def rendered(html_text: str) -> str:
    """The text of ``html_text`` after Telegram's entities parsing; fails on HTML Telegram would refuse."""
    parser = _TelegramHtml()
    parser.feed(html_text)
    parser.close()
    assert not parser.rawdata, f"unfinished markup at the end: {parser.rawdata!r}"
    assert not parser.open, f"tags left open: {parser.open}"
    return parser.text


def assert_sendable(html_text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    text = rendered(html_text)
    assert 0 < utf16_len(text) <= limit, f"{utf16_len(text)} UTF-16 code units, the limit is {limit}"
    return text


# --- clip ---------------------------------------------------------------------------------------------


def test_a_text_within_the_limit_is_returned_unchanged() -> None:
    for text in ("短消息", "a" * 4096, "🔥" * 2048, "<b>" + "字" * 4096 + "</b>", "&amp;" * 4096):
        assert clip(text) == text


def test_one_character_over_the_limit_cuts_to_exactly_the_limit() -> None:
    clipped = clip("a" * 4097)
    assert clipped == "a" * 4095 + "…"
    assert utf16_len(rendered(clipped)) == 4096


def test_emoji_count_two_units_and_are_never_split() -> None:
    clipped = clip("🔥" * 2100)
    assert clipped == "🔥" * 2047 + "…"  # 4095 units: one more emoji would make 4097
    assert clip("a" + "🔥" * 2048) == "a" + "🔥" * 2047 + "…"  # exactly 4096
    assert clip(EMOJI_DESCRIPTION + "🔥" * 10) == EMOJI_DESCRIPTION + "🔥" * 4 + "…"


def test_emoji_drawn_as_one_are_kept_whole() -> None:
    family = "👨\u200d👩\u200d👧"  # three emoji joined: 8 units
    clipped = clip(family * 600)
    assert clipped.endswith(family + "…")
    assert clip("a" + "🇨🇳" * 1100) == "a" + "🇨🇳" * 1023 + "…"  # not half a flag (two characters)
    assert shorten("👍🏽" * 5, 6) == "👍🏽…"


def test_an_entity_counts_as_one_character_and_is_never_cut() -> None:
    clipped = clip("a&amp;" * 3000)
    text = assert_sendable(clipped)
    assert clipped.endswith("&amp;…") or clipped.endswith("a…")
    assert text == ("a&" * 3000)[:4095] + "…"
    assert "&a…" not in clip("x" + "&amp;" * 5000)
    assert clip("&#128293;" * 2100) == "&#128293;" * 2047 + "…"  # 🔥 written as a character reference


def test_tags_count_nothing_and_open_tags_are_closed() -> None:
    clipped = clip("<b>" + "x" * 5000 + "</b>")
    assert clipped == "<b>" + "x" * 4095 + "…</b>"
    nested = clip("<b>标题</b>\n<i>说明 <code>" + "码" * 5000 + "</code> 结束</i>")
    assert nested.endswith("…</code></i>")
    assert_sendable(nested)
    assert clip("<b>x</b>" * 4096) == "<b>x</b>" * 4096  # 28 672 characters of HTML, 4096 shown


def test_the_cut_never_lands_inside_a_tag() -> None:
    link = '<a href="https://example.com/?a=1&amp;b=2">链接文字</a>'
    for fill in range(4088, 4096):
        clipped = clip("x" * fill + link + "y" * 10)
        text = assert_sendable(clipped)
        assert text.endswith("…")
        assert "<a" not in clipped or 'href="https://example.com/?a=1&amp;b=2">' in clipped


def test_no_empty_tag_or_trailing_blank_before_the_ellipsis() -> None:
    clipped = clip("x" * 4094 + "  \n<b>粗体</b>" + "z" * 10)
    assert clipped == "x" * 4094 + "…"
    assert clip("x" * 4095 + "<b>" + "y" * 5 + "</b>") == "x" * 4095 + "…"


def test_the_caption_limit_is_supported() -> None:
    clipped = clip("<i>" + "说明" * 1000 + "</i>", TELEGRAM_CAPTION_LIMIT)
    assert utf16_len(assert_sendable(clipped, TELEGRAM_CAPTION_LIMIT)) == TELEGRAM_CAPTION_LIMIT


def test_plain_text_counts_markup_as_written() -> None:
    assert clip("&amp;" * 1000, 10, html=False) == "&amp;&amp…"


def test_shorten_leaves_short_values_alone_and_cuts_long_ones_with_an_ellipsis() -> None:
    assert shorten("张三", 10) == "张三"
    assert shorten("字" * 10, 10) == "字" * 10
    assert shorten("字" * 11, 10) == "字" * 9 + "…"
    assert shorten("🔥" * 10, 10) == "🔥" * 4 + "…"
    assert shorten("字" * 8 + "   很长", 10) == "字" * 8 + "…"


# --- through the dispatcher ------------------------------------------------------------------------------


def assert_everything_sent_fits(h: Harness) -> None:
    for method in h.session.requests:
        if isinstance(method, SendMessage | EditMessageText):
            assert_sendable(method.text)
        caption = getattr(method, "caption", None)
        if caption:
            assert_sendable(caption, TELEGRAM_CAPTION_LIMIT)
        for item in getattr(method, "media", None) or []:
            if getattr(item, "caption", None):
                assert_sendable(item.caption, TELEGRAM_CAPTION_LIMIT)


def last_html(h: Harness, chat: LocalChat) -> str:
    own = [m for m in h.session.requests if isinstance(m, SendMessage | EditMessageText) and m.chat_id == chat.user.id]
    return own[-1].text


async def _hazard_with(h: Harness, chat: LocalChat, description: str, measures: str | None = None) -> None:
    """Fill /hazard, replace the description (and the measures) from the review card, submit."""
    await fill_hazard_until_review(chat, album=1)
    await chat.press("修改：隐患描述")
    await chat.say(description)
    assert "提交前请核对" in chat.last_text(), chat.last_text()
    if measures is not None:
        await chat.press("修改：整改措施")
        await chat.say(measures)
        assert "提交前请核对" in chat.last_text(), chat.last_text()
    await chat.press("提交")
    assert "隐患已提交" in chat.last_text(), chat.last_text()


def assert_card_complete(card: str) -> None:
    for later in ("隐患类型：", "责任：", "措施：", "资金（万元）：", "时限：2018-12-31", "预案：", "记录：1 条 · 照片：1 张"):
        assert later in card, f"{later!r} missing from the card"


async def test_an_emoji_description_fits_the_card_the_question_and_the_review(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(901, "inspector", "110105001", "王检查")
    reviewer = await h.bind(902, "reviewer", "110105001", "李审核")
    await fill_hazard_until_review(inspector, album=1)
    await inspector.press("修改：隐患描述")
    await inspector.say(EMOJI_DESCRIPTION)
    await inspector.press("修改：隐患描述")  # the question shows the current value
    question = assert_sendable(last_html(h, inspector))
    assert "隐患描述" in question and "当前：🔥🔥" in question and question.endswith("…")
    await inspector.say("/resume")
    assert "当前：🔥🔥" in assert_sendable(last_html(h, inspector))
    await inspector.press("保持当前值")
    assert "提交前请核对" in inspector.last_text()
    await inspector.press("修改：整改措施")
    await inspector.say(EMOJI_DESCRIPTION)
    await inspector.press("提交")
    assert "隐患已提交" in inspector.last_text()

    await open_first(inspector, "/find 张XX出租房")
    card = assert_sendable(last_html(h, inspector))
    assert "隐患描述：🔥🔥" in card and "🔥…\n" in card
    assert_card_complete(card)

    await open_first(reviewer, "/review")
    assert assert_sendable(last_html(h, reviewer)) == card
    assert any("审核通过" in b.text for b in reviewer.buttons())

    await inspector.press("填写五落实")  # the five implementations, each asked with its current value
    await inspector.press(1)  # responsibility: none yet
    measures = assert_sendable(last_html(h, inspector))
    assert "\n当前：🔥" in measures and measures.endswith("…"), measures
    assert_everything_sent_fits(h)


@pytest.mark.parametrize("text", [("电线私拉乱接，" * 600)[:4000], ("A&B <C> 电线私拉乱接" * 300)[:4000]],
                         ids=["chinese", "markup"])
async def test_a_4000_character_description_keeps_the_rest_of_the_card(harness: Harness, text: str) -> None:
    h = harness
    assert len(text) == 4000
    inspector = await h.bind(903, "inspector", "110105001", "王检查")
    await _hazard_with(h, inspector, text, measures="措施" * 2000)
    await open_first(inspector, "/find 张XX出租房")
    card = assert_sendable(last_html(h, inspector))
    assert_card_complete(card)
    shown = card.split("隐患描述：", 1)[1].split("\n", 1)[0]
    assert shown.endswith("…") and text.startswith(shown[:-1]) and 1000 <= len(shown) <= 1500
    await inspector.press("全过程记录")
    assert_sendable(last_html(h, inspector))
    assert_everything_sent_fits(h)
