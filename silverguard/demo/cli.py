"""``silverguard demo`` (placeholder until the demo lands)."""

import typer


def demo() -> None:
    """Run the embedded single-home demo."""
    raise typer.Exit(code=2)
