"""JSON Schema export of every wire contract, for partners and other languages.

Example:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     names = sorted(p.name for p in export_json_schemas(pathlib.Path(d)))
    >>> names[:3]
    ['ack-message.schema.json', 'envelope.schema.json', 'z2m-availability.schema.json']
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from contracts.devices.zigbee2mqtt import Z2mAvailability, Z2mSmokeState
from contracts.envelope import SCHEMA_VERSION, AckMessage, Envelope

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "envelope": Envelope,
    "ack-message": AckMessage,
    "z2m-smoke-state": Z2mSmokeState,
    "z2m-availability": Z2mAvailability,
}
"""File stem → model. The envelope's schema includes every body (events and readings)."""


def json_schemas() -> dict[str, dict[str, object]]:
    """Every contract's JSON Schema (draft 2020-12), keyed by file stem."""
    out: dict[str, dict[str, object]] = {}
    for stem, model in SCHEMA_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"urn:silverguard:contracts:v{SCHEMA_VERSION}:{stem}"
        out[stem] = schema
    return out


def export_json_schemas(directory: Path) -> list[Path]:
    """Write ``<stem>.schema.json`` files into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, schema in json_schemas().items():
        path = directory / f"{stem}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(path)
    return written
