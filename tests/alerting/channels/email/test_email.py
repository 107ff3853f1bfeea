"""Email channel against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import dataclasses

import pytest

from alerting.channels.email.config import EmailChannelSettings
from alerting.channels.email.sender import EmailSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.alerting.support import running_smtp_server
from tests.alerting.test_notice import sample_notice
from tests.servers import free_port


def _sender(port: int) -> EmailSender:
    return EmailSender(
        EmailChannelSettings(
            smtp_host="127.0.0.1", smtp_port=port, from_address="alerts@silverguard.example"
        )
    )


async def test_zh_cn_mail_with_accept_link_is_delivered() -> None:
    with running_smtp_server() as (smtp, port):
        receipt = await _sender(port).send(sample_notice("cw-0001@example.org"))
    assert receipt.code == 250
    assert "queued as T1" in receipt.detail
    [message] = smtp.messages
    assert message["Subject"] == "【紧急】火警 · 住户 res-0001"
    assert message["To"] == "cw-0001@example.org"
    body = message.get_content()
    assert "http://127.0.0.1:8400/a/TOKEN" in body
    assert "火警（居家异常）" in body
    assert "smoke detected in the kitchen" in body


async def test_a_mail_longer_than_one_smtp_line_is_delivered() -> None:
    """Regression: the message went out with bare LF line ends, so a mail over 1000 bytes
    reached the relay as one over-long line and was refused ("500 Line too long")."""
    long_summary = "suspected fall (impact 5.5 g, wrist turned 90°, still 6 s after); " * 12
    notice = dataclasses.replace(sample_notice("cw-0001@example.org"), summary=long_summary)
    with running_smtp_server() as (smtp, port):
        receipt = await _sender(port).send(notice)
    assert receipt.code == 250
    [message] = smtp.messages
    assert long_summary.strip() in message.get_content()


async def test_smtp_4xx_is_retryable_and_5xx_permanent() -> None:
    with running_smtp_server() as (smtp, port):
        with pytest.raises(RetryableDeliveryError, match="451") as busy:
            await _sender(port).send(sample_notice("busy@example.org"))
        with pytest.raises(PermanentDeliveryError, match="550") as nobody:
            await _sender(port).send(sample_notice("nobody@example.org"))
    assert (busy.value.code, nobody.value.code) == (451, 550)
    assert smtp.messages == []


async def test_refused_connection_is_retryable() -> None:
    with pytest.raises(RetryableDeliveryError, match="unreachable"):
        await _sender(free_port()).send(sample_notice("cw-0001@example.org"))
