"""The production broker of deploy/mosquitto, started for a test on a free loopback port.

The config file is deploy/mosquitto/silverguard.conf as shipped; only its port, certificate and
state paths are rewritten to the test's directory. Certificates come from
deploy/pki/make-certs.sh (through tests/pki.py) and the users from
deploy/mosquitto/dynsec-bootstrap.sh, so the test follows the documented procedure.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

from cloud_ingest.api.dynsec import DynsecAdmin
from tests.pki import server_certificates
from tests.servers import MosquittoInstance, mosquitto

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PRODUCTION_CONF = DEPLOY / "mosquitto" / "silverguard.conf"
BOOTSTRAP = DEPLOY / "mosquitto" / "dynsec-bootstrap.sh"
ADMIN_PASSWORD_ENV = "SG_TEST_BROKER_ADMIN_PASSWORD"


@dataclass(frozen=True)
class ProductionBroker:
    """A running production-config broker with its CA and the bootstrap users' passwords."""

    instance: MosquittoInstance
    ca_file: Path
    admin_password: str
    ingest_password: str

    @property
    def host(self) -> str:
        """Loopback address."""
        return self.instance.host

    @property
    def port(self) -> int:
        """The TLS listener's port."""
        return self.instance.port

    def admin(self) -> DynsecAdmin:
        """The cloud API's view of the broker admin (password in ``ADMIN_PASSWORD_ENV``)."""
        os.environ[ADMIN_PASSWORD_ENV] = self.admin_password
        return DynsecAdmin(
            host=self.host, port=self.port, password_env=ADMIN_PASSWORD_ENV, ca_file=self.ca_file
        )

    def client(self, username: str, password: str, identifier: str) -> aiomqtt.Client:
        """An MQTT v5 client over TLS with these credentials."""
        return aiomqtt.Client(
            self.host,
            self.port,
            identifier=identifier,
            username=username,
            password=password,
            protocol=aiomqtt.ProtocolVersion.V5,
            tls_params=aiomqtt.TLSParameters(ca_certs=str(self.ca_file)),
        )


def render_production_config(port: int, workdir: Path, certs: Path) -> str:
    """deploy's silverguard.conf with the port and paths of this test."""
    text = PRODUCTION_CONF.read_text()
    text = text.replace("listener 8883", f"listener {port} 127.0.0.1")
    text = text.replace("/etc/mosquitto/certs/", f"{certs}/")
    text = text.replace("/var/lib/mosquitto/", f"{workdir}/")
    # as root, mosquitto would drop to user 'mosquitto', who cannot read the test's files
    return text + f"user {getpass.getuser()}\nlog_dest file {workdir / 'mosquitto.log'}\n"


def _run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        args, check=False, env={**os.environ, **env}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr}{done.stdout}")


@contextlib.contextmanager
def production_broker(directory: Path) -> Iterator[ProductionBroker]:
    """Certificates, dynsec bootstrap and the production broker, as deploy/README.md says."""
    certs, state = directory / "certs", directory / "broker"
    state.mkdir(parents=True, exist_ok=True)
    server_certificates(certs)
    env = {
        "SG_BROKER_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "SG_BROKER_INGEST_PASSWORD": secrets.token_urlsafe(16),
    }
    _run("sh", str(BOOTSTRAP), "init", str(state / "dynamic-security.json"), env=env)
    with mosquitto(
        state, full_config=lambda port, workdir: render_production_config(port, workdir, certs)
    ) as instance:
        _run("sh", str(BOOTSTRAP), "roles", "127.0.0.1", str(instance.port),
             str(certs / "ca.crt"), env=env)  # fmt: skip
        yield ProductionBroker(
            instance=instance,
            ca_file=certs / "ca.crt",
            admin_password=env["SG_BROKER_ADMIN_PASSWORD"],
            ingest_password=env["SG_BROKER_INGEST_PASSWORD"],
        )
