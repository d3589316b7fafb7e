"""A form's Chinese hint that names a navigation button in 「…」 names it as the button reads (the tip-off's
township hint said 「保持当前」 under a button reading 保持当前值; found by the newcomer walk)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from bot.forms.spec import load_form
from bot.i18n import translate

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

FORMS = sorted(p.name.removesuffix(".toml") for p in (resources.files("config") / "forms").iterdir()
               if p.name.endswith(".toml"))
# the English ids of the buttons under a question (handlers/form_view.py)
NAV_BUTTONS = ("✔ Keep current", "Done ✔", "Skip", "Cancel", "« Back")


def _bare(label: str) -> str:
    return label.replace("✔", "").strip()


@pytest.mark.parametrize("form", FORMS)
def test_a_hint_quotes_a_navigation_button_as_it_reads(form: str) -> None:
    labels = {_bare(translate("zh", b)) for b in NAV_BUTTONS}
    for field in load_form(form).fields:
        choices = {c.value for c in field.choices}
        for quoted in re.findall(r"「([^」]*)」", field.hint_zh):
            # a quoted word that starts like a button must be the button's whole label
            near = [lab for lab in labels if quoted[:2] == lab[:2]]
            assert not near or quoted in labels or quoted in choices, (form, field.key, quoted, near)
