"""The sweep's cases against `voipbin-conformance lint` (odd specs, hostile text, the real sources, SARIF, diff)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from _sweep_common import PROFILES, ROOT, SOURCES, Got, cli, no_traceback, one_line_exit_2

HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
OK = "responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}"


def _lint(folder: Path, spec: str | Path, *extra: str, timeout: float = 300) -> Any:
    return cli("lint", "--spec", str(spec), "--report-dir", "out", *extra, cwd=folder, timeout=timeout)


def _write(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = folder / "spec" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder / "spec" / "openapi.yaml"


def cyclic_refs(folder: Path) -> Got:
    root = HEAD + "paths:\n  /a: {$ref: 'a.yaml#/A'}\n"
    files = {"openapi.yaml": root, "a.yaml": "A: {$ref: 'b.yaml#/B'}\n", "b.yaml": "B: {$ref: 'a.yaml#/A'}\n"}
    spec = _write(folder, files)
    return no_traceback(_lint(folder, spec, timeout=60), (2,))


def recursive_schema(folder: Path) -> Got:
    a = "A: {type: object, properties: {child: {$ref: 'b.yaml#/B'}}}\n"
    b = "B: {type: object, properties: {parent: {$ref: 'a.yaml#/A'}}}\n"
    op = "responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'a.yaml#/A'}}}}}"
    spec = _write(folder, {"openapi.yaml": HEAD + f"paths:\n  /a:\n    get: {{{op}}}\n", "a.yaml": a, "b.yaml": b})
    ran = _lint(folder, spec, timeout=60)
    got = no_traceback(ran, (0, 1, 2))
    said = ran.rc != 2 or ("cycle" in ran.err and "#/components" in ran.err)  # the bundler's limit, and the way round
    return Got(got.text, got.held and said)


def ref_escape(folder: Path) -> Got:
    (folder / "outside.yaml").write_text("X: {get: {" + OK + "}}\n")
    spec = _write(folder, {"openapi.yaml": HEAD + "paths:\n  /a: {$ref: '../outside.yaml#/X'}\n"})
    return one_line_exit_2(_lint(folder, spec))


def _huge(folder: Path, paths: int = 20000) -> Path:
    lines = [HEAD, "paths:\n"]
    for n in range(paths):
        param = "{name: thing_id, in: path, required: true, schema: {type: string}}"
        lines.append(f"  /things{n}/{{thing_id}}:\n    get:\n      parameters: [{param}]\n      {OK}\n")
    return _write(folder, {"openapi.yaml": "".join(lines)})


def huge_spec(folder: Path) -> Got:
    ran = _lint(folder, _huge(folder), timeout=600)
    got = no_traceback(ran, (0, 1))
    ops = json.loads((folder / "out" / "results.json").read_text())["summary"]["operations_tested"] if got.held else 0
    return Got(f"{got.text}; {ops} operations judged", got.held and ops == 20000)


def yaml_bomb(folder: Path) -> Got:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                                                   for p, c in zip("abcdefgh", "bcdefghi", strict=True)]  # fmt: skip
    spec = _write(folder, {"openapi.yaml": HEAD + "x-bomb:\n" + "".join(f"  {r}\n" for r in rows) + "paths: {}\n"})
    ran = _lint(folder, spec, timeout=60)
    got = one_line_exit_2(ran)
    return Got(f"{got.text} in {ran.seconds:.1f}s", got.held and ran.seconds < 20)


def deep_nesting(folder: Path) -> Got:
    spec = _write(folder, {"openapi.yaml": HEAD + "x-deep: " + "[" * 50000 + "]" * 50000 + "\npaths: {}\n"})
    return one_line_exit_2(_lint(folder, spec, timeout=60))


def deep_mapping(folder: Path) -> Got:
    spec = _write(folder, {"openapi.yaml": HEAD + "x-deep: " + "{a: " * 3000 + "1" + "}" * 3000 + "\npaths: {}\n"})
    return no_traceback(_lint(folder, spec, timeout=60), (0, 2))


def non_utf8(folder: Path) -> Got:
    spec = _write(folder, {"openapi.yaml": HEAD.encode() + b"paths:\n  /caf\xe9:\n    get: {" + OK.encode() + b"}\n"})
    return one_line_exit_2(_lint(folder, spec))


MARKUP = ["<script>alert(1)</script>", "\x1b[31m", "::error::"]


def markup(folder: Path) -> Got:
    """Markup, ANSI escapes and workflow commands in a path and a parameter name that a rule reports."""
    path = "/x<script>alert(1)</script>\\e[31m/{id}"
    param = "<img src=x onerror=alert(1)>\\e[2J_id"
    op = (f'"{path}":\n    get:\n      description: "::error::pwned\\n::error::again <b>bold</b>"\n      parameters:'
          f' [{{name: "{param}", in: query, schema: {{type: string}}}}, {{name: id, in: path, required: true, schema:'
          f" {{type: string}}}}]\n      responses: {{'200': {{description: ok}}}}\n"
          f'  "/y\\n::error::newline/{{id}}": {{get: {{responses: {{\'200\': {{description: ok}}}}}}}}\n')  # fmt: skip
    spec = _write(folder, {"openapi.yaml": HEAD + "paths:\n  " + op})
    ran = _lint(folder, spec)
    bad = [f"exit {ran.rc}"] if ran.rc != 1 or "Traceback" in ran.err else []
    out = folder / "out"
    html, md = (out / "report.html").read_text(), (out / "summary.md").read_text()
    bad += [f"report.html holds {m!r}" for m in ("<script>alert", "<img src=x", "\x1b") if m in html]
    bad += [f"summary.md holds {m!r}" for m in ("<script>alert", "<img src=x", "\x1b") if m in md]
    bad += [f"summary.md line starts {line[:20]!r}" for line in md.splitlines() if line.startswith("::")]
    bad += ["console holds ESC"] if "\x1b" in ran.out + ran.err else []
    bad += [
        f"console line {line[:40]!r}" for line in (ran.out + ran.err).splitlines() if line.lstrip().startswith("::")
    ]
    try:
        json.loads((out / "results.sarif").read_text())
    except ValueError as exc:
        bad.append(f"SARIF not JSON: {exc}")
    findings = json.loads((out / "results.json").read_text())["findings"]
    judged = sum("script" in f["operation"] or "img" in f["message"] for f in findings)
    return Got("; ".join(bad) or f"escaped everywhere ({judged} findings carried the markup)", not bad and judged > 0)


def bad_spec(what: str) -> Any:
    def case(folder: Path) -> Got:
        (folder / "empty").mkdir()
        (folder / "empty.yaml").write_text("")
        (folder / "list.yaml").write_text("- a\n- b\n")
        specs: dict[str, str | Path] = {"dir": folder / "empty", "missing": folder / "nope.yaml", "url": "https://example.com/openapi.yaml",
                "empty": folder / "empty.yaml", "list": folder / "list.yaml", "devnull": "/dev/null"}  # fmt: skip
        return one_line_exit_2(_lint(folder, specs[what]))

    return case


def bad_option(*extra: str) -> Any:
    def case(folder: Path) -> Got:
        (folder / "adir").mkdir()
        args = [a.replace("FOLDER", str(folder)) for a in extra]
        return one_line_exit_2(cli("lint", "--report-dir", "out", *args, cwd=folder))

    return case


def _check_line(source: Path, finding: dict[str, Any]) -> str | None:
    """None where the file and line a finding names hold the node its pointer names, else why not."""
    loc = finding["location"]
    path = source.parent / loc["file"]
    lines = path.read_text().splitlines()
    if not 1 <= loc["line"] <= len(lines):
        return f"line {loc['line']} outside {loc['file']}"
    last = loc["pointer"].rstrip("/").rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    text = lines[loc["line"] - 1]
    if last and not last.isdigit() and last not in text and last != "":
        return f"{loc['file']}:{loc['line']} reads {text.strip()[:60]!r}, not {last!r}"
    return None


def real_source(which: str) -> Any:
    def case(folder: Path) -> Got:
        source = SOURCES[which]
        ran = _lint(folder, source, "--profile", PROFILES[which])
        data = json.loads((folder / "out" / "results.json").read_text())
        picked = random.Random(2026).sample(data["findings"], min(10, len(data["findings"])))
        wrong = [why for f in picked if (why := _check_line(source, f))]
        shown = folder / "spot-check.txt"
        shown.write_text("".join(f"{f['repro']} {f['location']['pointer']}\n  {f['message']}\n" for f in picked))
        held = ran.rc == 1 and ran.seconds <= 20 and not wrong
        text = f"exit {ran.rc}, {ran.seconds:.1f}s, {len(data['findings'])} findings; 10 spot-checked at file:line"
        return Got(text + (f": {'; '.join(wrong)}" if wrong else " all name their node") + f" ({shown})", held)

    return case


def _sarif_faults(log: dict[str, Any]) -> list[str]:
    bad = []
    if log.get("version") != "2.1.0" or "sarif" not in str(log.get("$schema")):
        bad.append("version/$schema")
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    bad += ["duplicate rule ids"] if len(ids) != len(set(ids)) else []
    for result in run["results"]:
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        if result["ruleId"] not in ids or ids[result["ruleIndex"]] != result["ruleId"]:
            bad.append(f"ruleId {result['ruleId']}")
        if result["level"] not in ("error", "warning", "note") or uri.startswith("/") or "://" in uri:
            bad.append(f"level/uri {result['level']} {uri}")
        if not isinstance(loc["region"]["startLine"], int) or loc["region"]["startLine"] < 1:
            bad.append(f"startLine {loc['region']}")
    return bad[:5]


def sarif_fingerprints(folder: Path) -> Got:
    """SARIF 2.1.0's structure; fingerprints unchanged and lines moved when an unrelated line is added above."""
    spec = folder / "spec"
    shutil.copytree(SOURCES["2026-08"].parent, spec)
    first = _lint(folder, "spec/openapi.yaml", "--profile", "voipbin-2026-08", "--sarif", "a.sarif")
    some = next(p for p in sorted((spec / "paths").rglob("*.yaml")))
    for path in (spec / "openapi.yaml", some):
        path.write_text("# an unrelated line\n" + path.read_text())
    second = _lint(folder, "spec/openapi.yaml", "--profile", "voipbin-2026-08", "--sarif", "b.sarif")
    a, b = (json.loads((folder / n).read_text()) for n in ("a.sarif", "b.sarif"))
    bad = _sarif_faults(a)

    def prints(log: dict[str, Any]) -> dict[str, int]:
        results = log["runs"][0]["results"]
        return {r["partialFingerprints"]["voipbinLint/v1"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in results}  # fmt: skip

    pa, pb = prints(a), prints(b)
    bad += ["fingerprints changed"] if set(pa) != set(pb) else []
    moved = sum(pb[k] == pa[k] + 1 for k in pa if k in pb)
    bad += [f"exit {first.rc}/{second.rc}"] if (first.rc, second.rc) != (1, 1) else []
    return Got("; ".join(bad) or f"valid shape, {len(pa)} fingerprints stable, {moved} lines moved by one", not bad)


def diff_exits(folder: Path) -> Got:
    base = _write(folder, {"openapi.yaml": HEAD + f"paths:\n  /a:\n    get: {{{OK}}}\n"})
    cli("lint", "--spec", str(base), "--report-dir", "base", cwd=folder)
    base.write_text(base.read_text() + "  /b:\n    get: {description: no responses}\n")
    cli("lint", "--spec", str(base), "--report-dir", "head", cwd=folder)
    (folder / "junk.json").write_text("{not json")
    got = {
        "new defect": cli("diff", "base/results.json", "head/results.json", cwd=folder).rc,
        "same": cli("diff", "base/results.json", "base/results.json", cwd=folder).rc,
        "fixed": cli("diff", "head/results.json", "base/results.json", cwd=folder).rc,
    }
    junk = one_line_exit_2(cli("diff", "base/results.json", "junk.json", cwd=folder))
    held = got == {"new defect": 1, "same": 0, "fixed": 0} and junk.held
    return Got(f"{got}; junk: {junk.text}", held)


def ctrl_c(folder: Path) -> Got:
    spec = _huge(folder, 20000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "conformance", "lint", "--spec", str(spec), "--report-dir", "out"]
    # As from a terminal: a shell's background job inherits SIGINT ignored, and Ctrl-C would never reach Python.
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    try:
        proc.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    held = proc.returncode != 0 and "Traceback" not in out + err
    return Got(f"exit {proc.returncode}, stderr: {err.strip()[-140:] or '-'}", held)


CASES: list[tuple[str, str, str, Any]] = [
    ("lint_cyclic_refs", "$ref loop across two files", "exit 2, one line", cyclic_refs),
    (
        "lint_recursive_schema",
        "schemas referring to each other across files",
        "exit 0/1, or one line naming the way round",
        recursive_schema,
    ),
    ("lint_ref_escape", "$ref: ../outside.yaml", "exit 2, one line", ref_escape),
    ("lint_huge", "20,000 generated paths", "exit 0/1, every operation judged", huge_spec),
    ("lint_yaml_bomb", "billion laughs (9 levels of aliases)", "exit 2, one line, quickly", yaml_bomb),
    ("lint_deep_list", "50,000 nested flow sequences", "exit 2, one line", deep_nesting),
    ("lint_deep_mapping", "3,000 nested flow mappings", "exit 0 or 2, no traceback", deep_mapping),
    ("lint_non_utf8", "a Latin-1 byte in a path", "exit 2, one line", non_utf8),
    ("lint_markup", "<script>, ANSI, ::error::, newline in paths/params", "escaped in every output", markup),
    ("lint_spec_dir", "--spec a folder without openapi.yaml", "exit 2, one line", bad_spec("dir")),
    ("lint_spec_missing", "--spec a file that does not exist", "exit 2, one line", bad_spec("missing")),
    ("lint_spec_url", "--spec https://…", "exit 2, one line", bad_spec("url")),
    ("lint_spec_empty", "--spec an empty file", "exit 2, one line", bad_spec("empty")),
    ("lint_spec_list", "--spec a YAML list", "exit 2, one line", bad_spec("list")),
    ("lint_spec_devnull", "--spec /dev/null", "exit 2, one line", bad_spec("devnull")),
    ("lint_sarif_proc", "--sarif /proc/x.sarif", "exit 2, one line", bad_option("--sarif", "/proc/x.sarif")),
    ("lint_sarif_dir", "--sarif an existing folder", "exit 2, one line", bad_option("--sarif", "FOLDER/adir")),
    ("lint_report_dir_file", "--report-dir /dev/null", "exit 2, one line", bad_option("--report-dir", "/dev/null")),
    ("lint_profile", "--profile nope", "exit 2, one line", bad_option("--profile", "nope")),
    ("lint_real_2026_01", "the 2026-01-15 source", "exit 1 in <= 20 s, spot-check true", real_source("2026-01")),
    ("lint_real_2026_08", "the 2026-08-22 source", "exit 1 in <= 20 s, spot-check true", real_source("2026-08")),
    ("lint_sarif", "SARIF shape; a line added above", "2.1.0 shape; same fingerprints", sarif_fingerprints),
    ("lint_diff", "diff of two lint results", "1 new, 0 same/fixed, 2 junk", diff_exits),
    ("lint_ctrl_c", "SIGINT 2 s into a 20,000-path lint", "never exit 0, no traceback", ctrl_c),
]

__all__ = ["CASES", "yaml"]
