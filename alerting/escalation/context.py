"""What the router knows besides the database: its settings and the directory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from alerting.config import AlertingSettings
from alerting.directory.port import Directory
from alerting.directory.sql_adapter import SqlDirectory
from alerting.directory.yaml_adapter import YamlDirectory
from alerting.escalation.targets import TargetContext
from alerting.metrics import AlertingMetrics
from alerting.mute import SilenceRule
from alerting.rosters import RosterSettings
from alerting.store.models import Incident


@dataclass(frozen=True)
class RouterContext:
    """Settings plus directory, shared by the feed, the escalator and the API."""

    settings: AlertingSettings
    directory: Directory
    _rosters: dict[str, RosterSettings] = field(default_factory=dict)
    _receivers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    metrics: AlertingMetrics | None = None
    """Where the escalator counts the steps it pages (``None``: not counted)."""

    @classmethod
    def build(
        cls,
        settings: AlertingSettings,
        directory: Directory | None = None,
        engine: Engine | None = None,
        *,
        metrics: AlertingMetrics | None = None,
    ) -> RouterContext:
        """The context for ``settings``: the given directory, else the domain tables (with
        ``directory_source: database`` and an ``engine``), else the YAML directory."""
        if directory is None and settings.directory_source == "database" and engine is not None:
            directory = SqlDirectory(engine, org_id=settings.org_id)
        return cls(
            settings,
            directory or YamlDirectory(settings.directory, org_id=settings.org_id),
            {r.name: r for r in settings.rosters},
            {r.name: tuple(r.people) for r in settings.receivers},
            metrics,
        )

    def settings_silences(self) -> list[SilenceRule]:
        """The maintenance silences written in the config."""
        return [
            SilenceRule(tuple(s.matchers), s.starts_at, s.ends_at) for s in self.settings.silences
        ]

    def targets(self, incident: Incident, now: datetime) -> TargetContext:
        """The target-resolution context of ``incident`` at ``now``."""
        resident = self.directory.resident(incident.resident_id) if incident.resident_id else None
        team_id = incident.team_id or (resident.team_id if resident else None)
        receivers = tuple(json.loads(incident.receivers)) if incident.receivers else ()
        return TargetContext(
            resident=resident,
            team=self.directory.team(team_id) if team_id else None,
            route_receivers=receivers or (self.settings.route.receiver or "",),
            receivers=self._receivers,
            rosters=self._rosters,
            timezone=self.settings.timezone,
            now=now,
        )
