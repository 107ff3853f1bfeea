"""The whole ``silverguard setup``, non-interactively, against firmware_sim devices, a real
Mosquitto started with deploy's production config and certificates made in the test (TLS,
dynamic security), and the cloud (ingest consumer + REST API on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from contracts.config import MqttEndpoint, MqttProtocol
from contracts.devices.mattress_serial import MattressMode
from firmware_sim.mattress import MattressFirmwareSim
from firmware_sim.zigbee2mqtt_bridge import Zigbee2MqttBridgeSim
from silverguard.ports import free_port
from silverguard.setup.cloud import CloudApi
from silverguard.setup.errors import SetupError
from silverguard.setup.options import SetupOptions
from silverguard.setup.runner import SetupRun
from silverguard.sinks import WebhookReceiver
from tests.cloud_ingest.api.support import GW_CODE, SEED_ENV, STAFF_PASSWORD
from tests.deploy.broker import production_broker
from tests.servers import MosquittoInstance
from tests.setup.stack import (
    BAND_ID,
    CARE_WORKER,
    DUTY_DESK,
    INSTALLER,
    ROUTER_WEBHOOK_SECRET,
    SMOKE_IEEE,
    Cloud,
    alert_router,
    cloud,
    installer_phone,
    play_systemd,
    router_settings,
    run_bridge,
    wave_wristband,
)

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def background(*coros: Any) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def options(
    tmp_path: Path, stack: Cloud, home: MosquittoInstance, port: Path, router_url: str
) -> SetupOptions:
    return SetupOptions(
        cloud_url=stack.url,
        router_url=router_url,
        code=GW_CODE,
        installer="Li Wei (installer)",
        cloud_broker_host=stack.broker.host,
        cloud_broker_port=stack.broker.port,
        ca_file=stack.broker.ca_file,
        home_broker=MqttEndpoint(host=home.host, port=home.port, protocol=MqttProtocol.V311),
        band_id=BAND_ID,
        mattress_device_id="bed-0001",
        serial_ports=[str(port)],
        resident_id="res-0001",
        operator_user="duty.desk",
        operator_password=STAFF_PASSWORD,
        config_path=tmp_path / "etc" / "edge.yaml",
        outbox_path=tmp_path / "lib" / "outbox.db",
        state_dir=tmp_path / "lib" / "setup",
        systemd_dir=tmp_path / "systemd",
        use_systemctl=False,
        step_timeout_s=30,
    )


async def test_setup_runs_through_fails_on_a_missing_mattress_and_resumes(
    tmp_path: Path,
    postgres_url: str,
    private_mosquitto: MosquittoInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SEED_ENV.items():
        monkeypatch.setenv(name, value)
    home = private_mosquitto
    port = tmp_path / "ttyMATTRESS"
    bridge = Zigbee2MqttBridgeSim()
    bridge.add_waiting_device(SMOKE_IEEE)
    with production_broker(tmp_path / "cloud-broker") as broker:
        async with (
            cloud(postgres_url, broker) as stack,
            WebhookReceiver(ROUTER_WEBHOOK_SECRET.encode()) as hooks,
            alert_router(router_settings(postgres_url, hooks, free_port())) as router_url,
        ):
            opts = options(tmp_path, stack, home, port, router_url)
            out = io.StringIO()
            console = Console(file=out, width=200)
            # 1. the mattress is not plugged in: the run stops there and says what to do
            with pytest.raises(SetupError, match="no mattress answered") as failed:
                await SetupRun(opts, console).run()
            assert "plugged into the gateway" in failed.value.advice
            state = json.loads((opts.state_dir / "setup-state.json").read_text())
            assert list(state["steps"]) == ["register", "broker_account"]
            for private in (
                opts.state_dir / "setup-state.json",
                opts.state_dir / "credentials.json",
            ):
                assert stat.S_IMODE(private.stat().st_mode) == 0o600
            # 2. plugged in: the re-run resumes (the one-time code is not used again) and passes
            with MattressFirmwareSim(MattressMode.VITALS, link=port, heart_rate_bpm=64) as sim:
                async with background(
                    sim.run(),
                    run_bridge(home, bridge),
                    wave_wristband(home),
                    play_systemd(opts.systemd_dir, opts.config_path),
                    installer_phone(hooks),
                ):
                    report = await SetupRun(opts, console).run()
            operator = CloudApi(stack.url)
            operator.login("duty.desk", STAFF_PASSWORD)
            (stored,) = operator.reports("gw-0001")
            operator.close()
    text = out.getvalue()
    assert "register (done earlier)" in text
    assert report["passed"] is True
    checks = {c["name"]: c for c in report["checks"]}
    assert set(checks) == {
        "bed presence and heart rate",
        "wristband movement",
        "link quality",
        "gateway online in the cloud",
        "smoke test button reaches the cloud",
        "outbox delivered and acknowledged",
        "test alarm accepted on the installer's phone",
        "agent online after install",
    }
    assert all(c["passed"] for c in checks.values())
    assert 55 <= checks["bed presence and heart rate"]["figures"]["heart_rate_bpm"] <= 75
    assert checks["link quality"]["figures"]["probes"] == 5
    alarm = checks["test alarm accepted on the installer's phone"]["figures"]
    assert alarm["accepted_by"] == INSTALLER
    assert alarm["paged"] == INSTALLER
    assert 0 < alarm["seconds_sent_to_accepted"] < 30
    print(f"test alarm sent → accepted on the phone: {alarm['seconds_sent_to_accepted']} s")
    # the test alarm paged the installer only: no care worker, not the duty desk
    test_alarms = [d for d in hooks.deliveries if d.payload["type"] == "commissioning_test"]
    assert [d.name for d in test_alarms] == [INSTALLER]
    assert hooks.payloads(CARE_WORKER) == []
    assert {p["type"] for p in hooks.payloads(DUTY_DESK)} <= {"smoke_test"}
    assert hooks.rejected == []
    devices = {d["kind"]: d for d in report["devices"]}
    assert devices["mattress"]["serial"] == "SIM-000001"
    assert devices["smoke"]["serial"] == SMOKE_IEEE
    assert devices["smoke"]["model"] == "Heiman HS1SA"
    assert "smoke_kitchen" in bridge.devices  # renamed through the bridge API
    assert report["resident"]["eligible"] is True
    assert report["installer"] == "Li Wei (installer)"
    saved = json.loads((opts.state_dir / "commissioning-report.json").read_text())
    assert saved == report
    assert stored["id"] == report["uploaded"]["id"]
    assert stored["passed"] is True
    assert stored["report"]["installer"] == "Li Wei (installer)"
    assert {d["serial"] for d in stored["report"]["devices"]} == {"SIM-000001", SMOKE_IEEE, BAND_ID}
    assert len(stored["report"]["checks"]) == len(report["checks"])
    assert "ALL CHECKS PASSED" in text
    assert (opts.systemd_dir / "silverguard-edge.service").exists()
    assert stat.S_IMODE((opts.config_path.with_name("edge.env")).stat().st_mode) == 0o600
