"""Every generated dashboard against Grafana's own published types (``grafana-foundation-sdk``).

Grafana itself is not installable here, so the dashboards are checked against the types Grafana
publishes for its dashboard schema and its panel plugins: each dashboard is decoded with
``grafana_foundation_sdk.models.dashboard.Dashboard.from_json`` (panel options and field
config through the panel type's own model) and encoded again. The SDK's decoders skip keys the
schema does not know, so a field that does not survive the round trip is not in Grafana's
schema (a typo, or a field of another version); a value that changes was not of the schema's
type; a panel type with no registered model is not a Grafana panel plugin.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from grafana_foundation_sdk.cog import runtime
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard as GrafanaDashboard

from dashboards.build import all_dashboards

DASHBOARDS = {d.uid: d.to_json() for d in all_dashboards()}


def lost_in_round_trip(sent: Any, back: Any, path: str = "$") -> list[str]:
    """Where ``back`` lacks a key of ``sent`` or holds another value.

    >>> lost_in_round_trip({"a": 1, "b": [{"c": 2}]}, {"a": 1, "b": [{}]})
    ['$.b[0].c: not in the schema']
    """
    if isinstance(sent, dict):
        if not isinstance(back, dict):
            return [f"{path}: an object where the schema has {type(back).__name__}"]
        lost = []
        for key, value in sent.items():
            if key not in back:
                lost.append(f"{path}.{key}: not in the schema")
            else:
                lost += lost_in_round_trip(value, back[key], f"{path}.{key}")
        return lost
    if isinstance(sent, list):
        if not isinstance(back, list) or len(back) != len(sent):
            return [f"{path}: a list the schema does not keep"]
        return [
            p
            for i, (a, b) in enumerate(zip(sent, back, strict=True))
            for p in lost_in_round_trip(a, b, f"{path}[{i}]")
        ]
    return [] if sent == back else [f"{path}: {sent!r} came back as {back!r}"]


@pytest.fixture(scope="module", autouse=True)
def _grafana_plugins() -> None:
    register_default_plugins()  # the panel and query models, keyed by plugin type


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_the_dashboard_is_valid_for_grafana(uid: str) -> None:
    sent = DASHBOARDS[uid]
    unknown = sorted(
        {p["type"] for p in sent["panels"] if runtime.panelcfg_config(p["type"]) is None}
    )
    assert not unknown, f"{uid}: panel types Grafana has no plugin for: {unknown}"
    back = json.loads(json.dumps(GrafanaDashboard.from_json(sent), cls=JSONEncoder))
    lost = lost_in_round_trip(sent, back)
    assert not lost, f"{uid} does not match Grafana's dashboard schema:\n" + "\n".join(lost)


def test_the_check_catches_a_field_grafana_does_not_know() -> None:
    [first, *_] = DASHBOARDS.values()
    broken = {**first, "panels": [{**first["panels"][0], "fieldConfg": {}}]}
    back = json.loads(json.dumps(GrafanaDashboard.from_json(broken), cls=JSONEncoder))
    assert lost_in_round_trip(broken, back) == ["$.panels[0].fieldConfg: not in the schema"]


def test_the_check_catches_a_panel_type_grafana_does_not_have() -> None:
    register_default_plugins()
    assert runtime.panelcfg_config("timeseries") is not None
    assert runtime.panelcfg_config("timeseriez") is None
