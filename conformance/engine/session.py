"""`run(config)`: validate, build the target, preflight it, then run the suite as a pytest session."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from conformance import interrupts as _stop
from conformance.config import Config, ensure_report_dir
from conformance.engine._preflight import preflight, require_selection
from conformance.engine.plugin import SUITE, ConfigCarrier
from conformance.engine.runtime import build_runtime, resolve_seed
from conformance.results.verdict import EXIT_CRASH, EXIT_SETUP, Verdict


def run(config: Config, *, extra_args: list[str] | None = None) -> int:
    """Run the suite: the verdict's exit code (results/verdict.py: 0 passed, 1 problems, 2 incomplete, interrupted
    or bad input, 3 a crash). SetupError escapes, and so does a KeyboardInterrupt before the session (no report)."""
    _stop.install()
    try:
        return _run(config, extra_args)
    finally:
        _stop.uninstall(forget=True)  # the CLI, which installed first, still reads the signal


def _run(config: Config, extra_args: list[str] | None) -> int:
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
    _stop.stop_here()  # a signal at start-up whose KeyboardInterrupt was dropped: no session, no report
    code = pytest.main(args, plugins=[carrier])
    return exit_code(code, carrier.results, signum=_stop.requested())


def exit_code(pytest_code: int, results: dict[str, Any] | None, *, signum: int | None = None) -> int:
    """The run's exit code: the verdict results.json stores (results/verdict.py decides it once, for every output),
    or 2 where the session ended in pytest's own error (a usage or internal error) or wrote no results."""
    if pytest_code == pytest.ExitCode.INTERNAL_ERROR:
        return EXIT_CRASH
    if results is None and signum is not None:  # a signal before the session wrote any report
        return _stop.exit_status(signum)
    if results is None or pytest_code not in SESSION_OK:
        return EXIT_SETUP
    return Verdict.of(results).exit_code


SESSION_OK = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED)
