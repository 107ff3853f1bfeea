"""Settings with a directory, a roster and escalation policies, for the escalation tests."""

from __future__ import annotations

from typing import Any

from alerting.config import AlertingSettings
from tests.alerting.support import make_settings

PEOPLE = ("cw-0001", "cw-0002", "cw-0003", "tl-0001", "fam-0001", "op-0001")
"""primary, backup, night-shift worker, team lead, family member, duty desk."""
JWT_SECRET_ENV = "SG_TEST_ALERTING_JWT_SECRET"
JWT_SECRET = "jwt-test-secret-of-at-least-32-bytes!"


def escalation_settings(
    database_url: str,
    *,
    hook_url: str = "http://127.0.0.1:9/hooks",
    api_port: int = 8400,
    night_roster: bool = False,
    **overrides: Any,
) -> AlertingSettings:
    """One team (lead tl-0001), resident res-0001 (primary cw-0001, backup cw-0002, family
    fam-0001), a duty desk for device health, and the ``standard`` and ``critical`` policies.

    Every person has one webhook contact at ``{hook_url}/{person id}``.
    """
    base = make_settings(database_url, email_address=None, api_port=api_port).model_dump(
        by_alias=True
    )
    shifts = [{"start": "08:00", "end": "20:00", "people": ["cw-0001", "cw-0002"]}]
    if night_roster:
        shifts.append({"start": "20:00", "end": "08:00", "people": ["cw-0003"]})
    config: dict[str, Any] = {
        **base,
        "people": [
            {"id": p, "name": p, "contacts": [{"channel": "webhook", "url": f"{hook_url}/{p}"}]}
            for p in PEOPLE
        ],
        "receivers": [
            {"name": "duty-desk", "people": ["op-0001"]},
            {"name": "north", "people": ["cw-0001", "cw-0002"]},
        ],
        "route": {
            "receiver": "duty-desk",
            "escalation": "standard",
            "routes": [
                {"name": "critical", "matchers": ["type=~fire|sos|fall"], "escalation": "critical"}
            ],
        },
        "operator_receiver": "duty-desk",
        "escalation_policies": [
            {
                "name": "critical",
                "steps": [
                    {"after_s": 0, "notify": ["primary"]},
                    {"after_s": 120, "notify": ["backup", "team_lead"]},
                    {"after_s": 300, "notify": ["family"]},
                ],
                "repeat_interval_s": 600,
                "repeat_max": 1,
                "ack_timeout_s": 900,
            },
            {
                "name": "standard",
                "steps": [
                    {"after_s": 0, "notify": ["primary"]},
                    {"after_s": 600, "notify": ["backup"]},
                ],
            },
        ],
        "rosters": [{"name": "north-duty", "shifts": shifts}] if night_roster else [],
        "directory": {
            "teams": [
                {
                    "id": "t-north",
                    "lead": "tl-0001",
                    "roster": "north-duty" if night_roster else None,
                }
            ],
            "residents": [
                {
                    "id": "res-0001",
                    "team": "t-north",
                    "home": "home-0001",
                    "primary": "cw-0001",
                    "backup": "cw-0002",
                    "family": ["fam-0001"],
                }
            ],
        },
        "auth": {"jwt_secret_env": JWT_SECRET_ENV},
    }
    config.update(overrides)
    return AlertingSettings.model_validate(config)
