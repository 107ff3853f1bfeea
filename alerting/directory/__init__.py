"""Who cares for whom: the ``Directory`` port and its adapters (YAML now, domain tables later)."""

from alerting.directory.port import AwayKind, AwayPeriod, Directory, ResidentEntry, TeamEntry
from alerting.directory.sql_adapter import SqlDirectory
from alerting.directory.yaml_adapter import DirectorySettings, YamlDirectory

__all__ = [
    "AwayKind",
    "AwayPeriod",
    "Directory",
    "DirectorySettings",
    "ResidentEntry",
    "SqlDirectory",
    "TeamEntry",
    "YamlDirectory",
]
