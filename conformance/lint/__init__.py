"""Lint: the spec judged against a profile's conventions, with no target and no request (`lint --spec PATH`).

It stands beside `checks/` (it reads `openapi/` and the profiles, never the engine): its rules (`rules.py`, declared
in `_registry.py` with ids `spec_*`) judge the spec's files as written (`_source.py`: every node's file and line),
and each defect is a finding at the file and line to edit — a shared component's once, at the component.
"""

from conformance.lint._registry import RULES, SEVERITIES, Rule, catalogue
from conformance.lint._run import Lint, lint

__all__ = ["RULES", "SEVERITIES", "Lint", "Rule", "catalogue", "lint"]
