"""The caller of the API and the residents each role may see.

care_worker: residents of their teams and those they are primary or backup worker of;
team_lead: residents of their teams; operator and admin: every resident of their organisation
(operators see pseudonymous profiles unless they give a reason). Nobody sees another
organisation's data.

Example:
    >>> p = Principal("cw-0001", "org-a", Role.CARE_WORKER, frozenset({"team-a"}))
    >>> p.may_see("org-a", "team-a", None, None), p.may_see("org-a", "team-b", "cw-0001", None)
    (True, True)
    >>> p.may_see("org-a", "team-b", None, None), p.may_see("org-b", "team-a", None, None)
    (False, False)
    >>> Principal("op-1", "org-a", Role.OPERATOR, frozenset()).may_see("org-a", None, None, None)
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_

from cloud_ingest.store.domain import Resident
from contracts.auth import AccessClaims, Role


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in person: who, of which organisation, in which role, in which teams."""

    user_id: str
    org_id: str
    role: Role
    team_ids: frozenset[str]

    @classmethod
    def of(cls, claims: AccessClaims) -> Principal:
        """The principal an access token speaks for."""
        return cls(claims.sub, claims.org_id, claims.role, frozenset(claims.team_ids))

    @property
    def org_wide(self) -> bool:
        """Operators and admins see their whole organisation."""
        return self.role in (Role.OPERATOR, Role.ADMIN)

    @property
    def pseudonymous(self) -> bool:
        """Operators see no names unless they give a reason."""
        return self.role is Role.OPERATOR

    def may_see(
        self,
        org_id: str,
        team_id: str | None,
        primary_worker_id: str | None,
        backup_worker_id: str | None,
    ) -> bool:
        """Whether this principal may read a resident with these attributes."""
        if org_id != self.org_id:
            return False
        if self.org_wide:
            return True
        if team_id is not None and team_id in self.team_ids:
            return True
        return self.role is Role.CARE_WORKER and self.user_id in (
            primary_worker_id,
            backup_worker_id,
        )


def resident_visibility(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition on :class:`Resident` equivalent to :meth:`Principal.may_see`."""
    same_org = Resident.org_id == principal.org_id
    if principal.org_wide:
        return same_org
    in_team = Resident.team_id.in_(sorted(principal.team_ids)) if principal.team_ids else false()
    if principal.role is Role.CARE_WORKER:
        assigned = or_(
            Resident.primary_worker_id == principal.user_id,
            Resident.backup_worker_id == principal.user_id,
        )
        return and_(same_org, or_(in_team, assigned))
    return and_(same_org, in_team)
