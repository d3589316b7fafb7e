"""What a file really is, read before decoding: format sniffing, pixel cap, size limit, EXIF facts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import storage.images as images
from bot.services.evidence import check_declared_size
from storage.images import (
    CAMERA_ZONE,
    FileTooBig,
    ImageFormatUnsupported,
    ImageTooLargePixels,
    ImageTruncated,
    NotAnImage,
    inspect_image,
    open_upright,
)
from tests.image_factory import encode, exif_with, jpeg_claiming, png_bomb, png_header_only, scene


def _read(photos_dir: Path, name: str) -> bytes:
    return (photos_dir / name).read_bytes()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_read_and_reported_as_upright_size(photos_dir: Path, orientation: int) -> None:
    facts = inspect_image(_read(photos_dir, f"landscape_{orientation}.jpg"))
    assert facts.orientation == orientation
    assert (facts.width, facts.height) == (600, 450)


def test_a_sideways_phone_portrait_is_reported_portrait(photos_dir: Path) -> None:
    facts = inspect_image(_read(photos_dir, "portrait_6.jpg"))
    assert (facts.stored_width, facts.stored_height) == (600, 450)
    assert (facts.width, facts.height) == (450, 600)


def test_camera_gps_becomes_decimal_degrees(photos_dir: Path) -> None:
    facts = inspect_image(_read(photos_dir, "DSCN0010.jpg"))
    # the EXIF says 43° 28' 2.814" N, 11° 53' 6.457" E
    assert facts.latitude == pytest.approx(43 + 28 / 60 + 2.814 / 3600, abs=1e-5)
    assert facts.longitude == pytest.approx(11 + 53 / 60 + 6.457 / 3600, abs=1e-5)
    assert facts.captured_at == datetime(2008, 10, 22, 16, 28, 39, tzinfo=CAMERA_ZONE)


def test_an_eight_megapixel_phone_photo_is_within_the_cap(photos_dir: Path) -> None:
    facts = inspect_image(_read(photos_dir, "jolla.jpg"))
    assert facts.pixels == 3264 * 2448  # "8 MP"
    assert facts.format == "jpeg" and facts.mime == "image/jpeg"
    assert facts.captured_at is not None and facts.latitude is None


def test_a_png_named_jpg_is_detected_as_png(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(encode(scene(), "PNG"))
    facts = inspect_image(path.read_bytes())
    assert (facts.format, facts.mime, facts.width, facts.height) == ("png", "image/png", 400, 300)


def test_an_iphone_heic_named_jpg_is_detected_with_its_exif(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0002.jpg"
    exif = exif_with(taken="2026:11:28 09:15:00", gps=(39.921, 116.443))
    path.write_bytes(encode(scene(), "HEIF", exif=exif.tobytes(), quality=70))
    facts = inspect_image(path.read_bytes())
    assert facts.format == "heif"
    assert (facts.width, facts.height) == (400, 300)
    assert facts.captured_at == datetime(2026, 11, 28, 9, 15, tzinfo=CAMERA_ZONE)
    assert facts.latitude == pytest.approx(39.921, abs=1e-5)
    assert facts.longitude == pytest.approx(116.443, abs=1e-5)


@pytest.mark.parametrize(
    ("mode", "kw"),
    [("RGB", {"quality": 80}), ("RGB", {"lossless": True}), ("RGBA", {"quality": 80})],
    ids=["lossy", "lossless", "alpha"],
)
def test_webp_sizes_are_read_from_every_header_kind(mode: str, kw: dict[str, object]) -> None:
    facts = inspect_image(encode(scene((321, 123)).convert(mode), "WEBP", **kw))
    assert (facts.format, facts.width, facts.height) == ("webp", 321, 123)


def test_capture_time_keeps_the_offset_the_camera_wrote() -> None:
    exif = exif_with(taken="2026:07:01 12:00:00")
    exif.get_ifd(0x8769)[0x9011] = "+02:00"
    facts = inspect_image(encode(scene(), "JPEG", exif=exif.tobytes()))
    assert facts.captured_at == datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2)))


def test_southern_and_western_coordinates_are_negative() -> None:
    facts = inspect_image(encode(scene(), "JPEG", exif=exif_with(gps=(-33.8568, -70.6483)).tobytes()))
    assert (facts.latitude, facts.longitude) == (pytest.approx(-33.8568, abs=1e-5), pytest.approx(-70.6483, abs=1e-5))


def test_zeroed_exif_time_is_no_capture_time() -> None:
    facts = inspect_image(encode(scene(), "JPEG", exif=exif_with(taken="0000:00:00 00:00:00").tobytes()))
    assert facts.captured_at is None


@pytest.mark.parametrize("bomb", [png_bomb(20000)], ids=["real-png-bomb"])
def test_a_decompression_bomb_is_refused_from_its_header_before_pillow_opens_it(
    bomb: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*_a: object, **_k: object) -> None:
        raise AssertionError("Pillow was asked to open a bomb")

    monkeypatch.setattr(images.Image, "open", no_decoding)
    assert len(bomb) < 100_000
    with pytest.raises(ImageTooLargePixels) as caught:
        inspect_image(bomb)
    assert caught.value.code == "image_too_large_pixels"
    assert (caught.value.params["width"], caught.value.params["height"]) == (20000, 20000)


def test_a_huge_header_with_next_to_no_data_is_a_damaged_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images.Image, "open", lambda *_a, **_k: pytest.fail("Pillow opened it"))
    for corrupt in (png_header_only(20000, 20000), jpeg_claiming(20000, 20000)):
        with pytest.raises(ImageTruncated):
            inspect_image(corrupt)


def test_a_truncated_jpeg_passes_the_header_but_fails_decoding(photos_dir: Path) -> None:
    data = _read(photos_dir, "landscape_1.jpg")
    cut = data[: len(data) // 2]
    facts = inspect_image(cut)
    with pytest.raises(ImageTruncated):
        open_upright(cut, facts)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff\xe0\x00\x10JFIF", b"\x89PNG\r\n\x1a\n\x00\x00", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"\xff\xd8\xff" + b"\x00" * 64],
    ids=["jpeg-head", "png-head", "webp-head", "jpeg-garbage"],
)
def test_a_file_cut_inside_its_header_is_truncated(data: bytes) -> None:
    with pytest.raises(ImageTruncated) as caught:
        inspect_image(data)
    assert caught.value.code == "image_truncated"


def test_a_corrupt_heic_is_truncated() -> None:
    data = encode(scene(), "HEIF", quality=70)
    with pytest.raises(ImageTruncated):
        inspect_image(data[:200])


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%\xe2\xe3", b"hello, this is text", b"", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", b"PK\x03\x04"],
    ids=["pdf", "text", "empty", "mp4-video", "zip"],
)
def test_non_images_are_named_as_such(data: bytes) -> None:
    with pytest.raises(NotAnImage) as caught:
        inspect_image(data)
    assert caught.value.code == "not_an_image"


def test_an_image_format_we_do_not_take_is_named() -> None:
    with pytest.raises(ImageFormatUnsupported) as caught:
        inspect_image(encode(scene(), "TIFF"))
    assert caught.value.params == {"format": "tiff"}


def test_a_gif_is_taken_by_its_first_frame() -> None:
    facts = inspect_image(encode(scene((321, 123)), "GIF"))
    assert (facts.format, facts.width, facts.height) == ("gif", 321, 123)


def test_a_25_mb_file_is_refused_by_its_declared_size_before_download() -> None:
    with pytest.raises(FileTooBig) as caught:
        check_declared_size(25 * 1024 * 1024)
    assert caught.value.code == "file_too_big"
    assert caught.value.params == {"size_mb": 25.0, "max_mb": 20}
    check_declared_size(20 * 1024 * 1024)
    check_declared_size(None)


def test_downloaded_bytes_over_20_mb_are_refused_too() -> None:
    with pytest.raises(FileTooBig):
        inspect_image(b"\xff\xd8\xff" + bytes(20 * 1024 * 1024))
