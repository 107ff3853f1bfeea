"""The whole stack for the app's browser tests: PostgreSQL with the ingest's tables and the
example seed, the cloud REST API, the alert router (directory from the domain tables) paging a
real webhook receiver, the care app, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import base64
import contextlib
import math
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from alerting.config import AlertingSettings
from alerting.store.db import migrate as migrate_alerting
from care_app.app import create_app as create_care_app
from care_app.config import CareAppSettings
from cloud_ingest.api.app import create_app as create_cloud_app
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.settings import ApiSettings
from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.config import TsdbSettings
from cloud_ingest.seed import apply_seed, load_seed_file
from cloud_ingest.store import IngestStore
from cloud_ingest.store import migrate as migrate_ingest
from cloud_ingest.store.batch import Incoming
from cloud_ingest.tsdb.points import points_of
from cloud_ingest.tsdb.writer import TsdbWriter
from contracts.clock import FakeClock, SystemClock
from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.ids import new_message_id
from contracts.readings import MattressVitals
from silverguard.sinks import WebhookReceiver
from silverguard.sinks.http_server import LocalHttpServer
from silverguard.sinks.push_service import PushServiceEmulator
from tests.alerting.escalation_support import JWT_SECRET_ENV, escalation_settings
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    WEBHOOK_SECRET,
    WEBHOOK_SECRET_ENV,
    running_router,
)
from tests.cloud_ingest.api.support import JWT_SECRET, SEED_ENV, STAFF_PASSWORD
from tests.servers import free_port

ROOT = Path(__file__).parents[2]
SEED = ROOT / "deploy" / "examples" / "seed.yaml"
ARTIFACTS = ROOT / "var" / "test-artifacts" / "care_app"
SESSION_SECRET_ENV = "SG_TEST_CARE_APP_SESSION_SECRET"
VAPID_ENV = "SG_TEST_CARE_APP_VAPID_KEY"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = ViewportSize(width=360, height=780)


@dataclass
class Stack:
    """Where everything runs."""

    database_url: str
    app_url: str
    store: IngestStore
    receiver: WebhookReceiver
    push: PushServiceEmulator
    browser: Browser
    router: AlertingSettings

    async def phone(self, name: str) -> Page:
        """A fresh 360 px wide browser context (its own cookies) with one page."""
        context = await self.browser.new_context(viewport=PHONE, device_scale_factor=1)
        page = await context.new_page()
        page.set_default_timeout(20_000)
        return page

    def store_signs_of_life(self) -> None:
        """The bed of home-0001 reports vitals (its gateway and bed are heard from; the smoke
        sensor and the wristband stay silent), stored with liveness tracking as the consumer
        does."""
        now = datetime.now(UTC)
        vitals = MattressVitals(in_bed=True, heart_rate_bpm=64, resp_rate_br_min=15)
        envelope = _envelope("bed-0001", now, vitals)
        self.store.store_batch([Incoming(envelope, encode_envelope(envelope))], track_liveness=True)

    def store_fall(self, resident_id: str = "res-0001") -> str:
        """A fall from the wristband, stored through the ingest store as the consumer would."""
        envelope = fall_envelope(resident_id, datetime.now(UTC))
        self.store.store(envelope, encode_envelope(envelope))
        return envelope.message_id


def fall_envelope(resident_id: str, now: datetime) -> Envelope:
    """A fall with its accelerometer trace (25 Hz, 4 s before to 8 s after the impact)."""
    rate = 25.0
    impact = now - timedelta(seconds=40)
    start = impact - timedelta(seconds=4)
    trace = []
    for i in range(int(12 * rate)):
        t = i / rate - 4.0
        if t < -0.4:
            g = 1.0 + 0.05 * math.sin(7 * t)
        elif t < 0:
            g = 0.3  # free fall
        elif t < 0.3:
            g = 3.4 - 6 * t  # impact
        else:
            g = 1.0 + 0.02 * math.sin(3 * t)  # lying still
        trace.append(round(g, 3))
    evidence = Evidence(
        summary="suspected fall at 02:14 (impact 3.4 g, wrist turned 78°, still 40 s after); "
        'no "I\'m OK" press within 30 s',
        values={
            "peak_g": 3.4,
            "orientation_change_deg": 78.0,
            "stillness_s": 40.0,
            "fall_probability": 0.93,
            "cancel_window_s": 30,
            "impact_at": impact.isoformat(),
            "signal_start": start.isoformat(),
            "source": "accelerometer",
        },
        signal_rate_hz=rate,
        signal={"accel_g": trace},
    )
    body = EventBody.of(
        EventType.FALL, evidence, status=EventStatus.RAISED, detector="edge.fall/v1"
    )
    return _envelope("band-0001", now, body, resident_id)


def _envelope(
    device_id: str, now: datetime, body: EventBody | MattressVitals, resident_id: str = "res-0001"
) -> Envelope:
    return Envelope(
        message_id=new_message_id(now),
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id=resident_id,
        device_id=device_id,
        device_time=now,
        gateway_time=now,
        body=body,
    )


def seed(database_url: str) -> None:
    """The ingest's tables and the example seed, then the router's tables."""
    migrate_ingest(database_url)
    apply_seed(
        load_seed_file(SEED),
        database_url,
        clock=FakeClock(datetime(2026, 11, 1, tzinfo=UTC)),
        hasher=SecretHasher.fast_for_tests(),
    )
    migrate_alerting(database_url)


def write_bed_history(tsdb_url: str, days: int = 7) -> None:
    """A week of res-0001's bed through the ingest's own time-series writer: in bed
    22:00-06:00 (Shanghai) with one exit 02:00-02:20 each night, a sample every 5 min."""
    writer = TsdbWriter(TsdbSettings.model_validate({"url": tsdb_url}))
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    lines: list[str] = []
    for i in range(days * 24 * 12):
        at = end - timedelta(minutes=5 * i)
        local = at.astimezone(SHANGHAI)
        in_bed = (local.hour >= 22 or local.hour < 6) and not (
            local.hour == 2 and local.minute < 20
        )
        body = MattressVitals(in_bed=in_bed, movement_index=0.2 if in_bed else 0.0)
        lines += points_of(_envelope("bed-0001", at, body))
    writer.write(lines)
    writer.close()
    httpx.get(f"{tsdb_url}/internal/force_flush", timeout=10).raise_for_status()


@contextlib.asynccontextmanager
async def care_stack(database_url: str, tsdb_url: str) -> AsyncIterator[Stack]:
    """Everything running (the caller sets the secrets' environment, see ``secrets_env``)."""
    seed(database_url)
    write_bed_history(tsdb_url)
    cloud = ApiContext(
        database_url,
        ApiSettings(),
        JWT_SECRET,
        clock=SystemClock(),
        hasher=SecretHasher.fast_for_tests(),
        tsdb_url=tsdb_url,
    )
    store = IngestStore(database_url, clock=SystemClock())
    try:
        async with (
            WebhookReceiver(WEBHOOK_SECRET.encode(), port=free_port()) as receiver,
            PushServiceEmulator() as push,
            LocalHttpServer(create_cloud_app(cloud)) as cloud_server,
        ):
            router = escalation_settings(
                database_url,
                hook_url=f"{receiver.base_url}/hooks",
                api_port=free_port(),
                directory_source="database",
                directory={},
                night_roster=True,
                poll_interval_s=0.1,
                channels={
                    "webhook": {"secret_env": WEBHOOK_SECRET_ENV, "timeout_s": 5},
                    "webpush": {
                        "vapid_private_key_env": VAPID_ENV,
                        "vapid_subject": "mailto:duty@silverguard.example",
                    },
                },
            )
            app = create_care_app(
                CareAppSettings(
                    cloud_api_url=cloud_server.base_url,
                    alerting_api_url=router.public_base_url,
                    session_secret_env=SESSION_SECRET_ENV,
                    vapid_public_key=vapid_public_key(os.environ[VAPID_ENV]),
                ),
                SystemClock(),
            )
            async with (
                running_router(router),
                LocalHttpServer(app) as app_server,
                async_playwright() as playwright,
            ):
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    yield Stack(
                        database_url, app_server.base_url, store, receiver, push, browser, router
                    )
                finally:
                    await browser.close()
    finally:
        store.close()
        cloud.close()


def _vapid_private_key() -> str:
    """A fresh VAPID key, as the router reads it (base64url PKCS#8 DER)."""
    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.urlsafe_b64encode(der).decode().rstrip("=")


def vapid_public_key(private_b64url: str) -> str:
    """The application server key a browser subscribes with (uncompressed point, base64url)."""
    der = base64.urlsafe_b64decode(private_b64url + "=" * (-len(private_b64url) % 4))
    key = serialization.load_der_private_key(der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).decode().rstrip("=")


def secrets_env() -> dict[str, str]:
    """The environment every component reads its secrets from."""
    return {
        VAPID_ENV: _vapid_private_key(),
        **SEED_ENV,
        TOKEN_SECRET_ENV: TOKEN_SECRET,
        WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
        JWT_SECRET_ENV: JWT_SECRET,
        SESSION_SECRET_ENV: "care-app-test-session-secret-0123456789",
    }


async def log_in(page: Page, app_url: str, username: str, password: str = STAFF_PASSWORD) -> None:
    """Log in through the form."""
    await page.goto(f"{app_url}/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")


async def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    small = ARTIFACTS / f"{name}.jpg"  # the README tour's copies come from these
    await page.screenshot(path=str(small), full_page=True, type="jpeg", quality=55)
    return path
