"""The API's 4xx answers: each says what went wrong and what to do.

Example:
    >>> e = not_found("resident", "res-9")
    >>> e.status_code, e.detail
    (404, "no resident 'res-9' in your organisation: check the id (list them with GET ...)")
"""

from __future__ import annotations

from fastapi import HTTPException, status

_LISTS = {
    "resident": "/api/v1/residents",
    "home": "/api/v1/homes",
    "gateway": "/api/v1/gateways",
    "device": "/api/v1/devices",
    "incident": "/api/v1/incidents",
}


def not_found(what: str, ident: str) -> HTTPException:
    """404 for an id that is unknown or belongs to another organisation (indistinguishable)."""
    where = _LISTS.get(what, "the API")
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"no {what} {ident!r} in your organisation: check the id (list them with GET {where})",
    )


def not_found_message(message: str) -> HTTPException:
    """404 with a message of the caller's own."""
    return HTTPException(status.HTTP_404_NOT_FOUND, message)


def forbidden(message: str) -> HTTPException:
    """403: logged in, but this role or person may not do this."""
    return HTTPException(status.HTTP_403_FORBIDDEN, message)


def unauthorized(message: str, scheme: str = "Bearer") -> HTTPException:
    """401 with the scheme to use."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": scheme}
    )


def conflict(message: str) -> HTTPException:
    """409: the request clashes with the state others rely on."""
    return HTTPException(status.HTTP_409_CONFLICT, message)


def bad_request(message: str) -> HTTPException:
    """400: the request cannot be served as asked."""
    return HTTPException(status.HTTP_400_BAD_REQUEST, message)
