"""The uplink over TLS with a per-gateway client certificate, against a real Mosquitto that
requires certificates, takes the certificate's CN as the user name and confines each gateway
to its own topics with an ACL (as deploy/ configures the cloud broker)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
from pydantic import ValidationError

from contracts import GatewayState, GatewayStatusBody, decode_envelope
from contracts.config import MqttEndpoint
from edge_agent.agent import EdgeStage
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.test_agent_integration import STATUS_TOPIC, poll, running_agent
from tests.pki import Pki, make_pki
from tests.servers import MosquittoInstance, mosquitto

pytestmark = pytest.mark.integration


@contextlib.contextmanager
def tls_broker(tmp_path: Path, pki: Pki) -> Iterator[MosquittoInstance]:
    acl = tmp_path / "acl"
    acl.write_text(
        "user gw-0001\n"
        "topic write sg/v1/org-demo/gw-0001/event\n"
        "topic write sg/v1/org-demo/gw-0001/reading\n"
        "topic readwrite sg/v1/org-demo/gw-0001/status\n"
        "topic read sg/v1/org-demo/gw-0001/ack\n"
        "user cloud-ingest\n"
        "topic readwrite sg/v1/#\n"
    )
    extra = (
        f"cafile {pki.ca}\ncertfile {pki.server[0]}\nkeyfile {pki.server[1]}\n"
        "require_certificate true\nuse_identity_as_username true\n"
        f"acl_file {acl}\n"
    )
    with mosquitto(tmp_path / "tls-mosquitto", extra_config=extra) as broker:
        yield broker


def client_tls(pki: Pki, cert: tuple[Path, Path]) -> aiomqtt.TLSParameters:
    return aiomqtt.TLSParameters(ca_certs=str(pki.ca), certfile=str(cert[0]), keyfile=str(cert[1]))


async def test_the_gateway_connects_with_its_own_certificate_and_announces_itself(
    tmp_path: Path, home_broker: MosquittoInstance
) -> None:
    pki = make_pki(tmp_path / "pki")
    with tls_broker(tmp_path, pki) as cloud:
        settings = edge_settings(tmp_path, home_broker, cloud, heartbeat_s=0.2)
        settings = settings.model_copy(
            update={
                "cloud_broker": MqttEndpoint(
                    host=cloud.host,
                    port=cloud.port,
                    tls=True,
                    ca_file=pki.ca,
                    cert_file=pki.gateway[0],
                    key_file=pki.gateway[1],
                )
            }
        )
        states: list[GatewayState] = []
        async with aiomqtt.Client(
            cloud.host, cloud.port, identifier="ingest", tls_params=client_tls(pki, pki.ingest)
        ) as ingest:
            await ingest.subscribe(STATUS_TOPIC, qos=1)

            async def watch() -> None:
                async for message in ingest.messages:
                    assert isinstance(message.payload, bytes)
                    body = decode_envelope(message.payload).body
                    assert isinstance(body, GatewayStatusBody)
                    states.append(body.state)

            stages: list[tuple[EdgeStage, str]] = []
            task = asyncio.create_task(watch())
            try:
                async with running_agent(settings, stages):
                    await poll(lambda: states.count(GatewayState.ONLINE) >= 2)  # birth, heartbeat
            finally:
                task.cancel()


async def test_without_a_client_certificate_the_broker_refuses(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    with tls_broker(tmp_path, pki) as cloud:
        no_cert = aiomqtt.TLSParameters(ca_certs=str(pki.ca))
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client(cloud.host, cloud.port, tls_params=no_cert):
                pass


async def test_a_gateway_certificate_can_only_publish_under_its_own_prefix(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path / "pki")
    with tls_broker(tmp_path, pki) as cloud:
        async with (
            aiomqtt.Client(
                cloud.host, cloud.port, identifier="ingest", tls_params=client_tls(pki, pki.ingest)
            ) as ingest,
            aiomqtt.Client(
                cloud.host,
                cloud.port,
                identifier="gw-0001",
                tls_params=client_tls(pki, pki.gateway),
            ) as gateway,
        ):
            await ingest.subscribe("sg/v1/+/+/event", qos=1)
            await gateway.publish("sg/v1/org-demo/gw-0002/event", b"spoofed", qos=1)
            await gateway.publish("sg/v1/org-demo/gw-0001/event", b"own", qos=1)
            async with asyncio.timeout(10):
                message = await anext(aiter(ingest.messages))
            assert (message.topic.value, message.payload) == (
                "sg/v1/org-demo/gw-0001/event",
                b"own",
            )


def test_a_client_certificate_needs_its_key_and_tls(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="set both or neither"):
        MqttEndpoint(tls=True, cert_file=tmp_path / "c.crt")
    with pytest.raises(ValidationError, match="needs tls: true"):
        MqttEndpoint(cert_file=tmp_path / "c.crt", key_file=tmp_path / "c.key")
