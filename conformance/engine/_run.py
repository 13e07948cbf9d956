"""`run(config)`: validate, build the target, preflight it, then run the suite as a pytest session."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from conformance.config import Config, ensure_report_dir
from conformance.engine.plugin import SUITE, ConfigCarrier
from conformance.engine.runtime import build_runtime, preflight, require_selection, resolve_seed

EXIT_OK, EXIT_FINDINGS, EXIT_SETUP = 0, 1, 2


def run(config: Config, *, extra_args: list[str] | None = None) -> int:
    """Run the suite; 0 without findings, 1 with findings, 2 when it could not run. SetupError escapes."""
    config = config.validate()
    ensure_report_dir(config.report_dir)
    if config.seed is None:
        config = dataclasses.replace(config, seed=resolve_seed(config))
    runtime = build_runtime(config) if config.workers == 1 else None
    probe = runtime or build_runtime(config)
    try:
        require_selection(probe)
        preflight(probe)
    finally:
        if runtime is None:
            probe.close()
    # The plugins load through their pytest11 entry points; name them only where autoloading is switched off.
    autoload_off = bool(os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"))
    plugins = (
        ["conformance.engine.plugin", "conformance.reporting.plugin", "pytest_html", "xdist"] if autoload_off else []
    )
    args = [SUITE, "-c", str(Path(__file__).with_name("pytest.ini")), "-p", "no:cacheprovider", "-p", "no:terminal"]
    args += [arg for name in plugins for arg in ("-p", name)]
    # --assert=plain: the suite never relies on assertion rewriting, and rewriting every plugin distribution
    # (schemathesis's included) cost 2-3 s of start-up per process where bytecode is not cached.
    args += ["--conformance", "--assert=plain", "-W", "ignore::DeprecationWarning", *(extra_args or [])]
    if config.workers > 1:
        args += ["-n", str(config.workers)]
    carrier = ConfigCarrier(config, runtime)
    code = pytest.main(args, plugins=[carrier])
    return exit_code(config, code, carrier.results, carrier.baseline_worse)


def exit_code(
    config: Config, pytest_code: int, results: dict[str, Any] | None, baseline_worse: bool | None = None
) -> int:
    """The run's verdict as an exit code, decided here only: 1 for findings (with a baseline: for what is worse
    than it) or too little reach, 2 when it could not run or finish without finding anything, 0 only for a
    complete run that found nothing (or nothing the baseline did not already know)."""
    if results is None:
        return EXIT_SETUP
    failing = bool(results.get("findings")) if baseline_worse is None else baseline_worse
    summary = results["summary"]
    if summary.get("target_gone"):
        return EXIT_SETUP  # the run could not finish: the target went away (what it found so far is reported)
    short = config.min_reach is not None and summary["reach"]["percent"] < config.min_reach
    # Tests fail for their findings or for a suite error; without errors, a complete run's failures are findings.
    clean = summary.get("complete", True) and not summary.get("errors")
    if clean and pytest_code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return EXIT_FINDINGS if failing or short else EXIT_OK
    if pytest_code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED):
        # Findings fail the run (1); a run that errored or was stopped before finding anything could not run (2).
        return EXIT_FINDINGS if failing else EXIT_SETUP
    return EXIT_SETUP
