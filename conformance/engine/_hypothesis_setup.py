"""Hypothesis as a run uses it: what a seed draws depends on the seed and the spec alone, and nothing is written
where the user runs the suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def own_hypothesis() -> None:
    """Two of hypothesis's defaults are for testing one's own code, not a target's:

    - it mines the string and number literals of every loaded module outside site-packages into its draws: with this
      package installed editable, `secret_read_back` and `run.har` went into request bodies, and a seed drew
      differently against the embedded mock and the same mock over HTTP (other modules loaded), and after any change
      to this package's source. Draws come from the seed and the spec alone.
    - it keeps its caches in `./.hypothesis` of whatever directory the run starts in (a fresh CI checkout rebuilt
      them every run: +1.3 s and +200 MB for a 10-operation run while constants were mined): they go to the user's
      cache directory instead ($XDG_CACHE_HOME where absolute, else ~/.cache, else the temporary directory)."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(_cache_home() / "voipbin-conformance" / "hypothesis")
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        providers._get_local_constants = Constants  # no local module's literals: an empty set, every time
    except (ImportError, AttributeError):  # a hypothesis without the mining has nothing to switch off
        pass


def _cache_home() -> Path:
    """The XDG base-directory rules: a relative $XDG_CACHE_HOME is ignored; no home at all (a container's uid with no
    passwd entry and no $HOME) leaves the system's temporary directory."""
    configured = os.environ.get("XDG_CACHE_HOME") or ""
    if os.path.isabs(configured):
        return Path(configured)
    try:
        return Path.home() / ".cache"
    except RuntimeError:
        return Path(tempfile.gettempdir())
