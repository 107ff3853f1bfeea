"""Where the shared recordings are: ``../shared/data`` next to the project root.

A git worktree of the project sits one level deeper (``/work/wt/<name>``), so the folders
above the root are searched in turn for ``shared/data``; ``SILVERGUARD_DATA_DIR`` overrides.

Example:
    >>> default_data_dir({"SILVERGUARD_DATA_DIR": "/data/recordings"}).as_posix()
    '/data/recordings'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PROJECT_ROOT", "default_data_dir"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$SILVERGUARD_DATA_DIR``, else the nearest ``shared/data`` above the project root
    (``../shared/data`` if none exists, so the error names the documented place)."""
    env = os.environ if environ is None else environ
    if env.get("SILVERGUARD_DATA_DIR"):
        return Path(env["SILVERGUARD_DATA_DIR"])
    for parent in PROJECT_ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return PROJECT_ROOT.parent / "shared" / "data"
