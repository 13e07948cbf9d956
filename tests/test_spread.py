"""--auth-probes spread: every bad credential and valid channel reaches a share of the operations (every one at
least one, the same ones whatever the seed); what the target mishandles once goes to every operation after; a
fault the spread would show on a share is shown everywhere. `every` keeps them all on each operation."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conformance.spread import Spread, share
from tests.engine.test_cli import cli

VARIANTS = [f"v{n}" for n in range(14)]


@pytest.mark.parametrize("operations", [1, 5, 14, 56, 410])
def test_every_variant_reaches_an_operation_and_each_operation_gets_its_share(operations):
    given = [share(place, operations, VARIANTS) for place in range(operations)]
    assert set().union(*given) == set(VARIANTS)
    assert all(len(g) == -(-len(VARIANTS) // operations) for g in given)
    counts = Counter(v for g in given for v in g)
    assert max(counts.values()) - min(counts.values()) <= 1  # spread evenly


def _spread() -> Spread:
    return Spread([f"op{n}" for n in range(56)], lambda op: op)


def _answer_all(spread: Spread, pool: str = "invalid", mishandled: tuple[str, ...] = ()) -> None:
    for variant in VARIANTS:
        spread.answered(pool, variant, variant in mishandled)


def test_a_variant_goes_everywhere_until_answered_and_what_got_through_goes_everywhere_after():
    spread = _spread()
    everyone = lambda op: True  # noqa: E731

    def pick(op: str) -> list[str]:
        return spread.pick("invalid", op, VARIANTS, everyone, str)

    assert pick("op5") == VARIANTS  # nothing answered yet (an operation that sent nothing spends no turn)
    spread.answered("invalid", "v0", False)
    assert pick("op5") == VARIANTS[1:]  # v0 was answered; op5's own share is v5
    _answer_all(spread)
    assert pick("op1") == ["v1"]
    spread.answered("invalid", "v9", True)
    assert pick("op2") == ["v2", "v9"]
    assert pick("op9") == ["v9"]
    assert spread.pick("valid", "op3", ["bearer", "query"], everyone, str) == ["bearer", "query"]  # its own pool


def test_an_operation_outside_the_run_or_the_pool_gets_every_variant():
    spread = _spread()
    spread.pick("invalid", "op0", VARIANTS, lambda op: op != "op7", str)  # the pool is fixed at its first pick
    _answer_all(spread)
    assert spread.pick("invalid", "op7", VARIANTS, lambda op: op != "op7", str) == VARIANTS
    assert spread.pick("invalid", "elsewhere", VARIANTS, lambda op: True, str) == VARIANTS
    assert spread.pick("invalid", "op8", VARIANTS, lambda op: op != "op7", str) == ["v7"]  # op8 is 7th of 55


def _sent(tmp_path, *args: str) -> Counter[str]:
    result = cli(
        "run", "--max-examples", "1", "--seed", "1", "--checks", "auth_missing_rejected,auth_invalid_rejected,"
        "auth_accepted", "--record-har", "run.har", "--report-dir", "out", *args, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    entries = json.loads((tmp_path / "run.har").read_text())["log"]["entries"]
    return Counter(entry["comment"] for entry in entries)


def test_spread_sends_each_credential_somewhere_and_no_credentials_everywhere(tmp_path):
    sent = _sent(tmp_path)
    invalid = {purpose: n for purpose, n in sent.items() if "JWT" in purpose or "unknown" in purpose}
    assert len(invalid) == 14  # 4 JWTs on 3 token channels, an unknown accesskey on 2
    assert sent["no credentials"] == 56
    assert sum(invalid.values()) == 56 + 13  # one each, and the first operation all 14
    valid = {purpose: n for purpose, n in sent.items() if purpose.startswith("valid ")}
    assert len(valid) == 3 and sum(valid.values()) == 56 + 2


def test_every_sends_each_credential_to_each_operation(tmp_path):
    sent = _sent(tmp_path, "--auth-probes", "every")
    assert sent["expired JWT in ?token="] == sent["no credentials"] == 56
    assert sent["valid accesskey via accesskey_query"] == 56


@pytest.mark.parametrize("fault", ["expired_jwt_accepted", "token_cookie_unverified", "accesskey_ignored"])
def test_a_credential_let_through_once_is_found_on_every_operation(tmp_path, fault):
    profile = "voipbin-2026-08" if fault == "token_cookie_unverified" else "voipbin-2026-01"
    result = cli(
        "run", "--max-examples", "1", "--seed", "1", "--profile", profile, "--mock-fault", fault,
        "--checks", "auth_invalid_rejected,auth_accepted", "--report-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads((tmp_path / "out" / "results.json").read_text())["problems"]
    assert [p["operations_affected"] for p in problems] == [56], problems
