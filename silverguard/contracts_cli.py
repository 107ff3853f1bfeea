"""``silverguard contracts``: export the wire contracts as JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from contracts.schema import export_json_schemas

app = typer.Typer(no_args_is_help=True)


@app.command("export-schema")
def export_schema(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the *.schema.json files into.")
    ],
) -> None:
    """Write one JSON Schema file per wire contract into DIRECTORY."""
    try:
        written = export_json_schemas(directory)
    except OSError as exc:
        Console(stderr=True).print(f"[red]Cannot write schemas to {directory}:[/] {exc}")
        raise typer.Exit(code=1) from exc
    console = Console()
    for path in written:
        console.print(f"wrote {path}")
