"""The engine: pytest + schemathesis. `run(config)` runs the suite as a pytest session and returns the exit code."""

from conformance.engine.session import run

__all__ = ["run"]
