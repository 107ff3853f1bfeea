"""The setup's steps in order; each done step is kept in the state file and skipped on a re-run."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from contracts.config import MqttEndpoint
from contracts.devices.mattress_serial import MattressMode
from edge_agent.config import EdgeSettings, MattressSettings
from silverguard.setup import commissioning_alarm, devices, selftest
from silverguard.setup.checks import CheckResult
from silverguard.setup.cloud import CloudApi
from silverguard.setup.errors import SetupError
from silverguard.setup.install import PASSWORD_ENV, install_unit, write_agent_config
from silverguard.setup.options import SetupOptions
from silverguard.setup.report import build_report, print_report, upload_body
from silverguard.setup.state import SetupState, write_private

log = logging.getLogger(__name__)

STEPS = (
    "register",
    "broker_account",
    "mattress",
    "smoke_sensor",
    "wristband",
    "devices",
    "resident",
    "config",
    "selftest",
    "install",
    "online",
    "report",
)


class SetupRun:
    """One run of the setup for ``options``; :meth:`run` does what is not done yet."""

    def __init__(
        self,
        options: SetupOptions,
        console: Console,
        *,
        api: CloudApi | None = None,
        prompt: Callable[[str], None] | None = None,
    ) -> None:
        self.o = options
        self.console = console
        self._own_api = api is None
        self.api = api or CloudApi(options.cloud_url)
        self.state = SetupState.load(options.state_dir / "setup-state.json")
        self.prompt = prompt or (lambda text: console.print(f"[bold yellow]→ {text}[/]"))
        self.creds_path = options.state_dir / "credentials.json"

    async def run(self) -> dict[str, Any]:
        """Every remaining step; the commissioning report (raises SetupError at a failing step)."""
        try:
            return await self._run()
        finally:
            if self._own_api:
                self.api.close()

    async def _run(self) -> dict[str, Any]:
        steps: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "register": self._register,
            "broker_account": self._broker_account,
            "mattress": self._mattress,
            "smoke_sensor": self._smoke,
            "wristband": self._band,
            "devices": self._devices,
            "resident": self._resident,
            "config": self._config,
            "selftest": self._selftest,
            "install": self._install,
            "online": self._online,
            "report": self._report,
        }
        for name in STEPS:
            if self.state.done(name):
                self.console.print(f"[dim]✓ {name} (done earlier)[/]")
                continue
            self.console.print(f"[bold]… {name}[/]")
            try:
                result = await steps[name]()
            except SetupError as exc:
                self.console.print(
                    f"[red]✗ {name}: {exc.message}[/]\n  [yellow]what to do: {exc.advice}[/]"
                )
                raise
            self.state.record(name, result)
            self.console.print(f"[green]✓ {name}[/]")
        return self.state.result("report")

    # -- credentials -------------------------------------------------------------------------
    def _creds(self) -> dict[str, Any]:
        return dict(json.loads(self.creds_path.read_text()))

    def _auth(self) -> tuple[str, str]:
        creds = self._creds()
        return str(creds["username"]), str(creds["password"])

    async def _register(self) -> dict[str, Any]:
        if self.o.code is None:
            raise SetupError("no provisioning code", advice="give --code (from the operator)")
        creds = await asyncio.to_thread(self.api.register, self.o.code)
        write_private(self.creds_path, json.dumps(creds))
        kept = {k: creds[k] for k in ("gateway_id", "org_id", "home_id", "topic_prefix")}
        return kept | {"started_at": datetime.now(UTC).isoformat()}

    async def _broker_account(self) -> dict[str, Any]:
        return await asyncio.to_thread(self.api.broker_account, *self._auth())

    # -- devices -----------------------------------------------------------------------------
    async def _mattress(self) -> dict[str, Any]:
        found = await devices.find_mattress(devices.candidate_ports(self.o.serial_ports))
        return found.__dict__ | {"device_id": self.o.mattress_device_id}

    async def _smoke(self) -> dict[str, Any]:
        self.prompt("Put the smoke sensor in pairing mode (hold its button until the LED blinks).")
        paired = await devices.pair_smoke_sensor(
            self.o.home_broker, self.o.z2m_base_topic, self.o.smoke_name, self.o.step_timeout_s
        )
        return paired | {"device_id": self.o.smoke_device_id}

    async def _band(self) -> dict[str, Any]:
        self.prompt(f"Switch on the wristband {self.o.band_id} and bring it near the gateway.")
        bound = await devices.bind_wristband(
            self.o.home_broker, "wristband", self.o.band_id, self.o.step_timeout_s
        )
        return bound | {"device_id": self.o.band_device_id}

    def _device_list(self) -> list[dict[str, Any]]:
        m, s, b = (self.state.result(k) for k in ("mattress", "smoke_sensor", "wristband"))
        return [
            {
                "device_id": m["device_id"],
                "kind": "mattress",
                "serial": m["serial_number"],
                "model": f"{m['vendor']} {m['model']} fw {m['firmware_version']}",
                "port": m["port"],
            },
            {
                "device_id": s["device_id"],
                "kind": "smoke",
                "serial": s["ieee_address"],
                "model": f"{s['vendor']} {s['model']}",
                "name": s["friendly_name"],
            },
            {
                "device_id": b["device_id"],
                "kind": "wristband",
                "serial": b["band_id"],
                "model": None,
            },
        ]

    async def _devices(self) -> dict[str, Any]:
        for d in self._device_list():
            await asyncio.to_thread(
                self.api.record_device,
                self._auth(),
                d["device_id"],
                d["kind"],
                d["serial"],
                f"{d['kind']} ({d['serial']})",
            )
        return {"recorded": [d["device_id"] for d in self._device_list()]}

    # -- resident ----------------------------------------------------------------------------
    def _login(self) -> None:
        if not self.o.operator_user or not self.o.operator_password:
            raise SetupError(
                "binding the resident needs an operator login",
                advice="give --operator-user and --operator-password-env",
            )
        self.api.login(self.o.operator_user, self.o.operator_password)

    async def _resident(self) -> dict[str, Any]:
        await asyncio.to_thread(self._login)
        resident = await asyncio.to_thread(self.api.resident, self.o.resident_id)
        eligibility = resident["eligibility"]
        overridden = False
        if not eligibility["eligible"]:
            if self.o.eligibility_override_reason is None:
                raise SetupError(
                    f"resident {self.o.resident_id} is not eligible: {eligibility['reason_en']}",
                    advice="check the resident's birth date and disability level with the "
                    "operator, or give --eligibility-override-reason (audited)",
                )
            await asyncio.to_thread(
                self.api.override_eligibility,
                self.o.resident_id,
                self.o.eligibility_override_reason,
            )
            overridden = True
        home_id = self.state.result("register")["home_id"]
        await asyncio.to_thread(
            self.api.bind_resident, home_id, self.o.resident_id, self.o.bind_reason
        )
        return {
            "resident_id": self.o.resident_id,
            "home_id": home_id,
            "eligible": eligibility["eligible"],
            "rule": eligibility["reason_en"],
            "overridden": overridden,
            "override_reason": self.o.eligibility_override_reason,
        }

    # -- agent ----------------------------------------------------------------------------------
    def _settings(self) -> EdgeSettings:
        reg, m = self.state.result("register"), self.state.result("mattress")
        return EdgeSettings(
            org_id=reg["org_id"],
            gateway_id=reg["gateway_id"],
            home_id=reg["home_id"],
            resident_id=self.o.resident_id,
            home_broker=self.o.home_broker,
            cloud_broker=MqttEndpoint(
                host=self.o.cloud_broker_host,
                port=self.o.cloud_broker_port,
                username=reg["gateway_id"],
                password_env=PASSWORD_ENV,
                tls=True,
                ca_file=self.o.ca_file,
            ),
            zigbee2mqtt={
                "base_topic": self.o.z2m_base_topic,
                "smoke_sensors": {self.o.smoke_name: self.o.smoke_device_id},
            },
            wristbands={"bands": {self.o.band_id: self.o.band_device_id}},
            mattress=MattressSettings(
                port=m["port"], device_id=m["device_id"], mode=MattressMode(m["mode"])
            ),
            outbox_path=self.o.outbox_path,
        )

    async def _config(self) -> dict[str, Any]:
        env = write_agent_config(self._settings(), self.o.config_path, self._auth()[1])
        return {"config": str(self.o.config_path), "env": str(env)}

    async def _selftest(self) -> dict[str, Any]:
        os.environ[PASSWORD_ENV] = self._auth()[1]  # the agent in the self-test reads it
        settings = self._settings()
        timeout = self.o.step_timeout_s
        self.prompt("Lie down on the bed, still, for a moment.")
        assert settings.mattress is not None
        rate = float(self.state.result("mattress")["sample_rate_hz"]) or 100.0
        results = [await selftest.check_bed(settings.mattress, timeout, rate)]
        self.prompt(f"Wave the arm wearing the wristband {self.o.band_id}.")
        results.append(await selftest.check_wristband(settings, self.o.band_id, timeout))
        results.append(await selftest.link_quality(settings, self._auth()[1]))
        await asyncio.to_thread(self._login)
        results += await selftest.check_chain(
            settings, self.api, self._auth(), timeout, self.prompt
        )
        results.append(await self._test_alarm(settings))
        checks = [r.as_dict() for r in results]
        failed = [r for r in results if not r.passed]
        for r in results:
            mark = "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
            self.console.print(f"  {mark} {r.name} {r.figures}")
        if failed:
            raise SetupError(
                "self-test failed: " + "; ".join(r.name for r in failed),
                advice=" / ".join(f"{r.name}: {r.advice}" for r in failed),
            )
        return {"checks": checks}

    async def _test_alarm(self, settings: EdgeSettings) -> CheckResult:
        if self.o.router_url is None:
            return CheckResult(
                commissioning_alarm.NAME,
                False,
                advice="give --router-url (the alert router's address, from the operator) so "
                "the test alarm can be accepted on your phone",
            )
        router = commissioning_alarm.RouterApi(self.o.router_url, self.api.bearer())
        try:
            return await commissioning_alarm.check_test_alarm(
                settings, self._auth()[1], router, self.o.step_timeout_s, self.prompt
            )
        finally:
            router.close()

    async def _install(self) -> dict[str, Any]:
        unit = install_unit(self.o.systemd_dir, use_systemctl=self.o.use_systemctl)
        return {"unit": str(unit), "systemctl": self.o.use_systemctl}

    async def _online(self) -> dict[str, Any]:
        auth = self._auth()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.o.step_timeout_s
        while loop.time() < deadline:
            record = await asyncio.to_thread(self.api.gateway_self, auth)
            if record.get("state") == "online":
                return {"state": "online", "agent_version": record.get("agent_version")}
            await asyncio.sleep(1.0)
        raise SetupError(
            "the installed agent did not come online in the cloud",
            advice="see journalctl -u silverguard-edge for its reason; fix it and run setup again",
        )

    async def _report(self) -> dict[str, Any]:
        reg = self.state.result("register")
        report = build_report(
            installer=self.o.installer,
            at=datetime.now(UTC),
            gateway=reg,
            devices=self._device_list(),
            resident=self.state.result("resident"),
            checks=self.state.result("selftest")["checks"]
            + [
                {
                    "name": "agent online after install",
                    "passed": True,
                    "figures": self.state.result("online"),
                }
            ],
        )
        body = upload_body(report, reg["started_at"])
        receipt = await asyncio.to_thread(self.api.upload_report, self._auth(), body)
        report["uploaded"] = {"id": receipt["id"], "submitted_at": receipt["submitted_at"]}
        path = self.o.state_dir / "commissioning-report.json"
        write_private(path, json.dumps(report, indent=2))
        print_report(report, self.console)
        return report
