"""Gateways: list and read; one-time provisioning codes; registration; gateway self-check.

An operator or admin creates a one-time code for a gateway; the installer's setup sends it to
``POST /api/v1/gateways/register`` and receives the gateway's own credentials, shown once and
stored only as an Argon2id hash. A code works once, until it expires. Gateways then prove who
they are with HTTP Basic (``gateway id`` / password), e.g. ``GET /api/v1/gateway/self``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, ActorKind, AuditAction, audit
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.errors import not_found, not_found_message, unauthorized
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, page_of
from cloud_ingest.api.routes.devices import device_out
from cloud_ingest.api.schemas import (
    DeviceIn,
    DeviceOut,
    GatewayCredentialsOut,
    GatewayOut,
    GatewayRegisterIn,
    ProvisioningCodeOut,
)
from cloud_ingest.api.scope import home_condition, in_home_scope, in_scope
from cloud_ingest.auth.codes import new_provisioning_code, normalise_code
from cloud_ingest.auth.secrets import new_secret, sha256_hex
from cloud_ingest.store.domain import Device, Gateway, ProvisioningCode
from cloud_ingest.store.models import GatewayStatusRow
from contracts.auth import Role
from contracts.ids import Identifier
from contracts.topics import PREFIX

router = APIRouter(prefix="/api/v1", tags=["gateways"])

_basic = HTTPBasic(auto_error=False, description="gateway id and the password it registered with")


def _out(db: Session, gateway: Gateway) -> GatewayOut:
    status_row = db.get(GatewayStatusRow, (gateway.org_id, gateway.id))
    return GatewayOut(
        id=gateway.id,
        org_id=gateway.org_id,
        home_id=gateway.home_id,
        registered=gateway.credential_hash is not None,
        registered_at=gateway.registered_at,
        state=status_row.state if status_row else None,
        state_at=status_row.gateway_time if status_row else None,
        agent_version=status_row.agent_version if status_row else None,
    )


@router.get("/gateways", response_model=Page[GatewayOut])
def list_gateways(
    *,
    principal: Caller,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    home_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[GatewayOut]:
    """The gateways you may see, by id, with their last announced state."""
    query = select(Gateway).where(Gateway.org_id == principal.org_id).order_by(Gateway.id)
    if not principal.org_wide:
        query = query.where(home_condition(principal, Gateway.home_id))
    if cursor is not None:
        query = query.where(Gateway.id > decode_cursor(cursor))
    if home_id is not None:
        query = query.where(Gateway.home_id == home_id)
    rows = list(db.scalars(query.limit(limit + 1)))
    return page_of(rows, limit, key=lambda g: g.id, item=lambda g: _out(db, g))


@router.get("/gateways/{gateway_id}", response_model=GatewayOut)
def get_gateway(*, gateway_id: str, principal: Caller, db: Db) -> GatewayOut:
    """One gateway."""
    gateway = db.get(Gateway, gateway_id)
    return _out(db, in_home_scope(db, principal, "gateway", gateway_id, gateway))


@router.post(
    "/gateways/{gateway_id}/provisioning-codes",
    response_model=ProvisioningCodeOut,
    status_code=status.HTTP_201_CREATED,
)
def create_provisioning_code(
    *, gateway_id: str, principal: Caller, context: Ctx, db: Db, request: Request
) -> ProvisioningCodeOut:
    """A one-time code for registering this gateway (operators and admins; shown once)."""
    require_role(principal, Role.OPERATOR, Role.ADMIN)
    gateway = in_scope(principal, "gateway", gateway_id, db.get(Gateway, gateway_id), visible=True)
    code = new_provisioning_code()
    now = context.clock.now()
    expires_at = now + timedelta(seconds=context.settings.provisioning_code_ttl_s)
    db.add(
        ProvisioningCode(
            code_sha256=sha256_hex(code),
            org_id=gateway.org_id,
            gateway_id=gateway.id,
            expires_at=expires_at,
            used_at=None,
            created_by=principal.user_id,
            created_at=now,
        )
    )
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.PROVISIONING_CODE,
        resource_type="gateway",
        resource_id=gateway.id,
    )
    db.commit()
    return ProvisioningCodeOut(gateway_id=gateway.id, code=code, expires_at=expires_at)


@router.post("/gateways/register", response_model=GatewayCredentialsOut)
def register_gateway(
    *, body: GatewayRegisterIn, context: Ctx, db: Db, request: Request
) -> GatewayCredentialsOut:
    """Consume a one-time provisioning code and issue the gateway's own credentials (once)."""
    now = context.clock.now()
    code = db.scalar(
        select(ProvisioningCode).where(
            ProvisioningCode.code_sha256 == sha256_hex(normalise_code(body.code))
        )
    )
    unusable = (
        "this provisioning code is unknown, already used or expired: check what you typed, "
        "or ask the operator for a new code"
    )
    if code is None or code.used_at is not None or code.expires_at <= now:
        raise not_found_message(unusable)
    # Mark it used only if nobody else did in the meantime: a code works exactly once.
    claimed = db.execute(
        update(ProvisioningCode)
        .where(ProvisioningCode.id == code.id, ProvisioningCode.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        db.rollback()
        raise not_found_message(unusable)
    gateway = db.get(Gateway, code.gateway_id)
    if gateway is None:
        db.rollback()
        raise not_found("gateway", code.gateway_id)
    password = new_secret()
    gateway.credential_hash = context.hasher.hash(password)
    gateway.registered_at = now
    actor = Actor(gateway.org_id, ActorKind.INSTALLER, None, client_addr(request))
    audit(
        db,
        context,
        actor,
        AuditAction.GATEWAY_REGISTER,
        resource_type="gateway",
        resource_id=gateway.id,
    )
    db.commit()
    return GatewayCredentialsOut(
        gateway_id=gateway.id,
        org_id=gateway.org_id,
        home_id=gateway.home_id,
        username=gateway.id,
        password=password,
        topic_prefix=f"{PREFIX}/{gateway.org_id}/{gateway.id}",
    )


def authenticated_gateway(
    context: Ctx,
    db: Db,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Gateway:
    """The gateway whose id and password came with the request (HTTP Basic), else 401."""
    refused = unauthorized(
        "gateway credentials refused: use the gateway id and the password from registration "
        "(register again with a new provisioning code if it is lost)",
        scheme="Basic",
    )
    if credentials is None:
        raise refused
    gateway = db.get(Gateway, credentials.username)
    if gateway is None or gateway.credential_hash is None:
        context.hasher.burn(credentials.password)
        raise refused
    if not context.hasher.verify(gateway.credential_hash, credentials.password):
        raise refused
    return gateway


GatewayCaller = Annotated[Gateway, Depends(authenticated_gateway)]


@router.get("/gateway/self", response_model=GatewayOut)
def gateway_self(*, gateway: GatewayCaller, db: Db) -> GatewayOut:
    """A gateway checks its credentials and sees its own record (HTTP Basic)."""
    return _out(db, gateway)


@router.put("/gateway/devices/{device_id}", response_model=DeviceOut)
def gateway_put_device(
    *, device_id: Identifier, body: DeviceIn, gateway: GatewayCaller, context: Ctx, db: Db
) -> DeviceOut:
    """A gateway records (or updates) a device it has paired, in its own home (HTTP Basic)."""
    device = db.get(Device, device_id)
    if device is not None and device.gateway_id != gateway.id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"device id {device_id!r} belongs to another gateway: choose another id (e.g. with "
            "the device's serial in it)",
        )
    if device is None:
        device = Device(id=device_id, org_id=gateway.org_id, created_at=context.clock.now())
        db.add(device)
    device.gateway_id = gateway.id
    device.home_id = gateway.home_id
    device.kind = body.kind
    device.serial = body.serial
    device.label = body.label
    device.expected_interval_s = body.expected_interval_s
    db.commit()
    return device_out(device)
