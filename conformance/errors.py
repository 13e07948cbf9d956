"""The package's errors: `ConformanceError` is their base; `SetupError` ends a run before any test (bad input, not
a finding), shown as one line on stderr with exit code 2 (see `conformance.cli`). The others stop one request, one
test or the run where they are raised: `client.bounded` (RunBudgetSpent, TooLarge), `client.client` (TargetGone,
UnsafeWrite), `engine._test_bodies` (ConformanceFailure), `mock._wire` (Reject).
"""

from __future__ import annotations


class ConformanceError(Exception):
    """The base of every error this package raises on purpose: catch this to catch ours and nothing else."""


class SetupError(ConformanceError):
    """The run cannot start: a missing or malformed spec, an unreachable target, rejected credentials, a bad option.

    `message` says what was expected and what came; `hint` says what to do.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
