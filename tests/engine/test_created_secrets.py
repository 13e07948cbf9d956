"""A credential the target hands out (a new accesskey's token, which the spec says is returned only once) is in no
report: the client learns it from the answer before any check judges it."""

from __future__ import annotations

import json
import re

from tests.engine.test_cli import cli


def test_a_created_accesskeys_token_is_in_no_report(tmp_path):
    args = ("run", "--mock-fault", "ids_not_uuid", "--include", "accesskeys", "--max-examples", "2", "--seed", "3")
    result = cli(*args, "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    results = (tmp_path / "out" / "results.json").read_text()
    shown = set(re.findall(r'\\"token\\": \\"([^\\"]*)\\"', results))
    assert shown == {"[REDACTED]"}, shown  # the POST /accesskeys answers in the findings, their token hidden
    created = [f for f in json.loads(results)["findings"] if f["operation"] == "POST /accesskeys"]
    assert created, "no finding shows a create's answer: the test proves nothing"
    for name in ("report.html", "junit.xml", "summary.md"):
        assert "token-" not in (tmp_path / "out" / name).read_text(), name
