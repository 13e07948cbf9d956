"""The pytest plugin: options, one runtime per process, the suite's parametrization, findings on reports.

`pytest --spec … --base-url …` (through the root conftest.py) and `voipbin-conformance run` both land here.
"""

from __future__ import annotations

import dataclasses
import signal
from pathlib import Path
from typing import Any

import pytest

from conformance import config as config_module
from conformance import interrupts as _stop
from conformance.checks import Check
from conformance.config import Config
from conformance.engine import _test_bodies, suite
from conformance.engine.runtime import Runtime, build_runtime, resolve_seed
from conformance.errors import SetupError
from conformance.results.finding import Recorder

CONFIG = pytest.StashKey[Config]()
RUNTIME = pytest.StashKey[Runtime]()
SUITE = str(Path(__file__).with_name("suite.py"))


class ConfigCarrier:
    """Hands a prebuilt Config (and runtime) to the plugin: the CLI's way in; pytest users go through options."""

    name = "voipbin-conformance-config"

    def __init__(self, config: Config, runtime: Runtime | None = None) -> None:
        self.config = config
        self.runtime = runtime
        # Handed back by the reporting plugin at the end of the session: results.json as written, its verdict
        # (results/verdict.py) included; None if the session never got there.
        self.results: dict[str, Any] | None = None

    @staticmethod
    def find(config: pytest.Config) -> ConfigCarrier | None:
        return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, ConfigCarrier)), None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("voipbin-conformance", "VoIPBIN conformance suite")
    group.addoption(
        "--conformance",
        action="store_true",
        default=False,
        help="run the conformance suite (implied by --spec; --base-url alone is pytest-base-url's, not ours)",
    )
    for option in config_module.RUN_OPTIONS:
        if not option.pytest:
            continue
        if option.flag == "--base-url" and _base_url_taken(parser):
            continue  # pytest-base-url's --base-url fills the same `base_url`: reuse it
        names, kwargs = option.arguments()
        group.addoption(*names, **kwargs)


def _base_url_taken(parser: pytest.Parser) -> bool:
    """pytest-base-url (pulled in by pytest-playwright and pytest-selenium) declares --base-url too; declaring
    it twice fails every pytest run in the venv, whichever plugin loads second."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("pytest-base-url")
    except PackageNotFoundError:
        pass
    else:
        return True
    return any("--base-url" in opt.names() for group in parser._groups for opt in group.options) or any(
        "--base-url" in opt.names() for opt in parser._anonymous.options
    )


def _active(config: pytest.Config) -> bool:
    """Only when asked: --base-url is also pytest-base-url's (pytest-playwright, pytest-selenium), and a UI suite
    run with it must run its own tests, not this suite."""
    return bool(config.getoption("conformance") or config.getoption("spec"))


def _from_options(config: pytest.Config) -> Config:
    return config_module.build(config_module.flags_from(config.option), cwd=Path(str(config.rootpath)))


def _xdist_controller(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


_INACTIVE = pytest.StashKey[bool]()


def run_config(config: pytest.Config) -> Config | None:
    """The run's Config, built once per process (the CLI's, the xdist controller's, or from the options)."""
    if CONFIG in config.stash:
        return config.stash[CONFIG]
    if config.stash.get(_INACTIVE, False):
        return None
    carrier = ConfigCarrier.find(config)
    workerinput = getattr(config, "workerinput", {})
    try:
        if "conformance_config" in workerinput:
            fields: dict[str, Any] = dict(workerinput["conformance_config"])
            fields["mock_faults"] = tuple(fields.get("mock_faults") or ())
            built = Config(**fields)
        elif isinstance(carrier, ConfigCarrier):
            built = carrier.config
        elif _active(config):
            built = _from_options(config)
        else:
            config.stash[_INACTIVE] = True
            return None
    except SetupError as exc:
        raise pytest.UsageError(str(exc)) from None
    if built.seed is None:
        built = dataclasses.replace(built, seed=resolve_seed(built))
    config.stash[CONFIG] = built
    return built


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    built = run_config(config)
    if built is None:
        return
    config.stash[_SIGNALS] = _stop.install()  # every process: the CLI's, the xdist controller, each worker
    config.args[:] = [SUITE]  # the suite is the conformance tests, whatever testpaths says
    if built.record_har and not hasattr(config, "workerinput"):
        from conformance.client.har import discard_parts

        discard_parts(built.record_har)  # what an interrupted run left is not this run's traffic
    if _xdist_controller(config):
        return
    carrier = ConfigCarrier.find(config)
    if isinstance(carrier, ConfigCarrier) and carrier.runtime is not None:
        config.stash[RUNTIME] = carrier.runtime
        return
    from conformance.engine._preflight import require_selection

    try:
        config.stash[RUNTIME] = build_runtime(built)
        require_selection(config.stash[RUNTIME])
    except SetupError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(optionalhook=True)  # xdist's hook: `-p no:xdist` must not make every pytest run an error
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker runs with the controller's config, seed included."""
    run_config = node.config.stash.get(CONFIG, None)
    if run_config is not None:
        node.workerinput["conformance_config"] = dataclasses.asdict(run_config)


_SIGNALS = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Any:
    """From here on a signal is noted, never raised: the reports are written whole, and say "interrupted"."""
    if run_config(session.config) is not None:
        _stop.shield_forever()
    return (yield)


def pytest_unconfigure(config: pytest.Config) -> None:
    try:
        _unconfigure(config)
    finally:
        if config.stash.get(_SIGNALS, False):
            _stop.uninstall()


def _unconfigure(config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME, None)
    if runtime is not None:
        try:
            from conformance.client.client import EngineClient

            EngineClient(runtime, Recorder()).clean_up()  # anything a test could not delete itself
        finally:
            runtime.close()
    built = config.stash.get(CONFIG, None)
    if built is not None and built.record_har and not hasattr(config, "workerinput"):
        from conformance.client.har import assemble
        from conformance.client.tls import INSECURE
        from conformance.engine.runtime import redactor_for

        # every process's part (xdist's workers have ended by now), in one HAR, scrubbed as it is written
        note = INSECURE if built.insecure and (built.base_url or "").lower().startswith("https://") else ""
        assemble(built.record_har, (runtime.redactor if runtime is not None else redactor_for(built)).text, note)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    runtime = metafunc.config.stash.get(RUNTIME, None)
    if runtime is None:
        return
    if "operation" in metafunc.fixturenames:
        ops = runtime.operations
        metafunc.parametrize("operation", ops, ids=[op.label for op in ops])
    if "stateful" in metafunc.fixturenames:
        cases = _test_bodies.stateful_cases(runtime)
        metafunc.parametrize("stateful", cases, ids=[str(case) for case in cases])
    if "deeper" in metafunc.fixturenames:  # a budgeted run's second pass; none without a budget
        deeper = runtime.operations if runtime.config.budgeted else []
        metafunc.parametrize("deeper", deeper, ids=[op.label for op in deeper])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A check with nothing to run on (no collection in this shard) is not a test: pytest's placeholder for an
    empty parameter set would count as a test that never ran."""
    if config.stash.get(RUNTIME, None) is None and CONFIG not in config.stash:
        return
    empty = [
        item for item in items if "empty parameter set" in str(getattr(item.get_closest_marker("skip"), "kwargs", ""))
    ]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [item for item in items if item not in empty]
    items.sort(key=_pass_of)  # breadth first: every operation, then the sequences, then a budgeted run's depth


def _pass_of(item: pytest.Item) -> int:
    kind = getattr(getattr(item, "function", None), suite.KIND, "")
    return {"operation": 0, suite.DEPTH_KIND: 2}.get(kind, 1)


class _TestRun:
    def __init__(self, runtime: Runtime, recorder: Recorder) -> None:
        self.runtime = runtime
        self.recorder = recorder

    def finish(self) -> None:
        if self.recorder.findings:
            raise _test_bodies.ConformanceFailure(_test_bodies.summarize(self.recorder))

    def require(self, check: Check) -> None:
        """Skip, saying why, where the run lacks what the check declares it needs."""
        need = _test_bodies.unmet_need(self.runtime, check)
        if need is not None:
            self._skip(check.id, need.value)

    def _skip(self, check: str, why: str) -> None:
        """A check that cannot run here: the reason rides on the payload (results.json), and on pytest's line."""
        self.recorder.skipped = {"check": check, "why": why}
        pytest.skip(f"{check}: {why}")


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> _TestRun:
    runtime = request.config.stash.get(RUNTIME, None)
    if runtime is None:
        pytest.skip("the conformance suite is not configured (pass --conformance, --spec or --base-url)")
    recorder = Recorder()
    request.node.stash[_RECORDER] = recorder
    return _TestRun(runtime, recorder)


_RECORDER = pytest.StashKey[Recorder]()


def _label(item: pytest.Item) -> tuple[str, str]:
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    kind = getattr(getattr(item, "function", None), suite.KIND, item.name)
    if "operation" in params:
        return kind, params["operation"].label
    if "stateful" in params:
        case = params["stateful"]
        return case.check.id, case.operation.label
    return kind, item.name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    recorder = item.stash.get(_RECORDER, None)
    if recorder is None or call.when not in ("call", "setup"):
        return
    if call.when == "setup" and not report.skipped:
        return
    kind, label = _label(item)
    report.conformance = {"kind": kind, "operation": label, **recorder.as_dict()}
    if _stop.requested() is not None:  # crosses from an xdist worker to the controller with the report
        report.conformance["signal"] = _stop.signal_name()
    _count_failures(item, len(recorder.findings))
    runtime = item.config.stash.get(RUNTIME, None)
    if report.failed and runtime is not None:
        if call.excinfo is not None and call.excinfo.errisinstance(_test_bodies.ConformanceFailure):
            report.longrepr = runtime.redactor.text(str(call.excinfo.value))
        else:  # an error in the suite itself: keep the traceback, minus any secret
            report.longrepr = runtime.redactor.text(str(report.longrepr))


_FINDINGS = pytest.StashKey[int]()


def _count_failures(item: pytest.Item, found: int) -> None:
    """--max-failures: once that many findings are in, no further test starts (the reports say incomplete)."""
    built = item.config.stash.get(CONFIG, None)
    total = item.config.stash.get(_FINDINGS, 0) + found
    item.config.stash[_FINDINGS] = total
    if built is not None and built.max_failures is not None and total >= built.max_failures:
        item.session.shouldstop = f"max_failures: {total} findings reached the limit of {built.max_failures}"


_STARTED = pytest.StashKey[float]()
BUDGET_SPENT = "budget spent: "  # how a stop by --max-time or --max-requests begins (the reports read it)


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    session.config.stash[_STARTED] = time.monotonic()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """--max-time ran out inside a test (a slow answer, a long Retry-After): the test stops where it is, keeps
    what it found, and no further test starts."""
    from conformance.client.bounded import RunBudgetSpent
    from conformance.client.client import TargetGone

    try:
        return (yield)
    except TargetGone as gone:  # a deploy restarting: stop, keep what was found, never a flood of findings
        recorder = item.stash.get(_RECORDER, None)
        if recorder is not None:
            recorder.target_gone = str(gone)
        item.session.shouldstop = str(gone)
        pytest.skip(str(gone))
    except RunBudgetSpent as spent:
        item.session.shouldstop = f"{BUDGET_SPENT}{spent}"
        pytest.skip(f"{BUDGET_SPENT}{spent}")
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM mid-test: keep what this test found, start no other
        if _stop.requested() is None:
            _stop.note(signal.SIGINT)  # an interrupt no handler saw (raised in-process) is Ctrl-C's
        if item.stash.get(_RECORDER, None) is None:
            raise
        item.session.shouldstop = f"interrupted ({_stop.signal_name()})"
        pytest.skip(f"interrupted: {_stop.signal_name()} during this test")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """--max-time: once the budget is spent, the remaining tests do not start; the reports are still written."""
    import time

    if run_config(item.config) is not None:
        _stop.stop_here()  # a signal whose KeyboardInterrupt was dropped: no further test starts
    built = item.config.stash.get(CONFIG, None)
    started = item.config.stash.get(_STARTED, None)
    if built is None or built.max_time is None or started is None:
        return
    if time.monotonic() - started > built.max_time:
        item.session.shouldstop = f"{BUDGET_SPENT}the --max-time budget of {built.max_time:g}s is spent"
        pytest.skip(str(item.session.shouldstop))
