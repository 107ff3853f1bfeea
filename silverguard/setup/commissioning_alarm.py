"""The end-to-end test alarm: sent as the gateway, accepted on the installer's phone.

Design (the simplest secure one): the setup publishes a ``commissioning_test`` event over the
gateway's own uplink credentials (TLS, its ACL'd prefix), so it takes the real path
(broker → ingest → event store → alert router). The type is in the taxonomy as device health
(operator audience, INFO): care routes never see it, and the router pages it only to the
receiver named by ``installer_receiver`` in its config (nobody if unset). The installer
accepts it on their phone (the notification's accept link, or the phone app); the setup, with
the operator login it already has, waits on the router's API for that acceptance, then
closes the incident so it leaves the duty queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import httpx

from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id
from contracts.topics import TopicKind, build_topic
from edge_agent.config import EdgeSettings
from silverguard.setup.checks import CheckResult
from silverguard.setup.errors import SetupError

log = logging.getLogger(__name__)

NAME = "test alarm accepted on the installer's phone"
ACCEPTED = frozenset({"accepted", "en_route", "contact_made", "closed"})


def alarm_envelope(
    *, org_id: str, gateway_id: str, home_id: str, resident_id: str, now: datetime
) -> Envelope:
    """The ``commissioning_test`` event of this gateway (its summary names its own id).

    Example:
        >>> from datetime import UTC, datetime
        >>> e = alarm_envelope(org_id="org-demo", gateway_id="gw-0001", home_id="home-0001",
        ...                    resident_id="res-0001", now=datetime(2026, 11, 24, tzinfo=UTC))
        >>> e.body.type.value, e.body.severity.value, e.body.audience.value
        ('commissioning_test', 'info', 'operator')
        >>> e.message_id in e.body.evidence.summary, "not a real alarm" in e.body.evidence.summary
        (True, True)
    """
    message_id = new_message_id(now)
    summary = f"commissioning test {message_id}: not a real alarm, accept it to finish setup"
    return Envelope(
        message_id=message_id,
        org_id=org_id,
        gateway_id=gateway_id,
        home_id=home_id,
        resident_id=resident_id,
        device_time=now,
        gateway_time=now,
        body=EventBody.of(EventType.COMMISSIONING_TEST, Evidence(summary=summary)),
    )


async def send(settings: EdgeSettings, password: str, envelope: Envelope) -> None:
    """Publish ``envelope`` on the gateway's event topic, QoS 1, as the gateway."""
    endpoint = settings.cloud_broker
    tls = aiomqtt.TLSParameters(ca_certs=str(endpoint.ca_file)) if endpoint.tls else None
    topic = build_topic(settings.org_id, settings.gateway_id, TopicKind.EVENT)
    try:
        async with aiomqtt.Client(
            endpoint.host,
            endpoint.port,
            username=endpoint.username,
            password=password,
            tls_params=tls,
            identifier=f"{settings.gateway_id}-setup-test-alarm",
        ) as client:
            await client.publish(topic, encode_envelope(envelope), qos=1)
    except aiomqtt.MqttError as exc:
        raise SetupError(
            f"cannot send the test alarm to the cloud broker ({exc})",
            advice="check the gateway's internet link, then run setup again",
        ) from exc


class RouterApi:
    """The alert router's incident API, with the operator's login (HTTP errors → SetupError)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=20.0)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = self._http.request(method, path, **kw)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SetupError(
                f"the alert router at {self.base_url} did not answer {path} ({exc})",
                advice="check --router-url and that the operator login may read incidents; "
                "ask the operator whether the alert router runs, then run setup again",
            ) from exc
        return response.json()

    def find(self, home_id: str) -> dict[str, Any] | None:
        """The home's active test-alarm incident, if the router has opened it yet.

        One per home: a test alarm sent again while an earlier one waits is attached to it (the
        router groups device-health events per home and type), so either is accepted.
        """
        for incident in self._json("GET", "/api/v1/me/incidents")["incidents"]:
            if incident["type"] == EventType.COMMISSIONING_TEST and incident["home_id"] == home_id:
                return dict(incident)
        return None

    def incident(self, incident_id: str) -> dict[str, Any]:
        """The incident's full view (status, notifications)."""
        return dict(self._json("GET", f"/api/v1/incidents/{incident_id}"))

    def close_test(self, incident_id: str) -> None:
        """Close the accepted test incident (it leaves the duty queue; no ack-timeout re-page)."""
        self._json(
            "POST",
            f"/api/v1/incidents/{incident_id}/close",
            json={"outcome": "other", "note": "commissioning test alarm, accepted by installer"},
        )


async def _wait(what: Any, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(what)
        if found:
            return found
        await asyncio.sleep(0.3)
    return None


async def check_test_alarm(
    settings: EdgeSettings,
    password: str,
    router: RouterApi,
    timeout_s: float,
    prompt: Callable[[str], None],
) -> CheckResult:
    """Send the test alarm, wait for its acceptance; pass/fail with the time to accept."""
    envelope = alarm_envelope(
        org_id=settings.org_id,
        gateway_id=settings.gateway_id,
        home_id=settings.home_id,
        resident_id=settings.resident_id,
        now=datetime.now(UTC),
    )
    prompt("A test alarm is on its way to your phone: accept it there (接单).")
    sent = time.monotonic()
    await send(settings, password, envelope)
    incident = await _wait(lambda: router.find(settings.home_id), timeout_s)
    if incident is None:
        return CheckResult(
            NAME,
            False,
            {"message_id": envelope.message_id},
            advice="the alert router opened no incident for the test alarm: ask the operator "
            "to check that the router runs and its config names an installer_receiver "
            "with you in it, then run setup again",
        )
    incident_id = str(incident["id"])
    left = max(1.0, timeout_s - (time.monotonic() - sent))
    view = await _wait(
        lambda: (v := router.incident(incident_id))["status"] in ACCEPTED and v, left
    )
    paged = sorted(
        {n["person_id"] for n in (view or router.incident(incident_id))["notifications"]}
    )
    if not view:
        return CheckResult(
            NAME,
            False,
            {"incident_id": incident_id, "paged": ", ".join(paged) or "nobody"},
            advice="nobody accepted the test alarm in time: check that your phone got it "
            "(notifications on, app logged in); if nobody was paged, ask the operator to add "
            "you to the installer receiver, then run setup again",
        )
    accepted_s = round(time.monotonic() - sent, 1)
    if view["status"] != "closed":
        await asyncio.to_thread(router.close_test, incident_id)
    log.info("test alarm %s accepted by %s", incident_id, view["accepted_by"])
    return CheckResult(
        NAME,
        True,
        {
            "seconds_sent_to_accepted": accepted_s,
            "accepted_by": view["accepted_by"],
            "paged": ", ".join(paged),
            "incident_id": incident_id,
        },
    )
