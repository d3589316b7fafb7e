"""What the user should see after a form action: the next question, the review card, or the
outcome. A view model only; the channel renders it (``handlers/form_view.py`` for Telegram)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from bot.forms.spec import FieldSpec


@dataclass(frozen=True)
class Option:
    """A button: ``label`` in the user's language; ``selected`` for multi-choice toggles."""

    label: str
    selected: bool = False


@dataclass(frozen=True)
class ReviewLine:
    """A line of a form's review: the field's position, its label, the answer as shown and whether it can be
    changed."""

    field_index: int
    label: str
    value: str
    editable: bool = True


@dataclass(frozen=True)
class Submitted:
    """A record created from a form: ``kind`` ``hazard``, ``inspection``, ``plan``, ``tipoff``… or
    ``lifecycle`` (a life-cycle step done by a form: ``detail`` is its ``Outcome``), its number and id."""

    kind: str
    record_id: int
    number: str
    state: str | None = None
    photo_count: int = 0
    linked: tuple[str, ...] = ()
    rows: int = 0
    detail: object | None = None
    photos_removed: int = 0  # photos a correction took off the record


@dataclass(frozen=True)
class Prompt:
    """``kind``: ``question`` | ``review`` | ``submitted`` | ``cancelled`` | ``none`` | ``quiet`` |
    ``late_after_close`` | ``photo_wanted`` | ``document_wanted``.

    ``quiet`` means: nothing to say now (later parts of a photo album); ``photo_wanted``: a photo
    offered (``PhotoAnswer`` without an image) would be taken — fetch it and send it again;
    ``document_wanted``: the same for a document (``DocumentAnswer`` without a file).
    ``error`` is a rejection code (``bot.forms.checks.Rejected``) with ``error_params``;
    ``notice`` a short status code (``resumed``, ``photo_added``, ``pin_saved``…).
    """

    kind: str
    form_key: str = ""
    form_title: str = ""
    draft_id: int = 0
    field: FieldSpec | None = None
    step_index: int = 0
    position: tuple[int, int] = (0, 0)
    current_value: str | None = None
    options: tuple[Option, ...] = ()
    option_kind: str = ""
    can_back: bool = False
    back_to_review: bool = False  # "back" returns to the review card (a question asked from it)
    can_skip: bool = False
    can_done: bool = False
    can_none: bool = False
    error: str | None = None
    error_params: dict[str, Any] = dc_field(default_factory=dict)
    notice: str | None = None
    notice_params: dict[str, Any] = dc_field(default_factory=dict)
    review: tuple[ReviewLine, ...] = ()
    missing: tuple[str, ...] = ()
    linked_inspection: str | None = None
    photo_count: int = 0  # the review card's photos; a photos question's own (for "Manage photos")
    linked_tipoff: str | None = None  # the tip-off (群众举报) a hazard form verifies, or its reporter adds to
    submitted: Submitted | None = None
    public: bool = False  # a member of the public (no unit): "none" points to /report, not /inspect
    subject: str | None = None  # the record a life-cycle form is about (ledger number · site), named on every prompt
    rejection: str | None = None  # why the rejected record this form corrects was rejected (as typed, unescaped)
    asked: str | None = None  # ``other_open``: the title of the form asked for
    asked_subject: str | None = None  # ``other_open``: what the form asked for is about, when known
