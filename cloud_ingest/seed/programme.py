"""Seeds the programme's data: districts, bed targets and care visits already made.

Idempotent like the rest of the seed: a target that did not change keeps when it was set, and
a visit is added once (a resident's visit at the same time and of the same kind is the same
visit). Visits recorded through the API are never touched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cloud_ingest.seed.file import DistrictSeed, ResidentSeed, TargetSeed
from cloud_ingest.store.programme import CareVisit, District, ProgrammeTarget


def seed_districts(db: Session, districts: tuple[DistrictSeed, ...]) -> None:
    """Add or rename the districts."""
    for district in districts:
        db.merge(District(code=district.code, name=district.name))
    db.flush()


def seed_targets(db: Session, org_id: str, targets: tuple[TargetSeed, ...], now: datetime) -> None:
    """Set the organisation's targets (an unchanged one keeps its ``set_at``)."""
    for t in targets:
        existing = db.get(ProgrammeTarget, (org_id, t.district, t.year))
        if existing is not None and existing.beds_target == t.beds_target:
            continue
        db.merge(
            ProgrammeTarget(
                org_id=org_id,
                district_code=t.district,
                year=t.year,
                beds_target=t.beds_target,
                set_by=None,
                set_at=now,
            )
        )


def seed_visits(
    db: Session, org_id: str, r: ResidentSeed, home_id: str | None, now: datetime
) -> None:
    """Add the resident's visits the database does not hold yet."""
    for v in r.visits:
        same = select(CareVisit.id).where(
            CareVisit.resident_id == r.id, CareVisit.at == v.at, CareVisit.kind == v.kind.value
        )
        if db.scalar(same) is not None:
            continue
        db.add(
            CareVisit(
                org_id=org_id,
                resident_id=r.id,
                home_id=home_id,
                at=v.at,
                kind=v.kind.value,
                recorded_by=v.by,
                recorded_at=now,
                note=v.note,
            )
        )
