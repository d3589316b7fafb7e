"""The evidence record of a photo: what its original's EXIF said, and the copies made for others.

One ``PhotoEvidence`` row per ``Photo``. The copies (watermarked evidence copy and thumbnail) are
content-addressed in the photo store like originals; EXIF, GPS included, is read here first and
stripped from every copy. Source: 方案 五(一); design.md "Records" (photos per stage + location).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class PhotoEvidence(SQLModel, table=True):
    """EXIF facts of the original photo (``format``: jpeg/png/webp/heif; ``width``/``height`` upright
    pixels; ``captured_at`` aware UTC; ``latitude``/``longitude`` WGS-84 decimal degrees) and the
    evidence copy and thumbnail (sha256, store key, bytes, pixels), with the watermark lines burned in."""

    __tablename__ = "photo_evidence"
    id: int | None = Field(default=None, primary_key=True)
    photo_id: int = Field(foreign_key="photo.id", unique=True, index=True)
    format: str = Field(max_length=8)
    width: int
    height: int
    orientation: int = 1
    captured_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    latitude: float | None = None
    longitude: float | None = None
    copy_sha256: str = Field(max_length=64, index=True)
    copy_key: str = Field(max_length=128)
    copy_size: int
    copy_width: int
    copy_height: int
    thumb_sha256: str = Field(max_length=64)
    thumb_key: str = Field(max_length=128)
    thumb_size: int
    watermark: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    made_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def facts_dict(self) -> dict[str, Any]:
        """The EXIF facts as plain values (for exports and the event log)."""
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }
