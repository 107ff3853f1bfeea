"""The cloud REST API (FastAPI): login, residents, homes, gateways, devices, events, incidents.

Build it with :func:`cloud_ingest.api.app.create_app`; serve it with ``silverguard ingest api``.
"""
