"""The setup's progress file (0600): what is done, so that a re-run resumes and never repeats.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "setup-state.json"
    >>> state = SetupState.load(path)
    >>> state.done("register")
    False
    >>> state.record("register", {"gateway_id": "gw-0001"})
    >>> SetupState.load(path).result("register")
    {'gateway_id': 'gw-0001'}
    >>> oct(path.stat().st_mode & 0o777)
    '0o600'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from silverguard.setup.errors import SetupError


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


@dataclass
class SetupState:
    """Completed steps and their results, kept in a JSON file."""

    path: Path
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SetupState:
        """The state at ``path`` (empty if the file does not exist yet)."""
        if not path.exists():
            return cls(path)
        try:
            steps = json.loads(path.read_text())["steps"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SetupError(
                f"the setup state file {path} is damaged",
                advice="move it away and run setup again (completed steps will be redone)",
            ) from exc
        return cls(path, dict(steps))

    def done(self, step: str) -> bool:
        """Whether ``step`` completed in an earlier (or this) run."""
        return step in self.steps

    def result(self, step: str) -> dict[str, Any]:
        """What ``step`` recorded."""
        return self.steps[step]

    def record(self, step: str, result: dict[str, Any]) -> None:
        """Mark ``step`` done with ``result`` and save at once."""
        self.steps[step] = result
        write_private(self.path, json.dumps({"steps": self.steps}, indent=2, default=str))
