"""What a user can do to an open form, independent of the channel that carried it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.channels import MediaRef
from storage.images import ImageFacts


class Nav(StrEnum):
    """The navigation buttons of a form (back, skip, done, submit, cancel …), as sent in callback data."""

    BACK = "back"
    SKIP = "skip"
    DONE = "done"
    KEEP = "keep"
    SUBMIT = "submit"
    CANCEL = "cancel"
    REVIEW = "review"
    NONE = "none"  # "无": an empty answer to a multi-choice field
    DISCARD = "discard"  # "Cancel" confirmed: the form is cancelled
    STAY = "stay"  # "Cancel" not confirmed: nothing changes, the question is shown again
    # another form was asked for while this one is open (``Prompt`` kind ``other_open``): "discard it and open
    # the other" asks first (the channel asks; to the form it is "stay"), then confirmed it discards as
    # DISCARD does and the channel opens the form asked for
    SWITCH = "switch"
    SWITCH_DISCARD = "swap"


@dataclass(frozen=True)
class TextAnswer:
    """A typed answer to the current question."""

    text: str


@dataclass(frozen=True)
class DraftButton:
    """A button pressed under a message of draft ``draft_id``: pressed under another draft's message (an old
    one, or a forged callback) it is refused as stale."""

    draft_id: int


@dataclass(frozen=True)
class PickAnswer(DraftButton):
    """Option ``index`` of the field asked at ``step``."""

    step: int
    index: int


@dataclass(frozen=True)
class NavAnswer(DraftButton):
    """A navigation button (or the /cancel command).

    ``step``: the position (``FormSpec.index``) of the question whose message carried the button, or
    the number of fields for the review card; ``None`` for a command, which acts on whatever is open.
    A button pressed under an earlier question (a double tap, an old message) is refused as stale,
    except cancel and stay, which act on the whole form. Discard carries the position at which the
    confirmation was asked: a forgotten confirmation expires once the form has moved on.
    """

    op: Nav
    step: int | None = None


@dataclass(frozen=True)
class EditAnswer(DraftButton):
    """"Edit" on the review card: the field at position ``field_index`` of the form."""

    field_index: int


@dataclass(frozen=True)
class RemovePhoto(DraftButton):
    """"Delete" beside photo ``number`` (1-based, order received) of the photos question asked at ``step``, in a
    list shown when the field's photos had ``version`` (``bot.services.form_photos.photos_version``)."""

    step: int
    number: int
    version: str


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


@dataclass(frozen=True)
class LocationAnswer:
    """A pin (WGS-84 degrees); for a venue (a named place picked from the map) its ``address`` and its
    name ``title``; ``live_id`` for a live location: the id of the message whose updates (``PinMoved``)
    may move this pin while its question is still asked."""

    latitude: float
    longitude: float
    address: str | None = None
    title: str | None = None
    live_id: str | None = None

    @property
    def place(self) -> str | None:
        """The address as it is kept: a venue's address with its name in brackets (朝阳北路101号（朝阳大悦城）),
        the name alone when the venue has no address; None for a bare pin. Without invisible format characters
        (Unicode Cf: a right-to-left override in a map's place name would turn the rest of a card or ledger
        cell around)."""
        address, title = _visible(self.address or "").strip(), _visible(self.title or "").strip()
        if title and title not in address:
            return f"{address}（{title}）" if address else title
        return address or None


@dataclass(frozen=True)
class PinMoved:
    """A live location moved (Telegram: an edited message): live location ``live_id`` is now here."""

    live_id: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class StoredCopy:
    """The evidence copy made when a photo was received — upright, sRGB, EXIF-free, long edge at most
    1600 px, no watermark yet (burned in once the record's number and place are final) — and its
    thumbnail, both in the photo store; with the EXIF facts of the original."""

    facts: ImageFacts
    sha256: str
    key: str
    size: int
    width: int
    height: int
    thumb_sha256: str
    thumb_key: str
    thumb_size: int


@dataclass(frozen=True)
class StoredImage:
    """An image already kept in the photo store (original bytes, by content hash), with its unmarked
    evidence copy when one was made on receipt (staff photos; a tip-off photo has none)."""

    sha256: str
    storage_key: str
    size: int
    mime: str
    width: int
    height: int
    copy: StoredCopy | None = None


@dataclass(frozen=True)
class PhotoAnswer:
    """A photo for the open form. ``image`` ``None``: the photo is only offered, not fetched yet — the
    service says whether the question asked now takes it (``Prompt('photo_wanted')``) and records
    nothing; any other prompt is the answer to give instead, and the file is never downloaded."""

    image: StoredImage | None
    media: MediaRef | None  # the channel's reference to the picture, kept with it (``None``: not kept)
    media_group_id: str | None = None


@dataclass(frozen=True)
class StoredDocument:
    """A document already kept in the project's file store (content-addressed, ``storage.photo_store``): ``key``,
    ``sha256`` of its bytes, ``size`` in bytes (≤ 20 MB), ``mime`` as its bytes were recognised
    (``storage.upload_kinds``) and ``name`` the safe file name to send it back under."""

    key: str
    sha256: str
    size: int
    mime: str
    name: str

    def as_answer(self) -> list[Any]:
        """The form's answer ``<key>_document``: ``[key, name, sha256, size, mime]`` (the name second, as in
        drafts from before the store, whose ``[file_id, name]`` is read as a legacy reference)."""
        return [self.key, self.name, self.sha256, self.size, self.mime]


@dataclass(frozen=True)
class DocumentAnswer:
    """A file that is no image (PDF, Word…): answers a photos field that takes ``documents`` (验收 evidence).
    ``file`` ``None``: the file is only offered under ``name``, not fetched yet — the service says whether the
    question asked now takes it (``Prompt('document_wanted')``) and records nothing; otherwise it is the file
    as kept in the store. No channel's reference to the file is carried: the adapter fetched it."""

    name: str
    file: StoredDocument | None = None
    media_group_id: str | None = None


@dataclass(frozen=True)
class UnsupportedAnswer:
    """Something that cannot answer any field here (a sticker, a voice note, a video…)."""

    content_type: str


FormAction = (
    TextAnswer | PickAnswer | NavAnswer | EditAnswer | LocationAnswer | PinMoved | PhotoAnswer | DocumentAnswer
    | UnsupportedAnswer | RemovePhoto
)
