"""The production broker config (deploy/mosquitto) on a real Mosquitto with TLS: each gateway
is confined to its own prefix, the ingest user reads everything, bad credentials are refused.

Gateways are added as the cloud API adds them at registration (cloud_ingest.api.dynsec).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest

from cloud_ingest.api.dynsec import ensure_gateway_account, run_commands
from cloud_ingest.errors import BrokerError
from tests.deploy.broker import ProductionBroker, production_broker

pytestmark = pytest.mark.integration

A, B = "gw-a001", "gw-b002"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ProductionBroker]:
    with production_broker(tmp_path) as running:
        ensure_gateway_account(running.admin(), "org-demo", A, "password-of-a")
        ensure_gateway_account(running.admin(), "org-demo", B, "password-of-b")
        yield running


def _codes(granted: object) -> list[int]:
    assert isinstance(granted, list)
    return [code if isinstance(code, int) else int(code.value) for code in granted]


async def _next(client: aiomqtt.Client, timeout_s: float = 5.0) -> aiomqtt.Message | None:
    try:
        async with asyncio.timeout(timeout_s):
            return await anext(aiter(client.messages))
    except TimeoutError:
        return None


async def test_gateway_a_cannot_publish_to_gateway_b_and_ingest_reads_all(
    broker: ProductionBroker,
) -> None:
    async with (
        broker.client("ingest", broker.ingest_password, "ingest-1") as ingest,
        broker.client(A, "password-of-a", A) as gw_a,
    ):
        await ingest.subscribe("$share/ingest/sg/v1/+/+/event", qos=1)
        await gw_a.publish(f"sg/v1/org-demo/{B}/event", b"spoofed", qos=1)
        await gw_a.publish(f"sg/v1/org-other/{A}/event", b"other org", qos=1)
        await gw_a.publish(f"sg/v1/org-demo/{A}/event", b"own", qos=1)
        message = await _next(ingest, timeout_s=10)
        assert message is not None
        assert (message.topic.value, message.payload) == (f"sg/v1/org-demo/{A}/event", b"own")
        assert await _next(ingest, timeout_s=1.5) is None


async def test_gateway_a_cannot_subscribe_to_gateway_b(broker: ProductionBroker) -> None:
    async with (
        broker.client(A, "password-of-a", A) as gw_a,
        broker.client(B, "password-of-b", B) as gw_b,
        broker.client("ingest", broker.ingest_password, "ingest-1") as ingest,
    ):
        granted = await gw_a.subscribe(f"sg/v1/org-demo/{B}/#", qos=1)
        assert _codes(granted) == [0x87]  # MQTT v5: not authorized
        wildcard = await gw_a.subscribe("sg/v1/#", qos=1)
        assert _codes(wildcard) == [0x87]
        own = await gw_a.subscribe(f"sg/v1/org-demo/{A}/ack", qos=1)
        assert _codes(own) == [1]
        await gw_b.publish(f"sg/v1/org-demo/{B}/event", b"b's event", qos=1)
        await ingest.publish(f"sg/v1/org-demo/{A}/ack", b"ack for a", qos=1)
        message = await _next(gw_a, timeout_s=10)
        assert message is not None
        assert message.topic.value == f"sg/v1/org-demo/{A}/ack"


async def test_a_wrong_password_and_an_unknown_user_are_refused(broker: ProductionBroker) -> None:
    for username, password in ((A, "password-of-b"), ("gw-nobody", "x"), ("ingest", "")):
        with pytest.raises(aiomqtt.MqttError):
            async with broker.client(username, password, f"probe-{username}"):
                pass


async def test_without_tls_nothing_connects(broker: ProductionBroker) -> None:
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client(
            broker.host, broker.port, username=A, password="password-of-a", timeout=5
        ):
            pass


async def test_registering_again_changes_the_password_and_keeps_one_account(
    broker: ProductionBroker,
) -> None:
    await asyncio.to_thread(
        ensure_gateway_account, broker.admin(), "org-demo", A, "new-password-of-a"
    )
    with pytest.raises(aiomqtt.MqttError):
        async with broker.client(A, "password-of-a", "old"):
            pass
    async with broker.client(A, "new-password-of-a", A) as gw_a:
        await gw_a.publish(f"sg/v1/org-demo/{A}/status", b"up", qos=1)
    (listed,) = await run_commands(broker.admin(), [{"command": "listClients"}])
    assert sorted(listed["data"]["clients"]) == sorted(["sg-admin", "ingest", A, B])
    (role,) = await run_commands(
        broker.admin(), [{"command": "getRole", "rolename": f"gateway-{A}"}]
    )
    assert len(role["data"]["role"]["acls"]) == 2


async def test_the_admin_needs_its_password(
    broker: ProductionBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = broker.admin().model_copy(update={"password_env": "SG_TEST_WRONG_ADMIN"})
    monkeypatch.setenv("SG_TEST_WRONG_ADMIN", "not-the-password")
    with pytest.raises(BrokerError, match="cannot reach the broker's dynamic security"):
        await run_commands(admin, [{"command": "listClients"}])
