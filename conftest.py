"""The conformance suite's pytest plugins load through the package's `pytest11` entry points, so from here
`pytest --conformance` (the embedded mock) or `pytest --spec PATH --base-url URL` runs the suite; plain
`pytest` runs the project's own tests under tests/.

The project's own tests run in parallel: one pytest-xdist process per core (`-n auto`) unless `-n` is given
(`-n 0` runs them in this process), a module's tests on one worker (`--dist loadscope`) unless `--dist` is given,
and the summary names each skip's reason once (`-rs`: a test
needing chromium, actionlint or ../shared). That is decided here, not in pyproject's addopts, so that a
conformance run started from the checkout keeps its own `--workers` and output as it would anywhere else (the
CLI's run reads none of this: it runs with its own pytest.ini).
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    option = config.option
    if hasattr(config, "workerinput") or getattr(option, "conformance", False) or getattr(option, "spec", None):
        return  # an xdist worker (its controller decided), or a conformance run: its workers are its own
    if option.reportchars == "fE":  # pytest's default: add the skips (identical reasons are folded into one line)
        option.reportchars += "s"
    if getattr(option, "numprocesses", 0) is None:  # -n not given (with -p no:xdist there is no -n at all)
        option.numprocesses = "auto"
    if getattr(option, "numprocesses", 0) and option.dist == "no":
        # a module's tests on one worker: the module-scoped fixtures (whole CLI runs, servers) run once, not on each
        option.dist = "loadscope"
