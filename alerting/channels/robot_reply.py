"""Group robots (DingTalk, WeCom) answer HTTP 200 with ``{"errcode": n, "errmsg": …}``.

Example:
    >>> import httpx
    >>> ok = httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
    >>> check_robot_reply(ok, what="WeCom", retryable=frozenset({45009}), hint="x")
    DeliveryReceipt(code=0, detail='ok')
    >>> busy = httpx.Response(200, json={"errcode": 45009, "errmsg": "api freq out of limit"})
    >>> check_robot_reply(busy, what="WeCom", retryable=frozenset({45009}), hint="x")
    Traceback (most recent call last):
    ...
    alerting.errors.RetryableDeliveryError: WeCom refused the message: errcode 45009 (api freq ...)
"""

from __future__ import annotations

import httpx

from alerting.channels.base import DeliveryReceipt
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError

__all__ = ["check_robot_reply"]


def check_robot_reply(
    response: httpx.Response, *, what: str, retryable: frozenset[int], hint: str
) -> DeliveryReceipt:
    """The receipt for ``errcode`` 0; otherwise a retryable or permanent delivery error."""
    try:
        reply = response.json()
        errcode = int(reply["errcode"])
        errmsg = str(reply.get("errmsg", ""))
    except (ValueError, KeyError, TypeError) as exc:
        raise RetryableDeliveryError(
            f"{what} answered HTTP {response.status_code} without an errcode: "
            f"{response.text[:200]!r}"
        ) from exc
    if errcode == 0:
        return DeliveryReceipt(0, errmsg or "ok")
    message = f"{what} refused the message: errcode {errcode} ({errmsg[:200]})"
    if errcode in retryable:
        raise RetryableDeliveryError(message, code=errcode)
    raise PermanentDeliveryError(f"{message}; {hint}", code=errcode)
