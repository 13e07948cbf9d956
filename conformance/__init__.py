"""voipbin-conformance: the contract and conformance suite for the VoIPBIN REST API.

Layers, each importing only those before it: spec loading and profiles -> checks -> engine -> reporting;
the CLI builds a Config and calls the engine; the mock stands apart and never imports the checks.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
