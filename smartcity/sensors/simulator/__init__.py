"""Synthetic but realistic sensor streams for demos, tests and load tests.

``signals`` holds the pure signal models (no Django); the ``smartcity sensors simulate``
command sends their values through the platform's real ingest paths.
"""
