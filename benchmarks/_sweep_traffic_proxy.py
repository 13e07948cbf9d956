"""The sweep's proxy cases: an open relay, request smuggling, hostile clients and upstreams, SIGTERM, idle
connections."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from _sweep_common import Got, results
from _sweep_proxy import SECRET, keepalive_upstream, proxy, raw_upstream, send, status, statuses, upstream


def _relay(line: str, host_header: str = "127.0.0.1") -> Callable[[Path], Got]:
    """`line` (P: the other host's port) sent with the upstream's Authorization: nothing reaches 127.0.0.2."""

    def case(folder: Path) -> Got:
        with upstream() as (up, seen_up), upstream("127.0.0.2") as (other, seen_other):  # noqa: SIM117
            with proxy(folder, f"http://127.0.0.1:{up}") as running:
                target = line.replace("{P}", str(other))
                host = host_header.replace("{P}", str(other))
                raw = f"{target}\r\nHost: {host}\r\nAuthorization: {SECRET}\r\nConnection: close\r\n\r\n"
                answer = send(running.port, raw.encode())
                running.stop()
        reached = seen_other.requests
        stray = [r for r in seen_up.requests if "127.0.0.2" in r.split(" ", 2)[1] and r.split(" ", 2)[1][0] != "/"]
        held = not reached and not stray and status(answer) != 0 and "Traceback" not in running.err
        text = f"client got {status(answer)}; other host got {len(reached)}; upstream got {seen_up.requests[:1]}"
        return Got(text, held)

    return case


def _redirect_to_other(folder: Path) -> Got:
    """An upstream whose answer is a 302 to another host: the proxy hands it on, never follows it."""
    with upstream("127.0.0.2") as (other, seen_other):

        def redirect(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", f"http://127.0.0.2:{other}/v1.0/tags")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with upstream(answer=redirect) as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
            raw = f"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: {SECRET}\r\nX-Gateway-Key: gk-123456\r\n"
            answer = send(running.port, (raw + "Connection: close\r\n\r\n").encode())
            running.stop()
    held = not seen_other.requests and status(answer) == 302
    return Got(f"client got {status(answer)}; other host got {len(seen_other.requests)}", held)


SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def _smuggle(headers: str, body: str, pipelined: bool = False) -> Callable[[Path], Got]:
    """A POST with `headers` and `body` (a smuggled request inside), then a second client: the upstream never sees
    /smuggled and the second client gets its own answer."""

    def case(folder: Path) -> Got:
        with upstream() as (up, seen), proxy(folder, f"http://127.0.0.1:{up}") as running:
            first = send(running.port, f"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\n{headers}\r\n\r\n{body}".encode())
            second = send(running.port, b"GET /v1.0/second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            running.stop()
        smuggled = [r for r in seen.requests if "smuggled" in r.split(" ")[1]]
        if pipelined:  # a well-framed body, then the same client's next request: forwarded as its own, re-framed
            smuggled = (
                []
                if seen.requests[:2]
                == [f"POST /v1.0/tags auth=None body={b'hello'!r}", "GET /smuggled auth=None body=b''"]
                else smuggled or ["(not as sent)"]
            )
        ok_second = status(second) == 200 and b"/v1.0/second" in second
        held = not smuggled and ok_second and "Traceback" not in running.err and status(first) != 0
        text = (
            f"first got {statuses(first)}, second got {status(second)}; upstream saw {[r[:40] for r in seen.requests]}"
        )
        return Got(text, held)

    return case


def _hostile_upstream(answer: Callable[[socket.socket], None], want: tuple[int, ...]) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        with raw_upstream(answer) as up:  # noqa: SIM117
            with proxy(folder, f"http://127.0.0.1:{up}", "--request-timeout", "2") as running:
                got = send(running.port, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", wait=20)
                running.stop()
        findings = results(folder / "out").get("findings", [])
        held = status(got) in want and bool(findings) and "Traceback" not in running.err + running.out
        return Got(f"client got {status(got)}, {len(got)} bytes; {len(findings)} finding(s); exit {running.rc}", held)

    return case


def _endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    end = time.monotonic() + 30
    while time.monotonic() < end:
        conn.sendall(b"1\r\n \r\n")
        time.sleep(0.05)


def _cut(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":')


def _garbage(conn: socket.socket) -> None:
    conn.sendall(b"\x00\xffHELLO there\r\n\r\nnot http at all")


def _silent(conn: socket.socket) -> None:
    time.sleep(10)


def _bad_status(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}")


def _refused(folder: Path) -> Got:
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    with proxy(folder, f"http://127.0.0.1:{port}") as running:
        got = send(running.port, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        running.stop()
    findings = results(folder / "out").get("findings", [])
    held = status(got) == 502 and bool(findings) and "Traceback" not in running.err
    return Got(f"client got {status(got)}; {len(findings)} finding(s)", held)


def _raw_client(raw: bytes, want: Callable[[int], bool]) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        with upstream() as (up, seen), proxy(folder, f"http://127.0.0.1:{up}") as running:
            got = send(running.port, raw)
            after = send(running.port, b"GET /v1.0/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            running.stop()
        held = want(status(got)) and status(after) == 200 and "Traceback" not in running.err + running.out
        return Got(f"client got {status(got)}; next client {status(after)}; upstream saw {len(seen.requests)}", held)

    return case


def _sigterm_at_once(folder: Path) -> Got:
    with upstream() as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
        running.stop()
    written = sorted(p.name for p in (folder / "out").glob("*")) if (folder / "out").exists() else []
    held = {"results.json", "report.html", "summary.md", "junit.xml"} <= set(written) and "Traceback" not in running.err
    return Got(f"exit {running.rc}; written {written}; stderr {running.err.strip()[-120:]!r}", held)


def _idle_200(folder: Path) -> Got:
    with upstream() as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
        idle = []
        for _ in range(200):
            with contextlib.suppress(OSError):
                idle.append(socket.create_connection(("127.0.0.1", running.port), timeout=5))
        started = time.monotonic()
        during = send(running.port, b"GET /v1.0/during HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", wait=10)
        waited = time.monotonic() - started
        for conn in idle:
            conn.close()
        time.sleep(1)
        after = send(running.port, b"GET /v1.0/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        running.stop()
    held = status(during) in (200, 503) and waited < 8 and status(after) == 200 and "Traceback" not in running.err
    return Got(f"{len(idle)} idle open; during: {status(during)} in {waited:.1f}s; after: {status(after)}", held)


def _proxy_secrets(folder: Path) -> Got:
    """Through the proxy: a login (a short password, echoed), a session cookie, Basic, 300 rotating csrf tokens on
    one keep-alive connection, every answer a 500 echoing what it got: no secret in the reports, console or HAR."""
    import base64
    import json
    import secrets

    import requests

    def echo(handler: BaseHTTPRequestHandler) -> None:
        data = f"<html>{dict(handler.headers)} {handler.path}</html>".encode()
        handler.send_response(200 if handler.path == "/auth/login" else 500)
        handler.send_header("Content-Type", "application/json" if handler.path == "/auth/login" else "text/html")
        if handler.path == "/auth/login":
            data = json.dumps({"token": "tok-proxy-login-9", "echo": "pw-12"}).encode()
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    basic = base64.b64encode(b"bu:basic-pw-77").decode()
    csrf = [f"csrf{secrets.token_hex(6)}" for _ in range(300)]
    with upstream(answer=echo) as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
        base, session = f"http://127.0.0.1:{running.port}", requests.Session()
        session.post(f"{base}/auth/login", json={"username": "u", "password": "pw-12"}, timeout=10)
        session.get(f"{base}/v1.0/agents", headers={"Cookie": "token=tok-proxy-login-9; sessid=sess-cookie-555"})
        session.get(f"{base}/v1.0/agents", headers={"Authorization": f"Basic {basic}"}, timeout=10)
        for token in csrf:
            session.get(
                f"{base}/v1.0/agents", headers={"X-Csrf-Token": token, "Authorization": "Bearer tok-proxy-login-9"}
            )
        running.stop()
    blob = running.out + running.err + (folder / "proxy.har").read_text()
    blob += "".join(
        (folder / "out" / n).read_text() for n in ("results.json", "report.html", "junit.xml", "summary.md")
    )
    found = [n for n in ["pw-12", "tok-proxy-login-9", "sess-cookie-555", basic, "basic-pw-77", *csrf] if n in blob]
    return Got(f"exit {running.rc}; leaked {len(found)}: {found[:3]}", not found and "Traceback" not in running.err)


def _big(size: int) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        data = b'{"result": [' + b"0," * (size // 2) + b'0], "next_page_token": ""}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def _record_har_large(folder: Path) -> Got:
    """`run --record-har` against a target answering 1 MiB to everything (over the HAR's 256 KiB a body), then
    `judge` of that HAR: it reads it and says no body was recorded whole (one line, exit 2), never a pass."""
    from _sweep_common import cli, one_line_exit_2

    with upstream(answer=_big(1 << 20)) as (up, seen):
        ran = cli(
            "run",
            "--base-url",
            f"http://127.0.0.1:{up}/v1.0",
            "--token",
            "tok-large-run-0000001",
            "--include",
            "/agents",
            "--max-examples",
            "1",
            "--seed",
            "1",
            "--report-dir",
            "run",
            "--record-har",
            "run.har",
            cwd=folder,
            timeout=600,
        )
    size = (folder / "run.har").stat().st_size if (folder / "run.har").exists() else -1
    judged = cli("judge", "run.har", "--report-dir", "judged", cwd=folder, timeout=600)
    bound = len(seen.requests) * 300 * 1024
    said = one_line_exit_2(judged).held and "without a whole recorded body" in judged.err
    held = ran.rc in (0, 1) and 0 < size < bound and said and "Traceback" not in ran.err
    return Got(
        f"{len(seen.requests)} answers of 1 MiB: run {ran.rc}, HAR {size >> 10} KiB; judge {judged.rc} in "
        f"{judged.seconds:.1f}s: {judged.err.strip()[-80:]}",
        held,
    )


def _proxy_large(folder: Path) -> Got:
    """An answer of 20 MiB (over --max-response-bytes 8 MiB) through the proxy: streamed whole, HAR bounded."""
    with upstream(answer=_big(20 << 20)) as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
        got = send(running.port, b"GET /v1.0/agents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", wait=60)
        running.stop()
    size = (folder / "proxy.har").stat().st_size
    findings = results(folder / "out")["findings"]
    held = len(got) > 20 << 20 and size < 1 << 20 and bool(findings) and "Traceback" not in running.err
    return Got(f"client got {len(got) >> 20} MiB; HAR {size >> 10} KiB; {len(findings)} finding(s)", held)


def _own(path: str) -> bytes:
    body = json.dumps({"path": path}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


_EXTRA = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"smuggled":true}'


def _desync(prefix: Callable[[str], bytes]) -> Callable[[Path], Got]:
    """A hostile upstream whose answer holds more than one answer's bytes: three clients one after the other, each
    must get its own answer (or a 502), never the bytes the upstream left in a pooled connection."""

    def case(folder: Path) -> Got:
        with keepalive_upstream(lambda path, n: prefix(path)) as up, proxy(folder, f"http://127.0.0.1:{up}") as running:
            got = []
            for name in ("a", "b", "c"):
                answer = send(
                    running.port, f"GET /v1.0/{name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
                )
                got.append((name, status(answer), answer.rsplit(b"\r\n\r\n", 1)[-1][:40]))
            running.stop()
        wrong = [g for g in got if b"smuggled" in g[2] or (g[1] == 200 and f"/v1.0/{g[0]}".encode() not in g[2])]
        held = not wrong and all(g[1] in (200, 204, 502) for g in got) and "Traceback" not in running.err
        return Got(f"answers {[(g[0], g[1], g[2].decode(errors='replace')) for g in got]}", held)

    return case


def _early_hints(path: str) -> bytes:
    return b"HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n" + _own(path)


def _two_lengths(path: str) -> bytes:
    body = json.dumps({"path": path}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Length: %d\r\n\r\n%s%s" % (
        len(body),
        len(body) + len(_EXTRA),
        body,
        _EXTRA,
    )


def _length_and_chunked(path: str) -> bytes:
    body = json.dumps({"path": path}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n%s" % (
        len(body),
        len(body),
        body,
        _EXTRA,
    )


def _longer_than_said(path: str) -> bytes:
    return _own(path) + _EXTRA  # an answer, then an unasked one on the same connection


def _no_content_with_body(path: str) -> bytes:
    return b"HTTP/1.1 204 No Content\r\n\r\n" + _EXTRA


_GET = "GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
CASES = [
    (
        "relay_at",
        "GET @127.0.0.2:P/v1.0/tags",
        "reaches no other host, 4xx",
        _relay("GET @127.0.0.2:{P}/v1.0/tags HTTP/1.1"),
    ),
    (
        "relay_absolute",
        "GET http://127.0.0.2:P/…",
        "no other host",
        _relay("GET http://127.0.0.2:{P}/v1.0/tags HTTP/1.1"),
    ),
    ("relay_authority", "GET 127.0.0.2:P", "no other host", _relay("GET 127.0.0.2:{P} HTTP/1.1")),
    (
        "relay_connect",
        "CONNECT 127.0.0.2:P",
        "405, no tunnel",
        _relay("CONNECT 127.0.0.2:{P} HTTP/1.1", "127.0.0.2:{P}"),
    ),
    ("relay_asterisk", "OPTIONS *", "no other host", _relay("OPTIONS * HTTP/1.1")),
    ("relay_backslash", "GET \\\\127.0.0.2:P/…", "no other host", _relay("GET \\\\127.0.0.2:{P}/v1.0/tags HTTP/1.1")),
    (
        "relay_slash_backslash",
        "GET /\\127.0.0.2:P/…",
        "no other host",
        _relay("GET /\\127.0.0.2:{P}/v1.0/tags HTTP/1.1"),
    ),
    ("relay_network_path", "GET //127.0.0.2:P/…", "upstream only", _relay("GET //127.0.0.2:{P}/v1.0/tags HTTP/1.1")),
    ("relay_pct_at", "GET %40127.0.0.2:P/…", "no other host", _relay("GET %40127.0.0.2:{P}/v1.0/tags HTTP/1.1")),
    ("relay_slash_at", "GET /@127.0.0.2:P/…", "upstream only", _relay("GET /@127.0.0.2:{P}/v1.0/tags HTTP/1.1")),
    (
        "relay_host_header",
        "GET /v1.0/tags, Host: 127.0.0.2:P",
        "upstream only",
        _relay("GET /v1.0/tags HTTP/1.1", "127.0.0.2:{P}"),
    ),
    (
        "relay_http10_absolute",
        "GET http://127.0.0.2:P/ HTTP/1.0",
        "no other host",
        _relay("GET http://127.0.0.2:{P}/ HTTP/1.0"),
    ),
    ("relay_redirect", "upstream answers 302 to another host", "302 handed on, not followed", _redirect_to_other),
    (
        "smuggle_cl_te",
        "Content-Length + chunked",
        "refused; next client intact",
        _smuggle("Content-Length: 4\r\nTransfer-Encoding: chunked", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_te_cl",
        "chunked + Content-Length (TE first)",
        "refused",
        _smuggle("Transfer-Encoding: chunked\r\nContent-Length: 60", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_two_cl",
        "Content-Length: 0 and 38",
        "refused",
        _smuggle("Content-Length: 0\r\nContent-Length: 38", SMUGGLED),
    ),
    (
        "smuggle_xchunked",
        "Transfer-Encoding: xchunked + CL",
        "refused",
        _smuggle("Transfer-Encoding: xchunked\r\nContent-Length: 3", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_chunked_identity",
        "Transfer-Encoding: chunked, identity",
        "refused",
        _smuggle("Transfer-Encoding: chunked, identity", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_space_colon",
        "Transfer-Encoding : chunked + CL",
        "refused",
        _smuggle("Transfer-Encoding : chunked\r\nContent-Length: 5", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_tab_colon",
        "Transfer-Encoding\\t: chunked + CL",
        "refused",
        _smuggle("Transfer-Encoding\t: chunked\r\nContent-Length: 5", "0\r\n\r\n" + SMUGGLED),
    ),
    (
        "smuggle_obs_fold",
        "Transfer-Encoding: identity⏎ chunked",
        "refused",
        _smuggle("Content-Length: 5\r\nTransfer-Encoding: identity\r\n chunked", "0\r\n\r\n" + SMUGGLED),
    ),
    ("smuggle_cl_plus", "Content-Length: +5", "refused", _smuggle("Content-Length: +5", "0\r\n\r\n" + SMUGGLED)),
    ("smuggle_cl_list", "Content-Length: 5, 38", "refused", _smuggle("Content-Length: 5, 38", "0\r\n\r\n" + SMUGGLED)),
    (
        "smuggle_chunk_ext_lf",
        "chunk line '5;x' ended by a bare LF, then a pipelined request",
        "body 'hello' re-framed, the next request its own, the second client intact",
        _smuggle("Transfer-Encoding: chunked", "5;x\n" + "hello\r\n0\r\n\r\n" + SMUGGLED, pipelined=True),
    ),
    (
        "smuggle_nul_header",
        "a NUL in a header value",
        "refused",
        _smuggle("X-A: a\x00b\r\nContent-Length: 0", SMUGGLED),
    ),
    (
        "client_chunk_zz",
        "chunk size zz",
        "4xx, next client 200",
        _raw_client(
            b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", lambda s: 400 <= s < 500
        ),
    ),
    (
        "client_bracket_target",
        "GET http://[::1/v1.0/tags",
        "4xx",
        _raw_client(b"GET http://[::1/v1.0/tags HTTP/1.1\r\nHost: x\r\n\r\n", lambda s: 400 <= s < 500),
    ),
    (
        "client_huge_chunk",
        "chunk size ffffffffffffffff",
        "413/400",
        _raw_client(
            b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab",
            lambda s: 400 <= s < 500,
        ),
    ),
    (
        "client_huge_cl",
        "Content-Length: 10^17, 10 bytes sent",
        "413",
        _raw_client(
            b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999\r\n\r\n0123456789",
            lambda s: s == 413,
        ),
    ),
    (
        "client_cut_body",
        "Content-Length: 50, 5 bytes then close",
        "4xx or nothing, next 200",
        _raw_client(
            b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabcde",
            lambda s: s == 0 or 400 <= s < 500,
        ),
    ),
    (
        "client_no_host",
        "HTTP/1.1 without Host",
        "400",
        _raw_client(b"GET /v1.0/tags HTTP/1.1\r\n\r\n", lambda s: s == 400),
    ),
    (
        "client_http09",
        "GET /v1.0/tags (HTTP/0.9)",
        "closed or 4xx",
        _raw_client(b"GET /v1.0/tags\r\n", lambda s: s == 0 or 400 <= s < 500),
    ),
    ("upstream_endless", "an endless chunked answer", "504 + finding", _hostile_upstream(_endless, (504,))),
    ("upstream_cut", "Content-Length 100, 6 bytes, close", "502 + finding", _hostile_upstream(_cut, (502,))),
    ("upstream_garbage", "an answer that is not HTTP", "502 + finding", _hostile_upstream(_garbage, (502,))),
    ("upstream_silent", "no answer in --request-timeout 2", "504 + finding", _hostile_upstream(_silent, (504,))),
    ("upstream_bad_status", "status 2000", "502 + finding", _hostile_upstream(_bad_status, (502,))),
    ("upstream_refused", "nothing listening", "502 + finding", _refused),
    (
        "proxy_secrets",
        "proxy --record: login (5-char password echoed), cookie, Basic, 300 csrf, 500s echoing",
        "no secret in reports, console, HAR",
        _proxy_secrets,
    ),
    (
        "record_har_large",
        "run --record-har of 1 MiB answers, then judge it",
        "HAR bounded (256 KiB a body); judge reads it: one line, exit 2, 'without a whole recorded body'",
        _record_har_large,
    ),
    ("proxy_large", "a 20 MiB answer through the proxy", "streamed whole; HAR bounded; judged oversized", _proxy_large),
    (
        "desync_early_hints",
        "upstream: 103 Early Hints, then 200",
        "own answer or a 502 saying why, not judged (was: the 103 as the final answer, a false status_code finding)",
        _desync(_early_hints),
    ),
    (
        "desync_two_lengths",
        "upstream: two Content-Lengths, an answer hidden in the longer",
        "own answer or 502",
        _desync(_two_lengths),
    ),
    (
        "desync_cl_te",
        "upstream: Content-Length and chunked, an answer after",
        "own answer or 502",
        _desync(_length_and_chunked),
    ),
    (
        "desync_unasked",
        "upstream: an answer, then an unasked one on the same connection",
        "own answer or 502",
        _desync(_longer_than_said),
    ),
    ("desync_204_body", "upstream: 204 followed by bytes", "own answer or 502", _desync(_no_content_with_body)),
    ("sigterm_at_once", "SIGTERM right after 'Proxy on'", "reports written, no traceback", _sigterm_at_once),
    ("idle_200", "200 idle connections, then requests", "no hang; 503 or 200 during, 200 after", _idle_200),
]


def _sigterm_in_flight(folder: Path) -> Got:
    """SIGTERM while an exchange waits on a silent upstream: the client still gets an answer, the reports are
    written, within the request deadline."""
    import signal
    import threading

    with raw_upstream(_silent) as up, proxy(folder, f"http://127.0.0.1:{up}", "--request-timeout", "3") as running:
        got: list[bytes] = []
        waiting = threading.Thread(target=lambda: got.append(send(running.port, _GET.encode(), wait=20)))
        waiting.start()
        time.sleep(0.5)
        started = time.monotonic()
        running.stop(signal.SIGTERM)
        took = time.monotonic() - started
        waiting.join(20)
    written = (folder / "out" / "results.json").exists()
    answer = status(got[0]) if got else 0
    held = written and answer in (502, 504) and took < 10 and "Traceback" not in running.err
    return Got(f"client got {answer}; stopped in {took:.1f}s, exit {running.rc}; reports written {written}", held)


def _sigint_twice(folder: Path) -> Got:
    """Ctrl-C twice in a row (an impatient user): reports written, no traceback."""
    import signal

    with upstream() as (up, _), proxy(folder, f"http://127.0.0.1:{up}") as running:
        send(running.port, _GET.encode())
        running.process.send_signal(signal.SIGINT)
        running.process.send_signal(signal.SIGINT)
        running.stop(signal.SIGINT)
    written = (folder / "out" / "results.json").exists()
    held = written and "Traceback" not in running.err and running.rc in (0, 1, 2, 130)
    return Got(f"exit {running.rc}; reports written {written}; stderr {running.err.strip()[-100:]!r}", held)


def _expect_continue(folder: Path) -> Got:
    """`Expect: 100-continue` with a body (curl's habit over 1 KiB): the body reaches the upstream once."""
    with upstream() as (up, seen), proxy(folder, f"http://127.0.0.1:{up}") as running:
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as conn:
            conn.sendall(b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            first = conn.recv(1024)
            conn.sendall(b"hello")
            rest = b""
            with contextlib.suppress(OSError):
                while b'"path"' not in rest and (chunk := conn.recv(65536)):
                    rest += chunk
        running.stop()
    held = (
        first.startswith(b"HTTP/1.1 100")
        and status(rest) == 200
        and seen.requests[:1] == ["POST /v1.0/tags auth=None body=b'hello'"]
    )
    return Got(f"first {first[:20]!r}; then {status(rest)}; upstream saw {seen.requests[:1]}", held)


CASES += [
    (
        "sigterm_in_flight",
        "SIGTERM while an exchange waits on a silent upstream",
        "an answer, reports, <10 s",
        _sigterm_in_flight,
    ),
    ("sigint_twice", "Ctrl-C three times in a row", "reports written, no traceback", _sigint_twice),
    ("expect_continue", "Expect: 100-continue with a body", "100, then the body forwarded once", _expect_continue),
]
