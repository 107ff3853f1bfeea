"""The directory (who cares for whom): table and column names other components may read.

``cloud_ingest`` owns and writes these tables (its domain model); ``alerting`` reads them
read-only through its own ``Directory`` port. Only the names below are part of the contract;
anything else in the tables may change. Ids are pseudonymous identifiers
(:data:`contracts.ids.Identifier`); a user's id is the ``person_id`` alerting pages
(e.g. ``cw-0001``) and the ``sub`` of their access token.

Example:
    >>> RESIDENTS_TABLE, RESIDENT_PRIMARY_WORKER, USER_ROLE
    ('residents', 'primary_worker_id', 'role')
"""

from __future__ import annotations

ORGANISATIONS_TABLE = "organisations"
ORG_ID = "id"
ORG_NAME = "name"

CARE_TEAMS_TABLE = "care_teams"
TEAM_ID = "id"
TEAM_ORG = "org_id"
TEAM_NAME = "name"
TEAM_LEAD = "lead_user_id"
"""The team lead's user id (nullable)."""

USERS_TABLE = "users"
USER_ID = "id"
"""Also the person id alerting pages."""
USER_ORG = "org_id"
USER_ROLE = "role"
"""One of :class:`contracts.auth.Role`'s values."""
USER_DISPLAY_NAME = "display_name"
USER_PHONE = "phone"
USER_EMAIL = "email"
USER_ACTIVE = "active"

TEAM_MEMBERS_TABLE = "team_members"
TEAM_MEMBER_TEAM = "team_id"
TEAM_MEMBER_USER = "user_id"

RESIDENTS_TABLE = "residents"
RESIDENT_ID = "id"
RESIDENT_ORG = "org_id"
RESIDENT_TEAM = "team_id"
RESIDENT_PRIMARY_WORKER = "primary_worker_id"
"""User id of the primary care worker (nullable)."""
RESIDENT_BACKUP_WORKER = "backup_worker_id"
"""User id of the backup care worker (nullable)."""
RESIDENT_DEMENTIA = "dementia"
RESIDENT_LIVING_ALONE = "living_alone"
RESIDENT_DISABILITY = "disability_level"
"""none | mild | moderate | severe."""

RESIDENT_CONTACTS_TABLE = "resident_contacts"
CONTACT_RESIDENT = "resident_id"
CONTACT_NAME = "name"
CONTACT_RELATION = "relation"
CONTACT_PHONE = "phone"
CONTACT_PRIORITY = "priority"
"""1 is called first."""

RESIDENT_ABSENCES_TABLE = "resident_absences"
ABSENCE_RESIDENT = "resident_id"
ABSENCE_KIND = "kind"
"""away | hospital | respite: no care pages are expected while absent."""
ABSENCE_STARTS_AT = "starts_at"
ABSENCE_ENDS_AT = "ends_at"
"""Nullable: open-ended."""

HOMES_TABLE = "homes"
HOME_ID = "id"
HOME_ORG = "org_id"
HOME_RESIDENT = "resident_id"

GATEWAYS_TABLE = "gateways"
GATEWAY_ID = "id"
GATEWAY_ORG = "org_id"
GATEWAY_HOME = "home_id"

DEVICES_TABLE = "devices"
DEVICE_ID = "id"
DEVICE_ORG = "org_id"
DEVICE_GATEWAY = "gateway_id"
DEVICE_KIND = "kind"
