"""Email over SMTP (stdlib ``smtplib`` in a worker thread), zh-CN subject and body.

SMTP 4xx replies, timeouts and refused connections are retryable; 5xx are permanent.

Example:
    >>> from datetime import UTC, datetime
    >>> from alerting.channels.base import Notice
    >>> n = Notice(incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", person_id="p-1",
    ...            target="wang@example.org", type="fire", severity="critical",
    ...            warning_class="home_anomaly", resident_id="res-0001", home_id="home-0001",
    ...            summary="smoke detected", opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...            accept_url="https://sg.example/a/TOKEN", accept_token="TOKEN")
    >>> msg = render_email(n, "alerts@sg.example")
    >>> msg["Subject"]
    '【紧急】火警 · 住户 res-0001'
    >>> "https://sg.example/a/TOKEN" in msg.get_content()
    True
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import make_msgid

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.email.config import EmailChannelSettings
from alerting.errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from alerting.incidents.labels import WARNING_CLASS_LABELS, type_label
from contracts.events import WarningClass


def render_email(notice: Notice, from_address: str) -> EmailMessage:
    """The zh-CN email for ``notice`` (pseudonymous ids and the summary only)."""
    try:
        warning = WARNING_CLASS_LABELS[WarningClass(notice.warning_class)]
    except ValueError:
        warning = notice.warning_class
    message = EmailMessage()
    message["Subject"] = notice.title
    message["From"] = from_address
    message["To"] = notice.target
    message["Message-ID"] = make_msgid(idstring=notice.incident_id, domain="silverguard")
    opened = notice.opened_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    message.set_content(
        f"{notice.title}\n\n"
        f"类型：{type_label(notice.type)}（{warning}）\n"
        f"住户：{notice.resident_id}\n"
        f"家庭：{notice.home_id or '-'}\n"
        f"情况：{notice.summary}\n"
        f"发生时间：{opened}\n"
        f"事件编号：{notice.incident_id}\n\n"
        f"请点击以下链接确认接单：\n{notice.accept_url}\n\n"
        "本邮件由银龄卫士告警系统自动发送，请勿直接回复。\n",
        charset="utf-8",
    )
    return message


class EmailSender:
    """Submits mail to the configured SMTP relay."""

    def __init__(self, settings: EmailChannelSettings) -> None:
        self._settings = settings
        self._password = settings.password()

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Send the notice's email; raise a retryable or permanent error if refused."""
        message = render_email(notice, self._settings.from_address)
        return await asyncio.to_thread(self._send_sync, message, notice.target)

    def _send_sync(self, message: EmailMessage, to_address: str) -> DeliveryReceipt:
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s) as smtp:
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.username:
                    smtp.login(s.username, self._password or "")
                _check(
                    smtp.mail(s.from_address, ["SMTPUTF8"] if _needs_utf8(s.from_address) else [])
                )
                _check(smtp.rcpt(to_address, ["SMTPUTF8"] if _needs_utf8(to_address) else []))
                # SMTP needs CRLF line ends (smtplib sends bytes as they are): a message
                # longer than one line of 1000 bytes is refused otherwise.
                code, reply = smtp.data(message.as_bytes(policy=email_policy.SMTP))
                _check((code, reply))
                return DeliveryReceipt(code, reply.decode(errors="replace"))
        except DeliveryError:
            raise
        except UnicodeError as exc:
            raise PermanentDeliveryError(
                f"cannot send to {to_address!r}: {exc}; use an ASCII address or a relay that "
                "supports SMTPUTF8"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise _from_reply(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as exc:
            raise RetryableDeliveryError(
                f"SMTP relay {s.smtp_host}:{s.smtp_port} unreachable: {exc!r}"
            ) from exc
        except smtplib.SMTPException as exc:
            raise PermanentDeliveryError(f"SMTP error: {exc!r}: check the email settings") from exc


def _needs_utf8(address: str) -> bool:
    return not address.isascii()


def _check(reply: tuple[int, bytes]) -> None:
    code, text = reply
    if not 200 <= code < 400:
        raise _from_reply(code, text)


def _from_reply(code: int, text: bytes | str) -> DeliveryError:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    message = f"SMTP relay replied {code} {detail}"
    if 400 <= code < 500:
        return RetryableDeliveryError(message, code=code)
    return PermanentDeliveryError(message + ": check the address and relay settings", code=code)
