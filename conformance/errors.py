"""Errors that end a run before any test: bad input, not a finding.

Every one of them is shown as one line on stderr and exits with code 2 (see `conformance.cli`).
"""

from __future__ import annotations


class SetupError(Exception):
    """The run cannot start: a missing or malformed spec, an unreachable target, rejected credentials, a bad option.

    `message` says what was expected and what came; `hint` says what to do.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
