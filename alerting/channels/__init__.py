"""Notification channels: one sub-package each, with the same files (config, sender)."""
