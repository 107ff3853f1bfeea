"""Devices: list and read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from cloud_ingest.api.deps import Caller, Db
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, page_of
from cloud_ingest.api.schemas import DeviceOut
from cloud_ingest.api.scope import home_condition, in_home_scope
from cloud_ingest.store.domain import Device

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


def device_out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        org_id=device.org_id,
        gateway_id=device.gateway_id,
        home_id=device.home_id,
        kind=device.kind,
        serial=device.serial,
        label=device.label,
        expected_interval_s=device.expected_interval_s,
    )


@router.get("", response_model=Page[DeviceOut])
def list_devices(
    *,
    principal: Caller,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    home_id: Annotated[str | None, Query(max_length=64)] = None,
    gateway_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[DeviceOut]:
    """The devices you may see, by id."""
    query = select(Device).where(Device.org_id == principal.org_id).order_by(Device.id)
    if not principal.org_wide:
        query = query.where(home_condition(principal, Device.home_id))
    if cursor is not None:
        query = query.where(Device.id > decode_cursor(cursor))
    if home_id is not None:
        query = query.where(Device.home_id == home_id)
    if gateway_id is not None:
        query = query.where(Device.gateway_id == gateway_id)
    if kind is not None:
        query = query.where(Device.kind == kind)
    rows = list(db.scalars(query.limit(limit + 1)))
    return page_of(rows, limit, key=lambda d: d.id, item=device_out)


@router.get("/{device_id}", response_model=DeviceOut)
def get_device(*, device_id: str, principal: Caller, db: Db) -> DeviceOut:
    """One device."""
    device = db.get(Device, device_id)
    return device_out(in_home_scope(db, principal, "device", device_id, device))
