"""An emulated care wristband as its BLE→MQTT bridge presents it (see
:mod:`contracts.devices.wristband`): 50 Hz accelerometer blocks about once a second and a
status message on change and once a minute.

The accelerometer stream is either a resting wrist (gravity plus a little seeded noise) or a
recording replayed from a CSV, such as WEDA-FALL's ``*_accel.csv`` (columns ``accel_time_list,
accel_x_list, accel_y_list, accel_z_list``; any CSV with a time column in seconds and x/y/z
columns works).

Example:
    >>> from contracts.devices.wristband import WristbandAccelPayload, WristbandStatusPayload
    >>> band = WristbandSim("c8f09e3a11b2", seed=1)
    >>> band.accel_topic, band.status_topic
    ('wristband/c8f09e3a11b2/accel', 'wristband/c8f09e3a11b2/status')
    >>> block = WristbandAccelPayload.parse_payload(band.resting_block(1795489200000, 50))
    >>> len(block.xyz), block.rate_hz, round(block.xyz[0][2], 1)
    (50, 50.0, 1.0)
    >>> WristbandStatusPayload.parse_payload(band.status_payload(sos=True)).sos
    True
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import aiomqtt

from contracts.devices.wristband import WRISTBAND_BASE_TOPIC, WristbandTopicKind, wristband_topic
from firmware_sim.errors import FirmwareSimError

NORMAL_STATUS: dict[str, object] = {
    "hr": 72,
    "sos": False,
    "battery": 81,
    "on_wrist": True,
    "rssi": -67,
    "fall": False,
}
"""What an idle, healthy band reports."""

RATE_HZ = 50.0


class WristbandSim:
    """One emulated band: holds its status and publishes the bridge's JSON."""

    def __init__(
        self, band_id: str, base_topic: str = WRISTBAND_BASE_TOPIC, *, seed: int = 0
    ) -> None:
        self.band_id = band_id
        self.accel_topic = wristband_topic(band_id, WristbandTopicKind.ACCEL, base_topic)
        self.status_topic = wristband_topic(band_id, WristbandTopicKind.STATUS, base_topic)
        self.status: dict[str, object] = dict(NORMAL_STATUS)
        self._rng = random.Random(seed)  # noqa: S311 (sensor noise, not secrets)
        self._seq = 0
        self.last_impact_monotonic: float | None = None

    def status_payload(self, **change: object) -> bytes:
        """Change some status fields (e.g. ``sos=True``) and return the status JSON."""
        unknown = set(change) - set(NORMAL_STATUS) - {"ts"}
        if unknown:
            raise FirmwareSimError(
                f"the band has no status field {', '.join(sorted(unknown))}; "
                f"known: {', '.join(NORMAL_STATUS)}"
            )
        self.status.update(change)
        return json.dumps(self.status).encode()

    def accel_payload(
        self,
        ts_ms: int,
        xyz: Sequence[tuple[float, float, float]],
        rate_hz: float = RATE_HZ,
        *,
        unit: Literal["g", "m/s2"] = "g",
    ) -> bytes:
        """One accelerometer block starting at ``ts_ms`` (samples in ``unit``)."""
        self._seq = (self._seq + 1) % 65536
        samples = [[round(x, 4), round(y, 4), round(z, 4)] for x, y, z in xyz]
        block = {"ts": ts_ms, "seq": self._seq, "rate_hz": rate_hz, "unit": unit, "xyz": samples}
        return json.dumps(block).encode()

    def upright_seconds(self, seconds: int) -> list[list[tuple[float, float, float]]]:
        """One-second blocks (in g) of a worn wrist at rest, forearm level: gravity on z."""
        noise = self._rng.gauss
        return [
            [(noise(0, 0.02), noise(0, 0.02), 1.0 + noise(0, 0.02)) for _ in range(int(RATE_HZ))]
            for _ in range(seconds)
        ]

    def fall_motion(self) -> list[list[tuple[float, float, float]]]:
        """One-second blocks (in g): upright, a hard impact turning the wrist 90°, then lying
        still on the floor with gravity on x (a fall nobody cancels)."""
        noise = self._rng.gauss
        n = int(RATE_HZ)
        lying = [[(1.0 + noise(0, 0.01), noise(0, 0.01), noise(0, 0.01)) for _ in range(n)]]
        impact = [*self.upright_seconds(1)[0][: n // 2], (5.1, 0.3, 2.0)]
        impact += lying[0][: n - len(impact)]
        still = [
            [(1.0 + noise(0, 0.01), noise(0, 0.01), noise(0, 0.01)) for _ in range(n)]
            for _ in range(6)
        ]
        return [*self.upright_seconds(2), impact, *still]

    async def play_motion(
        self, client: aiomqtt.Client, blocks: Sequence[Sequence[tuple[float, float, float]]]
    ) -> None:
        """Publish one-second blocks in real time, stamped with the wall clock; remembers when
        a block with an impact (> 2.5 g) went out in ``last_impact_monotonic``."""
        for block in blocks:
            await self.publish(
                client, self.accel_topic, self.accel_payload(int(time.time() * 1000), block)
            )
            if any(abs(x) + abs(y) + abs(z) > 2.5 for x, y, z in block):
                self.last_impact_monotonic = time.monotonic()
            await asyncio.sleep(len(block) / RATE_HZ)

    def resting_block(self, ts_ms: int, n: int = 50, rate_hz: float = RATE_HZ) -> bytes:
        """``n`` samples of a wrist at rest: gravity on z with a little noise."""
        noise = self._rng.gauss
        xyz = [(noise(0, 0.01), noise(0, 0.01), 1.0 + noise(0, 0.01)) for _ in range(n)]
        return self.accel_payload(ts_ms, xyz, rate_hz)

    async def publish(self, client: aiomqtt.Client, topic: str, payload: bytes) -> None:
        """Publish one message at QoS 1 (raises FirmwareSimError)."""
        try:
            await client.publish(topic, payload, qos=1)
        except aiomqtt.MqttError as exc:
            raise FirmwareSimError(f"cannot publish {topic}: {exc}") from exc

    async def stream(
        self,
        client: aiomqtt.Client,
        *,
        seconds: float,
        start_ms: int,
        blocks_per_s: float = 1.0,
        time_scale: float = 1.0,
    ) -> int:
        """Publish a resting wrist for ``seconds`` (status every 60 s); returns blocks sent."""
        per_block = max(1, round(RATE_HZ / blocks_per_s))
        sent = 0
        t_s = 0.0
        while t_s < seconds:
            ts = start_ms + round(t_s * 1000)
            await self.publish(client, self.accel_topic, self.resting_block(ts, per_block))
            if sent % max(1, round(60 * blocks_per_s)) == 0:
                await self.publish(client, self.status_topic, self.status_payload(ts=ts))
            sent += 1
            t_s += per_block / RATE_HZ
            if time_scale:
                await asyncio.sleep(per_block / RATE_HZ * time_scale)
        return sent


def read_accel_csv(path: Path) -> list[tuple[float, float, float, float]]:
    """(t_s, x, y, z) rows of a recording such as WEDA-FALL's ``*_accel.csv``.

    Raises:
        FirmwareSimError: the file cannot be read or lacks time/x/y/z columns.
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FirmwareSimError(f"cannot read {path}: {exc}") from exc
    if not rows:
        raise FirmwareSimError(f"{path} has no samples")
    columns = _columns(list(rows[0]))
    if columns is None:
        raise FirmwareSimError(
            f"{path}: need a time column and x, y, z columns (found {', '.join(rows[0])})"
        )
    try:
        return [tuple(float(row[c]) for c in columns) for row in rows]  # type: ignore[misc]
    except (TypeError, ValueError) as exc:
        raise FirmwareSimError(f"{path}: a sample is not a number ({exc})") from exc


def blocks_of(
    rows: Sequence[tuple[float, float, float, float]], per_block: int = 50
) -> Iterator[tuple[float, list[tuple[float, float, float]]]]:
    """(start time in s, samples) blocks of a recording."""
    for i in range(0, len(rows), per_block):
        chunk = rows[i : i + per_block]
        yield chunk[0][0], [(x, y, z) for _, x, y, z in chunk]


def _columns(names: list[str]) -> tuple[str, str, str, str] | None:
    def find(*suffixes: str) -> str | None:
        for name in names:
            key = name.strip().lower()
            if any(
                key == s or key.endswith(f"_{s}_list") or key.endswith(f"_{s}") for s in suffixes
            ):
                return name
        return None

    found = (find("time", "t", "timestamp"), find("x"), find("y"), find("z"))
    if any(c is None for c in found):
        return None
    return found  # type: ignore[return-value]
