"""DingTalk and WeCom robot channels against loopback robots that check credentials."""

from __future__ import annotations

import httpx
import pytest

from alerting.channels.dingtalk.config import DingTalkChannelSettings, DingTalkRobot
from alerting.channels.dingtalk.sender import DingTalkSender
from alerting.channels.wecom.config import WeComChannelSettings
from alerting.channels.wecom.sender import WeComSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from contracts.config import ConfigError
from silverguard.sinks.robots import DingTalkRobotEmulator, WeComRobotEmulator
from tests.alerting.dispatch_support import now_clock
from tests.alerting.test_notice import sample_notice


def _dingtalk(
    robot: DingTalkRobotEmulator, monkeypatch: pytest.MonkeyPatch, *, secret: str | None = None
) -> DingTalkChannelSettings:
    monkeypatch.setenv("SG_TEST_DT_TOKEN", robot.access_token)
    monkeypatch.setenv("SG_TEST_DT_SECRET", secret or robot.secret)
    return DingTalkChannelSettings(
        base_url=robot.url,
        robots={
            "team-a": DingTalkRobot(
                access_token_env="SG_TEST_DT_TOKEN", secret_env="SG_TEST_DT_SECRET"
            )
        },
    )


async def test_dingtalk_card_is_signed_and_delivered(monkeypatch: pytest.MonkeyPatch) -> None:
    async with DingTalkRobotEmulator() as robot, httpx.AsyncClient() as client:
        sender = DingTalkSender(_dingtalk(robot, monkeypatch), client, now_clock())
        receipt = await sender.send(sample_notice("team-a"))
    assert (receipt.code, receipt.detail) == (0, "ok")
    [message] = robot.messages
    assert message["msgtype"] == "markdown"
    text = message["markdown"]["text"]
    assert text.splitlines()[0] == (
        "### 【紧急】火警 · 住户 res-0001 · 家庭 home-0001：smoke detected in the kitchen"
    )
    assert "http://127.0.0.1:8400/a/TOKEN" in text


async def test_dingtalk_wrong_secret_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    async with DingTalkRobotEmulator() as robot, httpx.AsyncClient() as client:
        settings = _dingtalk(robot, monkeypatch, secret="SECwrong")
        sender = DingTalkSender(settings, client, now_clock())
        with pytest.raises(PermanentDeliveryError, match=r"310000.*加签") as caught:
            await sender.send(sample_notice("team-a"))
    assert caught.value.code == 310000
    assert robot.messages == []


async def test_dingtalk_rate_limit_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    async with (
        DingTalkRobotEmulator(answer=lambda hit: 130101 if hit == 1 else 0) as robot,
        httpx.AsyncClient() as client,
    ):
        sender = DingTalkSender(_dingtalk(robot, monkeypatch), client, now_clock())
        with pytest.raises(RetryableDeliveryError, match="130101"):
            await sender.send(sample_notice("team-a"))
        assert (await sender.send(sample_notice("team-a"))).code == 0
    assert len(robot.messages) == 1


async def test_dingtalk_unknown_robot_name_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    async with DingTalkRobotEmulator() as robot, httpx.AsyncClient() as client:
        sender = DingTalkSender(_dingtalk(robot, monkeypatch), client, now_clock())
        with pytest.raises(PermanentDeliveryError, match=r"channels.dingtalk.robots"):
            await sender.send(sample_notice("team-b"))
    assert robot.hits == 0


async def test_dingtalk_wrong_address_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    async with DingTalkRobotEmulator() as robot, httpx.AsyncClient() as client:
        settings = _dingtalk(robot, monkeypatch).model_copy(
            update={"base_url": robot.base_url + "/no-such-path"}
        )
        sender = DingTalkSender(settings, client, now_clock())
        with pytest.raises(PermanentDeliveryError, match="HTTP 404"):
            await sender.send(sample_notice("team-a"))


def _wecom(
    robot: WeComRobotEmulator,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    client: httpx.AsyncClient,
) -> WeComSender:
    monkeypatch.setenv("SG_TEST_WECOM_KEY", key)
    settings = WeComChannelSettings(base_url=robot.url, robots={"team-a": "SG_TEST_WECOM_KEY"})
    return WeComSender(settings, client)


async def test_wecom_markdown_is_delivered(monkeypatch: pytest.MonkeyPatch) -> None:
    async with WeComRobotEmulator() as robot, httpx.AsyncClient() as client:
        sender = _wecom(robot, monkeypatch, robot.key, client)
        assert (await sender.send(sample_notice("team-a"))).code == 0
    [message] = robot.messages
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["content"].startswith("### 【紧急】火警 · 住户 res-0001")


async def test_wecom_bad_key_is_permanent_and_rate_limit_retryable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with (
        WeComRobotEmulator(answer=lambda _hit: 45009) as robot,
        httpx.AsyncClient() as client,
    ):
        with pytest.raises(PermanentDeliveryError, match=r"93000.*webhook key"):
            await _wecom(robot, monkeypatch, "wrong-key", client).send(sample_notice("team-a"))
        with pytest.raises(RetryableDeliveryError, match="45009"):
            await _wecom(robot, monkeypatch, robot.key, client).send(sample_notice("team-a"))
    assert robot.messages == []


def test_missing_robot_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SG_TEST_DT_TOKEN", raising=False)
    settings = DingTalkChannelSettings(
        robots={"a": DingTalkRobot(access_token_env="SG_TEST_DT_TOKEN", secret_env="X")}
    )
    with pytest.raises(ConfigError, match="SG_TEST_DT_TOKEN"):
        DingTalkSender(settings, httpx.AsyncClient(), now_clock())  # fails before any I/O
