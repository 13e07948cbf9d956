"""The check registry and the convention checks.

Public API: `CHECKS` (id -> `Check`), `CATALOGUE` (the stable ids in report order), `of_kind()`, and the model
types checks and the engine share (`Context`, `Exchange`, `Fail`, `Request`, `Auth`, `Credentials`, `Limits`,
`Client`).
"""

from conformance.checks import ids, probes, resources, responses, stateful  # noqa: F401 - importing registers the checks
from conformance.checks._model import (
    DEFAULT_AUTH,
    EXCERPT,
    NOT_JSON,
    Auth,
    Client,
    Context,
    Credentials,
    Exchange,
    Fail,
    Limits,
    NotJudged,
    Observed,
    Observer,
    Request,
    excerpt,
)
from conformance.checks._registry import (
    CATALOGUE,
    CHECKS,
    SEVERITIES,
    Check,
    Need,
    ProblemKind,
    Severity,
    Subject,
    default_grouping,
    observing,
    of_kind,
    selected,
)
from conformance.checks.resources import once_only_secrets

__all__ = [
    "CATALOGUE",
    "CHECKS",
    "DEFAULT_AUTH",
    "EXCERPT",
    "NOT_JSON",
    "SEVERITIES",
    "Auth",
    "Check",
    "Client",
    "Context",
    "Credentials",
    "Exchange",
    "Fail",
    "Limits",
    "Need",
    "NotJudged",
    "Observed",
    "Observer",
    "ProblemKind",
    "Request",
    "Severity",
    "Subject",
    "default_grouping",
    "excerpt",
    "observing",
    "of_kind",
    "once_only_secrets",
    "selected",
]
