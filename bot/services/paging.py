"""One page of a long list (issue 16: lists that hold a district). Framework-free: every list the bot shows
(/review, /office, /rectify, /tipoffs, /verify, /find, /rank) pages through this, so "page 3 of 12" and the
clamping of a stale page number behave the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 10
"""Items per page: ten numbered buttons fit a phone screen and stay far under Telegram's 100-button limit."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` of page ``number`` (0-based) of a list of ``total`` items cut in pages of ``size``.

    ``first_index`` is the 1-based position of ``items[0]`` in the whole list, for numbering lines."""

    items: Sequence[T]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        """How many pages the list has (at least 1, so an empty list is "page 1 of 1")."""
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        """True unless this is the first page."""
        return self.number > 0

    @property
    def has_next(self) -> bool:
        """True unless this is the last page."""
        return self.number + 1 < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first item in the whole list."""
        return self.number * self.size + 1


def clamp_page(number: int, total: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """``(page number, row offset)`` for a requested page, clamped to the list as it is now: a button pressed
    on an old message may ask for a page past the end after items left the list, or a forged negative one."""
    last = max(0, -(-total // size) - 1)
    number = min(max(0, number), last)
    return number, number * size
