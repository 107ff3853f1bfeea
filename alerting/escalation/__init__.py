"""Escalation: timed steps, who each step pages, and the database-timed escalator."""
