"""Shared fixtures: the bundled spec, the real VoIPBIN sources beside the checkout, and in-process runs."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.config import Config
from conformance.data import bundled_spec_path
from conformance.engine import _test_bodies
from conformance.engine.runtime import Runtime, build_runtime
from conformance.results.finding import Recorder

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "voipbin"
REAL_SPECS = {
    "2026-01-15": SHARED / "openapi-2026-01-15" / "openapi.yaml",
    "2026-08-22": SHARED / "openapi-2026-08-22" / "openapi.yaml",
}


def real_spec(date: str) -> Path:
    path = REAL_SPECS[date]
    if not path.is_file():
        pytest.skip(f"the real VoIPBIN sources are not beside the checkout ({SHARED})")  # one reason, said once
    return path


@dataclasses.dataclass
class Outcome:
    recorders: list[Recorder]

    @functools.cached_property
    def findings(self) -> list[dict[str, Any]]:
        """As results.json holds them: dicts (which problems.group() annotates in place)."""
        return [f.as_dict() for r in self.recorders for f in r.findings.values()]

    @property
    def by_check(self) -> Counter[str]:
        return Counter(f["check"] for f in self.findings)

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.recorders)

    def describe(self) -> str:
        return "\n".join(f"{f['check']} {f['operation']}: {f['message']}" for f in self.findings[:20])


def run_in_process(runtime: Runtime, *, stateful: bool = True, operations: bool = True) -> Outcome:
    """The suite's tests, run directly (no pytest session): every operation, then the stateful checks."""
    return Outcome(list(each_test(runtime, stateful=stateful, operations=operations)))


def each_test(runtime: Runtime, *, stateful: bool = True, operations: bool = True) -> Iterator[Recorder]:
    """As run_in_process, one test's recorder at a time: a caller that has seen what it looks for can stop early
    (each test cleans up after itself)."""
    for op in runtime.operations if operations else []:
        recorder = Recorder()
        _test_bodies.run_operation(runtime, op, recorder)
        yield recorder
    for case in _test_bodies.stateful_cases(runtime) if stateful else []:
        if _test_bodies.unmet_need(runtime, case.check) is None:
            recorder = Recorder()
            _test_bodies.run_stateful(runtime, case.check.id, case.operation, recorder)
            yield recorder


@pytest.fixture
def make_runtime() -> Any:
    made: list[Runtime] = []

    def make(**overrides: Any) -> Runtime:
        overrides.setdefault("seed", 7)
        overrides.setdefault("max_examples", 3)
        runtime = build_runtime(Config(**overrides).validate())
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.fixture(scope="session")
def bundled() -> Path:
    return bundled_spec_path()
