"""Manage the people who log in (``silverguard ingest users …``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cloud_ingest.auth.secrets import SecretHasher
from cloud_ingest.errors import IngestError, StoreError
from cloud_ingest.store.domain import CareTeam, Organisation, TeamMember, User
from cloud_ingest.store.engine import make_engine
from contracts.auth import Role
from contracts.clock import Clock

MIN_PASSWORD_LEN = 10


class UserAdminError(IngestError):
    """A user cannot be added or changed as asked."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LEN:
        raise UserAdminError(
            f"the password has {len(password)} characters: use at least {MIN_PASSWORD_LEN}"
        )


def add_user(
    database_url: str,
    *,
    org_id: str,
    user_id: str,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    teams: Sequence[str],
    clock: Clock,
    hasher: SecretHasher,
) -> None:
    """Add a person (raises :class:`UserAdminError` or ``StoreError``)."""
    _check_password(password)
    engine = make_engine(database_url)
    try:
        with Session(engine) as db, db.begin():
            if db.get(Organisation, org_id) is None:
                raise UserAdminError(f"no organisation {org_id!r}: load it with ingest seed first")
            if db.get(User, user_id) or db.scalar(select(User).where(User.username == username)):
                raise UserAdminError(
                    f"user id {user_id!r} or username {username!r} is taken: choose another, "
                    "or use 'ingest users passwd' to change a password"
                )
            known = set(db.scalars(select(CareTeam.id).where(CareTeam.org_id == org_id)))
            unknown = sorted(set(teams) - known)
            if unknown:
                raise UserAdminError(f"unknown team(s) {', '.join(unknown)} in {org_id}")
            db.add(
                User(
                    id=user_id,
                    org_id=org_id,
                    username=username,
                    display_name=display_name,
                    password_hash=hasher.hash(password),
                    role=role.value,
                    phone=None,
                    email=None,
                    active=True,
                    created_at=clock.now(),
                )
            )
            db.flush()
            db.execute(delete(TeamMember).where(TeamMember.user_id == user_id))
            db.add_all(TeamMember(team_id=t, user_id=user_id) for t in teams)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not add the user: {type(exc).__name__}. Check that the database is "
            "running and migrated (silverguard ingest migrate)."
        ) from exc
    finally:
        engine.dispose()


def set_password(database_url: str, username: str, password: str, hasher: SecretHasher) -> None:
    """Change a person's password (raises :class:`UserAdminError` or ``StoreError``)."""
    _check_password(password)
    engine = make_engine(database_url)
    try:
        with Session(engine) as db, db.begin():
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                raise UserAdminError(f"no user named {username!r}: check the spelling")
            user.password_hash = hasher.hash(password)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not change the password: {type(exc).__name__}. Check that the database "
            "is running and migrated (silverguard ingest migrate)."
        ) from exc
    finally:
        engine.dispose()
