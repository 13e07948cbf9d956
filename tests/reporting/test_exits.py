"""The single exit: every file a run, `diff` or `merge` writes and every line it prints is redacted, escaped for
its format, and bounded, whatever a hostile target (or a hand-edited results file) puts in it."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, quote

import pytest

from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http

TOKEN = "tok-5f2b9c0d7e1a4c3b8d6e9f0a1b2c3d4e"
ACCESSKEY = "AK8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3"
SECRETS = {"VOIPBIN_TOKEN": TOKEN, "VOIPBIN_ACCESSKEY": ACCESSKEY}
INJECTION = "<img src=//evil.example/x.png><a href=//evil.example>Passed</a></table>|`x`"
PATHS = {"/items": {"get": {"responses": LIST_RESPONSES}}}


def spellings(secret: str) -> list[str]:
    encoded = base64.b64encode(secret.encode()).decode()
    return [secret, quote(secret, safe=""), encoded[:-4], base64.b64encode(b"\n" + secret.encode()).decode()[4:-4]]


def leaks(text: str) -> list[str]:
    """Spellings of the credentials in `text`, in any case (a media type is lower-cased before it is quoted)."""
    return [s for secret in (TOKEN, ACCESSKEY) for s in spellings(secret) if s.lower() in text.lower()]


def echo(environ, start_response):
    """Echoes the credential it was sent inside its Content-Type (a media type a check quotes), with markup."""
    if environ["PATH_INFO"] == "/auth/login":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"token": TOKEN}).encode()]
    key = parse_qs(environ.get("QUERY_STRING", "")).get("accesskey", [""])[0]
    sent = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ") or key or "none"
    start_response("200 OK", [("Content-Type", f"text/x-{sent}{INJECTION}")])
    return [json.dumps({"result": [], "next_page_token": ""}).encode()]


@pytest.fixture(scope="module")
def echoed(tmp_path_factory):
    """A baseline run, then a run against it with GITHUB_STEP_SUMMARY set, both against the echoing target."""
    where = tmp_path_factory.mktemp("echo")
    spec = write_spec(where / "spec.json", PATHS)
    env = {**SECRETS, "GITHUB_STEP_SUMMARY": str(where / "step.md"), "GITHUB_ACTIONS": "true"}
    with serve(echo) as url:
        common = ("run", "--spec", spec, "--base-url", url, "--max-examples", "1", "--seed", "2")
        first = cli(*common, "--report-dir", "base", cwd=where, env=env, timeout=120)
        assert first.returncode == 1, first.stdout + first.stderr
        second = cli(*common, "--baseline", "base/results.json", "--report-dir", "out", cwd=where, env=env)
    return where, second


def test_a_run_with_a_baseline_leaks_no_echoed_secret_into_any_file_or_line(echoed):
    where, result = echoed
    assert (where / "out" / "regression.json").is_file()
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "step summary": (where / "step.md").read_text()}
    outputs |= {path.name: path.read_text() for path in (where / "out").iterdir()}
    assert {name: leaks(text) for name, text in outputs.items() if leaks(text)} == {}


def rendered(markdown: str) -> str:
    """As GitHub would show it: CommonMark with tables, raw HTML allowed."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def test_the_step_summary_and_summary_md_render_no_markup_from_the_target(echoed):
    where, _ = echoed
    for text in ((where / "step.md").read_text(), (where / "out" / "summary.md").read_text()):
        page = rendered(text)
        assert "<img" not in page and "<a " not in page, page
        assert page.count("</table>") == text.count("## VoIPBIN conformance"), page  # only our own tables
        # a made-up media type is not even a key (one problem, "content type other"); shown as text if at all
        assert "evil.example" not in page or "&lt;img src=//evil.example/x.png&gt;" in page


def test_a_login_token_the_target_echoes_is_redacted_everywhere(tmp_path):
    spec = write_spec(tmp_path / "spec.json", PATHS)
    env = {"VOIPBIN_USERNAME": "agent", "VOIPBIN_PASSWORD": "pw"}
    with serve(echo) as url:
        result = cli(
            "run", "--spec", spec, "--base-url", url, "--max-examples", "1", "--report-dir", "o", cwd=tmp_path, env=env
        )
    assert result.returncode == 1, result.stdout + result.stderr
    outputs = [result.stdout, result.stderr] + [p.read_text() for p in (tmp_path / "o").iterdir()]
    assert [leaks(text) for text in outputs if leaks(text)] == []


def _results_holding(secret: str, where: Path, item: str = "GET /items") -> Path:
    """A results file (as a hand edit or another tool could leave it) that holds `secret` in its text."""
    from conformance.config import Config
    from conformance.reporting.results import Aggregator

    aggregator = Aggregator(Config(seed=1, shard="1/1"), "http://h", "s")
    aggregator.add({"kind": "operation", "operation": item, "cases": 1, "statuses": {item: [200]}})
    aggregator.add(
        {
            "kind": "operation",
            "operation": item,
            "findings": [
                {
                    "check": "json_response",
                    "operation": item,
                    "message": f"200 response says text/x-{secret}",
                    "status": 200,
                    "repro": f"curl -H 'Authorization: Bearer {secret}' http://h/items",
                    "fingerprint": "f" * 16,
                    "key": f"content-type:text/x-{secret}",
                    "occurrences": 1,
                    "request": {},
                    "response": {},
                    "steps": [],
                    "replay": None,
                }
            ],
        }
    )
    path = where / f"results-{len(list(where.glob('results-*')))}.json"
    path.write_text(json.dumps(aggregator.as_dict()))
    return path


def test_diff_and_merge_redact_the_credentials_in_the_environment(tmp_path):
    baseline = _results_holding("nothing-secret-here", tmp_path)
    new = _results_holding(TOKEN, tmp_path)
    env = {**SECRETS, "GITHUB_STEP_SUMMARY": str(tmp_path / "step.md")}
    diff = cli("diff", baseline.name, new.name, "--report-dir", "d", cwd=tmp_path, env=env)
    assert diff.returncode == 1, diff.stderr
    merge = cli("merge", new.name, "--report-dir", "m", cwd=tmp_path, env=env)
    assert merge.returncode == 1, merge.stderr
    outputs = {"diff": diff.stdout + diff.stderr, "merge": merge.stdout + merge.stderr}
    outputs |= {f"{p.parent.name}/{p.name}": p.read_text() for d in ("d", "m") for p in (tmp_path / d).iterdir()}
    outputs["step summary"] = (tmp_path / "step.md").read_text()
    assert {name: leaks(text) for name, text in outputs.items() if leaks(text)} == {}
    assert "[REDACTED]" in (tmp_path / "d" / "regression.json").read_text()


@pytest.mark.parametrize("command", ["diff", "merge", "merge-refused"])
def test_nothing_from_a_results_file_starts_a_workflow_command_or_reorders_the_terminal(tmp_path, command):
    item = "GET /items\n::warning title=owned::forged\n::add-mask::x\u202e\u200b ##[error]forged"
    baseline = _results_holding("a", tmp_path, item="GET /other")
    new = _results_holding(TOKEN, tmp_path, item=item)
    if command == "merge-refused":  # the one-line error quotes the results files
        edited = json.loads(baseline.read_text())
        edited["summary"]["target"] = item
        baseline.write_text(json.dumps(edited))
    args = {"diff": ("diff", baseline.name, new.name), "merge": ("merge", new.name)}
    args["merge-refused"] = ("merge", new.name, baseline.name)
    result = cli(*args[command], "--report-dir", "r", cwd=tmp_path, env=SECRETS)
    assert result.returncode == (2 if command == "merge-refused" else 1), result.stderr
    assert not leaks(result.stdout + result.stderr)
    for line in (result.stdout + result.stderr).splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
    assert "\u202e" not in result.stdout and "\u200b" not in result.stdout


def test_one_target_cannot_grow_the_reports_without_bound(tmp_path):
    """A distinct 60 KB Content-Type per answer made summary.md 1.6 MB and results.json 10.9 MB."""
    counter = iter(range(10**9))

    def sprawling(environ, start_response):
        start_response("200 OK", [("Content-Type", f"text/x-{next(counter):06d}" + "y" * 60_000)])
        return [json.dumps({"result": [], "next_page_token": ""}).encode()]

    paths = {f"/items{n}": {"get": {"responses": LIST_RESPONSES}} for n in range(2)}
    spec = write_spec(tmp_path / "spec.json", paths)
    env = {**SECRETS, "GITHUB_STEP_SUMMARY": str(tmp_path / "step.md")}
    with serve(sprawling) as url:
        args = ("run", "--spec", spec, "--base-url", url, "--max-examples", "20", "--report-dir", "o")
        result = cli(*args, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tmp_path / "o" / "summary.md").stat().st_size < 256 * 1024
    assert (tmp_path / "step.md").stat().st_size < 256 * 1024
    assert (tmp_path / "o" / "results.json").stat().st_size < 2 * 1024 * 1024


CRASHING = """
import conformance.engine.session as run_module

def boom(runtime):
    raise RuntimeError("injected for the test with token %s" % "{token}")

run_module.preflight = boom
"""


def test_a_crash_exits_3_with_one_line_and_the_traceback_in_a_file(tmp_path):
    """An error in our own code is not a finding (exit 1): its own code, one line naming crash.txt, redacted."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASHING.format(token=TOKEN))
    import os

    env = {"PYTHONPATH": f"{hook}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "VOIPBIN_TOKEN": TOKEN}
    result = cli("run", "--report-dir", "out", cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "crashed" in lines[0] and "out/crash.txt" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    crash = (tmp_path / "out" / "crash.txt").read_text()
    assert "Traceback" in crash and "RuntimeError: injected" in crash
    assert not leaks(crash + result.stderr)


def test_judge_with_a_selection_that_judges_nothing_is_exit_2(tmp_path):
    recorded = cli(
        "run",
        "--include",
        "^GET /tags$",
        "--max-examples",
        "1",
        "--record-har",
        "t.har",
        "--report-dir",
        "r",
        cwd=tmp_path,
    )
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    result = cli("judge", "t.har", "--checks", "tenant_isolation", "--report-dir", "j", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Passed" not in result.stdout
    assert "Not judged" in result.stdout and "tenant_isolation" in result.stdout
    verdict = json.loads((tmp_path / "j" / "results.json").read_text())["summary"]["verdict"]
    assert verdict["outcome"] == "incomplete" and verdict["exit_code"] == 2
    assert "Not judged" in (tmp_path / "j" / "report.html").read_text()
