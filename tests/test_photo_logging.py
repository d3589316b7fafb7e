"""With ``-v`` (DEBUG), nothing a photo's EXIF says reaches the log: Pillow and the other libraries stay
at WARNING whatever the level, and the filter drops their lower records should one be set lower."""

from __future__ import annotations

import logging

from bot.logging_setup import RedactingFilter
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos
from tests.image_factory import encode, exif_with, scene
from tests.log_capture import debug_log

CAMERA = "HazardCam-7Q"


def _photo_with_exif() -> bytes:
    exif = exif_with(taken="2018:10:15 09:12:34", gps=(39.123456, 116.654321))
    exif[0x010F] = CAMERA  # Make
    return encode(scene(), "JPEG", exif=exif.tobytes())


async def test_a_photo_with_gps_sent_at_debug_level_leaves_no_exif_in_the_log(harness: Harness) -> None:
    with debug_log() as stream:
        inspector = await harness.bind(76001, "inspector", "110105001", name="王检查")
        await fill_hazard_until_photos(inspector)
        photo = _photo_with_exif()
        await inspector.file(photo, "IMG_0001.jpg", "image/jpeg")
        public = harness.chat(76002, "群众")
        await public.say("/report")
        await public.say("幸福村中路12号地下室住了很多人，楼道里还在给电动车充电")
        await public.file(photo, "IMG_0002.jpg", "image/jpeg")
    logged = stream.getvalue()
    assert "logger=hazardbot" in logged or "logger=aiogram" in logged  # debug lines were written
    for exif_content in ("GPS", "34853", "24.4416", "15.5556", "39.123456", CAMERA, "2018:10:15 09:12:34",
                         "PIL."):
        assert exif_content not in logged, exif_content


def test_a_library_set_to_debug_by_hand_is_still_filtered() -> None:
    record = logging.LogRecord("PIL.TiffImagePlugin", logging.DEBUG, __file__, 1,
                               "Tag 34853, Type: 4, Value: %s", ({2: (39.0, 7.0, 24.4)},), None)
    assert RedactingFilter().filter(record) is False
    warning = logging.LogRecord("PIL.Image", logging.WARNING, __file__, 1, "broken file", (), None)
    assert RedactingFilter().filter(warning) is True
    ours = logging.LogRecord("hazardbot.media", logging.DEBUG, __file__, 1, "retry", (), None)
    assert RedactingFilter().filter(ours) is True
    unknown = logging.LogRecord("botocore", logging.DEBUG, __file__, 1, "x", (), None)  # not "bot"
    assert RedactingFilter().filter(unknown) is False
