"""The reporting plugin: results.json, the HTML report's summary and findings, JUnit paths, progress lines.

It runs where the reports are written: the single process, or the xdist controller.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path
from typing import Any

import pytest

from conformance._data import bundled_spec_path
from conformance._redact import Redactor
from conformance.checks import CHECKS
from conformance.engine.plugin import RUNTIME, ConfigCarrier, run_config
from conformance.engine.runtime import redactor_for
from conformance.reporting._text import printable
from conformance.reporting.html import compact_findings_html, summary_html
from conformance.reporting.results import Aggregator

AGGREGATOR = pytest.StashKey[Aggregator]()
_STATE = pytest.StashKey[dict[str, Any]]()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    run = run_config(config)
    if run is None or _is_worker(config):
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
    target = run.base_url or ("embedded mock (HTTP)" if run.mock_http else "embedded mock (in-process)")
    spec = run.spec or f"bundled ({bundled_spec_path().name})"
    config.stash[AGGREGATOR] = Aggregator(run, target, spec)
    carrier = ConfigCarrier.find(config)
    config.stash[_STATE] = {
        "console": isinstance(carrier, ConfigCarrier),
        "redactor": redactor_for(run),  # where this process has no runtime (an xdist controller)
    }


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


def _redactor(config: pytest.Config) -> Redactor:
    runtime = config.stash.get(RUNTIME, None)
    return runtime.redactor if runtime is not None else config.stash[_STATE]["redactor"]


def pytest_collection_finish(session: pytest.Session) -> None:
    aggregator = session.config.stash.get(AGGREGATOR, None)
    if aggregator is not None:
        aggregator.tests_total = len(session.items)


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    aggregator = node.config.stash.get(AGGREGATOR, None)
    if aggregator is not None:
        aggregator.tests_total = len(ids)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    data = getattr(report, "conformance", None)
    config = _CONFIG.get("config")
    if config is None or AGGREGATOR not in config.stash:
        return
    aggregator = config.stash[AGGREGATOR]
    state = config.stash[_STATE]
    if report.skipped and data is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        check, _, why = reason.removeprefix("Skipped: ").partition(": ")  # skips say "<check id>: <why>"
        if check in CHECKS:  # not a run that stopped (max_time, interrupted)
            aggregator.skip(check, why)
    if data is None:
        return
    aggregator.add(data)
    errored = report.failed and not data.get("findings")
    if errored:  # the suite itself failed on this test: say so, never pass it off as a finding or a pass
        text = str(report.longrepr).strip().splitlines()
        aggregator.errors.append({"test": report.nodeid.split("::")[-1], "error": (text[-1] if text else "")[:300]})
    if data.get("findings"):
        try:
            from pytest_html import extras
        except ImportError:  # pragma: no cover - pytest-html is a dependency
            pass
        else:
            report.extras = [*getattr(report, "extras", []), extras.html(compact_findings_html(data["findings"]))]  # type: ignore[attr-defined]
    if report.when == "call" or report.skipped:
        aggregator.tests_done += 1
        if state["console"]:
            outcome = (
                f"{len(data['findings'])} finding(s)"
                if data.get("findings")
                else ("skipped" if report.skipped else "ERROR (see report)" if errored else "ok")
            )
            done, total = aggregator.tests_done, aggregator.tests_total
            width = len(str(total or 0))
            line = f"[{done:>{width}}/{total}] {data['kind']:<18} {data['operation']:<60} {outcome}\n"
            sys.stderr.write(printable(line))
            sys.stderr.flush()


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def pytest_keyboard_interrupt(excinfo: Any) -> None:
    config = _CONFIG.get("config")
    if config is not None and AGGREGATOR in config.stash:
        config.stash[AGGREGATOR].interrupted = True


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if AGGREGATOR not in config.stash:
        return
    aggregator = config.stash[AGGREGATOR]
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        aggregator.interrupted = True
    if session.shouldstop:
        aggregator.stopped = str(session.shouldstop)
    _quiet_environment(config)
    redactor = _redactor(config)
    results = aggregator.write(Path(aggregator.config.report_dir) / "results.json", redactor.text)
    config.stash[_STATE]["results"] = results
    from conformance.reporting import ci_summary

    ci_summary.write(results, aggregator.config.report_dir, sys.stdout if config.stash[_STATE]["console"] else None)
    _junit_header(config, results)
    _baseline(aggregator, results, config.stash[_STATE])


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
    names = (
        "target",
        "spec",
        "profile",
        "seed",
        "writes_allowed",
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


def _baseline(aggregator: Aggregator, results: dict[str, Any], state: dict[str, Any]) -> None:
    """--baseline: compare before pytest-html writes the page, so the page can link to the comparison."""
    import shutil

    from conformance.errors import SetupError
    from conformance.reporting import regression

    run = aggregator.config
    if not run.baseline:
        return
    report_dir = Path(run.report_dir)
    if run.update_baseline:
        Path(run.baseline).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report_dir / "results.json", run.baseline)
        return
    try:
        compared = regression.compare(regression.load_results(run.baseline), results, force=True)
    except SetupError as exc:
        state["baseline_error"] = str(exc)
        return
    regression.write(compared, str(report_dir))
    state["regression"] = compared


def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None and "results" in state:
        prefix.extend(summary_html(state["results"]))
        if "baseline_error" in state:  # only reachable through pytest: the CLI refuses a bad baseline up front
            prefix.append(f'<p id="vc-baseline">Baseline not compared: {escape(state["baseline_error"])}</p>')
        if "regression" in state:
            counts = {k: len(state["regression"][k]) for k in ("new", "fixed", "persisting", "not_retested")}
            prefix.append(
                f'<p id="vc-baseline">Against the baseline: {counts["new"]} new, {counts["fixed"]} fixed, '
                f"{counts['not_retested']} not retested, "
                f'{counts["persisting"]} persisting — <a href="regression.html">regression report</a></p>'
            )


def pytest_html_report_title(report: Any) -> None:
    report.title = "VoIPBIN conformance report"


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if AGGREGATOR not in config.stash:
        return
    report_dir = Path(config.stash[AGGREGATOR].config.report_dir)
    paths = [str(report_dir / name) for name in ("results.json", "junit.xml", "report.html", "summary.md")]
    paths += [p for p in (getattr(config.option, "xmlpath", None), getattr(config.option, "htmlpath", None)) if p]
    _redactor(config).scrub_files(paths)
    _CONFIG.pop("config", None)
