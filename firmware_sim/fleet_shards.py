"""A large fleet shared out over processes (``silverguard sim fleet``, ``silverguard bench e2e``).

One process's network thread (:class:`~firmware_sim.fleet_loop.SharedMqttLoop`) is one core at
most, and Python's per-message work is not small, so a :class:`ShardedFleet` runs
``HOMES_PER_PROCESS`` homes per process (numbered on across processes, so every home is still
its own gateway identity), starts them together and merges their figures. Times are
``time.monotonic()``: ``CLOCK_MONOTONIC`` on Linux, one clock for every process of the
machine.

Example:
    >>> shard_bounds(600)
    [(0, 250), (250, 250), (500, 100)]
    >>> alarm_homes(10, 4)
    [0, 2, 5, 7]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType
from typing import Any

from firmware_sim.errors import FirmwareSimError
from firmware_sim.fleet import Fleet, HomeRates

__all__ = ["HOMES_PER_PROCESS", "FleetPlan", "ShardedFleet", "alarm_homes", "shard_bounds"]

HOMES_PER_PROCESS = 250


@dataclass(frozen=True)
class FleetPlan:
    """Stream ``warmup_s + duration_s`` at real rates; inject ``injected_alarms`` falls over
    ``duration_s`` (one per home, spread over the fleet); every ``alarm_every``-th message a
    scripted fall too (``None``: none); then, if ``wait_acks``, resend until all is acked
    (``drain_s`` at most: what is left is counted as unacked). Unacked messages are resent
    after ``resend_after_s``, the edge agent's ``ack_timeout_s`` default; telemetry then backs
    off up to ``resend_max_s``, its ``outbox_limits.telemetry_resend_max_s`` default."""

    port: int
    homes: int
    org: str
    duration_s: float
    warmup_s: float = 0.0
    injected_alarms: int = 0
    alarm_every: int | None = None
    wait_acks: bool = True
    drain_s: float = 120.0
    resend_after_s: float = 10.0
    resend_max_s: float = 160.0


def shard_bounds(homes: int) -> list[tuple[int, int]]:
    """(first home, count) of each process."""
    return [
        (first, min(HOMES_PER_PROCESS, homes - first))
        for first in range(0, homes, HOMES_PER_PROCESS)
    ]


def alarm_homes(homes: int, alarms: int) -> list[int]:
    """Distinct homes for ``alarms`` alarms (≤ ``homes``), spread evenly over the fleet."""
    return [k * homes // alarms for k in range(alarms)]


def _wait_connected(fleet: Fleet, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(g.client.is_connected() for g in fleet.gateways):
        if time.monotonic() > deadline:
            up = sum(g.client.is_connected() for g in fleet.gateways)
            raise FirmwareSimError(
                f"only {up} of {len(fleet.gateways)} gateways connected to the broker on port "
                f"{fleet.port} within {timeout_s:.0f} s: is it running?"
            )
        time.sleep(0.05)


def run_shard(  # noqa: PLR0917 (a process target's arguments)
    plan: FleetPlan, first: int, count: int, results: Any, ready: EventType, go: EventType
) -> None:
    """Process: homes ``first`` .. ``first + count - 1`` of the plan; puts its figures (or
    ``{"error": ...}``) on ``results``."""
    fleet = Fleet(
        plan.port,
        count,
        org=plan.org,
        alarm_every=plan.alarm_every,
        rates=HomeRates(),
        first_home=first,
        resend_after_s=plan.resend_after_s,
        resend_max_s=plan.resend_max_s,
    )
    mine = [
        (k, home - first)
        for k, home in enumerate(alarm_homes(plan.homes, plan.injected_alarms))
        if first <= home < first + count
    ]
    try:
        _wait_connected(fleet, timeout_s=60)
        ready.set()
        go.wait()
        fleet.start()
        started = time.monotonic()
        measure_from = started + plan.warmup_s
        interval = plan.duration_s / max(1, plan.injected_alarms)
        for k, home in mine:
            time.sleep(max(0.0, measure_from + k * interval - time.monotonic()))
            fleet.inject_alarm(home, k)
        time.sleep(max(0.0, measure_from + plan.duration_s - time.monotonic()))
        fleet.stop_sending()
        stopped = time.monotonic()
        if plan.wait_acks:
            with contextlib.suppress(AssertionError):  # what is left is counted as unacked
                fleet.drain(timeout_s=plan.drain_s)
    except FirmwareSimError as exc:
        results.put({"error": str(exc)})
        return
    finally:
        fleet.close()
    results.put(_figures(fleet, stopped - started))


def _figures(fleet: Fleet, streamed_s: float) -> dict[str, Any]:
    alarms = {m for g in fleet.gateways for m in g.alarms}
    return {
        "injected": [(a.resident_id, a.message_id, a.published_monotonic) for a in fleet.injected],
        "alarms": len(alarms),
        "readings": len(fleet.reading_ids),
        "other_telemetry": sum(g.telemetry_sent for g in fleet.gateways),
        "alarm_ack_delays_s": [
            d for g in fleet.gateways for m, d in g.ack_delay_s.items() if m in alarms
        ],
        "telemetry_ack_delays_s": [
            d for g in fleet.gateways for m, d in g.ack_delay_s.items() if m not in alarms
        ],
        "streamed_s": streamed_s,
        "resends": sum(g.resends for g in fleet.gateways),
        "unacked": sum(g.unacked() for g in fleet.gateways),
    }


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "streamed_s":
                merged[key] = max(merged.get(key, 0.0), value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = merged.get(key, 0) + value
    merged["messages_sent"] = merged["alarms"] + merged["readings"] + merged["other_telemetry"]
    return merged


class ShardedFleet:
    """The plan's homes over ``ceil(homes / HOMES_PER_PROCESS)`` processes (spawned)."""

    def __init__(self, plan: FleetPlan) -> None:
        self.plan = plan
        context = multiprocessing.get_context("spawn")
        self._results = context.Queue()
        self._go = context.Event()
        self._ready = [context.Event() for _ in shard_bounds(plan.homes)]
        self._processes = [
            context.Process(
                target=run_shard,
                args=(plan, first, count, self._results, ready, self._go),
                daemon=True,
            )
            for (first, count), ready in zip(shard_bounds(plan.homes), self._ready, strict=True)
        ]

    @property
    def pids(self) -> list[int]:
        """The fleet's process ids (once started)."""
        return [p.pid for p in self._processes if p.pid is not None]

    def start(self, timeout_s: float = 120.0) -> None:
        """Start every process and wait until each has all its homes connected.

        Raises:
            FirmwareSimError: a process failed (its reason) or did not connect in time.
        """
        for process in self._processes:
            process.start()
        deadline = time.monotonic() + timeout_s
        for ready in self._ready:
            while not ready.wait(0.2):
                if not self._results.empty():
                    raise FirmwareSimError(str(self._results.get()["error"]))
                if time.monotonic() > deadline:
                    raise FirmwareSimError(f"the fleet did not connect within {timeout_s:.0f} s")

    def go(self) -> None:
        """Every process starts streaming now."""
        self._go.set()

    def results(self, timeout_s: float) -> dict[str, Any]:
        """Every process's figures, merged (lists joined, counts summed).

        Raises:
            FirmwareSimError: a process failed, or did not finish in ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        try:
            parts = [
                self._results.get(timeout=max(0.1, deadline - time.monotonic()))
                for _ in self._processes
            ]
        except queue.Empty:
            raise FirmwareSimError(f"the fleet did not finish within {timeout_s:.0f} s") from None
        errors = [str(p["error"]) for p in parts if "error" in p]
        if errors:
            raise FirmwareSimError("; ".join(errors))
        return _merge(parts)

    def close(self) -> None:
        """Join every process (killing what does not end)."""
        for process in self._processes:
            if process.pid is None:
                continue
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()
