"""Every text the bot can say has a Simplified Chinese translation (run ``python -m bot.catalog``), none it no
longer says is kept, and every translation takes exactly the placeholders of its message id, as ``msgfmt
--check`` wants them."""

from __future__ import annotations

import os
import shutil
import string
import subprocess

import pytest
from babel.messages.pofile import read_po

from bot.catalog import extracted_ids, obsolete, untranslated
from bot.i18n import LOCALES_DIR

CATALOGS = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))


def test_every_message_id_in_the_code_is_translated_to_chinese() -> None:
    assert len(extracted_ids()) > 50
    assert untranslated() == []


def test_the_catalog_holds_no_text_the_code_no_longer_says() -> None:
    """A reworded text leaves its old id behind; translators would keep translating what nobody reads."""
    assert obsolete() == []


def _fields(text: str) -> set[str]:
    """The replacement fields of a ``str.format`` text, whole (``month:02d``): gettext's msgfmt (0.21) compares
    them so, format specification included, flagged ``python-brace-format`` or not once Babel flags it."""
    return {name + (f":{spec}" if spec else "") + (f"!{conv}" if conv else "")
            for _literal, name, spec, conv in string.Formatter().parse(text) if name is not None}


def test_every_translation_takes_the_placeholders_of_its_message_id() -> None:
    assert CATALOGS
    wrong = []
    for path in CATALOGS:
        with path.open("rb") as fh:
            for m in read_po(fh):
                if m.id and m.string:
                    ids = m.id if isinstance(m.id, tuple) else (m.id,)
                    strings = m.string if isinstance(m.string, tuple) else (m.string,)
                    if any(_fields(s) != _fields(ids[0]) for s in strings):
                        wrong.append((path.name, ids[0]))
    assert wrong == []


# Under CI the gettext package is installed by .ci/run, so a missing msgfmt fails there rather than skips.
@pytest.mark.skipif(shutil.which("msgfmt") is None and os.environ.get("CI") != "true",
                    reason="msgfmt (the gettext package) is not installed")
@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(LOCALES_DIR)))
def test_msgfmt_checks_every_catalog_without_a_complaint(path: object) -> None:
    done = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stderr) == (0, "")


def test_no_chinese_translation_has_an_ascii_space_after_its_punctuation() -> None:
    """``。 `` or ``， `` (a space after full-width punctuation) reads as a stray gap in Chinese; sentences are
    joined inside one message id instead (the /find export's caption)."""
    spaced = []
    with (LOCALES_DIR / "zh" / "LC_MESSAGES" / "hazardbot.po").open("rb") as fh:
        for m in read_po(fh):
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            spaced += [s for s in strings if s and any(p + " " in s for p in "。，；：！？、")]
    assert spaced == []
