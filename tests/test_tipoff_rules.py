"""Rules of tip-offs that need no database: distances, township guessing, status mirroring, numbers,
and the EXIF-free re-encoding of photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.services.errors import DomainError
from bot.services.tipoff_photos import strip_metadata
from bot.services.tipoff_rules import (
    TipOffStatus,
    degree_box,
    format_tipoff_number,
    guess_township,
    haversine_m,
    normalise_address,
    status_for_hazard,
)
from tests.tipoff_helpers import PHOTOS, gps_of, has_exif


def test_haversine_measures_metres_on_the_ground() -> None:
    # one thousandth of a degree of latitude is about 111 m anywhere
    assert haversine_m(39.9, 116.4, 39.901, 116.4) == pytest.approx(111.2, abs=0.5)
    # along the parallel of Tiananmen to the longitude of the CBD: about 5.4 km
    assert haversine_m(39.9087, 116.3975, 39.9087, 116.4605) == pytest.approx(5380, rel=0.02)
    assert haversine_m(39.9, 116.4, 39.9, 116.4) == 0


def test_the_degree_box_holds_every_point_of_the_radius() -> None:
    dlat, dlon = degree_box(39.93, 100)
    assert haversine_m(39.93, 116.45, 39.93 + dlat, 116.45) > 100
    assert haversine_m(39.93, 116.45, 39.93, 116.45 + dlon) > 100


def test_the_township_is_guessed_from_its_name_in_an_address() -> None:
    assert guess_township("朝阳区三里屯街道幸福村中路12号").name == "三里屯街道"  # type: ignore[union-attr]
    assert guess_township("望京西园三区") is not None
    assert guess_township("北京市朝阳区某某路") is None
    assert guess_township(None) is None


def test_addresses_compare_without_spaces_and_width() -> None:
    assert normalise_address("幸福村中路 12 号") == normalise_address("幸福村中路１２号")
    assert normalise_address("") == ""


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("pending_review", TipOffStatus.REGISTERED),
        ("registered", TipOffStatus.RECTIFYING),
        ("rectified", TipOffStatus.RECTIFYING),
        ("closed", TipOffStatus.FIXED),
        ("rejected", TipOffStatus.VERIFYING),
        ("no_such_state", None),
    ],
)
def test_hazard_states_read_as_tipoff_statuses(state: str, status: TipOffStatus | None) -> None:
    assert status_for_hazard(state) == status


def test_tracking_numbers_are_JB_date_and_four_digits() -> None:  # noqa: N802
    assert format_tipoff_number("20181015", 7) == "JB201810150007"


def test_stripped_photos_keep_no_metadata_and_stand_upright() -> None:
    original = (PHOTOS / "portrait_6.jpg").read_bytes()
    with Image.open(io.BytesIO(original)) as img:
        stored_size = img.size
    clean = strip_metadata(original)
    assert not has_exif(clean)
    with Image.open(io.BytesIO(clean)) as img:
        assert img.size == (stored_size[1], stored_size[0])  # orientation 6 applied before dropping it
    assert gps_of((PHOTOS / "DSCN0010.jpg").read_bytes()) and not gps_of(strip_metadata((PHOTOS / "DSCN0010.jpg").read_bytes()))


def test_what_is_not_an_image_is_refused() -> None:
    with pytest.raises(DomainError):
        strip_metadata(b"%PDF-1.4 not a photo")


def test_the_description_hint_gives_an_example_the_form_accepts() -> None:
    import re
    import tomllib
    from pathlib import Path

    form = tomllib.loads((Path(__file__).resolve().parents[1] / "config/forms/tipoff.toml").read_text("utf-8"))
    field = next(f for f in form["fields"] if f.get("min_length_setting") == "tipoff_min_description")
    [example] = re.findall(r"“(.+?)”", field["hint_zh"])  # sent as it stands, it must not be refused as too short
    assert len(example) >= field["min_length"]
