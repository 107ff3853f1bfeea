"""The alert router: turns stored events into incidents and pages care workers."""
