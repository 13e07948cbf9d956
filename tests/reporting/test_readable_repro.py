"""A problem's "shortest repro" is the shortest one a person can read: escaped Unicode, runs of percent-escapes and
invisible characters weigh more than plain text."""

from __future__ import annotations

import json

from conformance.results.problems import group, unreadable

BASE = "curl -sS -X POST -H 'Content-Type: application/json' -H \"Authorization: Bearer ${VOIPBIN_TOKEN}\""
URL = "http://127.0.0.1:8000/v1.0/tags"


def _finding(repro: str, operation: str = "POST /tags") -> dict:
    return {
        "check": "server_error",
        "operation": operation,
        "message": "500",
        "key": "status 500",
        "status": 500,
        "repro": repro,
    }


def _chosen(*repros: str) -> str:
    findings = [_finding(repro, f"POST /x{n}") for n, repro in enumerate(repros)]
    (problem,) = group(findings, len(findings))
    return problem["repro"]


def test_a_longer_plain_repro_beats_a_shorter_one_of_escaped_unicode():
    emoji = json.dumps({"name": "\U0001f600\u00e9\u4e2d" * 4})
    escaped = f"{BASE} --data-raw '{emoji}' {URL}"
    plain = f"{BASE} --data-raw '{json.dumps({'name': 'x' * 60, 'detail': 'y' * 40})}' {URL}"
    assert "\\ud83d" in escaped and len(escaped) < len(plain)
    assert _chosen(escaped, plain) == plain
    assert _chosen(plain, escaped) == plain


def test_runs_of_percent_escapes_and_raw_non_ascii_weigh_too():
    percent = f"curl -sS '{URL}?name=%E2%80%8B%E2%80%8B%F0%9F%98%80'"
    chinese = "\u4e2d\u6587\u5b57" * 3
    raw = f"curl -sS '{URL}?name={chinese}'"
    plain = f"curl -sS '{URL}?name={'a' * 30}'"
    assert len(percent) > len(raw) and len(plain) > len(raw)
    assert _chosen(percent, raw, plain) == plain


def test_a_lone_escape_reads_fine_and_the_shortest_still_wins():
    token = f"curl -sS '{URL}?page_size=2&page_token=2026-01-15+00%3A00%3A00.104000'"
    longer = f"curl -sS -H 'Accept: application/json' '{URL}?page_size=2&page_token=2026-01-15T00-00-00.104000'"
    assert unreadable(token) == (len(token), len(token))
    assert _chosen(longer, token) == token


def test_invisible_and_control_characters_weigh_more_than_their_length():
    hidden = f"curl -sS '{URL}?q=a\u200bb\x07c'"
    plain = f"curl -sS '{URL}?q=abcdefgh'"
    assert len(hidden) < len(plain)
    assert _chosen(hidden, plain) == plain
    assert unreadable("a b\nc") == (5, 5)  # spaces and newlines are how a command reads
