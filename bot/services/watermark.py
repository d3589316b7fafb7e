"""The watermark burned into evidence copies: its text, built from the record (``WatermarkInfo``), and
the band it is drawn in — white Chinese text on a semi-opaque dark band along the bottom, legible on
dark and light photos, in the font the project brings (WenQuanYi Micro Hei, ``bot.fonts``).

Source: 方案 五(一) (records and photos entered promptly); design.md "Records" (photos per stage + location).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from bot.clock import default_zone
from bot.domain import PhotoStage
from bot.fonts import cjk_font_path
from bot.services.tipoff_rules import haversine_m
from storage.images import ImageFacts

STAGE_LABELS: dict[str, str] = {
    PhotoStage.DISCOVERY: "隐患发现",
    PhotoStage.INSPECTION: "监督检查",
    PhotoStage.RECTIFICATION: "整改",
    PhotoStage.ACCEPTANCE: "验收",
    PhotoStage.REINSPECTION: "复查",
    PhotoStage.VERIFICATION: "核查",
    PhotoStage.TIPOFF: "群众举报",
}

_BAND_OPACITY = 0.6  # the dark band: white text stays readable on snow and on night shots
_FIELD_MAX_CHARS = 60
#: The middle of Chaoyang District (WGS-84); a photo's own GPS farther than ``GPS_RADIUS_KM`` from the
#: district is a phone's stale fix or a photo from elsewhere, and is not burned into the evidence.
DISTRICT_CENTRE = (39.9219, 116.4436)
GPS_RADIUS_KM = 100.0


@dataclass(frozen=True)
class WatermarkInfo:
    """What the watermark says, taken from the record the photo belongs to.

    ``received_at`` (aware) is when the bot got the photo; ``captured_at`` the EXIF capture time
    (filled by ``with_facts``). ``address`` and ``latitude``/``longitude`` (decimal degrees) are the
    place; ``photo_gps`` says the coordinates came from the photo's EXIF, not from the record. The
    number is the one the user sees: ``ledger_number`` (台账编号, once registered) wins over the
    hazard's ``draft_number`` (草稿编号, D…); an inspection has its ``inspection_number`` (J…).
    ``gps_reference``/``gps_radius_km``: where a photo's own GPS must lie to be believed.
    """

    received_at: datetime
    stage: str
    unit_name: str | None = None
    inspector_name: str | None = None
    ledger_number: str | None = None
    draft_number: str | int | None = None
    inspection_number: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    captured_at: datetime | None = None
    photo_gps: bool = False
    gps_reference: tuple[float, float] = DISTRICT_CENTRE
    gps_radius_km: float = GPS_RADIUS_KM
    tz: ZoneInfo | None = None  # the zone times are printed in (the deployment's; None: ``bot.clock.DEFAULT_ZONE``)

    def with_facts(self, facts: ImageFacts) -> WatermarkInfo:
        """Fill the capture time and coordinates from the original's EXIF where the record has none.

        A capture time before 2000 or more than a day after receipt is a camera with an unset clock
        and is ignored (the receipt time is shown instead). The photo's GPS is taken only within
        ``gps_radius_km`` of ``gps_reference`` (the district), and is then labelled as the photo's.
        """
        info = self
        if info.captured_at is None and facts.captured_at is not None:
            plausible = facts.captured_at.year >= 2000 and facts.captured_at <= info.received_at + timedelta(days=1)
            if plausible:
                info = replace(info, captured_at=facts.captured_at)
        if info.latitude is None and facts.latitude is not None and facts.longitude is not None:
            distance_km = haversine_m(*info.gps_reference, facts.latitude, facts.longitude) / 1000
            if distance_km <= info.gps_radius_km:
                info = replace(info, latitude=facts.latitude, longitude=facts.longitude, photo_gps=True)
        return info


def _clean(value: object) -> str:
    """User-typed text made safe to draw: no control or format characters, one line, bounded."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(value))
    text = " ".join(text.split())
    return text if len(text) <= _FIELD_MAX_CHARS else text[: _FIELD_MAX_CHARS - 1] + "…"


def _coordinates(lat: float, lon: float) -> str:
    ns = "北纬" if lat >= 0 else "南纬"
    ew = "东经" if lon >= 0 else "西经"
    return f"{ns}{abs(lat):.6f}° {ew}{abs(lon):.6f}°"


def watermark_lines(info: WatermarkInfo, tz: ZoneInfo | None = None) -> list[str]:
    """The watermark text, one string per line, in Chinese. Times in ``tz``, else ``info.tz`` (the configured
    zone ``EvidenceService`` sets), else ``bot.clock.DEFAULT_ZONE``.

    Lines: time (拍摄 = EXIF capture time, 接收 = receipt time), place (address and/or coordinates —
    照片GPS when they are the photo's own — or 未提供), unit and inspector (when known), the record's
    number and the stage.
    """
    if info.captured_at is not None:
        when, source = info.captured_at, "拍摄"
    else:
        when, source = info.received_at, "接收"
    zone = tz or info.tz or default_zone()
    lines = [f"时间：{when.astimezone(zone):%Y-%m-%d %H:%M:%S}（{source}）"]
    place = [_clean(info.address)] if info.address and _clean(info.address) else []
    if info.latitude is not None and info.longitude is not None:
        coordinates = _coordinates(info.latitude, info.longitude)
        place.append(f"照片GPS：{coordinates}" if info.photo_gps else coordinates)
    lines.append("地点：" + ("　".join(place) if place else "未提供"))
    who = []
    if info.unit_name:
        who.append(f"单位：{_clean(info.unit_name)}")
    if info.inspector_name:
        who.append(f"检查人：{_clean(info.inspector_name)}")
    if who:
        lines.append("　".join(who))
    last = []
    if info.ledger_number:
        last.append(f"台账编号：{_clean(info.ledger_number)}")
    elif info.draft_number is not None:
        last.append(f"草稿编号：{_clean(info.draft_number)}")
    elif info.inspection_number:
        last.append(f"检查编号：{_clean(info.inspection_number)}")
    last.append(f"阶段：{STAGE_LABELS.get(info.stage, _clean(info.stage))}")
    lines.append("　".join(last))
    return lines


# FreeType faces are not safe to use from two threads at once; drawing is short, so one lock.
FONT_LOCK = threading.Lock()


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The bundled CJK font at ``size`` pixels (cached per size)."""
    return ImageFont.truetype(str(cjk_font_path()), size, index=0)


def _ellipsize(text: str, face: ImageFont.FreeTypeFont, width: float) -> str:
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def burn_watermark(im: Image.Image, lines: Sequence[str]) -> Image.Image:
    """``im`` (RGB) with ``lines`` in white on a semi-opaque dark band along the bottom.

    The font scales with the picture and shrinks until the longest line fits; what still does not
    fit is cut with "…". On pictures too small to spare the band it is added below the picture.
    """
    w, h = im.size
    with FONT_LOCK:
        size = max(14, round(min(w, h * 1.4) / 50))
        pad = max(4, size // 2)
        longest = max(font(size).getlength(line) for line in lines)
        if longest > w - 2 * pad:
            size = max(12, int(size * (w - 2 * pad) / longest))
            pad = max(4, size // 2)
        face = font(size)
        line_h = round(size * 1.35)
        band_h = 2 * pad + line_h * len(lines)
        if band_h > h * 0.35:
            canvas = Image.new("RGB", (w, h + band_h), (0, 0, 0))
            canvas.paste(im, (0, 0))
            im, top = canvas, h
        else:
            im, top = im.copy(), h - band_h
        box = (0, top, w, top + band_h)
        band = Image.blend(im.crop(box), Image.new("RGB", (w, band_h), (0, 0, 0)), _BAND_OPACITY)
        draw = ImageDraw.Draw(band)
        for i, line in enumerate(lines):
            text = _ellipsize(line, face, w - 2 * pad)
            draw.text((pad, pad + i * line_h), text, font=face, fill=(255, 255, 255),
                      stroke_width=max(1, size // 16), stroke_fill=(0, 0, 0))
        im.paste(band, box)
    return im
