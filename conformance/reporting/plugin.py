"""The reporting plugin: results.json, the HTML report's summary and findings, JUnit paths, progress lines.

It runs where the reports are written: the single process, or the xdist controller.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.config import Config
from conformance.data import bundled_spec_path
from conformance.engine.plugin import BUDGET_SPENT, RUNTIME, ConfigCarrier, run_config
from conformance.engine.runtime import redactor_for
from conformance.engine.suite import DEPTH_KIND, DEPTH_TEST
from conformance.redact import Redactor
from conformance.reporting.console import Progress, Tick
from conformance.reporting.html import MAX_PAGE_BYTES, bounded_summary_html, compact_findings_html
from conformance.reporting.out import html_text as escape
from conformance.reporting.results import Aggregator, write_results

REPORTER = "voipbin-conformance-reporter"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register one Reporter where the reports are written: the single process, or the xdist controller."""
    run = run_config(config)
    if run is None or hasattr(config, "workerinput"):
        return
    from conformance.config import ensure_report_dir
    from conformance.errors import SetupError

    try:
        report_dir = ensure_report_dir(run.report_dir)
    except SetupError as exc:
        raise pytest.UsageError(str(exc)) from None
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if hasattr(config.option, "htmlpath") and config.option.htmlpath is None:
        config.option.htmlpath = str(report_dir / "report.html")
        config.option.self_contained_html = True
    config.pluginmanager.register(Reporter(config, run), REPORTER)


class Reporter:
    """Everything one run reports: the aggregate of every test's payload, results.json, JUnit's header, the
    HTML page's summary, progress lines, the baseline comparison, and the scrub of every file at the end."""

    def __init__(self, config: pytest.Config, run: Config) -> None:
        target = run.base_url or ("embedded mock (HTTP)" if run.mock_http else "embedded mock (in-process)")
        self.config, self.run = config, run
        self.aggregator = Aggregator(run, target, run.spec or f"bundled ({bundled_spec_path().name})")
        self.carrier = ConfigCarrier.find(config)  # the CLI's: it reads the verdict from here
        self.console = self.carrier is not None
        self.fallback_redactor = redactor_for(run)  # where this process has no runtime (an xdist controller)
        self.results: dict[str, Any] | None = None
        self.regression: dict[str, Any] | None = None
        self.baseline_error: str | None = None
        self.tracebacks: list[str] = []

    @property
    def redactor(self) -> Redactor:
        runtime = self.config.stash.get(RUNTIME, None)
        return runtime.redactor if runtime is not None else self.fallback_redactor

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._collected([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._collected(ids)

    def _collected(self, ids: list[str]) -> None:
        self.aggregator.tests_total = len(ids)
        self.aggregator.depth_total = sum(1 for nodeid in ids if f"::{DEPTH_TEST}[" in nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "conformance", None)
        if data is None:
            return
        if report.skipped and data.get("skipped"):  # a check that cannot run here, not a run that stopped
            self.aggregator.skip(data["skipped"]["check"], data["skipped"]["why"])
        self.aggregator.add(data)
        errored = report.failed and not data.get("findings")
        if errored:  # the suite itself failed on this test: say so, never pass it off as a finding or a pass
            text = str(report.longrepr).strip().splitlines()
            error = {"test": report.nodeid.split("::")[-1], "error": (text[-1] if text else "")[:300]}
            self.aggregator.errors.append(error)
            if len(self.tracebacks) < 20:  # crash.txt: the first ones in full
                self.tracebacks.append(f"{report.nodeid}\n{report.longrepr}")
        if data.get("findings"):
            _attach_findings(report, data["findings"])
        if report.when == "call" or report.skipped:
            self.aggregator.tests_done += 1
            if data["kind"] == DEPTH_KIND:
                self.aggregator.depth_done += 1
                self.aggregator.depth_full += not report.skipped
            if self.console:
                self._progress(data, report, errored)

    _status: Progress | None = None  # the progress line, made at the first test

    def _progress(self, data: dict[str, Any], report: pytest.TestReport, errored: bool) -> None:
        """A progress line between tests, with the time elapsed and an estimate of the time left."""
        if self._status is None:
            self._status = Progress(sys.stderr)
        tick = Tick(
            self.aggregator.tests_done,
            self.aggregator.tests_total,
            time.time() - self.aggregator.started,
            f"{data['kind']:<18} {data['operation']:<60}",
            "error" if errored else "skipped" if report.skipped else "ok",
            findings=len(data.get("findings") or []),
            found=len(self.aggregator.findings),
        )
        self._status.show(tick, self.redactor)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        if excinfo.errisinstance(pytest.Session.Interrupted):  # a stop the run asked for is no interrupt
            return
        if str(excinfo.value).startswith(BUDGET_SPENT):  # pytest-xdist passing on a worker's stop: its budget share
            self.aggregator.stopped = str(excinfo.value)
            return
        self.aggregator.interrupted = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from conformance import interrupts as _stop

        # Sticky: the handler's flag, whoever saw the KeyboardInterrupt (a stop of our own, --max-time or
        # --max-failures, also ends pytest's session as "interrupted", and is not one).
        # (under pytest-xdist a worker's budget stop reaches here as the controller's interrupt: aggregator.stopped)
        stopped_itself = exitstatus == pytest.ExitCode.INTERRUPTED and (session.shouldstop or self.aggregator.stopped)
        if _stop.requested() is not None or (exitstatus == pytest.ExitCode.INTERRUPTED and not stopped_itself):
            self.aggregator.interrupted = True
            self.aggregator.signal = self.aggregator.signal or _stop.signal_name()
        if session.shouldstop:
            self.aggregator.stopped = str(session.shouldstop)
        _quiet_environment(self.config)
        results = self.aggregator.as_dict()
        self._baseline(results)  # before the verdict, which it bears on, and before pytest-html writes the page
        from conformance.engine.session import SESSION_OK
        from conformance.reporting.regression import worse
        from conformance.results.verdict import decide

        baseline_worse = worse(self.regression) if self.regression is not None else None
        verdict = decide(results, session_ok=exitstatus in SESSION_OK, baseline_worse=baseline_worse)
        results["summary"]["verdict"] = verdict.as_dict()
        self.results = results
        write_results(Path(self.run.report_dir) / "results.json", results, self.redactor.text)
        if self.run.update_baseline and self.run.baseline:
            import shutil

            Path(self.run.baseline).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(self.run.report_dir) / "results.json", self.run.baseline)
        from conformance.reporting import ci_summary

        ci_summary.write(results, self.run.report_dir, sys.stdout if self.console else None, self.redactor)
        _junit_header(self.config, results)
        if self.tracebacks:  # the suite itself failed: a crash, its tracebacks beside the reports
            from conformance.reporting.finish import say_crash, write_crash

            where = write_crash(self.run.report_dir, "\n\n".join(self.tracebacks), self.redactor)
            say_crash(where, f"{len(self.aggregator.errors)} test(s) failed inside the suite")
        if self.carrier is not None:  # the results, verdict included, handed to the engine in-process
            self.carrier.results = results

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        if self.results is None:
            return
        prefix.append(bounded_summary_html(self.results))
        if self.baseline_error is not None:  # only reachable through pytest: the CLI refuses a bad one up front
            prefix.append(f'<p id="vc-baseline">Baseline not compared: {escape(self.baseline_error)}</p>')
        if self.regression is not None:
            counts = {k: len(self.regression[k]) for k in ("new", "fixed", "persisting", "not_retested")}
            prefix.append(
                f'<p id="vc-baseline">Against the baseline: {counts["new"]} new, {counts["fixed"]} fixed, '
                f"{counts['not_retested']} not retested, "
                f'{counts["persisting"]} persisting — <a href="regression.html">regression report</a></p>'
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "VoIPBIN conformance report"

    def pytest_internalerror(self, excrepr: Any, excinfo: Any) -> bool | None:
        """An error in our own hooks (a crash): its traceback in crash.txt beside the reports, one line here."""
        from conformance.reporting.finish import say_crash, write_crash

        where = write_crash(self.run.report_dir, str(excrepr), self.redactor)
        say_crash(where, f"{excinfo.typename}: {excinfo.value}")
        self.crashed = True
        return True

    crashed = False

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from conformance.reporting.finish import mark_interrupted

        if self.results is not None:  # a signal after the verdict: the reports are written again, interrupted
            self.results = mark_interrupted(self.run.report_dir, self.redactor) or self.results
            if self.carrier is not None:
                self.carrier.results = self.results
        report_dir = Path(self.run.report_dir)
        _bound_page(report_dir / "report.html", self.results)
        paths = [str(report_dir / name) for name in ("results.json", "junit.xml", "report.html", "summary.md")]
        paths += [p for p in (getattr(config.option, "xmlpath", None), getattr(config.option, "htmlpath", None)) if p]
        self.redactor.scrub_files(paths)

    def _baseline(self, results: dict[str, Any]) -> None:
        """--baseline: compare before pytest-html writes the page, so the page can link to the comparison."""
        from conformance.errors import SetupError
        from conformance.reporting import regression, regression_report

        if not self.run.baseline or self.run.update_baseline:
            return
        report_dir = Path(self.run.report_dir)
        try:
            compared = regression.compare(regression.load_results(self.run.baseline), results, force=True)
        except SetupError as exc:
            self.baseline_error = str(exc)
            return
        regression_report.write(compared, str(report_dir), self.redactor)
        self.regression = compared


def _attach_findings(report: pytest.TestReport, findings: list[dict[str, Any]]) -> None:
    try:
        from pytest_html import extras
    except ImportError:  # pragma: no cover - pytest-html is a dependency
        return
    report.extras = [*getattr(report, "extras", []), extras.html(compact_findings_html(findings))]  # type: ignore[attr-defined]


def _quiet_environment(config: pytest.Config) -> None:
    """pytest-html opens with pytest-metadata's Environment table (platform, every plugin): noise above the
    verdict. Keep one line that says which suite wrote the report."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:  # pragma: no cover - pytest-html depends on pytest-metadata
        return
    from conformance import __version__

    metadata = config.stash.get(metadata_key, None)
    if metadata is not None:
        metadata.clear()
        metadata["voipbin-conformance"] = __version__


def _junit_header(config: pytest.Config, results: dict[str, Any]) -> None:
    """The run header in JUnit too: target, profile, seed, writes, and why any check was skipped."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - a pytest without the junitxml plugin's stash key
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    summary = results["summary"]
    xml.add_global_property("verdict", summary["verdict"]["headline"])
    xml.add_global_property("exit_code", str(summary["verdict"]["exit_code"]))
    names = (
        "target",
        "spec",
        "profile",
        "seed",
        "writes_allowed",
        "tls_verified",
        "operations_tested",
        "cases",
        "findings",
        "complete",
    )
    for name in names:
        xml.add_global_property(name, str(summary[name]))
    for check, entry in summary["checks"].items():
        if entry.get("skipped"):
            xml.add_global_property(f"skipped:{check}", entry["skipped"])


def _bound_page(path: Path, results: dict[str, Any] | None) -> None:
    """report.html within MAX_PAGE_BYTES: where pytest-html's table of tests took it past, our own page instead."""
    from conformance.reporting.out import Out
    from conformance.reporting.static_html import render_results

    if results is None or not path.is_file() or path.stat().st_size <= MAX_PAGE_BYTES:
        return
    Out().file(path, render_results(results))
