"""The sweep's judge cases: secrets in a HAR, broken HAR input, unbounded answers, the base URL's scope, and the
habits (options and variables that resemble the real ones)."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _sweep_common import ROOT, Got, Ran, cli, no_traceback, one_line_exit_2, results

ORIGIN = "https://127.0.0.1"
OUTPUTS = ("results.json", "report.html", "junit.xml", "summary.md")


def entry(method: str, url: str, status: int, body: Any, headers: dict[str, str] | None = None, **extra: Any) -> dict:
    text = body if isinstance(body, str) else json.dumps(body)
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": []}
    request["headers"] = [{"name": k, "value": v} for k, v in (headers or {}).items()]
    if "post" in extra:
        request["postData"] = {"mimeType": extra.get("mime", "application/json"), "text": extra["post"]}
    mime = "application/json" if not isinstance(body, str) else extra.get("answer_mime", "text/html")
    response = {
        "status": status,
        "statusText": "",
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Content-Type", "value": mime}],
        "content": {"size": len(text), "mimeType": mime, "text": text},
    }
    return {"startedDateTime": "2026-12-07T10:00:00.000Z", "time": 1, "request": request, "response": response}


def har(folder: Path, entries: list[dict], name: str = "t.har") -> Path:
    path = folder / name
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "sweep"}, "entries": entries}}))
    return path


def judge(folder: Path, path: Path, *extra: str) -> Ran:
    return cli("judge", str(path), "--report-dir", "out", *extra, cwd=folder, timeout=600)


def leaks(folder: Path, ran: Ran, needles: list[str], har_file: str | None = None) -> list[str]:
    """The needles found in any output (reports, console, HAR)."""
    texts = [ran.out, ran.err] + [
        (folder / "out" / n).read_text(errors="replace") for n in OUTPUTS if (folder / "out" / n).exists()
    ]
    if har_file:
        texts.append((folder / har_file).read_text(errors="replace"))
    blob = "\n".join(texts)
    return [n for n in needles if n in blob]


def _secrets_har(folder: Path) -> Got:
    password, token, cookie = "Pw-sweep-91", "tok-sweep-abcdef123", "sesscookie-7781"
    basic = base64.b64encode(b"basicuser:basicpw-55").decode()
    short = "abc12"
    entries = [
        entry(
            "POST",
            f"{ORIGIN}/auth/login",
            200,
            {"username": "u", "token": token},
            post=json.dumps({"username": "u", "password": password}),
        ),
        entry(
            "POST",
            f"{ORIGIN}/auth/login",
            200,
            {"username": "v", "token": "tok-short-x"},
            post=f"username=v&password={short}",
            mime="application/x-www-form-urlencoded",
        ),
        entry(
            "GET",
            f"{ORIGIN}/v1.0/agents",
            500,
            f"<html>login failed for {password} {short}</html>",
            {"Cookie": f"token={token}; session_id={cookie}"},
        ),
        entry("GET", "https://sweepu:urlpass-7781@127.0.0.1/v1.0/agents", 500, f"<p>{cookie}</p>"),
        entry(
            "GET",
            f"{ORIGIN}/v1.0/agents?token={token}",
            500,
            f"<p>Basic {basic}</p>",
            {"Authorization": f"Basic {basic}"},
        ),
    ]
    csrf = [f"csrf{secrets.token_hex(6)}" for _ in range(2000)]
    entries += [
        entry(
            "GET", f"{ORIGIN}/v1.0/agents", 502, f"<b>{c}</b>", {"X-Csrf-Token": c, "Authorization": f"Bearer {token}"}
        )
        for c in csrf
    ]
    ran = judge(folder, har(folder, entries))
    needles = [password, token, cookie, basic, "basicpw-55", "urlpass-7781", short, "tok-short-x", *csrf]
    found = leaks(folder, ran, needles)
    held = not found and ran.rc in (0, 1) and "Traceback" not in ran.err
    return Got(f"exit {ran.rc} in {ran.seconds:.1f}s; leaked {len(found)}: {found[:4]}", held)


def _secrets_variants(folder: Path) -> Got:
    """Secrets in the shapes the first case does not try: a percent-encoded form password echoed decoded, a JSON
    password echoed JSON-escaped, Set-Cookie handed out, `Token` and `X-Api-Key`, a csrf token in the answer."""
    pw_form, pw_json, sid = "p@ss-word9", 'a/b"c-pw9', "sid-handed-out-4411"
    entries = [
        entry(
            "POST",
            f"{ORIGIN}/auth/login",
            200,
            {"token": "tok-var-00001"},
            post="username=v&password=p%40ss-word9",
            mime="application/x-www-form-urlencoded",
        ),
        entry(
            "POST",
            f"{ORIGIN}/auth/login",
            200,
            {"token": "tok-var-00002"},
            post=json.dumps({"username": "w", "password": pw_json}),
        ),
        entry(
            "GET",
            f"{ORIGIN}/v1.0/agents",
            500,
            json.dumps({"error": f"bad {pw_form} {pw_json}"}),
            {"Authorization": "Token tokscheme-99x"},
            answer_mime="application/json",
        ),
        entry("GET", f"{ORIGIN}/v1.0/agents", 500, "<p>x</p>", {"X-Api-Key": "apikey-sweep-31"}),
    ]
    entries[1]["response"]["headers"].append({"name": "Set-Cookie", "value": f"session_id={sid}; Path=/"})
    entries[3]["response"]["headers"].append({"name": "X-Csrf-Token", "value": "csrf-in-answer-77"})
    ran = judge(folder, har(folder, entries))
    needles = [
        pw_form,
        "p%40ss-word9",
        pw_json,
        json.dumps(pw_json)[1:-1],
        sid,
        "tokscheme-99x",
        "apikey-sweep-31",
        "csrf-in-answer-77",
        "tok-var-00001",
        "tok-var-00002",
    ]
    found = leaks(folder, ran, needles)
    return Got(f"exit {ran.rc}; leaked {found}", not found and ran.rc in (0, 1))


def _verdict_word_password(word: str) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        entries = [
            entry(
                "POST",
                f"{ORIGIN}/auth/login",
                200,
                {"token": "tok-verdict-0001"},
                post=json.dumps({"username": "u", "password": word}),
            ),
            entry(
                "GET", f"{ORIGIN}/v1.0/agents", 500, "<html>oops</html>", {"Authorization": "Bearer tok-verdict-0001"}
            ),
        ]
        ran = judge(folder, har(folder, entries))
        texts = [(folder / "out" / n).read_text() for n in OUTPUTS] + [ran.out]
        mangled = [t[:60] for t in texts if "${VOIPBIN_PASSWORD}" in t]
        held = ran.rc == 1 and not mangled and "Traceback" not in ran.err
        return Got(f"judge exit {ran.rc}; outputs with the word redacted: {len(mangled)}", held)

    return case


def _large_answer(folder: Path) -> Got:
    body = json.dumps({"result": list(range(400_000)), "next_page_token": ""})
    path = har(folder, [entry("GET", f"{ORIGIN}/v1.0/agents", 200, body, {"Authorization": "Bearer tok-large-1"})])
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource,runpy,sys;sys.argv=['c','judge',sys.argv[1],"
            "'--report-dir','out'];\ntry: runpy.run_module('conformance',run_name='__main__')\n"
            "finally: print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
            str(path),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    took = time.monotonic() - started
    rss = int(done.stderr.rsplit("RSS", 1)[-1].split()[0]) // 1024 if "RSS" in done.stderr else -1
    size = path.stat().st_size // 1024
    held = done.returncode in (0, 1) and took < 120 and 0 < rss < 1024 and "Traceback" not in done.stderr
    return Got(f"HAR {size} KiB: exit {done.returncode} in {took:.1f}s, max RSS {rss} MiB", held)


def _broken(entries: Any, raw: str | None = None, judged_ok: bool = False) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        path = folder / "b.har"
        if raw is not None:
            path.write_text(raw, errors="surrogatepass")
        else:
            path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
        ran = judge(folder, path)
        lines = [x for x in ran.err.splitlines() if x.strip()]
        if ran.rc == 2:
            return one_line_exit_2(ran)
        unreadable = results(folder / "out")["summary"].get("traffic", {}).get("unreadable")
        held = "Traceback" not in ran.err + ran.out and (bool(unreadable) or judged_ok)
        found = [(f.get("check"), f.get("message", "")[:80]) for f in results(folder / "out")["findings"]]
        return Got(
            f"exit {ran.rc}, unreadable {unreadable}, findings {found[:2]}, stderr {(lines or ['-'])[-1][:80]}", held
        )

    return case


GOOD = entry(
    "GET", f"{ORIGIN}/v1.0/agents", 200, {"result": [], "next_page_token": ""}, {"Authorization": "Bearer t0k3n-1"}
)


def _deep() -> str:
    return '{"log": {"version": "1.2", "entries": [' + "[" * 100000 + "]" * 100000 + "]}}"


def _scope(folder: Path) -> Got:
    entries = [
        entry("GET", "http://127.0.0.1/v1.0/agents", 200, {"result": []}, {"Authorization": "Bearer t0k3n-1"}),
        entry("GET", "https://127.0.0.1:8443/v1.0/agents", 200, {"result": []}, {"Authorization": "Bearer t0k3n-1"}),
        entry("GET", "https://127.0.0.1.evil/v1.0/agents", 200, {"result": []}),
    ]
    ran = judge(folder, har(folder, entries), "--base-url", "https://127.0.0.1/v1.0")
    got = one_line_exit_2(ran)
    return Got(got.text, got.held)


def _scope_mixed(folder: Path) -> Got:
    """One entry in scope; 500s on http://, another port, another prefix and /v1.0x: only the one is judged."""
    out = [
        entry("GET", url, 500, "<html>boom</html>", {"Authorization": "Bearer t0k3n-1"})
        for url in (
            "http://127.0.0.1/v1.0/agents",
            "https://127.0.0.1:8443/v1.0/agents",
            "https://127.0.0.1:443x/v1.0/agents",
            "https://127.0.0.1/v1.0x/agents",
            "https://127.0.0.1/v2/v1.0/agents",
            "https://127.0.0.1@evil/v1.0/agents",
        )
    ]
    ran = judge(folder, har(folder, [GOOD, *out]), "--base-url", "https://127.0.0.1/v1.0")
    summary = results(folder / "out")["summary"] if ran.rc != 2 else {}
    findings = results(folder / "out")["findings"] if ran.rc != 2 else []
    held = ran.rc == 0 and summary.get("exchanges") == 1 and not findings
    return Got(f"exit {ran.rc}; judged {summary.get('exchanges')}; findings {len(findings)}", held)


def _scope_same_origin(base: str, url: str) -> Callable[[Path], Got]:
    """An entry that is under the base URL spelled otherwise (a default port, the host's case): judged."""

    def case(folder: Path) -> Got:
        bad = entry("GET", url, 500, "<html>boom</html>", {"Authorization": "Bearer t0k3n-1"})
        ran = judge(folder, har(folder, [GOOD, bad]), "--base-url", base)
        summary = results(folder / "out")["summary"] if ran.rc != 2 else {}
        held = ran.rc == 1 and bool(summary.get("exchanges"))  # the 500 judged: a server_error
        return Got(f"exit {ran.rc}; judged {summary.get('exchanges')} of 2 (the other at 127.0.0.1)", held)

    return case


def _many(folder: Path) -> Got:
    ran = judge(folder, har(folder, [GOOD] * 10_000))
    exchanges = results(folder / "out")["summary"].get("exchanges") if ran.rc != 2 else None
    got = no_traceback(ran, (0, 1))
    return Got(f"{got.text}; exchanges {exchanges}", got.held and exchanges == 10_000)


def _habit(args: list[str], env: dict[str, str], needles: list[str]) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        ran = cli(*args, cwd=folder, env=env, timeout=300)
        missing = [n for n in needles if n not in ran.err]
        held = not missing and "Traceback" not in ran.err
        return Got(f"exit {ran.rc}; stderr {ran.err.strip()[:160]!r}; missing {missing}", held)

    return case


RUN = ["run", "--max-examples", "1", "--include", "/agents", "--report-dir", "out", "--seed", "1"]
CASES = [
    (
        "secrets_har",
        "judge: login (JSON+form, 5-char password echoed), cookie, user:pw@, Basic, 2,000 csrf",
        "no secret in any output",
        _secrets_har,
    ),
    (
        "secrets_har_variants",
        "judge: %-encoded and JSON-escaped echoes, Set-Cookie, Token, X-Api-Key, csrf answered",
        "no secret in any output",
        _secrets_variants,
    ),
    (
        "password_agents_judge",
        "a login password 'agents', traffic on /v1.0/agents",
        "reports intact",
        _verdict_word_password("agents"),
    ),
    ("password_passed_judge", "a login password 'passed' in a HAR", "reports intact", _verdict_word_password("passed")),
    ("password_failed_judge", "a login password 'failed' in a HAR", "reports intact", _verdict_word_password("failed")),
    ("unbounded_400k", "judge an answer of 400,000 items", "bounded time and memory", _large_answer),
    (
        "har_bracket_ipv6",
        "URL http://[::1/…",
        "entry unreadable, rest judged",
        _broken([entry("GET", "http://[::1/v1.0/agents", 200, {}), GOOD]),
    ),
    (
        "har_bracket_v4",
        "URL http://[127.0.0.1]/",
        "unreadable",
        _broken([entry("GET", "http://[127.0.0.1]/v1.0/agents", 200, {}), GOOD]),
    ),
    (
        "har_surrogate",
        "a lone surrogate in a URL",
        "unreadable",
        _broken(
            None,
            raw=json.dumps(
                {"log": {"entries": [entry("GET", f"{ORIGIN}/v1.0/agents/\ud800", 200, {}), GOOD]}}, ensure_ascii=True
            ),
        ),
    ),
    (
        "har_truncated",
        "truncated JSON",
        "one line, exit 2",
        _broken(None, raw=json.dumps({"log": {"entries": [GOOD]}})[:-9]),
    ),
    (
        "har_wrong_types",
        "entries of wrong types",
        "unreadable or exit 2",
        _broken([1, "x", None, {"request": 5}, {"request": {"url": 7, "method": []}, "response": "x"}, GOOD]),
    ),
    ("har_log_list", "log is a list", "one line, exit 2", _broken(None, raw='{"log": []}')),
    ("har_deep", "100,000 nested arrays", "one line, exit 2", _broken(None, raw=_deep())),
    (
        "har_deep_answer",
        "an answer of 100,000 nested arrays",
        "judged or unreadable, no traceback",
        _broken(
            [
                entry(
                    "GET",
                    f"{ORIGIN}/v1.0/agents",
                    200,
                    "[" * 100000 + "]" * 100000,
                    {"Authorization": "Bearer t0k3n-1"},
                    answer_mime="application/json",
                ),
                GOOD,
            ],
            judged_ok=True,
        ),
    ),
    (
        "har_deep_login",
        "a login body of 100,000 nested objects",
        "judged or unreadable, no traceback",
        _broken(
            [
                entry(
                    "POST",
                    f"{ORIGIN}/auth/login",
                    200,
                    {"token": "tok-deep-0001"},
                    post='{"a":' * 100000 + "1" + "}" * 100000,
                ),
                GOOD,
            ],
            judged_ok=True,
        ),
    ),
    ("har_10000", "10,000 entries", "all judged", _many),
    (
        "scope_base_url",
        "--base-url https://127.0.0.1/v1.0 over http://, :8443, .evil",
        "nothing judged: exit 2",
        _scope,
    ),
    (
        "scope_mixed",
        "one entry in scope among 500s out of it (scheme, port, prefix, userinfo)",
        "only it judged",
        _scope_mixed,
    ),
    (
        "habit_report_vcr",
        "run --report vcr",
        "refused naming --report-dir",
        _habit(["run", "--report", "vcr"], {}, ["--report-dir"]),
    ),
    (
        "habit_mock_fault",
        "VOIPBIN_MOCK_FAULT=html_401",
        "names VOIPBIN_MOCK_FAULTS",
        _habit(RUN, {"VOIPBIN_MOCK_FAULT": "html_401"}, ["VOIPBIN_MOCK_FAULT", "VOIPBIN_MOCK_FAULTS"]),
    ),
    (
        "habit_max_example",
        "VOIPBIN_MAX_EXAMPLE=3",
        "names VOIPBIN_MAX_EXAMPLES",
        _habit(RUN, {"VOIPBIN_MAX_EXAMPLE": "3"}, ["VOIPBIN_MAX_EXAMPLE", "VOIPBIN_MAX_EXAMPLES"]),
    ),
]
CASES += [
    (
        "scope_default_port",
        "--base-url https://127.0.0.1/v1.0, an entry https://127.0.0.1:443/v1.0/agents",
        "judged",
        _scope_same_origin("https://127.0.0.1/v1.0", "https://127.0.0.1:443/v1.0/agents"),
    ),
    (
        "scope_host_case",
        "--base-url https://LOCALHOST/v1.0 vs https://localhost/…",
        "judged",
        _scope_same_origin("https://LOCALHOST/v1.0", "https://localhost/v1.0/agents"),
    ),
    (
        "scope_trailing_slash",
        "--base-url https://127.0.0.1/v1.0/",
        "judged",
        _scope_same_origin("https://127.0.0.1/v1.0/", "https://127.0.0.1/v1.0/agents"),
    ),
]


def _many_typos(folder: Path) -> Got:
    """10,000 distinct unmatched paths under the base path: one problem; the reports grow no faster than the HAR
    (each path is a finding of its own, by design: its fingerprint), report.html and summary.md stay small."""
    entries = [
        entry("GET", f"{ORIGIN}/v1.0/tagz{i}", 404, {"message": "not found"}, {"Authorization": "Bearer t0k3n-1"})
        for i in range(10_000)
    ]
    path = har(folder, [GOOD, *entries])
    ran = judge(folder, path)
    sizes = {n: (folder / "out" / n).stat().st_size >> 10 for n in OUTPUTS if (folder / "out" / n).exists()}
    problems = len(results(folder / "out").get("problems", [])) if ran.rc != 2 else -1
    small = sizes.get("report.html", 1 << 20) < 1024 and sizes.get("summary.md", 1 << 20) < 64
    held = ran.rc == 1 and problems == 1 and max(sizes.values()) < 4 * (path.stat().st_size >> 10) and small
    return Got(
        f"HAR {path.stat().st_size >> 10} KiB: exit {ran.rc} in {ran.seconds:.1f}s; {problems} problem; KiB {sizes}",
        held,
    )


def _many_tokens(folder: Path) -> Got:
    """20,000 distinct bearer tokens, each echoed in a 500: every one redacted, in bounded time."""
    tokens = [f"tok{secrets.token_hex(8)}" for _ in range(20_000)]
    entries = [
        entry("GET", f"{ORIGIN}/v1.0/agents", 500, f"<b>{t}</b>", {"Authorization": f"Bearer {t}"}) for t in tokens
    ]
    ran = judge(folder, har(folder, entries))
    found = leaks(folder, ran, tokens)
    held = ran.rc == 1 and not found and ran.seconds < 120
    return Got(f"exit {ran.rc} in {ran.seconds:.1f}s; leaked {len(found)}", held)


CASES += [
    (
        "unbounded_typos",
        "10,000 distinct unmatched paths, 404 not in the envelope",
        "one problem; reports no bigger than 4x the HAR; report.html, summary.md small",
        _many_typos,
    ),
    ("unbounded_tokens", "20,000 distinct bearer tokens echoed in 500s", "all redacted, bounded time", _many_tokens),
]

_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJjdXN0b21lcl9pZCI6InN3ZWVwIn0.c3dlZXBzaWduYXR1cmVzd2VlcA"


def _secrets_in_urls(folder: Path) -> Got:
    """Credentials in URLs: `?accesskey=` on an unmatched route, a JWT as a path segment of a typo, `?api_key=`."""
    entries = [
        entry("GET", f"{ORIGIN}/v1.0/tagz?accesskey=ak-sweep-url-321", 404, "<p>nf</p>"),
        entry("GET", f"{ORIGIN}/v1.0/tokenz/{_JWT}", 404, "<p>nf</p>"),
        entry("GET", f"{ORIGIN}/v1.0/agents?api_key=apikey-url-8812", 500, "<p>x</p>"),
        entry("GET", f"{ORIGIN}/v1.0/agents?token={_JWT}", 200, {"result": [], "next_page_token": ""}),
    ]
    ran = judge(folder, har(folder, entries))
    found = leaks(folder, ran, ["ak-sweep-url-321", _JWT, "apikey-url-8812", _JWT.split(".")[2]])
    return Got(f"exit {ran.rc}; leaked {found}", ran.rc in (0, 1) and not found)


CASES += [
    (
        "secrets_in_urls",
        "judge: ?accesskey= on a typo, a JWT as a path segment, ?api_key=",
        "no secret in any output",
        _secrets_in_urls,
    ),
]


def _bad_base64() -> dict:
    bad = entry("GET", f"{ORIGIN}/v1.0/agents", 200, {}, {"Authorization": "Bearer t0k3n-1"})
    bad["response"]["content"].update({"text": "!!not base64**", "encoding": "base64"})
    return bad


def _max_har_bytes(folder: Path) -> Got:
    return one_line_exit_2(judge(folder, har(folder, [GOOD] * 50), "--max-har-bytes", "1000"))


CASES += [
    (
        "har_bad_base64",
        "a body marked base64 that is not",
        "the entry unreadable, the rest judged (was: its text judged, a false json_response)",
        _broken([_bad_base64(), GOOD]),
    ),
    ("har_max_bytes", "a HAR over --max-har-bytes 1000", "one line, exit 2", _max_har_bytes),
]


def _env_credentials(folder: Path) -> Got:
    """VOIPBIN_TOKEN and VOIPBIN_PASSWORD set in the environment, their values in a HAR where no credential
    channel carries them (a typo's path, an error page): redacted too, as docs/traffic.md says."""
    token, password = "envtoken-sweep-000111222", "envpass-sweep-9"
    entries = [
        entry("GET", f"{ORIGIN}/v1.0/tagz/{token}", 404, "<p>nf</p>"),
        entry("GET", f"{ORIGIN}/v1.0/agents", 500, f"<p>{password} {token}</p>", {"Authorization": "Bearer t0k3n-1"}),
    ]
    env = {"VOIPBIN_TOKEN": token, "VOIPBIN_PASSWORD": password}
    ran = cli("judge", str(har(folder, entries)), "--report-dir", "out", cwd=folder, env=env)
    found = leaks(folder, ran, [token, password])
    return Got(f"exit {ran.rc}; leaked {found}", ran.rc in (0, 1) and not found)


CASES += [
    (
        "secrets_env",
        "VOIPBIN_TOKEN/PASSWORD in the environment, in a typo's path and an error page",
        "redacted",
        _env_credentials,
    ),
]


def _bad_upstream(value: str) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        return one_line_exit_2(cli("proxy", "--upstream", value, "--port", "0", cwd=folder, timeout=60))

    return case


CASES += [
    ("upstream_arg_ftp", "proxy --upstream ftp://x", "one line, exit 2", _bad_upstream("ftp://x")),
    ("upstream_arg_bracket", "proxy --upstream http://[::1", "one line, exit 2", _bad_upstream("http://[::1")),
    (
        "upstream_arg_port",
        "proxy --upstream http://127.0.0.1:99999",
        "one line, exit 2",
        _bad_upstream("http://127.0.0.1:99999"),
    ),
    ("upstream_arg_empty", "proxy --upstream ''", "one line, exit 2", _bad_upstream("")),
]
