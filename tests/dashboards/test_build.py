"""The committed provisioning tree is what `silverguard dashboards build` writes, and it has
every field Grafana needs (Grafana itself is not installable here: not in Debian)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from typer.testing import CliRunner

from dashboards.build import all_dashboards, rendered
from dashboards.model import POSTGRES, VICTORIA
from dashboards.provisioning import DASHBOARDS_PATH
from silverguard.cli import app

COMMITTED = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
DATASOURCE_TYPES = {"grafana-postgresql-datasource", "postgres", "prometheus"}

_TARGET = {
    "type": "object",
    "required": ["refId", "datasource"],
    "properties": {
        "datasource": {"type": "object", "required": ["type", "uid"]},
        "rawSql": {"type": "string", "minLength": 1},
        "expr": {"type": "string", "minLength": 1},
    },
    "oneOf": [{"required": ["rawSql", "format"]}, {"required": ["expr"]}],
}
DASHBOARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["uid", "title", "schemaVersion", "panels", "time", "templating"],
    "properties": {
        "uid": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,40}$"},
        "schemaVersion": {"type": "integer", "minimum": 36},
        "time": {"type": "object", "required": ["from", "to"]},
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {
                    "type": "array",
                    "items": {"type": "object", "required": ["name", "type", "datasource"]},
                }
            },
        },
        "panels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "title", "gridPos", "datasource", "targets"],
                "properties": {
                    "type": {"enum": ["stat", "table", "timeseries", "barchart"]},
                    "gridPos": {
                        "type": "object",
                        "required": ["x", "y", "w", "h"],
                        "properties": {
                            "x": {"type": "integer", "minimum": 0, "maximum": 23},
                            "w": {"type": "integer", "minimum": 1, "maximum": 24},
                        },
                    },
                    "targets": {"type": "array", "minItems": 1, "items": _TARGET},
                },
            },
        },
    },
}


def test_build_writes_exactly_the_committed_tree(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboards", "build", str(tmp_path)])
    assert result.exit_code == 0, result.output
    built = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(COMMITTED).as_posix() for p in COMMITTED.rglob("*") if p.is_file()}
    assert built == committed == set(rendered())
    for relative in built:
        assert (tmp_path / relative).read_text() == (COMMITTED / relative).read_text(), (
            f"deploy/grafana/{relative} is stale: run `silverguard dashboards build deploy/grafana`"
        )


def test_build_into_an_unwritable_place_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(app, ["dashboards", "build", str(blocker / "sub")])
    assert result.exit_code == 1
    assert "cannot write under" in result.output


def test_datasources_provisioning_has_what_grafana_needs() -> None:
    text = (COMMITTED / "provisioning/datasources/silverguard.yaml").read_text()
    doc = yaml.safe_load(text)
    assert doc["apiVersion"] == 1
    by_uid = {d["uid"]: d for d in doc["datasources"]}
    assert set(by_uid) == {POSTGRES.uid, VICTORIA.uid}
    for ds in doc["datasources"]:
        assert ds["type"] in DATASOURCE_TYPES
        assert {"name", "url", "access"} <= set(ds)
    pg = by_uid[POSTGRES.uid]
    assert {"database", "sslmode"} <= set(pg["jsonData"])
    assert set(pg["secureJsonData"]) == {"password"}
    # no secret or host in the repository: only environment references Grafana expands
    for value in (
        pg["url"],
        pg["user"],
        pg["secureJsonData"]["password"],
        by_uid[VICTORIA.uid]["url"],
    ):
        assert re.fullmatch(r"\$\{[A-Z_]+\}", value), value


def test_dashboard_provider_points_at_the_dashboards() -> None:
    doc = yaml.safe_load((COMMITTED / "provisioning/dashboards/silverguard.yaml").read_text())
    [provider] = doc["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == DASHBOARDS_PATH


def test_every_dashboard_validates_and_references_only_provisioned_things() -> None:
    uids = {POSTGRES.uid, VICTORIA.uid}
    seen_uids = set()
    for dashboard in all_dashboards():
        doc = json.loads((COMMITTED / f"dashboards/{dashboard.uid}.json").read_text())
        jsonschema.validate(doc, DASHBOARD_SCHEMA)
        assert doc["uid"] not in seen_uids
        seen_uids.add(doc["uid"])
        ids = [p["id"] for p in doc["panels"]]
        assert len(ids) == len(set(ids))
        variables = {v["name"] for v in doc["templating"]["list"]}
        cells: set[tuple[int, int]] = set()
        for panel in doc["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, panel["title"]
            mine = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not mine & cells, f"{panel['title']} overlaps another panel"
            cells |= mine
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in uids
                query = target.get("rawSql") or target["expr"]
                used = set(re.findall(r"\$\{?([a-z]\w*)", query))
                assert used <= variables, f"{panel['title']} uses undefined {used - variables}"
