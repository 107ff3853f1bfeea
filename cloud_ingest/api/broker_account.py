"""A registered gateway asks for its broker account: ``POST /api/v1/gateway/broker-account``.

Right after registration the installer's setup calls this with the gateway's new credentials
(HTTP Basic). The API, holding the broker admin's credentials (``api.broker_admin``), makes the
gateway a user of Mosquitto's dynamic security plugin with the same password, confined to
``sg/v1/{org}/{gateway}/#`` (:mod:`cloud_ingest.api.dynsec`). The gateway can connect at once.
Calling it again is harmless (same password, one account).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import HTTPBasicCredentials
from pydantic import BaseModel

from cloud_ingest.api.deps import Ctx
from cloud_ingest.api.dynsec import ensure_gateway_account, role_name
from cloud_ingest.api.routes.gateways import GatewayCaller, _basic
from cloud_ingest.errors import BrokerError
from contracts.topics import PREFIX

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["gateways"])


class BrokerAccountOut(BaseModel):
    """The gateway's broker user (its password is the one from registration)."""

    username: str
    role: str
    topic_prefix: str


@router.post("/gateway/broker-account", response_model=BrokerAccountOut)
def ensure_broker_account(
    *,
    gateway: GatewayCaller,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    context: Ctx,
) -> BrokerAccountOut:
    """Create (or refresh) this gateway's broker user with its registration password."""
    admin = context.settings.broker_admin
    if admin is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "this cloud manages no broker accounts (api.broker_admin is not set): the operator "
            "adds the gateway's broker user by hand (deploy/README.md) or sets api.broker_admin",
        )
    assert credentials is not None  # authenticated_gateway refused the request otherwise
    try:
        ensure_gateway_account(admin, gateway.org_id, gateway.id, credentials.password)
    except BrokerError as exc:
        log.error("broker account of gateway %s not made: %s", gateway.id, exc)
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"the broker did not take the gateway's account: {exc}. Try again in a minute; "
            "if it persists, the operator should check the broker",
        ) from exc
    return BrokerAccountOut(
        username=gateway.id,
        role=role_name(gateway.id),
        topic_prefix=f"{PREFIX}/{gateway.org_id}/{gateway.id}",
    )
