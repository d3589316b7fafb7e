"""Typed settings, validated once at start-up.

Precedence (highest first): keyword arguments, environment variables ``HAZARDBOT_*``,
the TOML file named by ``HAZARDBOT_CONFIG``, the packaged ``config/settings.toml``.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from typing_extensions import override

from bot.clock import DEFAULT_ZONE

if TYPE_CHECKING:
    from bot.services.sheet_parser import SheetParser


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hazardbot"


def packaged_config_path() -> Path:
    """Path of the packaged defaults file ``config/settings.toml``."""
    return Path(str(resources.files("config") / "settings.toml"))


class Settings(BaseSettings):
    """All runtime configuration of hazardbot.

    ``database_url`` defaults to a SQLite file ``hazardbot.db`` under ``data_dir``;
    ``photo_dir`` defaults to ``data_dir / "photos"``. Times are in ``timezone``
    (Asia/Shanghai). ``admin_ids`` are Telegram user ids with the admin role everywhere.
    """

    model_config = SettingsConfigDict(env_prefix="HAZARDBOT_", extra="ignore")

    token: SecretStr | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    api_url: str = "https://api.telegram.org"
    proxy: str | None = None
    timezone: str = DEFAULT_ZONE
    photo_dir: Path | None = None
    admin_ids: list[int] = Field(default_factory=list)
    invite_ttl_days: int = 7
    district_code: str = "110105"
    district_name: str = "朝阳区"
    redis_url: str | None = None
    # scale-out (issue 8): webhook secret header, per-chat flood limits (updates/s, burst)
    webhook_secret: SecretStr | None = None
    throttle_rate: float = 1.0
    throttle_burst: int = 20
    # who sent an update is re-read from the database at most this often per user (0: on every update);
    # role changes reach every instance at once through Redis, without it within this (bot/services/actor_cache.py)
    actor_cache_seconds: float = Field(default=10.0, ge=0)
    log_format: Literal["kv", "json"] = "kv"  # key=value lines or JSON objects
    # database connections of this process (storage.db.create_engine): pool_size kept open, max_overflow more
    # opened under load, pool_timeout seconds to wait for one; and at most max_concurrent_updates updates handled
    # at once (bot.concurrency; 0: no bound), fewer than the connections, so that a burst of chats waits its turn
    # in order instead of failing on an exhausted pool (benchmarks/RESULTS-hardening.md: 200 chats, 0 failures).
    # pool_size covers the updates in flight and a few more (bot.core.POOL_SPARE; a warning at start if not): a
    # connection above pool_size is closed when it comes back, so with 10 for 16 updates a busy bot opened a new
    # PostgreSQL connection every 30 form steps, about 15 % of their CPU (benchmarks/RESULTS-perf.md, session 13)
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=30.0, gt=0)
    max_concurrent_updates: int = Field(default=16, ge=0)
    # tip-offs from the public (issue 6): abuse limits
    tipoff_daily_limit: int = Field(default=5, ge=1)
    tipoff_min_description: int = Field(default=10, ge=1)
    tipoff_max_photos: int = Field(default=6, ge=0)
    tipoff_duplicate_radius_m: float = Field(default=100.0, gt=0)
    tipoff_duplicate_days: int = Field(default=90, ge=1)
    # photos (issue 14): originals and copies no record, draft or event names are removed by
    # `hazardbot photos prune` once older than this; a photo's own GPS is burned into its evidence copy
    # only within photo_gps_radius_km of district_centre (WGS-84 latitude, longitude)
    photo_retention_days: int = Field(default=30, ge=1)
    district_centre: tuple[float, float] = (39.9219, 116.4436)
    photo_gps_radius_km: float = Field(default=100.0, gt=0)
    # uploaded spreadsheets (issue 14): bounds checked before parsing, and the parse worker's memory and time
    sheet_max_mb: int = Field(default=20, ge=1, le=2048)
    sheet_max_rows: int = Field(default=50_000, ge=10)
    sheet_max_columns: int = Field(default=256, ge=26, le=16_384)
    sheet_max_cells: int = Field(default=2_000_000, ge=1000)
    sheet_max_members: int = Field(default=500, ge=10)
    sheet_max_unpacked_mb: int = Field(default=200, ge=1)
    sheet_max_ratio: int = Field(default=100, ge=10)
    sheet_worker_memory_mb: int = Field(default=1024, ge=128)
    sheet_worker_timeout_seconds: float = Field(default=120.0, gt=0)
    sheet_workers: int = Field(default=1, ge=1, le=16)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @override
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [packaged_config_path()]
        user_file = os.environ.get("HAZARDBOT_CONFIG")
        if user_file:
            files.append(Path(user_file))
        # later files override earlier ones in TomlConfigSettingsSource
        toml = TomlConfigSettingsSource(settings_cls, toml_file=files)
        return (init_settings, env_settings, toml)

    def sheet_parser(self) -> SheetParser:
        """The spreadsheet bounds and parse workers these settings describe (``bot.services.sheet_parser``)."""
        from bot.services.sheet_parser import SheetParser
        from storage.excel.guard import MIB, SheetLimits

        limits = SheetLimits(
            max_bytes=self.sheet_max_mb * MIB, max_members=self.sheet_max_members,
            max_member_bytes=self.sheet_max_unpacked_mb * MIB // 2,
            max_unpacked_bytes=self.sheet_max_unpacked_mb * MIB, max_ratio=self.sheet_max_ratio,
            max_rows=self.sheet_max_rows, max_columns=self.sheet_max_columns, max_cells=self.sheet_max_cells,
        )
        return SheetParser(limits, self.sheet_worker_memory_mb, self.sheet_worker_timeout_seconds, self.sheet_workers)

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone (``HAZARDBOT_TIMEZONE``, Asia/Shanghai)."""
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The database URL: ``database_url``, else a SQLite file ``hazardbot.db`` in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'hazardbot.db'}"

    @property
    def effective_photo_dir(self) -> Path:
        """Where photos are stored: ``photo_dir``, else ``photos`` in ``data_dir``."""
        return self.photo_dir or self.data_dir / "photos"
