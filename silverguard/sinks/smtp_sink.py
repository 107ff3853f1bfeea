"""A real SMTP server (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the mailbox got it."""

    received_monotonic: float
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    body: str
    message: EmailMessage


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        refusal = self._sink.refuse_rcpt(address) if self._sink.refuse_rcpt else None
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        self._sink.record(
            ReceivedMail(
                received_monotonic=time.monotonic(),
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                subject=str(msg["Subject"] or ""),
                body=str(body),
                message=msg,
            )
        )
        queue_id = self._sink.record_count()
        return f"250 2.0.0 queued as T{queue_id}"  # like Postfix: a receipt to keep


class SmtpSink:
    """An SMTP server on ``host:port`` that records messages; use as a context manager.

    ``refuse_rcpt(address)`` may return an SMTP reply (e.g. ``"451 4.3.0 busy"``) to refuse a
    recipient, to show how the sender handles temporary and permanent refusals.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_mail: Callable[[ReceivedMail], None] | None = None,
        refuse_rcpt: Callable[[str], str | None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.refuse_rcpt = refuse_rcpt
        self._on_mail = on_mail
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMail]:
        """A copy of what arrived so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def record_count(self) -> int:
        """How many messages arrived so far."""
        with self._lock:
            return len(self._messages)

    def record(self, mail: ReceivedMail) -> None:
        """Keep one received message (called from the server's thread)."""
        with self._lock:
            self._messages.append(mail)
        if self._on_mail is not None:
            self._on_mail(mail)

    def start(self) -> None:
        """Start listening (in aiosmtpd's own thread)."""
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def wait_for(self, count: int, timeout_s: float) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages arrived; raise TimeoutError otherwise."""
        async with asyncio.timeout(timeout_s):
            while len(self.messages) < count:
                await asyncio.sleep(0.02)
        return self.messages
