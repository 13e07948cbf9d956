"""The sweep's cases against a run's budget (filled below)."""

from __future__ import annotations

from typing import Any

CASES: list[tuple[str, str, str, Any]] = []
