"""Lets `pytest --spec PATH --base-url URL` (or `pytest --conformance`) run the conformance suite from here."""

pytest_plugins = ["conformance.engine.plugin", "conformance.reporting.plugin"]
