"""What the tip-off use cases return: views for the reporter, the verifier and the district office.
Only ``Reporter`` carries identity, and only the office's card holds one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.channels import ChannelAddress


@dataclass(frozen=True)
class TrackView:
    """What a reporter sees of their own tip-off: the (effective) status in plain words. ``reopened_by_other``:
    it is verified again because the reporter of another tip-off of the same case said 仍未整改."""

    number: str
    status: str
    merged: bool
    reason: str | None
    township: str
    reported_on: date
    can_add: bool
    can_say_not_fixed: bool
    reopened_by_other: bool = False


@dataclass(frozen=True)
class Candidate:
    """A possible duplicate: an open tip-off (``kind`` ``t``) or hazard (``h``) nearby or at the same address."""

    kind: str
    id: int
    number: str
    state: str
    distance_m: float | None
    same_address: bool
    summary: str


@dataclass(frozen=True)
class Reporter:
    """The reporter's identity (where they are reached, name, contact): only ever built for the district office."""

    address: ChannelAddress
    name: str
    contact: str | None


@dataclass(frozen=True)
class TipOffCard:
    """A tip-off as its verifier sees it. ``reporter`` is None unless the viewer is the district office.
    ``not_fixed``: while it is back in the queue because a reporter of its case said 仍未整改, the number of the
    tip-off whose reporter said it last and when (UTC)."""

    id: int
    number: str
    status: str
    township: str
    address: str
    latitude: float | None
    longitude: float | None
    description: str
    reported_at: datetime
    photo_keys: tuple[str, ...]
    additions: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    hazard_number: str | None
    can_verify: bool
    reporter: Reporter | None = None
    not_fixed: tuple[str, datetime] | None = None
    #: held by the district office (its reporter did not know the township): no township verifies it yet
    unassigned: bool = False


@dataclass(frozen=True)
class QueueItem:
    """A tip-off in a verifier's queue: id, number, status in words, township and a short summary of the
    description."""

    id: int
    number: str
    status: str
    township: str
    summary: str


@dataclass
class Outcome:
    """The result of a verifier's action: the tip-off's number and new status (its notices are queued);
    ``township``: the township now handling it (named after a forward)."""

    number: str
    status: str
    township: str = ""
