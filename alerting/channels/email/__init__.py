"""Email channel over SMTP."""
