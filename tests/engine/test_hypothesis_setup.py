"""A run's draws come from its seed and the spec alone, and it writes nothing where it is started."""

from __future__ import annotations

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
