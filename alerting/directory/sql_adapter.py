"""The directory read from the ingest's domain tables (names from :mod:`contracts.directory`).

Read-only: the cloud REST API owns and writes these tables. Care workers and team leads are
users (their id is the person id paged; their email and phone are contacts); a resident's
emergency contacts become family members ``family:<resident>:<priority>`` reachable by SMS.

Example:
    >>> normalise_phone("+86 138 0000-0001"), normalise_phone("call me") is None
    ('+8613800000001', True)
    >>> family_id("res-0001", 1), parse_family_id("family:res-0001:1")
    ('family:res-0001:1', ('res-0001', 1))
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Engine, column, select, table
from sqlalchemy.exc import SQLAlchemyError

from alerting.directory.port import AwayKind, AwayPeriod, ResidentEntry, TeamEntry
from alerting.errors import StoreError
from contracts import directory as d

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

residents = table(
    d.RESIDENTS_TABLE,
    column(d.RESIDENT_ID),
    column(d.RESIDENT_ORG),
    column(d.RESIDENT_TEAM),
    column(d.RESIDENT_PRIMARY_WORKER),
    column(d.RESIDENT_BACKUP_WORKER),
)
teams = table(d.CARE_TEAMS_TABLE, column(d.TEAM_ID), column(d.TEAM_ORG), column(d.TEAM_LEAD))
users = table(
    d.USERS_TABLE,
    column(d.USER_ID),
    column(d.USER_ORG),
    column(d.USER_PHONE),
    column(d.USER_EMAIL),
    column(d.USER_ACTIVE),
)
contacts = table(
    d.RESIDENT_CONTACTS_TABLE,
    column(d.CONTACT_RESIDENT),
    column(d.CONTACT_PHONE),
    column(d.CONTACT_PRIORITY),
)
absences = table(
    d.RESIDENT_ABSENCES_TABLE,
    column(d.ABSENCE_RESIDENT),
    column(d.ABSENCE_KIND),
    column(d.ABSENCE_STARTS_AT),
    column(d.ABSENCE_ENDS_AT),
)
homes = table(d.HOMES_TABLE, column(d.HOME_ID), column(d.HOME_RESIDENT))


def normalise_phone(phone: str | None) -> str | None:
    """``phone`` in E.164 without spaces or dashes, or ``None`` if it is not a number."""
    if not phone:
        return None
    compact = re.sub(r"[\s\-()]", "", phone)
    return compact if _E164.match(compact) else None


def family_id(resident_id: str, priority: int) -> str:
    """The person id of a resident's emergency contact."""
    return f"family:{resident_id}:{priority}"


def parse_family_id(person_id: str) -> tuple[str, int] | None:
    """``(resident_id, priority)`` of a family person id, else ``None``."""
    kind, _, rest = person_id.partition(":")
    resident_id, _, priority = rest.rpartition(":")
    if kind != "family" or not resident_id or not priority.isdigit():
        return None
    return resident_id, int(priority)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlDirectory:
    """A :class:`~alerting.directory.port.Directory` over the domain tables of one org."""

    def __init__(self, engine: Engine, *, org_id: str) -> None:
        self._engine = engine
        self._org_id = org_id

    def resident(self, resident_id: str) -> ResidentEntry | None:
        """The resident with their team, workers, emergency contacts and absences."""
        c = residents.c
        try:
            with self._engine.connect() as conn:
                row = conn.execute(
                    select(
                        c[d.RESIDENT_TEAM],
                        c[d.RESIDENT_PRIMARY_WORKER],
                        c[d.RESIDENT_BACKUP_WORKER],
                    ).where(c[d.RESIDENT_ID] == resident_id, c[d.RESIDENT_ORG] == self._org_id)
                ).first()
                if row is None:
                    return None
                home = conn.scalar(
                    select(homes.c[d.HOME_ID]).where(homes.c[d.HOME_RESIDENT] == resident_id)
                )
                priorities = conn.scalars(
                    select(contacts.c[d.CONTACT_PRIORITY])
                    .where(contacts.c[d.CONTACT_RESIDENT] == resident_id)
                    .order_by(contacts.c[d.CONTACT_PRIORITY])
                ).all()
                periods = conn.execute(
                    select(
                        absences.c[d.ABSENCE_KIND],
                        absences.c[d.ABSENCE_STARTS_AT],
                        absences.c[d.ABSENCE_ENDS_AT],
                    ).where(absences.c[d.ABSENCE_RESIDENT] == resident_id)
                ).all()
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read resident {resident_id} from the directory: {exc}"
            ) from exc
        away = tuple(
            AwayPeriod(AwayKind(kind), start, _aware(end))
            for kind, starts, end in periods
            if kind in set(AwayKind) and (start := _aware(starts)) is not None
        )
        return ResidentEntry(
            resident_id=resident_id,
            org_id=self._org_id,
            team_id=row[0],
            home_id=home,
            primary_id=row[1],
            backup_id=row[2],
            family_ids=tuple(family_id(resident_id, int(p)) for p in priorities),
            away=away,
        )

    def team(self, team_id: str) -> TeamEntry | None:
        """The team and its lead (rosters stay in the alerting config)."""
        try:
            with self._engine.connect() as conn:
                lead = conn.execute(
                    select(teams.c[d.TEAM_LEAD]).where(
                        teams.c[d.TEAM_ID] == team_id, teams.c[d.TEAM_ORG] == self._org_id
                    )
                ).first()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read team {team_id} from the directory: {exc}") from exc
        return None if lead is None else TeamEntry(team_id, self._org_id, lead[0])

    def contacts(self, person_id: str) -> list[tuple[str, str]]:
        """``(channel, target)`` of a user (email, SMS) or a family member (SMS)."""
        family = parse_family_id(person_id)
        try:
            with self._engine.connect() as conn:
                if family is not None:
                    phone = conn.scalar(
                        select(contacts.c[d.CONTACT_PHONE]).where(
                            contacts.c[d.CONTACT_RESIDENT] == family[0],
                            contacts.c[d.CONTACT_PRIORITY] == family[1],
                        )
                    )
                    email = None
                else:
                    u = users.c
                    row = conn.execute(
                        select(u[d.USER_PHONE], u[d.USER_EMAIL]).where(
                            u[d.USER_ID] == person_id,
                            u[d.USER_ORG] == self._org_id,
                            u[d.USER_ACTIVE].is_(True),
                        )
                    ).first()
                    phone, email = (row[0], row[1]) if row else (None, None)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the contacts of {person_id}: {exc}") from exc
        found: list[tuple[str, str]] = []
        if email:
            found.append(("email", str(email)))
        number = normalise_phone(phone)
        if number:
            found.append(("sms", number))
        return found
