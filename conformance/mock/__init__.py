"""The embedded mock VoIPBIN target. It stands apart: it imports the spec and profile layers, never the checks."""

from conformance.mock.app import MockApp, MockResponse
from conformance.mock.faults import FAULTS, F, Fault

__all__ = ["FAULTS", "F", "Fault", "MockApp", "MockResponse"]
