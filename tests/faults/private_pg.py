"""A private PostgreSQL cluster for the fault suite (``initdb``/``pg_ctl`` in a temp dir on a
free port), so a test may restart it without touching the machine's shared cluster."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from silverguard.ports import free_port
from tests.servers import ServerUnavailableError

PG_BIN = Path(os.environ.get("SILVERGUARD_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PrivatePostgres:
    """One cluster: its data directory, port and the pg_ctl commands to stop and start it."""

    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.datadir.parent / "pg.log"
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise ServerUnavailableError(
                f"{Path(args[0]).name} failed: {result.stderr or result.stdout}\n{tail}"
            )

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.datadir.parent} -c listen_addresses=127.0.0.1"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            options,
            "-l",
            str(self.datadir.parent / "pg.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop it (``immediate`` is a crash: no checkpoint, connections cut)."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh cluster (trust auth, user ``postgres``) for the block; removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        raise ServerUnavailableError(
            f"{PG_BIN / 'initdb'} not found: run ./scripts/test (it installs postgresql) or set "
            "SILVERGUARD_PG_BIN"
        )
    root = Path(tempfile.mkdtemp(prefix="sg-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PrivatePostgres(root / "data", free_port())
    try:
        cluster._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(cluster.datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(ServerUnavailableError):
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
