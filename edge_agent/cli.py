"""Command line (placeholder until the component's own commands land)."""

import typer

app = typer.Typer(no_args_is_help=True)
