"""The test alarm's failures say what to do: no router address; a router that opens nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from alerting.store.db import create_db_engine
from contracts.auth import AccessClaims, Role, issue_access_token
from contracts.config import MqttEndpoint
from edge_agent.config import EdgeSettings
from silverguard.ports import free_port
from silverguard.setup.commissioning_alarm import NAME, RouterApi, check_test_alarm
from silverguard.setup.options import SetupOptions
from silverguard.setup.runner import SetupRun
from silverguard.sinks import WebhookReceiver
from tests.alerting.support import create_events_table
from tests.cloud_ingest.api.support import JWT_SECRET
from tests.servers import MosquittoInstance
from tests.setup.stack import ROUTER_WEBHOOK_SECRET, alert_router, router_settings


async def test_without_a_router_url_the_check_fails_and_says_which_flag(tmp_path: Path) -> None:
    options = SetupOptions(
        cloud_url="http://127.0.0.1:9",
        installer="li",
        cloud_broker_host="127.0.0.1",
        band_id="b1",
        resident_id="res-0001",
        state_dir=tmp_path,
    )
    run = SetupRun(options, Console(file=io.StringIO()))
    try:
        result = await run._test_alarm(None)  # type: ignore[arg-type]  # not reached
    finally:
        run.api.close()
    assert (result.name, result.passed) == (NAME, False)
    assert result.advice is not None
    assert "--router-url" in result.advice


@pytest.mark.integration
async def test_an_alarm_the_router_never_sees_fails_with_advice(
    tmp_path: Path, postgres_url: str, private_mosquitto: MosquittoInstance
) -> None:
    # the "cloud broker" here has no ingest behind it: the event never reaches the router
    settings = EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=MqttEndpoint(port=private_mosquitto.port),
        cloud_broker=MqttEndpoint(host=private_mosquitto.host, port=private_mosquitto.port),
        outbox_path=tmp_path / "outbox.db",
    )
    engine = create_db_engine(postgres_url)
    create_events_table(engine)
    engine.dispose()
    claims = AccessClaims(
        sub="u-op",
        org_id="org-demo",
        role=Role.OPERATOR,
        exp=datetime.now(UTC) + timedelta(minutes=5),
    )
    bearer = {"Authorization": f"Bearer {issue_access_token(claims, JWT_SECRET)}"}
    prompts: list[str] = []
    async with (
        WebhookReceiver(ROUTER_WEBHOOK_SECRET.encode()) as hooks,
        alert_router(router_settings(postgres_url, hooks, free_port())) as url,
    ):
        router = RouterApi(url, bearer)
        try:
            result = await check_test_alarm(settings, "", router, 2.0, prompts.append)
        finally:
            router.close()
    assert not result.passed
    assert result.advice is not None
    assert "opened no incident" in result.advice
    assert "installer_receiver" in result.advice
    assert prompts
    assert "accept" in prompts[0]
    assert hooks.deliveries == []
