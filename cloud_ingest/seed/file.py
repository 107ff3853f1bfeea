"""The seed file's shape: organisations and everything in them, checked before anything is written.

Secrets are never in the file: each password, partner key and provisioning code names the
environment variable that holds it.

Example:
    >>> seed = SeedFile.model_validate({"organisations": [{"id": "org-a", "name": "A"}]})
    >>> seed.organisations[0].teams
    ()
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from cloud_ingest.eligibility import DisabilityLevel
from cloud_ingest.programme import DISTRICT_CODE_PATTERN, HardshipCategory, VisitKind
from contracts.auth import Role
from contracts.config import ConfigModel, load_yaml_model
from contracts.ids import Identifier


class TeamSeed(ConfigModel):
    """A care team."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    lead: Identifier | None = None


class UserSeed(ConfigModel):
    """A person who logs in (``password_env`` names the variable holding the password)."""

    id: Identifier
    username: str = Field(min_length=1, max_length=100)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password_env: str = Field(min_length=1)
    teams: tuple[Identifier, ...] = ()
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    active: bool = True


class ContactSeed(ConfigModel):
    """An emergency contact."""

    name: str = Field(min_length=1, max_length=200)
    relation: str | None = Field(default=None, max_length=100)
    phone: str = Field(min_length=1, max_length=40)


class AbsenceSeed(ConfigModel):
    """A period away, in hospital or in respite care."""

    kind: str = Field(pattern="^(away|hospital|respite)$")
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    note: str | None = None


DistrictCode = Annotated[str, StringConstraints(pattern=DISTRICT_CODE_PATTERN)]


class DistrictSeed(ConfigModel):
    """An administrative division (行政区划): its official code and name."""

    code: DistrictCode
    name: str = Field(min_length=1, max_length=100)


class VisitSeed(ConfigModel):
    """A care visit or call that already took place (``by``: the user who made it)."""

    at: AwareDatetime
    kind: VisitKind
    by: Identifier
    note: str | None = Field(default=None, max_length=1000)


class TargetSeed(ConfigModel):
    """The organisation's family-care-bed target in a district for a year."""

    district: DistrictCode
    year: int = Field(ge=2000, le=2100)
    beds_target: int = Field(ge=0, le=1_000_000)


class ResidentSeed(ConfigModel):
    """A resident and their profile."""

    id: Identifier
    full_name: str = Field(min_length=1, max_length=200)
    birth_date: date
    disability_level: DisabilityLevel
    dementia: bool = False
    living_alone: bool = False
    address: str | None = None
    key_conditions: tuple[str, ...] = ()
    team: Identifier | None = None
    primary_worker: Identifier | None = None
    backup_worker: Identifier | None = None
    emergency_contacts: tuple[ContactSeed, ...] = ()
    absences: tuple[AbsenceSeed, ...] = ()
    district: DistrictCode | None = None
    hardship: HardshipCategory | None = None
    visits: tuple[VisitSeed, ...] = ()


class DeviceSeed(ConfigModel):
    """A sensor."""

    id: Identifier
    kind: str = Field(min_length=1, max_length=32)
    serial: str | None = Field(default=None, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    expected_interval_s: int | None = Field(default=None, gt=0)


class GatewaySeed(ConfigModel):
    """A gateway; ``provisioning_code_env`` names a variable holding a one-time code for it."""

    id: Identifier
    provisioning_code_env: str | None = None
    devices: tuple[DeviceSeed, ...] = ()


class HomeSeed(ConfigModel):
    """A home, its resident and its gateways."""

    id: Identifier
    resident: Identifier | None = None
    address: str | None = None
    district: DistrictCode | None = None
    gateways: tuple[GatewaySeed, ...] = ()


class PartnerSeed(ConfigModel):
    """A partner system; ``api_key_env`` names the variable holding its secret."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    api_key_env: str = Field(min_length=1)
    active: bool = True


class OrganisationSeed(ConfigModel):
    """One organisation and everything in it."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    teams: tuple[TeamSeed, ...] = ()
    users: tuple[UserSeed, ...] = ()
    residents: tuple[ResidentSeed, ...] = ()
    homes: tuple[HomeSeed, ...] = ()
    partners: tuple[PartnerSeed, ...] = ()
    targets: tuple[TargetSeed, ...] = ()

    @model_validator(mode="after")
    def _references_exist(self) -> OrganisationSeed:
        teams = {t.id for t in self.teams}
        users = {u.id for u in self.users}
        residents = {r.id for r in self.residents}
        problems = [
            f"team {t.id}: lead {t.lead} is not a user"
            for t in self.teams
            if t.lead and t.lead not in users
        ]
        problems += [
            f"user {u.id}: team {t} is not defined"
            for u in self.users
            for t in u.teams
            if t not in teams
        ]
        for r in self.residents:
            if r.team and r.team not in teams:
                problems.append(f"resident {r.id}: team {r.team} is not defined")
            for w in (r.primary_worker, r.backup_worker):
                if w and w not in users:
                    problems.append(f"resident {r.id}: worker {w} is not a user")
            problems += [
                f"resident {r.id}: visit at {v.at.isoformat()} by {v.by}, who is not a user"
                for v in r.visits
                if v.by not in users
            ]
        problems += [
            f"home {h.id}: resident {h.resident} is not defined"
            for h in self.homes
            if h.resident and h.resident not in residents
        ]
        if problems:
            raise ValueError(f"organisation {self.id}: " + "; ".join(problems))
        return self


class SeedFile(ConfigModel):
    """The whole seed file (districts are shared by every organisation)."""

    districts: tuple[DistrictSeed, ...] = ()
    organisations: tuple[OrganisationSeed, ...] = ()

    @model_validator(mode="after")
    def _districts_exist(self) -> SeedFile:
        known = {d.code for d in self.districts}
        named: list[tuple[str, str | None]] = [
            (f"organisation {o.id}", t.district) for o in self.organisations for t in o.targets
        ]
        named += [(f"home {h.id}", h.district) for o in self.organisations for h in o.homes]
        named += [(f"resident {r.id}", r.district) for o in self.organisations for r in o.residents]
        problems = [
            f"{who}: district {code} is not listed under districts"
            for who, code in named
            if code is not None and code not in known
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def load_seed_file(path: Path) -> SeedFile:
    """Parse and check a seed file (raises ``contracts.config.ConfigError``)."""
    return load_yaml_model(path, SeedFile)
