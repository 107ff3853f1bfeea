"""The ``silverguard`` command: one CLI with a group per role, and the embedded demo."""
