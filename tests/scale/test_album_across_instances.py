"""An album sent while the bot asks for re-inspection photos arrives as separate updates that two
instances handle at the same time: every photo must reach the re-inspection record."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState
from storage.models import HazardEvent
from tests.lifecycle_factories import HOME, hazard
from tests.scale.conftest import open_cluster


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_album_split_over_two_instances_keeps_every_photo(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path, photos_dir: Path
) -> None:
    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        fixer = await cluster.bind(7501, "inspector", HOME)
        checker = await cluster.bind(7502, "inspector", HOME)
        fixer_actor = await cluster.core.services.users.touch(telegram_address(7501), fixer.user.full_name, "zh-hans")
        hid = await hazard(cluster.core.uow, fixer_actor, state=HazardState.RECTIFIED, full_plan=True,
                           rectified_by=fixer_actor)
        await checker.say("/rectify")
        await checker.press(1)
        await checker.press("复查不合格")
        await checker.press("保持当前值")  # the date: today
        await checker.say("赵复查")
        await checker.say("灭火器未到位")
        await checker.say("2018-11-30")
        assert "照片" in checker.last_text(), checker.last_text()
        updates = [checker.photo_update(photos_dir / f"landscape_{i}.jpg", "album-two-instances") for i in range(1, 9)]
        a, b = cluster.instances
        before = len(cluster.session.requests)
        await asyncio.gather(*(
            (a if n % 2 else b).dp.feed_update((a if n % 2 else b).bot, u) for n, u in enumerate(updates)
        ))
        replies = checker.texts(cluster.session.requests[before:])
        assert len(replies) == 1 and "正在接收相册" in replies[0], replies
        done = checker.texts(await checker.press("完成"))
        assert done[0].startswith("复查照片：已保存 8 张照片。"), done
        submitted = checker.texts(await checker.press("提交"))
        assert "已挂账，整改中" in submitted[0], submitted
        async with cluster.core.uow() as u:
            events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid))).all()
        failed = [e for e in events if e.action == "reinspect_fail"]
        assert len(failed) == 1 and sorted(failed[0].data["photos"]) == sorted(set(failed[0].data["photos"]))
        assert len(failed[0].data["photos"]) == 8, failed[0].data
