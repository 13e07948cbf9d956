"""The engine: pytest + schemathesis. `run(config)` runs the suite as a pytest session and returns the exit code."""

from conformance.engine._run import run

__all__ = ["run"]
