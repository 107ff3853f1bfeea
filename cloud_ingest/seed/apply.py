"""Writes a seed file into the database in one transaction (idempotent).

Loading the same file again changes nothing; a changed file updates the rows it names (it
never deletes rows it does not name). A password or key that still matches its stored hash is
not re-hashed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cloud_ingest.auth.codes import normalise_code
from cloud_ingest.auth.secrets import SecretHasher, sha256_hex
from cloud_ingest.errors import StoreError
from cloud_ingest.seed.file import (
    GatewaySeed,
    OrganisationSeed,
    PartnerSeed,
    ResidentSeed,
    SeedFile,
    UserSeed,
)
from cloud_ingest.seed.programme import seed_districts, seed_targets, seed_visits
from cloud_ingest.store.domain import (
    CareTeam,
    Device,
    Gateway,
    Home,
    Organisation,
    Partner,
    ProvisioningCode,
    Resident,
    ResidentAbsence,
    ResidentContact,
    TeamMember,
    User,
)
from cloud_ingest.store.engine import make_engine
from contracts.clock import Clock
from contracts.config import secret_from_env

log = logging.getLogger(__name__)

PROVISIONING_CODE_TTL = timedelta(days=30)
"""How long a seeded provisioning code stays usable."""


@dataclass(frozen=True, slots=True)
class SeedResult:
    """How many rows of each kind the file names."""

    organisations: int
    users: int
    residents: int
    homes: int
    gateways: int
    devices: int


def apply_seed(
    seed: SeedFile, database_url: str, *, clock: Clock, hasher: SecretHasher
) -> SeedResult:
    """Write the seed into a migrated database in one transaction (idempotent).

    Raises:
        ConfigError: an environment variable the file names is unset.
        StoreError: the database refused the data.
    """
    engine = make_engine(database_url)
    try:
        with Session(engine) as db, db.begin():
            seed_districts(db, seed.districts)
            for org in seed.organisations:
                _seed_org(db, org, clock.now(), hasher)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"could not load the seed: {type(cause).__name__}: {str(cause).splitlines()[0]}. "
            "Check that the database is migrated (silverguard ingest migrate) and that no id "
            "in the file is already used by another organisation."
        ) from exc
    finally:
        engine.dispose()
    orgs = seed.organisations
    gateways = [g for o in orgs for h in o.homes for g in h.gateways]
    return SeedResult(
        organisations=len(orgs),
        users=sum(len(o.users) for o in orgs),
        residents=sum(len(o.residents) for o in orgs),
        homes=sum(len(o.homes) for o in orgs),
        gateways=len(gateways),
        devices=sum(len(g.devices) for g in gateways),
    )


def _seed_org(db: Session, org: OrganisationSeed, now: datetime, hasher: SecretHasher) -> None:
    db.merge(
        Organisation(id=org.id, name=org.name, created_at=_created(db, Organisation, org.id, now))
    )
    db.flush()
    for u in org.users:
        _seed_user(db, org.id, u, now, hasher)
    for t in org.teams:
        db.merge(CareTeam(id=t.id, org_id=org.id, name=t.name, lead_user_id=t.lead))
    db.flush()
    for u in org.users:
        db.execute(delete(TeamMember).where(TeamMember.user_id == u.id))
        for team_id in u.teams:
            db.add(TeamMember(team_id=team_id, user_id=u.id))
    for r in org.residents:
        _seed_resident(db, org.id, r, now)
    db.flush()
    for h in org.homes:
        db.merge(
            Home(
                id=h.id,
                org_id=org.id,
                resident_id=h.resident,
                address=h.address,
                district_code=h.district,
                created_at=_created(db, Home, h.id, now),
            )
        )
        db.flush()
        for g in h.gateways:
            _seed_gateway(db, org.id, h.id, g, now)
    homes = {h.resident: h.id for h in org.homes if h.resident}
    for r in org.residents:
        seed_visits(db, org.id, r, homes.get(r.id), now)
    seed_targets(db, org.id, org.targets, now)
    for p in org.partners:
        _seed_partner(db, org.id, p, now, hasher)
    db.flush()


def _created(
    db: Session,
    model: type[Organisation | Home | Resident | User | Gateway | Device | Partner],
    ident: str,
    now: datetime,
) -> datetime:
    row = db.get(model, ident)
    created: datetime | None = getattr(row, "created_at", None)
    return created or now


def _check_org(
    db: Session,
    model: type[Home | Resident | User | Gateway | Device | Partner | CareTeam],
    ident: str,
    org_id: str,
) -> None:
    row = db.get(model, ident)
    if row is not None and getattr(row, "org_id", org_id) != org_id:
        raise StoreError(
            f"{model.__tablename__} id {ident!r} already belongs to another organisation: "
            "choose another id"
        )


def _seed_user(db: Session, org_id: str, u: UserSeed, now: datetime, hasher: SecretHasher) -> None:
    _check_org(db, User, u.id, org_id)
    password = secret_from_env(u.password_env)
    existing = db.get(User, u.id)
    keep = existing is not None and hasher.verify(existing.password_hash, password)
    db.merge(
        User(
            id=u.id,
            org_id=org_id,
            username=u.username,
            display_name=u.display_name,
            password_hash=existing.password_hash
            if existing is not None and keep
            else hasher.hash(password),
            role=u.role.value,
            phone=u.phone,
            email=u.email,
            active=u.active,
            created_at=existing.created_at if existing is not None else now,
        )
    )


def _seed_resident(db: Session, org_id: str, r: ResidentSeed, now: datetime) -> None:
    _check_org(db, Resident, r.id, org_id)
    existing = db.get(Resident, r.id)
    db.merge(
        Resident(
            id=r.id,
            org_id=org_id,
            team_id=r.team,
            primary_worker_id=r.primary_worker,
            backup_worker_id=r.backup_worker,
            full_name=r.full_name,
            birth_date=r.birth_date,
            disability_level=r.disability_level.value,
            dementia=r.dementia,
            living_alone=r.living_alone,
            address=r.address,
            key_conditions=list(r.key_conditions),
            district_code=r.district,
            hardship_category=r.hardship.value if r.hardship else None,
            eligibility_override=existing.eligibility_override if existing else None,
            eligibility_override_reason=existing.eligibility_override_reason if existing else None,
            created_at=existing.created_at if existing else now,
            updated_at=existing.updated_at if existing else now,
        )
    )
    db.flush()
    db.execute(delete(ResidentContact).where(ResidentContact.resident_id == r.id))
    db.execute(delete(ResidentAbsence).where(ResidentAbsence.resident_id == r.id))
    for priority, c in enumerate(r.emergency_contacts, start=1):
        db.add(
            ResidentContact(
                resident_id=r.id, name=c.name, relation=c.relation, phone=c.phone, priority=priority
            )
        )
    for a in r.absences:
        db.add(
            ResidentAbsence(
                resident_id=r.id, kind=a.kind, starts_at=a.starts_at, ends_at=a.ends_at, note=a.note
            )
        )


def _seed_gateway(db: Session, org_id: str, home_id: str, g: GatewaySeed, now: datetime) -> None:
    _check_org(db, Gateway, g.id, org_id)
    existing = db.get(Gateway, g.id)
    db.merge(
        Gateway(
            id=g.id,
            org_id=org_id,
            home_id=home_id,
            credential_hash=existing.credential_hash if existing else None,
            registered_at=existing.registered_at if existing else None,
            created_at=existing.created_at if existing else now,
        )
    )
    db.flush()
    if g.provisioning_code_env:
        digest = sha256_hex(normalise_code(secret_from_env(g.provisioning_code_env)))
        if (
            db.scalar(select(ProvisioningCode.id).where(ProvisioningCode.code_sha256 == digest))
            is None
        ):
            db.add(
                ProvisioningCode(
                    code_sha256=digest,
                    org_id=org_id,
                    gateway_id=g.id,
                    expires_at=now + PROVISIONING_CODE_TTL,
                    used_at=None,
                    created_by=None,
                    created_at=now,
                )
            )
    for dv in g.devices:
        _check_org(db, Device, dv.id, org_id)
        db.merge(
            Device(
                id=dv.id,
                org_id=org_id,
                gateway_id=g.id,
                home_id=home_id,
                kind=dv.kind,
                serial=dv.serial,
                label=dv.label,
                expected_interval_s=dv.expected_interval_s,
                created_at=_created(db, Device, dv.id, now),
            )
        )


def _seed_partner(
    db: Session, org_id: str, p: PartnerSeed, now: datetime, hasher: SecretHasher
) -> None:
    _check_org(db, Partner, p.id, org_id)
    secret = secret_from_env(p.api_key_env)
    existing = db.get(Partner, p.id)
    keep = existing is not None and hasher.verify(existing.key_hash, secret)
    db.merge(
        Partner(
            id=p.id,
            org_id=org_id,
            name=p.name,
            key_hash=existing.key_hash if existing is not None and keep else hasher.hash(secret),
            active=p.active,
            created_at=existing.created_at if existing is not None else now,
        )
    )
