"""A run's draws come from its seed and the spec alone, and it writes nothing where it is started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.engine.test_cli import cli


def test_a_run_mines_no_literal_of_this_package_and_leaves_no_hypothesis_directory(tmp_path):
    """Sweep: hypothesis put string literals of every module outside site-packages into its draws (`secret_read_back`
    and `run.har` in request bodies of an editable install, other draws against the mock over HTTP than in-process),
    and kept its caches in ./.hypothesis of the directory the run started in."""
    from hypothesis.internal.conjecture import providers

    from conformance.engine._hypothesis_setup import own_hypothesis

    own_hypothesis()
    assert len(providers._get_local_constants()) == 0
    ran = cli("run", "--include", "^GET /tags$", "--max-examples", "2", "--report-dir", "out", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert not (tmp_path / ".hypothesis").exists()


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare to drop the passwd entry")
def test_no_home_and_no_passwd_entry_is_no_crash(tmp_path):
    """HOME unset and a uid without a passwd entry (a container's arbitrary uid): Path.home() raises RuntimeError
    and the run crashes (exit 3, 'a bug in the suite') before it sends anything. Expected: a run (the cache goes
    to a temp dir or nowhere)."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    cmd = ["unshare", "-U", "--map-user=4242", "--map-group=4242", sys.executable, "-m", "conformance", "run",
           "--include", "^GET /tags$", "--max-examples", "1", "--report-dir", str(tmp_path / "out")]  # fmt: skip
    try:
        ran = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        pytest.skip("no unshare")
    if "unshare failed" in ran.stderr or "Operation not permitted" in ran.stderr:
        pytest.skip("user namespaces not allowed here")
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_a_relative_xdg_cache_home_writes_nothing_into_the_cwd(tmp_path):
    """XDG base-directory spec: a relative $XDG_CACHE_HOME is invalid and ignored. The run used it, relative to the
    cwd, and left relcache/voipbin-conformance/hypothesis/… beside the reports."""
    env = {**os.environ, "XDG_CACHE_HOME": "relcache"}
    ran = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--include", "^GET /tags$", "--max-examples", "1",
         "--report-dir", str(tmp_path / "out")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
