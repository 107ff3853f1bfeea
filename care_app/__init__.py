"""The care worker phone app and operator console: server-rendered pages over the cloud REST
API and the alert router's API (``silverguard app serve``)."""
