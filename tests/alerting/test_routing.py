"""The route tree and its config: matching, ``continue``, inheritance, validation, the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from alerting.cli import app
from alerting.config import AlertingSettings, load_alerting_settings
from alerting.routing.tree import RouteSettings, match_routes

EXAMPLE = Path(__file__).parents[2] / "deploy" / "examples" / "alerting-escalation.yaml"

TREE: dict[str, Any] = {
    "receiver": "desk",
    "escalation": "standard",
    "routes": [
        {"name": "org-b", "matchers": ["org=org-b"], "receiver": "b-desk"},
        {
            "name": "critical",
            "matchers": ["severity=critical"],
            "escalation": "critical",
            "continue": True,
            "routes": [{"name": "north", "matchers": ["team=t-north"], "receiver": "north"}],
        },
        {"name": "wandering", "matchers": ["warning_class=wandering"], "receiver": "search"},
        {"name": "resident", "matchers": ["resident=res-0007", "type!=apnea"], "group_by": []},
    ],
}


def _paths(labels: dict[str, str]) -> list[tuple[str, str, str | None]]:
    root = RouteSettings.model_validate(TREE)
    return [(m.path_text, m.receiver, m.escalation) for m in match_routes(root, labels)]


def test_first_match_wins_without_continue() -> None:
    assert _paths({"org": "org-b", "severity": "critical"}) == [
        ("root → org-b", "b-desk", "standard")
    ]


def test_continue_goes_on_and_children_inherit() -> None:
    labels = {"severity": "critical", "team": "t-north", "warning_class": "wandering"}
    assert _paths(labels) == [
        ("root → critical → north", "north", "critical"),
        ("root → wandering", "search", "standard"),
    ]


def test_a_node_whose_children_do_not_match_is_the_match() -> None:
    assert _paths({"severity": "critical", "team": "t-south"}) == [
        ("root → critical", "desk", "critical")
    ]
    assert _paths({"type": "fall"}) == [("root", "desk", "standard")]


def test_negative_matchers_and_group_by_override() -> None:
    root = RouteSettings.model_validate(TREE)
    [route] = match_routes(root, {"resident": "res-0007", "type": "fall"})
    assert (route.path_text, route.group_by) == ("root → resident", ())
    assert _paths({"resident": "res-0007", "type": "apnea"}) == [("root", "desk", "standard")]


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return loaded


def test_example_config_loads() -> None:
    settings = load_alerting_settings(EXAMPLE)
    assert settings.metrics is not None
    assert settings.metrics.port == 9311
    assert [p.name for p in settings.escalation_policies] == [
        "critical",
        "standard",
        "family-first",
    ]
    assert settings.timezone == "Asia/Shanghai"
    assert settings.device_receiver("commissioning_test") == "installers"
    assert settings.device_receiver("low_battery") == "duty-desk"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c["route"]["routes"][0].update(receiver="nobody"),
            "is not one of the receivers",
        ),
        (
            lambda c: c["route"].update(escalation="missing"),
            "is not one of the escalation_policies",
        ),
        (lambda c: c["route"]["routes"][0].update(matchers=["type~fire"]), "is not name=value"),
        (lambda c: c["directory"]["residents"][0].update(primary="cw-9999"), "cw-9999"),
        (lambda c: c["escalation_policies"][0]["steps"][0].update(notify=["boss"]), "boss"),
        (lambda c: c.update(timezone="Mars/Olympus"), "use an IANA name"),
        (lambda c: c["rosters"][0]["shifts"][0].update(days=[0]), "ISO weekdays"),
    ],
)
def test_config_mistakes_are_refused_with_advice(change: Any, message: str) -> None:
    config = _example()
    change(config)
    with pytest.raises(ValidationError, match=message):
        AlertingSettings.model_validate(config)


def test_routes_test_prints_the_path_and_receivers() -> None:
    result = CliRunner().invoke(
        app,
        ["routes", "test", "-c", str(EXAMPLE), "--labels", "type=fall,team=t-north,org=org-demo"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "root → critical → north-critical"
    assert lines[1] == "  receiver: north-team (cw-0001, cw-0002)"
    assert lines[2].startswith("  escalation: critical: 0s primary → +120s backup/team_lead")


def test_routes_test_refuses_bad_labels() -> None:
    result = CliRunner().invoke(app, ["routes", "test", "-c", str(EXAMPLE), "-l", "typefall"])
    assert result.exit_code == 2
    assert "is not name=value" in result.output


def test_check_config_of_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SG_ALERTING_TOKEN_SECRET", "SG_WEBHOOK_SECRET"):
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("SG_AUTH_JWT_SECRET", raising=False)
    missing = CliRunner().invoke(app, ["check-config", "-c", str(EXAMPLE)])
    assert missing.exit_code == 2
    assert "SG_AUTH_JWT_SECRET" in missing.output
    monkeypatch.setenv("SG_AUTH_JWT_SECRET", "x")
    ok = CliRunner().invoke(app, ["check-config", "-c", str(EXAMPLE)])
    assert ok.exit_code == 0, ok.output
    assert "(5 route(s)), 3 escalation policies" in ok.output
