"""The base model of every wire message, and the one place validation errors are mapped."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from contracts.errors import PayloadValidationError


class ContractModel(BaseModel):
    """Frozen, strict-about-unknown-fields base for Silverguard's own messages."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @classmethod
    def parse_payload(cls, data: bytes | str | dict[str, Any]) -> Self:
        """Validate JSON bytes/text or a dict, raising :class:`PayloadValidationError` if bad."""
        try:
            if isinstance(data, dict):
                return cls.model_validate(data)
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise as_payload_error(cls.__name__, exc) from exc


class DeviceModel(ContractModel):
    """Base for third-party device payloads: unknown fields are ignored, never fatal."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def as_payload_error(model: str, exc: ValidationError) -> PayloadValidationError:
    """Translate pydantic's error into the contracts' single validation error type."""
    errors = exc.errors(include_url=False)
    return PayloadValidationError(
        model, [tuple(err["loc"]) for err in errors], [err["msg"] for err in errors]
    )
