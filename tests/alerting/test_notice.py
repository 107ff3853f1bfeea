"""Notices carry pseudonymous ids and the summary only."""

from __future__ import annotations

from datetime import UTC, datetime

from alerting.channels.base import Notice


def sample_notice(target: str) -> Notice:
    """A fire notice for ``target``."""
    return Notice(
        incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y",
        person_id="cw-0001",
        target=target,
        type="fire",
        severity="critical",
        warning_class="home_anomaly",
        resident_id="res-0001",
        home_id="home-0001",
        summary="smoke detected in the kitchen",
        opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        accept_url="http://127.0.0.1:8400/a/TOKEN",
        accept_token="TOKEN",
    )


def test_payload_has_the_fields_a_receiver_needs() -> None:
    payload = sample_notice("x").payload()
    assert {"incident_id", "type", "severity", "warning_class", "resident_id", "home_id"} <= set(
        payload
    )
    assert payload["opened_at"] == "2026-11-24T03:00:00+00:00"
    assert payload["title"] == "【紧急】火警 · 住户 res-0001"
