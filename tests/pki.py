"""Throwaway TLS material for tests, made by deploy/pki/make-certs.sh (the documented procedure).

A CA, the broker's certificate for 127.0.0.1, and client certificates (CN = a gateway id or a
cloud daemon's name) for a broker that requires certificates.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

MAKE_CERTS = Path(__file__).resolve().parents[1] / "deploy" / "pki" / "make-certs.sh"


@dataclass(frozen=True)
class Pki:
    """Paths of a test PKI: the CA, the broker's (cert, key), a gateway's and the ingest's."""

    ca: Path
    server: tuple[Path, Path]
    gateway: tuple[Path, Path]
    ingest: tuple[Path, Path]


def _script(*args: str) -> None:
    done = subprocess.run(
        ["/bin/sh", str(MAKE_CERTS), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"make-certs.sh {' '.join(args)} failed: {done.stderr}{done.stdout}")


def server_certificates(directory: Path) -> Path:
    """CA and broker certificate for 127.0.0.1 in ``directory``; returns the CA's path."""
    _script(str(directory), "127.0.0.1", "IP:127.0.0.1")
    return directory / "ca.crt"


def client_certificate(directory: Path, cn: str) -> tuple[Path, Path]:
    """A client certificate with common name ``cn`` from the CA in ``directory``."""
    _script("--client", str(directory), cn)
    return directory / f"{cn}.crt", directory / f"{cn}.key"


def make_pki(directory: Path) -> Pki:
    """A CA, the broker's certificate and the client certificates of gw-0001 and the ingest."""
    ca = server_certificates(directory)
    return Pki(
        ca=ca,
        server=(directory / "server.crt", directory / "server.key"),
        gateway=client_certificate(directory, "gw-0001"),
        ingest=client_certificate(directory, "cloud-ingest"),
    )
