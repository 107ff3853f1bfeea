"""Mosquitto's dynamic security plugin, driven over ``$CONTROL/dynamic-security/v1``.

The cloud API holds the broker admin's credentials (``api.broker_admin`` in the ingest config)
and, when a gateway registers, makes it a broker user at once: a role ``gateway-{id}`` that may
publish and subscribe only under ``sg/v1/{org}/{id}/#``, and a client ``{id}`` with the
password from registration and that role. Re-running it for the same gateway replaces the
client (new password) and leaves one client and one role (the plugin's "already exists" and
"Client not found" answers to a re-run are not errors here).

Example:
    >>> [c["command"] for c in gateway_commands("org-demo", "gw-0001", "s3cret")]
    ['createRole', 'addRoleACL', 'addRoleACL', 'deleteClient', 'createClient']
    >>> gateway_commands("org-demo", "gw-0001", "s3cret")[1]["topic"]
    'sg/v1/org-demo/gw-0001/#'
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import ssl
from pathlib import Path
from typing import Any

import aiomqtt
from pydantic import Field

from cloud_ingest.errors import BrokerError
from contracts.config import ConfigModel, secret_from_env
from contracts.topics import PREFIX

log = logging.getLogger(__name__)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
_HARMLESS = ("already exists", "Client not found")


class DynsecAdmin(ConfigModel):
    """How the cloud reaches the broker's dynamic security plugin as its admin user."""

    host: str = "127.0.0.1"
    port: int = Field(default=8883, ge=1, le=65535)
    username: str = Field(default="sg-admin", min_length=1)
    password_env: str = Field(default="SILVERGUARD_BROKER_ADMIN_PASSWORD", min_length=1)
    tls: bool = True
    ca_file: Path | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)


def role_name(gateway_id: str) -> str:
    """The dynsec role of one gateway."""
    return f"gateway-{gateway_id}"


def gateway_commands(org_id: str, gateway_id: str, password: str) -> list[dict[str, Any]]:
    """The plugin commands that make (or update) one gateway's user and its confinement."""
    prefix = f"{PREFIX}/{org_id}/{gateway_id}/#"
    role = role_name(gateway_id)
    return [
        {"command": "createRole", "rolename": role},
        {"command": "addRoleACL", "rolename": role, "acltype": "publishClientSend",
         "topic": prefix, "allow": True},
        {"command": "addRoleACL", "rolename": role, "acltype": "subscribePattern",
         "topic": prefix, "allow": True},
        # a client made again: new password, one role, its old sessions disconnected
        {"command": "deleteClient", "username": gateway_id},
        {"command": "createClient", "username": gateway_id, "password": password,
         "roles": [{"rolename": role}]},
    ]  # fmt: skip


async def run_commands(admin: DynsecAdmin, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send ``commands`` in one request and return the plugin's responses, in order.

    A response with a harmless error ("already exists" on a re-run) is returned as it is.

    Raises:
        BrokerError: the broker is unreachable, refused the admin, did not answer in time, or
            answered an error that matters.
    """
    tls = None
    if admin.tls:
        tls = aiomqtt.TLSParameters(
            ca_certs=str(admin.ca_file) if admin.ca_file else None, cert_reqs=ssl.CERT_REQUIRED
        )
    where = f"{admin.host}:{admin.port}"
    responses: list[dict[str, Any]] = []
    try:
        async with (
            asyncio.timeout(admin.timeout_s),
            aiomqtt.Client(
                admin.host,
                admin.port,
                identifier=f"sg-dynsec-{secrets.token_hex(4)}",
                username=admin.username,
                password=secret_from_env(admin.password_env),
                tls_params=tls,
            ) as client,
        ):
            await client.subscribe(RESPONSE_TOPIC, qos=1)
            await client.publish(CONTROL_TOPIC, json.dumps({"commands": commands}), qos=1)
            async for message in client.messages:
                assert isinstance(message.payload, bytes | bytearray)
                for response in json.loads(message.payload).get("responses", []):
                    responses.append(response)
                    error = response.get("error")
                    if error is None or any(h in str(error) for h in _HARMLESS):
                        continue
                    raise BrokerError(
                        f"the broker's dynamic security refused {response.get('command')}: "
                        f"{error}. Check that {admin.username!r} has the admin role "
                        "(deploy/mosquitto/dynsec-bootstrap.sh)"
                    )
                return responses
    except TimeoutError as exc:
        raise BrokerError(
            f"the broker at {where} did not answer the dynamic security request in "
            f"{admin.timeout_s} s: is the plugin loaded (deploy/mosquitto/silverguard.conf)?"
        ) from exc
    except aiomqtt.MqttError as exc:
        raise BrokerError(
            f"cannot reach the broker's dynamic security at {where} as {admin.username!r}: "
            f"{exc}. Check api.broker_admin (host, port, ca_file) and {admin.password_env}"
        ) from exc
    raise BrokerError(f"the broker at {where} closed the connection before answering")


def ensure_gateway_account(admin: DynsecAdmin, org_id: str, gateway_id: str, password: str) -> None:
    """Make the gateway a broker user confined to its own prefix (blocking; idempotent)."""
    asyncio.run(run_commands(admin, gateway_commands(org_id, gateway_id, password)))
    log.info("broker account of gateway %s is ready", gateway_id)
