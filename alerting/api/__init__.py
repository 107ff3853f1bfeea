"""The HTTP API: health, accept links (GET confirm page, POST accept) and the JSON API."""

from alerting.api.app import create_app
from alerting.api.tokens import AcceptTokens, InvalidTokenError, accept_url

__all__ = ["AcceptTokens", "InvalidTokenError", "accept_url", "create_app"]
