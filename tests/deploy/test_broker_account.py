"""Registration makes the gateway a broker user at once: the cloud API drives the production
broker's dynamic security plugin (real Mosquitto with TLS, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt
import httpx
import pytest

from cloud_ingest.api.app import create_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from contracts.clock import FakeClock
from tests.cloud_ingest.api.conftest import seed_database
from tests.cloud_ingest.api.support import GW_CODE, JWT_SECRET, SEED_ENV
from tests.cloud_ingest.support import NOW
from tests.deploy.broker import ProductionBroker, production_broker

pytestmark = pytest.mark.integration


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ProductionBroker]:
    with production_broker(tmp_path) as running:
        yield running


@pytest.fixture
async def client(
    postgres_url: str, broker: ProductionBroker, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    for name, value in SEED_ENV.items():
        monkeypatch.setenv(name, value)
    clock, hasher = FakeClock(NOW), SecretHasher.fast_for_tests()
    seed_database(postgres_url, clock, hasher)
    settings = ApiSettings(broker_admin=broker.admin())
    context = ApiContext(postgres_url, settings, JWT_SECRET, clock=clock, hasher=hasher)
    transport = httpx.ASGITransport(app=create_app(context))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http
    context.close()


async def test_a_registered_gateway_gets_its_broker_user_at_once(
    client: httpx.AsyncClient, broker: ProductionBroker
) -> None:
    registered = await client.post("/api/v1/gateways/register", json={"code": GW_CODE})
    assert registered.status_code == 200, registered.text
    creds = registered.json()
    with pytest.raises(aiomqtt.MqttError):  # not a broker user yet
        async with broker.client(creds["username"], creds["password"], "gw-early"):
            pass
    auth = (creds["username"], creds["password"])
    for _ in range(2):  # asking twice is harmless
        account = await client.post("/api/v1/gateway/broker-account", auth=auth)
        assert account.status_code == 200, account.text
    assert account.json() == {
        "username": "gw-0001",
        "role": "gateway-gw-0001",
        "topic_prefix": creds["topic_prefix"],
    }
    async with (
        broker.client("ingest", broker.ingest_password, "ingest-1") as ingest,
        broker.client(creds["username"], creds["password"], "gw-0001") as gateway,
    ):
        await ingest.subscribe("sg/v1/#", qos=1)
        await gateway.publish(f"{creds['topic_prefix']}/status", b"online", qos=1)
        message = await anext(aiter(ingest.messages))
        assert message.topic.value == f"{creds['topic_prefix']}/status"


async def test_a_wrong_gateway_password_gets_no_broker_user(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/gateways/register", json={"code": GW_CODE})
    refused = await client.post("/api/v1/gateway/broker-account", auth=("gw-0001", "guess"))
    assert refused.status_code == 401
