"""A hostile sweep of `lint` and of the run's budget (--max-time, --max-requests), rerunnable.

Each case says what was tried, what was expected, what came, and HELD or FELL. Small runs (--max-examples 2,
--include narrowing) except where a case needs the whole spec. Prism is opt-in (`--prism`: needs
/work/prismcli/node_modules/.bin/prism or PRISM=path).

    python benchmarks/sweep_lint_budget.py [--only SUBSTRING] [--prism] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sweep_common import Got


@dataclass
class Case:
    name: str
    tried: str
    expected: str
    fn: Callable[[Path], Got]


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
    rows: list[dict[str, Any]] = []
    print("| case | tried | expected | got | verdict |\n| --- | --- | --- | --- | --- |")
    for case in cases:
        folder = work / case.name
        folder.mkdir()
        started = time.monotonic()
        try:
            got = case.fn(folder)
        except Exception as exc:  # the sweep's own failure is a FELL with its reason, never a lost row
            got = Got(f"sweep error: {type(exc).__name__}: {exc}", False)
        took = time.monotonic() - started
        verdict = "HELD" if got.held else "FELL"
        row = {"case": case.name, "tried": case.tried, "expected": case.expected, "got": got.text, "held": got.held}
        rows.append(row | {"seconds": round(took, 1)})
        cell = got.text.replace("|", "\\|").replace("\n", " ")
        print(f"| {case.name} | {case.tried} | {case.expected} | {cell} ({took:.1f}s) | {verdict} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    fell = [r["case"] for r in rows if not r["held"]]
    print(f"\n{len(rows) - len(fell)} held, {len(fell)} fell" + (f": {', '.join(fell)}" if fell else ""))
    return 1 if fell else 0


if __name__ == "__main__":
    raise SystemExit(main())
