"""A hostile sweep of `lint` and of the run's budget (--max-time, --max-requests), rerunnable.

Each case says what was tried, what was expected, what came, and HELD or FELL. Small runs (--max-examples 2,
--include narrowing) except where a case needs the whole spec. Prism is opt-in (`--prism`: needs
/work/prismcli/node_modules/.bin/prism or PRISM=path).

    python benchmarks/sweep_lint_budget.py [--only SUBSTRING] [--prism] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sweep_common import Case, run_table


def _cases() -> list[Case]:
    import _sweep_budget
    import _sweep_lint
    import _sweep_targets

    return [Case(*row) for row in _sweep_lint.CASES + _sweep_budget.CASES + _sweep_targets.CASES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name holds this")
    parser.add_argument("--prism", action="store_true", help="also spar with Prism (slow: ~1-2 min)")
    parser.add_argument("--json", help="write the table as JSON here")
    args = parser.parse_args()
    work = Path("/tmp") / f"sweep_lint_budget_{int(time.time())}"
    work.mkdir(parents=True)
    cases = [c for c in _cases() if args.only in c.name and (args.prism or not c.name.startswith("prism"))]
    return run_table(cases, work, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
