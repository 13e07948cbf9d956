"""A hostile sweep of the traffic commands (proxy, judge) and the TLS options, rerunnable (issue #25).

Each case says what was tried, what was expected, what came, and HELD or FELL. Small runs, the proxy a subprocess
as a user starts it.

    python benchmarks/sweep_traffic.py [--only SUBSTRING] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sweep_common import Case, run_table


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
    return run_table(cases, work, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
