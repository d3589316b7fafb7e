"""Settings of the reminders: when the rules run, thresholds, and the sender's Telegram limits.

Read from environment variables ``HAZARDBOT_REMINDERS_*`` (e.g. ``HAZARDBOT_REMINDERS_HOUR=10``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReminderSettings(BaseSettings):
    """``hour``/``minute``: local (Asia/Shanghai) time the rules run on working days.
    ``holidays_file``: the office's holiday list for years chinese-calendar does not cover
    (default: packaged ``config/holidays.toml``). ``campaign_start``: the date units count as last
    updated when their ledger is empty (方案 四(二): first ledger due 2018-10-15); before
    ``campaign_issued`` (the plan's date) no report is owed. ``campaign_years``: calendar years the campaign
spans from ``campaign_start``'s (``bot.campaign``: plan years, coverage milestones, plan due dates).
    Sender: ``global_rate`` messages/s overall (Telegram allows about 30), ``per_chat_interval``
    seconds between two messages to one chat (Telegram: 1), at most ``window_limit`` requests started
    in any ``window_seconds`` (a guard against late starts bunching up), ``quiet_start``–``quiet_end`` local hours
    in which nothing is sent; outcomes written in batches every ``settle_seconds`` (or ``settle_batch`` rows),
    claims renewed at most ``renew_seconds`` (and a quarter of ``lease_seconds``) before their send.
    ``prune_hour``/``prune_minute``: local time of the nightly prune of the photo and file stores (in the quiet
    hours, every day; retention ``HAZARDBOT_PHOTO_RETENTION_DAYS``; ``reminders.scheduler.install_prune``).
    """

    model_config = SettingsConfigDict(env_prefix="HAZARDBOT_REMINDERS_", extra="ignore")

    hour: int = 9
    minute: int = 0
    prune_hour: int = Field(default=3, ge=0, le=23)
    prune_minute: int = Field(default=30, ge=0, le=59)
    misfire_grace_seconds: int = 3 * 3600
    drain_every_seconds: int = 60
    holidays_file: Path | None = None
    campaign_start: date = date(2018, 10, 15)
    campaign_years: int = Field(default=3, ge=1, le=10)
    campaign_issued: date = date(2018, 9, 30)
    ledger_contact_days: int = 15
    ledger_leader_days: int = 21
    deadline_soon_days: int = 3
    info_contact_day: int = 25
    lookback_end_day: int = 15
    lookback_report_days: int = 7
    plan_contact_days_before: int = 14
    global_rate: float = 29.5
    window_limit: int = 30
    window_seconds: float = 1.01
    per_chat_interval: float = 1.2
    max_in_flight: int = 40
    claim_batch: int = 200
    # outcomes are written together, at most this long after the first of them was answered (or once
    # ``settle_batch`` are waiting); claims are renewed at most ``renew_seconds`` before their send
    settle_seconds: float = 0.5
    settle_batch: int = 100
    renew_seconds: float = 1.0
    max_attempts: int = 6
    backoff_base_seconds: float = 2.0
    # a claim is renewed right before each send, so the lease need only outlast one request (aiogram's
    # 60 s timeout) and the wait in the queue; it is how long a killed sender's claimed rows wait
    lease_seconds: int = 120
    quiet_start: int = 21
    quiet_end: int = 8
