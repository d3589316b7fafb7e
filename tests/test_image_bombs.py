"""Image bombs are refused from the structure of every frame, before any pixel is decoded: the real size
of every GIF frame, APNG frame, WebP frame and HEVC-coded image, whatever the first header declares;
the number of frames; a header that claims more than the file holds is called damaged, not too large."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import col, select

import storage.image_decode as image_decode
import storage.images as images
from bot.services.evidence import build_unmarked
from bot.services.tipoff_photos import strip_metadata
from storage.images import (
    MAX_FRAMES,
    MAX_PIXELS,
    ImageFormatUnsupported,
    ImageTooLargePixels,
    ImageTooManyFrames,
    ImageTruncated,
    inspect_image,
    open_upright,
)
from storage.models_evidence import PhotoEvidence
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos
from tests.hostile_images import (
    apng_frame_flood,
    apng_frame_outside_canvas,
    decodes,
    gif_frame_bomb,
    gif_many_frames,
    heic_grid,
    heic_ispe_claiming,
    heic_photo,
    heic_sps_bomb,
    png_flat,
    tiff_pages_bomb,
    webp_canvas,
)
from tests.image_factory import exif_with, jpeg_claiming, png_bomb, png_chunk, png_header_only
from tests.memory_probe import peak_growth
from tests.tipoff_helpers import DESCRIPTION

BOMBS: dict[str, Callable[[], bytes]] = {
    "gif-frame-12000-on-a-100-screen": lambda: gif_frame_bomb((12000, 12000)),
    "gif-frame-30000": lambda: gif_frame_bomb((30000, 30000)),
    "gif-tiny-frame-far-off-screen": lambda: gif_frame_bomb((10, 10), offset=(60000, 60000)),
    "png-real-20000": lambda: png_bomb(20000),
    "webp-animation-canvas-16000": lambda: webp_canvas(16000, 16000),
    "heic-sps-30000-ispe-64": lambda: heic_sps_bomb(30000, 30000),
    "heic-ispe-30000": lambda: heic_ispe_claiming(30000, 30000),
}


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("Pillow was asked to open a bomb")

    monkeypatch.setattr(images.Image, "open", refuse)


def test_the_generators_make_real_files_at_small_sizes() -> None:
    # the same builders, at sizes safe to decode, give pictures Pillow and libheif read
    assert decodes(gif_frame_bomb((300, 200))) == (300, 200)  # the screen widened to the frame
    assert decodes(gif_many_frames(3)) == (2, 2)
    assert decodes(apng_frame_flood(3)) == (4, 4)
    assert decodes(heic_sps_bomb(64, 64)) == (64, 64)


@pytest.mark.parametrize("make", BOMBS.values(), ids=BOMBS.keys())
def test_a_frame_bomb_is_refused_as_too_large_before_pillow_sees_it(make: Callable[[], bytes], no_decoding: None) -> None:
    bomb = make()
    assert len(bomb) < 1_000_000
    with peak_growth() as growth, pytest.raises(ImageTooLargePixels) as caught:
        inspect_image(bomb)
    assert caught.value.params["width"] * caught.value.params["height"] > MAX_PIXELS
    assert growth.mb < 50


@pytest.mark.parametrize(
    "make",
    [lambda: png_header_only(20000, 20000), lambda: jpeg_claiming(20000, 20000), apng_frame_outside_canvas],
    ids=["png-header-without-pixels", "jpeg-claiming-20000-with-1-kb-of-data", "apng-frame-outside-its-canvas"],
)
def test_a_header_claiming_more_than_the_file_holds_is_damaged_not_too_large(
    make: Callable[[], bytes], no_decoding: None
) -> None:
    with pytest.raises(ImageTruncated):
        inspect_image(make())


@pytest.mark.parametrize("make", [lambda: gif_many_frames(MAX_FRAMES + 1), lambda: apng_frame_flood(MAX_FRAMES + 1)],
                         ids=["gif", "apng"])
def test_more_frames_than_the_bound_are_refused(make: Callable[[], bytes], no_decoding: None) -> None:
    with pytest.raises(ImageTooManyFrames) as caught:
        inspect_image(make())
    assert caught.value.params == {"max_frames": MAX_FRAMES}


def test_frames_within_the_bounds_pass() -> None:
    assert inspect_image(gif_many_frames(MAX_FRAMES)).format == "gif"
    facts = inspect_image(gif_frame_bomb((4000, 3000)))
    assert (facts.width, facts.height) == (4000, 3000)
    assert inspect_image(heic_photo()).format == "heif"


def test_a_multi_page_tiff_is_refused_by_its_format_before_any_page_is_read(no_decoding: None) -> None:
    with pytest.raises(ImageFormatUnsupported):
        inspect_image(tiff_pages_bomb())


def test_pillows_own_bomb_check_is_set_to_the_same_bound() -> None:
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


@pytest.mark.parametrize("frame", [(9000, 8000), (30000, 30000)], ids=["72-mp-warning", "900-mp-error"])
def test_anything_pillow_calls_a_bomb_is_too_large_not_an_error(frame: tuple[int, int]) -> None:
    # as if a bomb had slipped past the frame checks: Pillow's own warning (over the bound) and error
    # (over twice the bound) both become the user's "too large", never an exception
    bomb = gif_frame_bomb(frame)
    facts = inspect_image(gif_frame_bomb((100, 100)))
    with peak_growth() as growth, pytest.raises(ImageTooLargePixels):
        open_upright(bomb, facts)
    assert growth.mb < 50


@pytest.mark.parametrize("make", [lambda d: build_unmarked(d).copy.data, strip_metadata], ids=["staff", "tip-off"])
def test_a_picture_just_within_the_bound_is_decoded_outside_the_bot_process(make: Callable[[bytes], bytes]) -> None:
    # 7 700 × 7 700 RGBA = 59.3 MP: Pillow holds it in 237 MB, in the image worker; here only the shrunk copy
    data = png_flat(7700, 7700)
    with peak_growth() as growth:
        made = make(data)
    assert max(Image.open(io.BytesIO(made)).size) <= 2560
    assert growth.mb < 150, f"{growth.mb:.0f} MiB"


def progressive_jpeg(tmp: Path, side: int = 7745) -> bytes:
    """A legal progressive 4:4:4 JPEG of ``side``² pixels (60 MP at most), about 1 MB; made in a child process
    so that making it is not counted against the bot."""
    path = tmp / "progressive.jpg"
    make = ("from PIL import Image; import sys; Image.new('RGB', (int(sys.argv[2]),) * 2, (200, 30, 30))"
            ".save(sys.argv[1], 'JPEG', progressive=True, subsampling=0, quality=90)")
    subprocess.run([sys.executable, "-c", make, str(path), str(side)], check=True)
    return path.read_bytes()


async def test_a_progressive_jpeg_from_the_public_is_decoded_outside_the_bot_process(
    harness: Harness, tmp_path: Path
) -> None:
    # libjpeg holds all DCT coefficients of a progressive JPEG (6 bytes a pixel here) whatever scale it
    # decodes at: 60 MP sent as a file to /report grew the bot by ~400 MB before it went to the worker
    data = progressive_jpeg(tmp_path)
    public = harness.chat(74120, "路人")
    await public.say("/report")
    await public.say(DESCRIPTION)
    with peak_growth() as growth:
        texts = public.texts(await public.file(data, "IMG_0001.jpg", "image/jpeg"))
    assert growth.mb < 150, f"the bot process grew by {growth.mb:.0f} MiB"
    assert any("已收到照片" in t for t in texts), texts


def test_a_large_pngs_exif_after_its_pixels_is_read_without_decoding_them() -> None:
    # Pillow's PNG getexif decodes every pixel to reach an eXIf chunk that follows them
    data = png_flat(7700, 7700)
    exif = exif_with(orientation=6, gps=(39.92, 116.44)).tobytes()
    data = data[:-12] + png_chunk(b"eXIf", exif[6:]) + data[-12:]  # before IEND, after IDAT
    with peak_growth() as growth:
        facts = inspect_image(data)
    assert (facts.orientation, facts.latitude, facts.longitude, facts.width) == (6, 39.92, 116.44, 7700)
    assert growth.mb < 20, f"{growth.mb:.0f} MiB"


async def test_an_iphone_48_mp_heic_is_accepted_without_its_pixels_in_the_bot_process(harness: Harness) -> None:
    # 8000 × 6000 in 192 tiles of 512, as an iPhone in 48 MP mode sends it as a file: decoded in the bounded
    # image worker (libheif's planes and Pillow's copy, ~330 MB together, never in the bot process)
    chat = await harness.bind(74101, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    data = heic_grid(8000, 6000)
    with peak_growth() as growth:
        texts = chat.texts(await chat.file(data, "IMG_4800.HEIC", "image/heic"))
    assert growth.mb < 150, f"the bot process grew by {growth.mb:.0f} MiB"
    assert len(texts) == 1 and "已收到照片（共 1 张）" in texts[0], texts
    async with harness.core.uow() as u:
        row = (await u.session.exec(select(PhotoEvidence).order_by(col(PhotoEvidence.id).desc()))).first()
    assert row is not None and (row.format, row.width, row.height) == ("heif", 8000, 6000)
    assert (row.copy_width, row.copy_height) == (1600, 1200)


@pytest.mark.parametrize(("bound", "make"), [
    ({"WORKER_MEMORY_MB": 200}, lambda: png_flat(7700, 7700)),
    ({"WORKER_TIMEOUT_SECONDS": 0.05}, lambda: heic_grid(8000, 6000)),
], ids=["memory", "timeout"])
async def test_a_decode_beyond_the_workers_memory_or_time_is_too_large_in_words(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, bound: dict[str, float], make: Callable[[], bytes]
) -> None:
    # the worker dies of its address-space bound (Pillow's 237 MB buffer) or is stopped at its time: the
    # user is told the picture is too large, not "系统出现问题"; nothing is kept; the next photo gets through
    for name, value in bound.items():
        monkeypatch.setattr(image_decode, name, value)
    chat = await harness.bind(74102, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    texts = chat.texts(await chat.file(make(), "IMG_4801.png", "image/png"))
    assert len(texts) == 1 and "图片过大" in texts[0] and "隐患照片" in texts[0], texts
    monkeypatch.undo()
    texts = chat.texts(await chat.file(heic_photo(), "IMG_4802.heic", "image/heic"))
    assert len(texts) == 1 and "已收到照片（共 1 张）" in texts[0], texts
