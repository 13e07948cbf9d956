"""The embedded mock VoIPBIN target. It stands apart: it imports the spec and profile layers, never the checks."""

from conformance.mock.app import MockApp, MockResponse
from conformance.mock.faults import FAULTS, Fault

__all__ = ["FAULTS", "Fault", "MockApp", "MockResponse"]
