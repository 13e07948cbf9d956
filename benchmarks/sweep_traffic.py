"""A hostile sweep of the traffic commands (proxy, judge) and the TLS options, rerunnable (issue #25).

Each case says what was tried, what was expected, what came, and HELD or FELL. Small runs, the proxy a subprocess
as a user starts it.

    python benchmarks/sweep_traffic.py [--only SUBSTRING] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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
    import _sweep_traffic_judge
    import _sweep_traffic_proxy
    import _sweep_traffic_tls

    return [Case(*row) for row in _sweep_traffic_proxy.CASES + _sweep_traffic_judge.CASES + _sweep_traffic_tls.CASES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name holds this")
    parser.add_argument("--json", help="write the table as JSON here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sweep_traffic_"))
    cases = [c for c in _cases() if args.only in c.name]
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
