"""Traffic the suite did not send, judged and reported (`judge FILE.har`, `proxy`): the same results.json,
report.html, summary.md and junit.xml as a run, the verdict decided by the same code, so `diff` compares a judged
HAR with a run, or with last week's HAR, as it compares two runs. `summary.exchanges` is how many exchanges were
judged; `summary.traffic` says what else the traffic held (requests for no operation of the spec, listed;
requests that were not the API's; requests without an answer or without a recorded body)."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from conformance import interrupts as _stop
from conformance.checks import CHECKS, Exchange
from conformance.client import har as _har
from conformance.client.tls import INSECURE
from conformance.config import Config, ensure_report_dir
from conformance.engine.runtime import passive_runtime
from conformance.errors import SetupError
from conformance.reporting import merge
from conformance.reporting.console import cut_at_word, print_summary
from conformance.reporting.out import Out
from conformance.reporting.results import Aggregator
from conformance.results.finding import Finding
from conformance.results.verdict import decide
from conformance.traffic.judge import TrafficJudge, traffic_checks

_SENDS_ITS_OWN = "sends requests of its own: judging traffic (judge, proxy) sends none"


def judge_file(config: Config, path: str, *, base_url: str | None = None, max_har_bytes: int) -> int:
    """`voipbin-conformance judge`: every entry of the HAR at `path` judged; the reports written; the exit code."""
    started = time.time()
    ensure_report_dir(config.report_dir)
    entries = _har.read(path, max_bytes=max_har_bytes)
    judge = TrafficJudge(passive_runtime(config), base_url=base_url)
    total = len(entries)
    entries.reverse()  # popped from the end: each entry's text is let go once it is judged
    first_unreadable = None
    while entries:
        _stop.stop_here()  # a signal whose KeyboardInterrupt was dropped: stop judging, write no report
        why = _judge_entry(judge, total - len(entries) + 1, entries.pop(), config.max_response_bytes)
        first_unreadable = first_unreadable or why
    judge.finish()
    if first_unreadable:
        count = judge.counts["unreadable"]
        said = "1 unreadable entry, not judged:" if count == 1 else f"{count} unreadable entries, not judged; first:"
        Out(judge.secrets.redactor).line(f"{said} {first_unreadable}")
    if not judge.counts["judged"]:
        unmatched = judge.unmatched.as_dict()["requests"]
        example = f"; e.g. {unmatched[0]['method']} {unmatched[0]['path']}" if unmatched else ""
        kinds = {"unrecorded": "without a whole recorded body", "unanswered": "unanswered", "unreadable": "unreadable"}
        held = [f"{judge.counts[kind]} {words}" for kind, words in kinds.items() if judge.counts[kind]]
        example += f" ({', '.join(held)})" if held else ""
        raise SetupError(
            f"{path}: none of its {total} entries is an answered request for an operation of the spec{example}",
            "check --spec (and --base-url: only requests under it are the API's)",
        )
    return report(judge, config, f"traffic recorded in {Path(path).name}", started=started)


def _judge_entry(judge: TrafficJudge, number: int, entry: dict[str, Any], max_body: int) -> str | None:
    """One HAR entry judged; one no request could have carried is counted as unreadable, and why returned."""
    try:
        found = _har.entry_exchange(entry, max_body)
    except _har.Unreadable as why:
        judge.counts["unreadable"] += 1
        return f"entry {number} ({why})"
    judge.judge(found.exchange, found.kind)
    return None


def report(
    judge: TrafficJudge,
    config: Config,
    target: str,
    *,
    started: float,
    stopped: str | None = None,
    upstream: str | None = None,
) -> int:
    """The reports of what `judge` saw, written to --report-dir; the summary on the console; the exit code."""
    _stop.shield_forever()  # a signal from here is noted, never raised: the reports are written whole, interrupted
    results = traffic_results(judge, config, target, started=started, stopped=stopped, upstream=upstream)
    redactor = judge.secrets.redactor
    merge.write(results, config.report_dir, redactor)
    out = Out(redactor)
    traffic = results["summary"]["traffic"]
    elsewhere = traffic["not_api"] + traffic["unmatched"]["outside_api"]
    out.line(
        f"\nTraffic: {traffic['entries']} exchanges, {traffic['judged']} judged on {traffic['operations_reached']} of "
        f"{traffic['spec_operations']} operations; {traffic['unmatched']['count']} for no operation of the spec, "
        f"{elsewhere} not the API's, {traffic['unanswered']} unanswered, {traffic['unrecorded']} without a recorded "
        f"body, {traffic['unreadable']} unreadable (not judged)"
    )
    for route in traffic["unmatched"]["requests"][:10]:
        out.line(f"  no operation: {route['method']} {route['path']} ({route['count']} times)")
    print_summary(config.report_dir, sys.stdout, redactor=redactor)
    return int(results["summary"]["verdict"]["exit_code"])


def traffic_results(
    judge: TrafficJudge,
    config: Config,
    target: str,
    *,
    started: float,
    stopped: str | None = None,
    upstream: str | None = None,
) -> dict[str, Any]:
    """results.json of traffic judged: a run's, with `summary.exchanges` and `summary.traffic`. `started` is when
    the judging began (the proxy: when it began to listen), so `summary.started` and `duration_s` tell the session,
    not the moment its reports were written. `summary.tls_verified` is the proxy's upstream's, as a run's is its
    target's: False under --insecure, which every report then says."""
    from conformance.data import bundled_spec_path

    spec = config.spec or f"bundled ({bundled_spec_path().name})"  # as a run names it: diff compares the two
    aggregator = Aggregator(config, target, spec, started=started)
    for payload in judge.payloads():
        aggregator.add(payload)
    from conformance.checks import selected

    judged = {check.id for check in traffic_checks()}
    asked = selected(config.checks, config.exclude_checks)
    for check in CHECKS.values():
        if check.id not in judged and check.id in asked:  # one left out by --checks says so instead
            aggregator.skip(check.id, _SENDS_ITS_OWN)
    aggregator.tests_total = aggregator.tests_done = len(judge.clients)
    if _stop.requested() is not None:
        aggregator.interrupted, aggregator.signal = True, _stop.signal_name()
    if stopped is not None and not judge.counts["judged"]:
        aggregator.stopped = stopped
    results = aggregator.as_dict()
    summary = results["summary"]
    summary.update(
        exchanges=judge.counts["judged"], traffic=judge.summary(), writes_allowed=True, mock_command=None, seed=0
    )
    summary["cases"] = judge.counts["judged"]
    summary["traffic"]["unreadable"] = judge.counts["unreadable"]
    if upstream is not None:
        summary["tls_verified"] = not config.insecure if upstream.lower().startswith("https://") else None
    if stopped is not None and not judge.counts["judged"]:
        summary["complete"] = False
    summary["verdict"] = decide(results).as_dict()
    return results


# -- proxy ----------------------------------------------------------------------------------------------------------
class _Console:
    """One line per problem, the first time the traffic shows it."""

    def __init__(self, judge: TrafficJudge) -> None:
        self.judge, self.shown, self.lock = judge, set[tuple[str, str]](), threading.Lock()

    def announce(self, findings: list[Finding]) -> None:
        out = Out(self.judge.secrets.redactor)
        for finding in findings:
            check = CHECKS[finding.check]
            kind = check.problem_kind(finding.key, finding.status)
            with self.lock:
                if (check.id, kind.kind) in self.shown:
                    continue
                self.shown.add((check.id, kind.kind))
            title = kind.title(check.problem, [finding.status] if finding.status is not None else [])
            out.line(cut_at_word(f"[{check.severity}] {title} — {finding.operation}: {finding.message}", 400))


def proxy(config: Config, upstream: str, *, host: str, port: int, record: str | None, max_time: float | None) -> int:
    """`voipbin-conformance proxy`: forward to `upstream`, judge what passes, write the reports when stopped."""
    from conformance.traffic.proxy import ProxyServer, serve

    ensure_report_dir(config.report_dir)
    judge = TrafficJudge(passive_runtime(config, upstream))
    console = _Console(judge)
    writer = _har.Writer(record, lambda text: judge.secrets.redactor.as_reference(text)) if record else None
    if record:
        _har.discard_parts(record)

    def seen(exchange: Exchange, headers: list[tuple[str, str]]) -> None:
        console.announce(judge.judge(exchange))
        if writer is not None:
            writer.add(exchange, headers)

    try:
        server = ProxyServer(judge.runtime, upstream, host, port, seen)
    except OSError as exc:
        raise SetupError(f"cannot listen on {host}:{port}: {exc.strerror}", "pick another --port") from None
    stop = threading.Event()

    def stopping(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second signal: the reports of this session say it was interrupted
            _stop.note(signum)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):  # before it says where it listens: a SIGTERM from then on reports
        signal.signal(sig, stopping)
    base = f"http://{host}:{server.server_port}"
    client_base = base + _path_of(upstream, judge.runtime.spec.base_path)
    print(f"Proxy on {base} → {upstream}: point the client's base URL at {client_base}", flush=True)
    if _unverified(config, upstream):
        print(f"WARNING: {INSECURE}.", flush=True)
    print("Ctrl-C (or SIGTERM) stops it and writes the reports.", flush=True)
    started = time.time()
    serve(server, stop, max_time)
    judge.finish()
    if writer is not None and record is not None:
        writer.close()
        note = INSECURE if _unverified(config, upstream) else ""
        _har.assemble(record, judge.secrets.redactor.text, note)  # scrubbed of what the traffic taught as written
    stopped = "no exchange passed through the proxy"
    return report(judge, config, f"proxy to {upstream}", started=started, stopped=stopped, upstream=upstream)


def _unverified(config: Config, upstream: str) -> bool:
    return config.insecure and upstream.lower().startswith("https://")


def _path_of(upstream: str, base_path: str) -> str:
    """What the client's base URL needs after the proxy's address: the API's base path, unless the upstream has it."""
    from urllib.parse import urlsplit

    return "" if urlsplit(upstream).path.rstrip("/").endswith(base_path) else base_path
