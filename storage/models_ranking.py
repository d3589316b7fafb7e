"""Subscriptions to the weekly ranking of units (通报, 方案 五(三)): one row per subscribed user."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class RankSubscription(SQLModel, table=True):
    """``user_id`` receives the weekly league table (a reminders rule, through the outbox) until they
    unsubscribe. Only leaders, the office and admins may subscribe (checked by the service)."""

    __tablename__ = "rank_subscription"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    subscribed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
