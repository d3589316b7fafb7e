"""Page arithmetic shared by every long list (issue 16)."""

from __future__ import annotations

from bot.services.paging import Page, clamp_page


def test_pages_count_and_edges() -> None:
    assert Page(items=[], total=0, number=0).pages == 1
    page = Page(items=list(range(10)), total=25, number=1)
    assert (page.pages, page.has_prev, page.has_next, page.first_index) == (3, True, True, 11)
    assert not Page(items=[1], total=21, number=2).has_next


def test_a_stale_or_forged_page_number_is_clamped_to_the_list_as_it_is_now() -> None:
    assert clamp_page(5, 25) == (2, 20)
    assert clamp_page(-3, 25) == (0, 0)
    assert clamp_page(4, 0) == (0, 0)
    assert clamp_page(1, 20) == (1, 10)
    assert clamp_page(2, 20) == (1, 10)
