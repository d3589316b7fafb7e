"""Forged data is refused, never raised (issue 14, finding 7), through the dispatcher on SQLite and
PostgreSQL: every kind of button the application registers (found in the dispatcher, not listed here),
with ids beyond PostgreSQL's int32 and SQLite's int64, negative and unknown, pressed in turn by a
stranger and by staff of every role; ``/setrole`` with an id out of range; a status button naming no unit; a forged
"None"/"Done" under a question that offers neither."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Chat, Message

from bot.forms.actions import Nav
from handlers.callbacks import ReportCb
from tests.callback_kinds import field_types, registered_kinds
from tests.chat_helpers import last_told
from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME, OFFICE = "建外街道", "区安委会办公室"
# beyond PostgreSQL's INTEGER, beyond SQLite's INTEGER, negative, the largest id that exists nowhere
BAD_IDS = (2**31, 2**63, 2**64 + 7, -(2**63) - 1, -1, 2**31 - 1)
# the words the string fields take (actions, navigation, kinds), and one nobody uses
WORDS = sorted({"o", "h", "ap", "rj", "rg", "rr", "rp", "rf", "cl", "sv", "lp", "lr", "pl", "lm", "lmy", "lmn", "lg",
                "v", "c", "r", "f", "ff", "m", "t", "p", "n", "e", "u", "add", "nf", "skip", "done", "cancel",
                "info", "summary", "lookback", "plan", "ledger", "hazard", "supervise", "rank", "zz",
                *(op.value for op in Nav)})


def _forged(kind: Any) -> list[str]:
    """Data for ``kind``: every word in its first text field, with each number field in turn set to each
    bad id (the others 1); other text fields take a plausible word."""
    fields = field_types(kind)
    texts = [name for name, t in fields.items() if t is str]
    numbers = [name for name, t in fields.items() if t is int]
    out = []
    for word in WORDS if texts else [""]:
        for target, bad in itertools.product(numbers or [None], BAD_IDS):
            values = []
            for name, t in fields.items():
                if t is int:
                    values.append(str(bad if name == target else 1))
                elif name == texts[0]:
                    values.append(word)
                else:
                    values.append("1.ap.reason" if name == "s" else "JB201810150001" if name == "n" else "t")
            out.append(kind.__separator__.join([kind.__prefix__, *values]))
    return out


def _message(user_id: int) -> Message:
    return Message(message_id=77, date=datetime.now(UTC), chat=Chat(id=user_id, type="private"))


async def test_every_button_kind_with_ids_out_of_range_or_unknown_is_refused(harness: Harness, failures: FailureLog) -> None:
    h = harness
    kinds = registered_kinds(h.dp)
    assert {k.__prefix__ for k in kinds} >= {"f1", "i1", "s1", "t1", "t2", "h1", "u1", "v1", "n1", "rm", "r1"}
    people = [h.chat(900, "路人"), await h.bind(901, "inspector", HOME), await h.bind(902, "reviewer", HOME),
              await h.bind(903, "office", OFFICE), await h.bind(904, "leader", HOME)]
    pressed = 0
    for kind in kinds:
        for person, data in zip(itertools.cycle(people), _forged(kind), strict=False):
            sent = await person._feed(h.factory.callback(person.user, _message(person.user.id), data))
            pressed += 1
            assert not failures.records, (data, failures.messages())
            assert any(isinstance(m, AnswerCallbackQuery) for m in sent), data
    assert pressed > 500


async def test_setrole_with_a_user_id_out_of_range_is_refused(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(911, "office", OFFICE)
    for user_id in ("2147483648", "9223372036854775808", "99999999999999999999999", "²"):
        sent = await office.say(f"/setrole {user_id} 建外街道 inspector")
        assert not failures.records, (user_id, failures.messages())
        texts = office.texts(sent)
        assert texts and "抱歉" not in texts[-1], texts


async def test_a_status_button_for_a_unit_that_does_not_exist_is_not_found(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(912, "office", OFFICE)
    for kind in ("u", "o", "m"):
        data = ReportCb(k=kind, u=999_999).pack()
        sent = await office._feed(harness.factory.callback(office.user, _message(office.user.id), data))
        assert not failures.records, (data, failures.messages())
        assert "未找到" in last_told(office), office.texts(sent)


async def test_a_forged_none_or_done_under_a_question_without_them_stores_nothing(harness: Harness,
                                                                                   failures: FailureLog) -> None:
    from tests.forms_flow import fill_hazard_until_review

    for uid, op in ((913, Nav.NONE), (914, Nav.DONE)):
        chat = await harness.bind(uid, "inspector", HOME)
        await fill_hazard_until_review(chat, album=1)
        await chat.press("修改：上级集团公司名称")  # an optional text question: no "None", no "Done"
        question = chat.buttons()[0].callback_data or ""
        prefix, draft, _k, step, _i, _a = question.split(":")
        forged = ":".join([prefix, draft, "n", step, "0", op.value])
        sent = await chat._feed(harness.factory.callback(chat.user, chat.buttons()[0].message, forged))
        assert "上级集团公司名称" in chat.last_text(), chat.texts(sent)  # the same question, asked again
        await chat.say("北京某某集团有限公司")
        await chat.press("提交")
        assert not failures.records, failures.messages()
        assert "已提交" in chat.last_text(), chat.last_text()
        assert not any(isinstance(m, SendMessage) and "抱歉" in m.text for m in sent)
