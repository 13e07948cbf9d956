"""The check registry: each convention check is one small function registered under its stable id.

Reports, baselines and users key on the ids; each entry names the doc statement it enforces and the
`schemas/` file it reads, so a finding can always say which promise was broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from conformance.checks._model import Context, Exchange, Fail, Observer

Kind = Literal["response", "probe", "stateful"]
# Critical: authentication and tenant isolation (a breach); high: failures, lost or zombie data, broken pages;
# medium: the rest of the documented format. Reports rank problems by this, then by how many operations.
Severity = Literal["critical", "high", "medium"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium")


class Subject(Enum):
    """What one run of a stateful check is about: a list operation, or a collection (by the operation whose label
    its findings carry)."""

    LIST_OPERATION = "list operation"
    COLLECTION_CREATE = "collection, by its create"
    COLLECTION_READ = "collection, by its read"
    RUN = "the run, once"


class Need(Enum):
    """What a check needs of the run; without it the check is skipped, with the reason given here."""

    WRITES = "creates resources; a --base-url target needs --allow-writes"
    OTHER_CUSTOMER = "needs a second customer (VOIPBIN_OTHER_USERNAME/PASSWORD or VOIPBIN_OTHER_TOKEN)"


@dataclass(frozen=True)
class ProblemKind:
    """How one finding groups into a problem: `kind` is stable (a problem's id is its check and kind, so the same
    cause has the same id in every run), `detail` is what the title adds to the check's problem phrase, in plain
    words; `severity` where this kind is less (or more) severe than the check's own; `statuses`: the title lists
    the statuses the problem's findings answered ("answered 200, 404")."""

    kind: str
    detail: str = ""
    severity: Severity | None = None
    statuses: bool = False
    phrase: str | None = None  # instead of the check's problem phrase, where this kind is another problem
    # A consequence of another check's problem (check, kind; None: any of its kinds) on the same operation: a body
    # that is not JSON is json_response's cause before it is error_envelope's.
    caused_by: tuple[str, str | None] | None = None
    caused_anywhere: bool = False  # the cause explains it wherever it was found (the run's one unknown route)

    def title(self, check_phrase: str, statuses: list[int]) -> str:
        title = self.phrase or check_phrase
        if self.statuses and statuses:
            title += f": answered {', '.join(map(str, statuses))}"
        return f"{title} ({self.detail})" if self.detail else title


def _readable(key: str) -> str:
    """A key in words: dashes and colons as spaces (a field name keeps its underscores: tm_delete)."""
    return " ".join(key.replace("-", " ").split(":")).strip()


def default_grouping(key: str, status: int | None) -> ProblemKind:
    """One problem per key: what most checks' keys already are (the kind of violation, never a value)."""
    return ProblemKind(key, _readable(key))


Grouping = Callable[[str, "int | None"], ProblemKind]


@dataclass(frozen=True)
class Check:
    id: str
    kind: Kind
    severity: Severity
    problem: str  # the problem in plain words, as a report's title says it ("Invalid credentials are not refused")
    summary: str
    doc: str  # the doc statement (file and section) this check enforces
    schema: str | None  # the schemas/ file it reads, if any
    func: Callable[..., Iterable[Fail]]
    # Which exchanges (response checks) or operations (probes, exchange None) the check judges at all. Tallies
    # count only those, so "passed" means "looked and found it right", never "did not apply".
    applies: Callable[..., bool] | None = None
    grouping: Grouping = default_grouping
    subject: Subject | None = None  # stateful checks: what one run is about
    needs: frozenset[Need] = frozenset()
    # Whether the profile documents this convention at all (live_delete_sentinel: 2026-08 only); None: every one.
    in_profile: Callable[[Any], bool] | None = None
    # A root cause: which of its problem kinds another check's finding on an answer (status, error) belongs to, as
    # a consequence (server_error: a 5xx or a silence is the server failing, whichever check saw it first).
    claims: Callable[[int | None, str | None], str | None] | None = None
    # Where findings together say more than one by one (an operation that accepts a value of the wrong JSON type
    # validates nothing): the keys, per operation, that make one kind of problem instead.
    cluster: Callable[[dict[str, set[str]]], dict[str, ProblemKind]] | None = None
    # A probe or a stateful check whose convention traffic it did not send can show too (a page chain a client
    # followed, a create and the read after it): `observer(profile, spec)` watches recorded or proxied traffic.
    observer: Callable[[Any, Any], Observer] | None = None

    def problem_kinds(self, keys_by_operation: dict[str, set[str]]) -> dict[str, ProblemKind]:
        """Per operation, the problem all of this check's findings there belong to, where they make one."""
        return self.cluster(keys_by_operation) if self.cluster is not None else {}

    def part_of(self, profile: Any) -> bool:
        return self.in_profile is None or bool(self.in_profile(profile))

    def problem_kind(self, key: str, status: int | None) -> ProblemKind:
        """The problem a finding of this check with this key (and answer status) belongs to."""
        return self.grouping(key, status)

    def run(self, ctx: Context, *args: Any) -> list[Fail]:
        return list(self.func(ctx, *args) or ())

    def judges(self, ctx: Context, exchange: Exchange | None = None) -> bool:
        return self.applies is None or bool(self.applies(ctx, exchange))


CHECKS: dict[str, Check] = {}

# Catalogue order: reports list checks in this order.
CATALOGUE = (
    "auth_missing_rejected",
    "auth_invalid_rejected",
    "auth_accepted",
    "json_response",
    "error_envelope",
    "list_envelope",
    "status_code",
    "http_semantics",
    "response_schema",
    "id_format",
    "timestamp_format",
    "live_delete_sentinel",
    "server_error",
    "malformed_json_rejected",
    "content_type_enforced",
    "invalid_input_rejected",
    "unknown_resource_404",
    "malformed_id_rejected",
    "pagination",
    "resource_lifecycle",
    "tenant_isolation",
    "unknown_route_envelope",
    "unserved_method",
    "secret_returned_once",
)


def check(
    id: str,
    *,
    kind: Kind,
    severity: Severity,
    problem: str,
    summary: str,
    doc: str,
    schema: str | None = None,
    applies: Callable[..., bool] | None = None,
    grouping: Grouping = default_grouping,
    subject: Subject | None = None,
    needs: Iterable[Need] = (),
    in_profile: Callable[[Any], bool] | None = None,
    claims: Callable[[int | None, str | None], str | None] | None = None,
    cluster: Callable[[dict[str, set[str]]], dict[str, ProblemKind]] | None = None,
    observer: Callable[[Any, Any], Observer] | None = None,
) -> Callable[[Callable], Callable]:
    if id not in CATALOGUE:
        raise ValueError(f"check id {id!r} is not in the catalogue; add it to CATALOGUE first")
    if (kind == "stateful") != (subject is not None):
        raise ValueError(f"check {id!r}: a stateful check, and only one, declares its subject")

    def register(func: Callable[..., Iterable[Fail]]) -> Callable[..., Iterable[Fail]]:
        if id in CHECKS:
            raise ValueError(f"check id {id!r} is registered twice")
        CHECKS[id] = Check(
            id,
            kind,
            severity,
            problem,
            summary,
            doc,
            schema,
            func,
            applies,
            grouping,
            subject,
            frozenset(needs),
            in_profile,
            claims,
            cluster,
            observer,
        )
        return func

    return register


def observing() -> list[Check]:
    """The checks that can judge traffic they did not send beyond the response checks: their observers."""
    return [CHECKS[i] for i in CATALOGUE if i in CHECKS and CHECKS[i].observer is not None]


def of_kind(kind: Kind) -> list[Check]:
    return [CHECKS[i] for i in CATALOGUE if i in CHECKS and CHECKS[i].kind == kind]


def selected(only: tuple[str, ...] = (), excluded: tuple[str, ...] = ()) -> frozenset[str]:
    """The check ids a run applies (--checks, --exclude-checks); an unknown id is a SetupError with a hint."""
    import difflib

    from conformance.errors import SetupError

    for flag, ids in (("--checks", only), ("--exclude-checks", excluded)):
        for check_id in ids:
            if check_id not in CATALOGUE:
                close = difflib.get_close_matches(check_id, CATALOGUE, n=1)
                hint = f"did you mean {close[0]}?" if close else f"the ids: {', '.join(CATALOGUE)}"
                raise SetupError(f"{flag}: unknown check {check_id!r}", hint)
    return frozenset(only or CATALOGUE) - frozenset(excluded)
